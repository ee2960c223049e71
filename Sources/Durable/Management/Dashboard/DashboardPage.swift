import Foundation

/// The built-in dashboard: one self-contained HTML page (its style and script inline, nothing
/// fetched from elsewhere) that lists instances and draws one instance's history as a timeline,
/// calling the management routes relative to its own URL.
enum DashboardPage {
    /// The policy the page is served with: it may run its own inline script and style and call
    /// back to the server that served it, and load nothing else, so it works offline and an
    /// injected tag could not fetch or send anywhere.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The whole page, assembled once.
    static let html: String = head + style + body + "<script>\n" + script + timelineScript + "</script>\n</body>\n</html>\n"

    /// The answer to `GET {prefix}/dashboard`: the page, never cached (it is behind a key).
    static func response() -> ManagementResponse {
        ManagementResponse(
            status: 200,
            headers: [
                "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                "Content-Security-Policy": contentSecurityPolicy, "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            ],
            body: Data(html.utf8))
    }

    private static let head = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>Durable dashboard</title>

        """#

    private static let body = #"""
        </head>
        <body>
        <header class="top">
          <a class="brand" href="#/">Durable</a>
          <span class="sub">orchestration dashboard</span>
          <span class="spacer"></span>
          <span id="conn" class="conn"></span>
        </header>
        <main>
        <section id="list-view">
          <div class="toolbar">
            <input id="search" type="search" placeholder="Instance id prefix" autocomplete="off" spellcheck="false">
            <div id="status-filters" class="filters"></div>
            <span class="spacer"></span>
            <span id="count" class="muted"></span>
            <label class="toggle"><input id="auto" type="checkbox" checked> Auto-refresh</label>
            <button id="refresh" type="button">Refresh</button>
          </div>
          <div class="card">
            <table class="grid">
              <thead><tr><th>Instance</th><th>Name</th><th>Status</th><th>Created</th><th>Last updated</th>
              <th>Custom status</th></tr></thead>
              <tbody id="rows"></tbody>
            </table>
            <div id="empty" class="empty" hidden>No instances match.</div>
          </div>
          <div class="more-row"><button id="more" type="button" hidden>Load more</button></div>
        </section>
        <section id="instance-view" hidden>
          <div class="crumbs"><a href="#/">Instances</a> <span>/</span> <span id="iv-id" class="mono"></span></div>
          <div class="title-row">
            <h1 id="iv-name"></h1>
            <span id="iv-status"></span>
            <span class="spacer"></span>
            <label class="toggle"><input id="iv-auto" type="checkbox" checked> Auto-refresh</label>
          </div>
          <div id="iv-meta" class="meta"></div>
          <div class="actions card">
            <div class="action-group">
              <input id="ev-name" placeholder="Event name" spellcheck="false">
              <input id="ev-body" class="mono" placeholder="JSON body, e.g. {&quot;ok&quot;:true}" spellcheck="false">
              <button id="act-raise" type="button">Raise event</button>
            </div>
            <div class="action-group">
              <input id="reason" placeholder="Reason (optional)">
              <button id="act-terminate" class="danger" type="button">Terminate</button>
              <button id="act-suspend" type="button">Suspend</button>
              <button id="act-resume" type="button">Resume</button>
              <button id="act-rewind" type="button">Rewind</button>
              <button id="act-restart" type="button">Restart</button>
              <button id="act-purge" class="danger" type="button">Purge</button>
            </div>
            <div id="act-result" class="act-result" hidden></div>
          </div>
          <h2>Timeline</h2>
          <div class="card timeline-card"><div id="timeline"></div><div id="legend" class="legend"></div></div>
          <div class="panes">
            <div class="card pane"><h3>Input</h3><pre id="iv-input"></pre></div>
            <div class="card pane"><h3>Output</h3><pre id="iv-output"></pre></div>
            <div class="card pane"><h3>Custom status</h3><pre id="iv-custom"></pre></div>
          </div>
          <details class="card history">
            <summary>History <span id="hist-count" class="muted"></span></summary>
            <table class="grid"><thead><tr><th>#</th><th>Time</th><th>Event</th><th>Name</th><th>Detail</th></tr></thead>
            <tbody id="hist-rows"></tbody></table>
          </details>
        </section>
        </main>
        <svg id="svgns" width="0" height="0" aria-hidden="true"></svg>

        """#
}
