extension DashboardPage {
    /// The timeline: pairs history events into spans and markers and draws them as positioned
    /// divs (no SVG namespace, no external anything), one lane per name, retries on their lane.
    static let timelineScript = #"""

        // ---- Timeline ----
        // Pairs the history's start and end events into spans (activities, sub-orchestrations, timers,
        // event waits) and point markers, packs them into lanes, and draws them as positioned divs.
        function timelineItems(events, status) {
          const t = (e) => Date.parse(e.Timestamp);
          const items = [], marks = [], open = new Map(), timers = new Map(), waits = [];
          for (const e of events) {
            const at = t(e);
            switch (e.EventType) {
              case 'TaskScheduled':
              case 'SubOrchestrationCreated': {
                const sub = e.EventType === 'SubOrchestrationCreated';
                const item = { kind: sub ? 'sub' : 'activity', name: e.FunctionName || '?', start: at, end: null, state: 'open',
                  attempt: e.Attempt || 1, instanceId: e.InstanceId, seq: e.EventId };
                items.push(item); open.set((sub ? 's' : 'a') + e.EventId, item);
                break;
              }
              case 'TaskCompleted': case 'TaskFailed': case 'SubOrchestrationCompleted': case 'SubOrchestrationFailed': {
                const item = open.get((e.EventType.startsWith('Sub') ? 's' : 'a') + e.TaskScheduledId);
                if (!item) break;
                item.end = at; item.state = e.EventType.endsWith('Failed') ? 'failed' : 'ok';
                item.result = e.EventType.endsWith('Failed') ? e.Reason : compact(e.Result);
                break;
              }
              case 'TimerCreated': {
                const item = { kind: 'timer', name: 'timer', start: at, end: null, fireAt: Date.parse(e.FireAt), state: 'open' };
                items.push(item); timers.set(e.TimerId, item);
                break;
              }
              case 'TimerFired': {
                const item = timers.get(e.TimerId);
                if (item) { item.end = Math.max(item.start, Date.parse(e.FireAt) || at); item.state = 'ok'; item.firedAt = at; }
                break;
              }
              case 'EventWaitStarted': {
                const item = { kind: 'wait', name: e.Name, start: at, end: null, state: 'open' };
                items.push(item); waits.push(item);
                break;
              }
              case 'EventRaised': {
                const w = waits.find((x) => x.end === null && x.name === e.Name);
                if (w) { w.end = at; w.state = 'ok'; w.result = compact(e.Input); }
                marks.push({ kind: 'event', at, label: 'Event ' + e.Name, detail: compact(e.Input) });
                break;
              }
              case 'EventSent': marks.push({ kind: 'sent', at, label: 'Sent ' + e.Name, detail: compact(e.Input) }); break;
              case 'ExecutionSuspended': case 'ExecutionResumed':
                marks.push({ kind: 'control', at, label: e.EventType.slice(9), detail: e.Reason || '' }); break;
              case 'CustomStatusSet': marks.push({ kind: 'custom', at, label: 'Custom status', detail: compact(e.CustomStatus) }); break;
              default: break;
            }
          }
          return { items, marks, active: ACTIVE.has(status) };
        }

        function drawTimeline(box, legend, events, status) {
          box.replaceChildren();
          legend.replaceChildren();
          if (!events.length) { box.append(el('div', { class: 'empty', text: 'No history yet.' })); return; }
          const { items, marks, active } = timelineItems(events, status);
          const times = events.map((e) => Date.parse(e.Timestamp)).filter(isFinite);
          if (!times.length) { box.append(el('div', { class: 'empty', text: 'No timestamps to draw.' })); return; }
          // reduce, not Math.min(...times): a long history would overflow the argument list.
          const t0 = times.reduce((a, b) => Math.min(a, b), Infinity);
          let t1 = times.reduce((a, b) => Math.max(a, b), -Infinity);
          // A live instance's open spans run to now; the host clock may not be the runtime's, so stay near the history.
          const now = Date.now();
          if (active && now > t1 && now - t1 < 86400000) t1 = now;
          for (const i of items) if (i.kind === 'timer' && i.end === null && isFinite(i.fireAt)) t1 = Math.max(t1, i.fireAt);
          for (const i of items) if (i.end === null) i.end = i.kind === 'timer' && isFinite(i.fireAt) ? i.fireAt : t1;
          const span = Math.max(t1 - t0, 1);

          // Lanes: one per name, reused once its last span ended; a retry joins the lane of its failed attempt.
          const lanes = [];
          for (const i of items) {
            let lane = null;
            if (i.attempt > 1) lane = lanes.slice().reverse().find((l) => l.kind === i.kind && l.name === i.name && l.last.attempt === i.attempt - 1);
            if (!lane) lane = lanes.find((l) => l.kind === i.kind && l.name === i.name && l.last.end <= i.start && !(i.attempt > 1));
            if (!lane) { lane = { kind: i.kind, name: i.name, items: [] }; lanes.push(lane); }
            lane.items.push(i); lane.last = i;
          }

          const labelW = 190, rowH = 30, axisH = 28, markH = marks.length ? 30 : 0;
          const width = Math.max(box.clientWidth || 900, 640);
          const plotW = width - labelW - 24;
          const x = (ms) => labelW + ((ms - t0) / span) * plotW;
          const height = axisH + markH + lanes.length * rowH + 8;
          const root = el('div', { class: 'tl', style: 'height:' + height + 'px;width:' + width + 'px' });

          for (const tk of ticks(span)) {
            const left = x(t0 + tk);
            root.append(el('div', { class: 'tl-grid', style: 'left:' + left + 'px;top:' + (axisH - 6) + 'px;bottom:0' }));
            root.append(el('div', { class: 'tl-tick', style: 'left:' + left + 'px', text: tk === 0 ? fmtTime(new Date(t0).toISOString()).slice(11) : '+' + fmtTick(tk) }));
          }

          lanes.forEach((lane, n) => {
            const top = axisH + markH + n * rowH;
            root.append(el('div', { class: 'tl-lane' + (n % 2 ? ' odd' : ''), style: 'top:' + top + 'px;height:' + rowH + 'px' }));
            const label = lane.kind === 'timer' ? 'Timers' : lane.kind === 'wait' ? 'Waiting: ' + lane.name : lane.name;
            root.append(el('div', { class: 'tl-label k-' + lane.kind, style: 'top:' + top + 'px;height:' + rowH + 'px;width:' + (labelW - 12) + 'px', title: label, text: label }));
            for (const i of lane.items) root.append(bar(i, x, top + 7, status));
          });

          for (const m of marks) {
            root.append(el('div', { class: 'tl-mark m-' + m.kind, style: 'left:' + x(m.at) + 'px;top:' + (axisH + 8) + 'px',
              title: m.label + ' at +' + fmtDur(m.at - t0) + (m.detail ? '\n' + m.detail : '') }));
          }

          const endEvent = events.slice().reverse().find((e) => /^Execution(Completed|Failed|Terminated)$/.test(e.EventType));
          const startEvent = events.find((e) => e.EventType === 'ExecutionStarted');
          if (startEvent) root.append(edge('start', x(Date.parse(startEvent.Timestamp)), axisH, 'Started ' + fmtTime(startEvent.Timestamp)));
          if (endEvent) {
            const kind = endEvent.EventType.slice(9);
            root.append(edge('end e-' + kind, x(Date.parse(endEvent.Timestamp)), axisH,
              kind + ' after ' + fmtDur(Date.parse(endEvent.Timestamp) - t0) + (endEvent.Reason ? '\n' + endEvent.Reason : '')));
          } else if (active) {
            root.append(edge('now', x(t1), axisH, 'Now (' + status + ')'));
          }
          box.append(root);

          const key = [['Activity', '--completed'], ['Failed', '--failed'], ['Running', '--running'], ['Sub-orchestration', '--sub'],
            ['Timer', '--timer'], ['Event wait', '--event']];
          for (const [name, color] of key) legend.append(el('span', { style: '--c:var(' + color + ')', text: name }));
          legend.append(el('span', { class: 'dia', text: 'Timer fired' }), el('span', { class: 'pin', text: 'Event' }));
        }

        function bar(i, x, top, status) {
          const left = x(i.start), w = Math.max(x(i.end) - left, 5);
          const dur = fmtDur(i.end - i.start);
          const state = i.state === 'open' && !ACTIVE.has(status) ? 'stopped' : i.state;
          const what = { activity: 'Activity', sub: 'Sub-orchestration', timer: 'Timer', wait: 'Waiting for event' }[i.kind];
          const lines = [what + ' ' + i.name + (i.attempt > 1 ? ' (attempt ' + i.attempt + ')' : ''),
            (state === 'open' ? 'running for ' : state === 'stopped' ? 'unfinished after ' : '') + dur];
          if (i.kind === 'timer') lines.push('fires at ' + fmtTime(new Date(i.fireAt).toISOString()));
          if (i.instanceId) lines.push('instance ' + i.instanceId);
          if (i.result) lines.push((i.state === 'failed' ? 'reason: ' : 'result: ') + String(i.result).slice(0, 300));
          const attrs = { class: 'timeline-bar k-' + i.kind + ' st-' + state, style: 'left:' + left + 'px;top:' + top + 'px;width:' + w + 'px', title: lines.join('\n') };
          const node = i.kind === 'sub' && i.instanceId ? el('a', Object.assign({ href: instanceHash(i.instanceId) }, attrs)) : el('div', attrs);
          if (i.attempt > 1 || w > 70) node.append(el('span', { class: 'bar-text', text: (i.attempt > 1 ? '#' + i.attempt + ' ' : '') + (w > 70 ? dur : '') }));
          const group = el('div', { class: 'tl-item' }, node);
          if (i.kind === 'timer' && i.state === 'ok') group.append(el('div', { class: 'tl-diamond', style: 'left:' + (left + w) + 'px;top:' + (top + 1) + 'px', title: 'Timer fired at ' + fmtTime(new Date(i.firedAt).toISOString()) }));
          return group;
        }

        function edge(kind, left, top, title) {
          return el('div', { class: 'tl-edge ' + kind, style: 'left:' + left + 'px;top:' + (top - 4) + 'px', title });
        }

        // An axis label: whole units where the step allows (+2 s, +10m), not the two decimals of a duration.
        function fmtTick(ms) {
          if (ms < 1000) return ms + ' ms';
          if (ms < 60000) return (ms / 1000) + ' s';
          if (ms < 3600000) return (ms % 60000 ? fmtDur(ms) : ms / 60000 + 'm');
          return ms % 3600000 ? fmtDur(ms) : ms / 3600000 + 'h';
        }

        // Round steps so the axis reads 0, +2 s, +4 s… with about eight ticks.
        function ticks(span) {
          const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5,
            72e5, 108e5, 216e5, 432e5, 864e5, 1728e5, 6048e5];
          const step = steps.find((s) => span / s <= 8) || 6048e5;
          const out = [];
          for (let v = 0; v <= span + 0.5; v += step) out.push(v);
          return out;
        }

        """#
}
