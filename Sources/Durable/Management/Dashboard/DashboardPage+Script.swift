extension DashboardPage {
    /// The page's script: API calls relative to the page, the instance list, the instance view
    /// and its actions. Data reaches the DOM only through `textContent` and attributes.
    static let script = #"""
        'use strict';
        // Everything the page shows comes from the management API beside it: the key it was opened with
        // (?code=) rides on every call, and the API base is this page's own path, so it works under any
        // prefix or reverse-proxy path. Data only ever reaches the DOM as textContent or attributes.
        const code = new URLSearchParams(location.search).get('code') || '';
        const base = (() => {
          let p = location.pathname;
          if (p.endsWith('/dashboard')) p = p.slice(0, -'dashboard'.length);
          return p.endsWith('/') ? p : p + '/';
        })();
        const STATUSES = ['Running', 'Pending', 'Suspended', 'Completed', 'Failed', 'Terminated', 'ContinuedAsNew'];
        const ACTIVE = new Set(['Running', 'Pending', 'Suspended']);
        const FINISHED = new Set(['Completed', 'Failed', 'Terminated', 'ContinuedAsNew']);
        const PAGE = 50;
        const $ = (id) => document.getElementById(id);

        function endpoint(path, query) {
          const q = new URLSearchParams(query || {});
          if (code) q.set('code', code);
          const s = q.toString();
          return base + path + (s ? '?' + s : '');
        }

        async function call(method, path, query, body, headers) {
          const init = { method, headers: Object.assign({}, headers || {}), cache: 'no-store', credentials: 'same-origin' };
          if (body !== undefined) { init.body = body; init.headers['Content-Type'] = 'application/json'; }
          let res;
          try { res = await fetch(endpoint(path, query), init); } catch (e) { setConn(false, String(e)); throw e; }
          const text = await res.text();
          let json = null;
          try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
          setConn(res.status !== 401, res.status === 401 ? 'Unauthorized: open the page with ?code=KEY' : '');
          return { status: res.status, headers: res.headers, json, text };
        }

        function setConn(ok, message) {
          const c = $('conn');
          c.textContent = ok ? 'Updated ' + new Date().toLocaleTimeString() : message;
          c.classList.toggle('bad', !ok);
        }

        // Builds an element; attributes go through setAttribute and children through text nodes, never HTML.
        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) {
            if (v === undefined || v === null || v === false) continue;
            if (k === 'class') node.className = v;
            else if (k === 'text') node.textContent = v;
            else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
            else node.setAttribute(k, v === true ? '' : String(v));
          }
          for (const c of children) if (c !== null && c !== undefined) node.append(c);
          return node;
        }

        // Replaces `parent`'s children with `nodes` in one fragment (no spread: histories can be long).
        function fill(parent, nodes) {
          const frag = document.createDocumentFragment();
          for (const n of nodes) frag.append(n);
          parent.replaceChildren(frag);
        }

        function badge(status) { return el('span', { class: 'badge s-' + status, text: status }); }
        function instanceHash(id) { return '#/instance/' + encodeURIComponent(id); }
        function pretty(v) { return v === null || v === undefined ? '—' : JSON.stringify(v, null, 2); }
        function compact(v) { return v === null || v === undefined ? '' : (typeof v === 'string' ? v : JSON.stringify(v)); }
        function fmtTime(iso) {
          const d = new Date(iso);
          if (isNaN(d)) return '';
          const p = (n, w) => String(n).padStart(w || 2, '0');
          return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' +
            p(d.getMinutes()) + ':' + p(d.getSeconds());
        }
        function fmtDur(ms) {
          if (!isFinite(ms) || ms < 0) return '';
          if (ms < 1000) return Math.round(ms) + ' ms';
          const s = ms / 1000;
          if (s < 60) return (s < 10 ? s.toFixed(2) : s.toFixed(1)) + ' s';
          const m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
          if (m < 60) return m + 'm ' + Math.floor(s % 60) + 's';
          if (h < 24) return h + 'h ' + (m % 60) + 'm';
          return d + 'd ' + (h % 24) + 'h';
        }
        function ago(iso) {
          const ms = Date.now() - Date.parse(iso);
          return isFinite(ms) && ms >= 0 ? fmtDur(ms) + ' ago' : fmtTime(iso);
        }

        // ---- Instance list ----
        const list = { rows: [], token: null, chain: Promise.resolve(), pending: 0 };

        function selectedStatuses() {
          return STATUSES.filter((s) => { const box = $('f-' + s); return box && box.checked; });
        }

        function listQuery(top) {
          const q = { top: String(top) };
          const statuses = selectedStatuses();
          if (statuses.length) q.runtimeStatus = statuses.join(',');
          const prefix = $('search').value.trim();
          if (prefix) q.instanceIdPrefix = prefix;
          return q;
        }

        // List loads run one at a time, in order: a click on "more" or a filter change made while a
        // refresh is in flight waits for it instead of being dropped; a timer tick that finds one in
        // flight skips (the next tick comes soon).
        function serially(job) {
          const run = list.chain.then(job, job);
          list.chain = run.catch(() => {});
          list.pending += 1;
          run.finally(() => { list.pending -= 1; });
          return run;
        }

        // Reloads from the first page, keeping as many rows as are on screen so a refresh does not shrink "more".
        function loadList(fromTimer) {
          if (fromTimer && list.pending) return;
          return serially(async () => {
            const r = await call('GET', 'instances', listQuery(Math.max(PAGE, Math.min(list.rows.length, 1000))));
            if (r.status !== 200 || !Array.isArray(r.json)) { showListError(r); return; }
            list.rows = r.json;
            list.token = r.headers.get('x-ms-continuation-token');
            renderList();
          });
        }

        function loadMore() {
          return serially(async () => {
            if (!list.token) return;
            const r = await call('GET', 'instances', listQuery(PAGE), undefined, { 'x-ms-continuation-token': list.token });
            if (r.status !== 200 || !Array.isArray(r.json)) { showListError(r); return; }
            list.rows = list.rows.concat(r.json);
            list.token = r.headers.get('x-ms-continuation-token');
            renderList();
          });
        }

        function showListError(r) {
          $('rows').replaceChildren();
          $('empty').hidden = false;
          $('empty').textContent = 'HTTP ' + r.status + ': ' + ((r.json && r.json.message) || r.text || 'no answer');
        }

        function renderList() {
          const counts = {};
          const rows = list.rows.map((i) => {
            counts[i.runtimeStatus] = (counts[i.runtimeStatus] || 0) + 1;
            const open = () => { location.hash = instanceHash(i.instanceId); };
            return el('tr', { class: 'instance-row', 'data-instance-id': i.instanceId, 'data-status': i.runtimeStatus, onclick: open },
              el('td', { class: 'id' }, el('a', { href: instanceHash(i.instanceId), text: i.instanceId })),
              el('td', { text: i.name }),
              el('td', {}, badge(i.runtimeStatus)),
              el('td', { title: fmtTime(i.createdTime), text: ago(i.createdTime) }),
              el('td', { title: fmtTime(i.lastUpdatedTime), text: ago(i.lastUpdatedTime) }),
              el('td', { class: 'custom', title: compact(i.customStatus), text: compact(i.customStatus) }));
          });
          fill($('rows'), rows);
          $('empty').hidden = rows.length > 0;
          $('empty').textContent = 'No instances match.';
          $('more').hidden = !list.token;
          $('count').textContent = rows.length + (list.token ? '+' : '') + ' instance' + (rows.length === 1 ? '' : 's');
        }

        function buildFilters() {
          const box = $('status-filters');
          for (const s of STATUSES) {
            box.append(el('label', { class: 'chip' },
              el('input', { type: 'checkbox', id: 'f-' + s, onchange: () => { list.rows = []; loadList(); } }),
              el('span', { class: 'dot s-' + s }), s));
          }
        }

        // ---- Routing and refresh ----
        let refreshTimer = null;
        function route() {
          const m = /^#\/instance\/(.+)$/.exec(location.hash);
          let id = null;
          if (m) { try { id = decodeURIComponent(m[1]); } catch (e) { id = null; } }
          $('list-view').hidden = id !== null;
          $('instance-view').hidden = id === null;
          if (id === null) { current.id = null; loadList(); } else { openInstance(id); }
        }

        function tick() {
          if (!$('instance-view').hidden) {
            if ($('iv-auto').checked && current.id && (!current.data || ACTIVE.has(current.data.runtimeStatus))) loadInstance();
          } else if ($('auto').checked) {
            loadList(true);
          }
        }

        window.addEventListener('hashchange', route);
        window.addEventListener('DOMContentLoaded', () => {
          buildFilters();
          let debounce = null;
          $('search').addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(() => { list.rows = []; loadList(); }, 250); });
          $('refresh').addEventListener('click', () => loadList());
          $('more').addEventListener('click', () => loadMore());
          wireActions();
          route();
          refreshTimer = setInterval(tick, 2000);
        });

        // ---- Instance view ----
        const current = { id: null, data: null, text: '' };

        function openInstance(id) {
          if (current.id !== id) {
            current.id = id; current.data = null; current.text = '';
            $('iv-id').textContent = id;
            $('iv-name').textContent = 'Loading…';
            $('iv-status').replaceChildren();
            $('act-result').hidden = true;
            $('timeline').replaceChildren();
          }
          loadInstance();
        }

        async function loadInstance() {
          const id = current.id;
          if (id === null) return;
          const r = await call('GET', 'instances/' + encodeURIComponent(id), { showHistory: 'true', showHistoryOutput: 'true' });
          if (id !== current.id) return;
          // 202 while running, 200 once finished, 500 only on request: all carry the status.
          if (!r.json || !r.json.instanceId) {
            current.data = null;
            $('iv-name').textContent = r.status === 404 ? 'No such instance' : 'HTTP ' + r.status;
            $('iv-meta').replaceChildren(el('span', { text: (r.json && r.json.message) || r.text }));
            setActions(null);
            return;
          }
          if (r.text === current.text) return;  // unchanged: keep the page still
          current.text = r.text;
          current.data = r.json;
          renderInstance(r.json);
        }

        function renderInstance(d) {
          const events = Array.isArray(d.historyEvents) ? d.historyEvents : [];
          $('iv-name').textContent = d.name;
          $('iv-status').replaceChildren(badge(d.runtimeStatus));
          const live = ACTIVE.has(d.runtimeStatus);
          const span = (live ? Date.now() : Date.parse(d.lastUpdatedTime)) - Date.parse(d.createdTime);
          const meta = (label, value, title) => el('span', { title }, label + ' ', el('b', { text: value }));
          $('iv-meta').replaceChildren(
            meta('Created', ago(d.createdTime), fmtTime(d.createdTime)),
            meta('Last updated', ago(d.lastUpdatedTime), fmtTime(d.lastUpdatedTime)),
            meta(live ? 'Age' : 'Took', fmtDur(span)),
            meta('Events', String(events.length)));
          $('iv-input').textContent = pretty(d.input);
          $('iv-output').textContent = pretty(d.output);
          $('iv-custom').textContent = pretty(d.customStatus);
          drawTimeline($('timeline'), $('legend'), events, d.runtimeStatus);
          renderHistory(events);
          setActions(d.runtimeStatus);
        }

        function renderHistory(events) {
          const t0 = events.length ? Date.parse(events[0].Timestamp) : 0;
          const skip = new Set(['EventType', 'Timestamp', 'FunctionName', 'Name']);
          // A completion names only its TaskScheduledId: show the name it was scheduled under.
          const scheduled = new Map();
          for (const e of events) if (e.EventId !== undefined && e.FunctionName) scheduled.set(e.EventType.startsWith('Sub') + ':' + e.EventId, e.FunctionName);
          const rows = events.map((e, n) => {
            const value = (v) => (typeof v === 'string' ? v : JSON.stringify(v === undefined ? null : v));
            const detail = Object.keys(e).filter((k) => !skip.has(k)).map((k) => k + '=' + value(e[k])).join('  ');
            const who = e.FunctionName || e.Name || scheduled.get(e.EventType.startsWith('Sub') + ':' + e.TaskScheduledId) || '';
            const nameCell = e.EventType === 'SubOrchestrationCreated' && e.InstanceId
              ? el('td', {}, el('a', { href: instanceHash(e.InstanceId), text: who }))
              : el('td', { class: e.FunctionName || e.Name ? '' : 'muted', text: who });
            const tone = /Failed|Terminated/.test(e.EventType) ? ' bad' : /Completed|Fired/.test(e.EventType) ? ' good' : '';
            return el('tr', {},
              el('td', { class: 'muted', text: String(n + 1) }),
              el('td', { class: 'mono', title: fmtTime(e.Timestamp), text: '+' + fmtDur(Date.parse(e.Timestamp) - t0) }),
              el('td', {}, el('span', { class: 'ev-kind' + tone, text: e.EventType })),
              nameCell,
              el('td', { class: 'mono detail', text: detail }));
          });
          fill($('hist-rows'), rows);
          $('hist-count').textContent = '(' + events.length + ' events)';
        }

        // ---- Actions ----
        const ACTIONS = {
          raise: { label: 'Raise event', allowed: ACTIVE },
          terminate: { label: 'Terminate', allowed: ACTIVE },
          suspend: { label: 'Suspend', allowed: new Set(['Running', 'Pending']) },
          resume: { label: 'Resume', allowed: new Set(['Suspended']) },
          rewind: { label: 'Rewind', allowed: new Set(['Failed']) },
          restart: { label: 'Restart', allowed: FINISHED },
          purge: { label: 'Purge', allowed: FINISHED },
        };

        function setActions(status) {
          for (const [op, a] of Object.entries(ACTIONS)) $('act-' + op).disabled = status === null || !a.allowed.has(status);
        }

        function showResult(r, op) {
          const box = $('act-result');
          box.hidden = false;
          box.className = 'act-result ' + (r.status < 300 ? 'ok' : 'bad');
          box.textContent = ACTIONS[op].label + (r.status ? ': HTTP ' + r.status : ': not sent') + (r.text ? '  ' + r.text : '');
        }

        async function act(op) {
          const id = current.id;
          if (id === null) return;
          const path = 'instances/' + encodeURIComponent(id);
          const reason = $('reason').value.trim();
          let r;
          if (op === 'raise') {
            const name = $('ev-name').value.trim();
            const raw = $('ev-body').value.trim() || 'null';
            if (!name) { $('ev-name').focus(); return; }
            try { JSON.parse(raw); } catch (e) {
              showResult({ status: 0, text: 'The body is not JSON: ' + e.message }, op);
              return;
            }
            if (!confirm('Raise event "' + name + '" on instance ' + id + '?')) return;
            r = await call('POST', path + '/raiseEvent/' + encodeURIComponent(name), {}, raw);
          } else {
            if (!confirm(ACTIONS[op].label + ' instance ' + id + '?')) return;
            r = op === 'purge'
              ? await call('DELETE', path)
              : await call('POST', path + '/' + op, reason ? { reason } : {});
          }
          showResult(r, op);
          current.text = '';
          if (op === 'purge' && r.status === 200) { setTimeout(() => { location.hash = '#/'; }, 800); return; }
          await loadInstance();
        }

        function wireActions() {
          for (const op of Object.keys(ACTIONS)) $('act-' + op).addEventListener('click', () => act(op));
        }

        """#
}
