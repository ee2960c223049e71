extension DashboardPage {
    /// The page's style: system fonts only (nothing to download), status colours shared by the
    /// badges and the timeline, and a dark variant for `prefers-color-scheme: dark`.
    static let style = #"""
        <style>
        :root { --bg:#f6f7f9; --card:#fff; --fg:#1d2430; --muted:#6b7585; --line:#e3e6eb; --accent:#3b6fd8;
          --running:#2f7de1; --completed:#1f9d55; --failed:#d64545; --terminated:#7a5af5; --suspended:#d98e04;
          --pending:#8a94a6; --stripe:#fafbfc; --continued:#0e9aa7; --timer:#a0a8b8; --event:#c2410c; --sub:#6d4bd1;
          font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
          font-size: 14px; color: var(--fg); background: var(--bg); }
        @media (prefers-color-scheme: dark) {
          :root { --bg:#12151b; --card:#1b2029; --fg:#e4e8ef; --muted:#8d97a8; --line:#2b3240; --accent:#6d9cff; --stripe:#171b23; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; }
        a { color: var(--accent); text-decoration: none; }
        a:hover { text-decoration: underline; }
        .mono, pre, code, td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
        .top { display: flex; align-items: baseline; gap: 10px; padding: 14px 28px; background: var(--card);
          border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; font-size: 18px; color: var(--fg); letter-spacing: -0.01em; }
        .sub, .muted { color: var(--muted); }
        .spacer { flex: 1; }
        .conn { font-size: 12px; color: var(--muted); }
        .conn.bad { color: var(--failed); }
        main { padding: 20px 28px 60px; max-width: 1400px; margin: 0 auto; }
        .toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin-bottom: 14px; }
        .filters { display: flex; flex-wrap: wrap; gap: 5px; order: 10; flex-basis: 100%; }  /* chips on their own row */
        .chip { display: inline-flex; align-items: center; gap: 5px; padding: 3px 10px; border: 1px solid var(--line);
          border-radius: 999px; background: var(--card); cursor: pointer; user-select: none; font-size: 12px; }
        .chip input { margin: 0; }
        .chip .dot { width: 8px; height: 8px; border-radius: 50%; }
        input, button { font: inherit; color: inherit; }
        input[type=search], .actions input { padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px;
          background: var(--card); min-width: 200px; }
        button { padding: 6px 14px; border: 1px solid var(--line); border-radius: 6px; background: var(--card);
          cursor: pointer; }
        button:hover:not(:disabled) { border-color: var(--accent); color: var(--accent); }
        button:disabled { opacity: 0.4; cursor: default; }
        button.danger:not(:disabled) { color: var(--failed); }
        .toggle { display: inline-flex; align-items: center; gap: 6px; color: var(--muted); }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
          box-shadow: 0 1px 2px rgba(20,30,50,0.04); }
        table.grid { width: 100%; border-collapse: collapse; }
        .grid th { text-align: left; font-weight: 600; font-size: 12px; color: var(--muted); text-transform: uppercase;
          letter-spacing: 0.04em; padding: 10px 14px; border-bottom: 1px solid var(--line); }
        .grid td { padding: 9px 14px; border-bottom: 1px solid var(--line); vertical-align: top; }
        .grid tr:last-child td { border-bottom: none; }
        tr.instance-row { cursor: pointer; }
        tr.instance-row:hover td { background: rgba(59,111,216,0.06); }
        td.id { max-width: 320px; overflow-wrap: anywhere; }
        td.custom { color: var(--muted); max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        .empty { padding: 36px; text-align: center; color: var(--muted); }
        .more-row { text-align: center; margin-top: 14px; }
        .badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
          color: #fff; background: var(--pending); white-space: nowrap; }
        .s-Running { background: var(--running); } .s-Completed { background: var(--completed); }
        .s-Failed { background: var(--failed); } .s-Terminated { background: var(--terminated); }
        .s-Suspended { background: var(--suspended); } .s-ContinuedAsNew { background: var(--continued); }
        .s-Pending { background: var(--pending); } .s-Quarantined, .s-NotRegistered { background: #9b2c2c; }
        .crumbs { color: var(--muted); margin-bottom: 6px; }
        .title-row { display: flex; align-items: center; gap: 12px; }
        h1 { font-size: 22px; margin: 4px 0; letter-spacing: -0.01em; }
        h2 { font-size: 15px; margin: 22px 0 10px; }
        h3 { font-size: 12px; margin: 0 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
        .meta { display: flex; flex-wrap: wrap; gap: 22px; color: var(--muted); margin: 6px 0 14px; }
        .meta b { color: var(--fg); font-weight: 600; }
        .actions { padding: 12px 14px; display: flex; flex-direction: column; gap: 10px; }
        .action-group { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
        .act-result { font-family: ui-monospace, Menlo, monospace; font-size: 12px; padding: 8px 10px; border-radius: 6px;
          background: var(--bg); white-space: pre-wrap; overflow-wrap: anywhere; }
        .act-result.ok { border-left: 3px solid var(--completed); } .act-result.bad { border-left: 3px solid var(--failed); }
        .timeline-card { padding: 14px 14px 8px; overflow-x: auto; }
        #timeline { position: relative; }
        .tl { position: relative; font-size: 12px; }
        .tl-grid { position: absolute; width: 1px; background: var(--line); }
        .tl-tick { position: absolute; top: 4px; transform: translateX(-50%); color: var(--muted); font-size: 11px;
          white-space: nowrap; font-variant-numeric: tabular-nums; }
        .tl-lane { position: absolute; left: 0; right: 0; border-top: 1px solid var(--line); }
        .tl-lane.odd { background: var(--stripe); }
        .tl-label { position: absolute; left: 4px; display: flex; align-items: center; overflow: hidden;
          white-space: nowrap; text-overflow: ellipsis; font-weight: 500; }
        .tl-label.k-timer, .tl-label.k-wait { color: var(--muted); font-weight: 400; }
        .timeline-bar { position: absolute; height: 16px; border-radius: 4px; background: var(--completed);
          display: flex; align-items: center; overflow: hidden; box-shadow: inset 0 -1px 0 rgba(0,0,0,0.12); }
        .timeline-bar:hover { filter: brightness(1.12); z-index: 2; }
        .timeline-bar.st-failed { background: var(--failed); }
        .timeline-bar.st-open { background: repeating-linear-gradient(-45deg, var(--running) 0 8px, #5a9bea 8px 16px);
          animation: slide 1s linear infinite; background-size: 22.6px 100%; }
        .timeline-bar.st-stopped { background: var(--pending); opacity: 0.7; }
        .timeline-bar.k-sub.st-ok { background: var(--sub); }
        .timeline-bar.k-timer { background: var(--timer); height: 6px; margin-top: 5px; border-radius: 3px; }
        .timeline-bar.k-timer.st-open { background: repeating-linear-gradient(90deg, var(--timer) 0 6px, transparent 6px 10px); }
        .timeline-bar.k-wait { background: transparent; border: 1.5px dashed var(--event); }
        a.timeline-bar { cursor: pointer; outline-offset: 2px; }
        @keyframes slide { to { background-position: 22.6px 0; } }
        .bar-text { color: #fff; font-size: 10.5px; font-weight: 600; padding: 0 6px; white-space: nowrap;
          text-shadow: 0 1px 1px rgba(0,0,0,0.25); }
        .k-wait .bar-text, .k-timer .bar-text { display: none; }
        .tl-diamond { position: absolute; width: 10px; height: 10px; margin-left: -5px; background: var(--timer);
          border: 2px solid var(--card); transform: rotate(45deg); }
        .tl-mark { position: absolute; width: 12px; height: 12px; margin-left: -6px; border-radius: 50% 50% 50% 0;
          transform: rotate(-45deg); background: var(--event); border: 2px solid var(--card); cursor: default; }
        .tl-mark.m-sent { background: var(--continued); }
        .tl-mark.m-control { background: var(--suspended); }
        .tl-mark.m-custom { background: var(--muted); width: 8px; height: 8px; margin-left: -4px; margin-top: 2px; }
        .tl-edge { position: absolute; bottom: 0; width: 2px; margin-left: -1px; background: var(--fg); opacity: 0.55; }
        .tl-edge::before { content: ""; position: absolute; top: -3px; left: -4px; width: 10px; height: 10px; border-radius: 50%;
          background: inherit; }
        .tl-edge.e-Completed { background: var(--completed); opacity: 1; }
        .tl-edge.e-Failed { background: var(--failed); opacity: 1; }
        .tl-edge.e-Terminated { background: var(--terminated); opacity: 1; }
        .tl-edge.now { background: var(--running); opacity: 0.8; }
        .legend .dia::before { width: 8px; height: 8px; background: var(--timer); transform: rotate(45deg); border-radius: 0; }
        .legend .pin::before { width: 9px; height: 9px; background: var(--event); border-radius: 50% 50% 50% 0;
          transform: rotate(-45deg); }
        .legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); padding: 8px 4px 2px; }
        .legend span::before { content: ""; display: inline-block; width: 12px; height: 8px; border-radius: 2px;
          margin-right: 5px; background: var(--c); vertical-align: middle; }
        .panes { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 14px; margin-top: 16px; }
        .pane { padding: 12px 14px; min-width: 0; }
        .pane pre { margin: 0; max-height: 320px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
        details.history { margin-top: 16px; }
        details.history summary { padding: 12px 14px; cursor: pointer; font-weight: 600; }
        .ev-kind.bad { color: var(--failed); font-weight: 600; } .ev-kind.good { color: var(--completed); }
        details.history td { font-size: 12.5px; overflow-wrap: anywhere; }
        </style>

        """#
}
