/*
 * Baton run webview script (plain JS, no bundler, no remote resources). Renders the state posted
 * by extension/webview/run-panel.ts (types in extension/webview/protocol.ts): the step graph of the
 * reasoning loop, pending approvals with the six answers, token usage as an inline SVG, and the
 * journal timeline. Posts `ready` once loaded and `answer` when an approval is answered. The DOM is
 * built with createElement/textContent only (no innerHTML of run data).
 */
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  const SVG = 'http://www.w3.org/2000/svg';
  /** @type {any} */ let state;
  /** Streaming text per model-call key (cleared when the call is done). */
  const deltas = new Map();
  let approvalsSig = '';

  /** @param {string} tag @param {string=} cls @param {string=} text */
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  /** @param {string} tag @param {Record<string, string|number>} attrs */
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function fmtMs(ms) { return ms === undefined ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`; }
  function fmtTok(n) { return n >= 10000 ? `${(n / 1000).toFixed(1)}k` : String(n); }

  function section(id, title) {
    let s = document.getElementById(id);
    if (!s) {
      s = el('section');
      s.id = id;
      s.appendChild(el('h2', undefined, title));
      s.appendChild(el('div', 'body'));
      app.appendChild(s);
    }
    return /** @type {HTMLElement} */ (s.querySelector('.body'));
  }

  function header() {
    const b = section('summary', 'Run');
    b.replaceChildren();
    const line = el('div', 'row');
    line.appendChild(el('span', `badge status-${state.status}`, state.status === 'running' ? (state.source === 'live' ? 'running (live)' : 'in progress or interrupted') : state.reason || state.status));
    line.appendChild(el('strong', undefined, ` ${state.agent}`));
    line.appendChild(el('span', 'muted', ` ${state.runId} · ${state.provider}${state.model ? ` (${state.model})` : ''}`));
    b.appendChild(line);
    const t = state.totals;
    const cost = state.cost === undefined ? 'cost unknown' : `$${state.cost.toFixed(4)}`;
    b.appendChild(el('div', 'muted', `tokens ${fmtTok(t.input)} in / ${fmtTok(t.output)} out · model ${fmtMs(t.modelMs) || '0 ms'} · tools ${fmtMs(t.toolMs) || '0 ms'} · ${cost}`));
    if (state.error) b.appendChild(el('div', 'error', state.error));
    if (state.result !== undefined) b.appendChild(el('pre', 'result', JSON.stringify(state.result, null, 2)));
    if (state.problem) b.appendChild(el('div', 'error', state.problem));
  }

  /** @param {any} a */
  function approvalCard(a) {
    const card = el('div', 'approval');
    card.dataset.key = a.key;
    card.appendChild(el('div', undefined, `${a.inDoubt ? 'IN DOUBT — ' : ''}${a.tool}(${JSON.stringify(a.args)})`));
    card.appendChild(el('div', 'muted', `${a.rule}: ${a.reason}`));
    const buttons = el('div', 'buttons');
    const form = el('div', 'inline-form hidden');
    const input = /** @type {HTMLTextAreaElement} */ (el('textarea'));
    input.rows = 3;
    const submit = el('button', undefined, 'Submit');
    const err = el('div', 'error');
    form.append(input, submit, err);
    let mode = '';
    const send = (answer) => vscode.postMessage({ type: 'answer', key: a.key, answer });
    const simple = (label, kind) => { const b = el('button', undefined, label); b.addEventListener('click', () => send({ kind })); buttons.appendChild(b); };
    const withInput = (label, m, placeholder, value) => {
      const b = el('button', 'secondary', label);
      b.addEventListener('click', () => { mode = m; input.placeholder = placeholder; input.value = value; form.classList.remove('hidden'); err.textContent = ''; input.focus(); });
      buttons.appendChild(b);
    };
    simple(a.inDoubt ? 'Run it again' : 'Allow once', 'allow_once');
    if (!a.inDoubt) simple('Allow for this run', 'allow_run');
    if (!a.inDoubt && a.canAlwaysAllow) simple('Always allow', 'always_allow');
    withInput('Deny…', 'deny', 'Reason (told to the model); may be empty', '');
    if (!a.inDoubt) withInput('Edit arguments…', 'edit', 'A JSON object', JSON.stringify(a.args));
    withInput('Respond…', 'respond', 'The result as JSON, or plain text', '');
    submit.addEventListener('click', () => {
      const text = input.value;
      if (mode === 'deny') send(text.trim() ? { kind: 'deny', reason: text.trim() } : { kind: 'deny' });
      else if (mode === 'edit') {
        let v;
        try { v = JSON.parse(text); } catch { v = undefined; }
        if (!v || typeof v !== 'object' || Array.isArray(v)) { err.textContent = 'Expected a JSON object, e.g. {"path": "a.txt"}'; return; }
        send({ kind: 'edit', args: v });
      } else if (mode === 'respond') {
        let v = text;
        try { v = JSON.parse(text); } catch { /* plain text */ }
        send({ kind: 'respond', result: v });
      }
    });
    card.append(buttons, form);
    return card;
  }

  function approvals() {
    const sig = state.approvals.map((a) => a.key).join('|');
    if (sig === approvalsSig && document.getElementById('approvals')) return; // keep half-typed input
    approvalsSig = sig;
    const b = section('approvals', 'Pending approvals');
    b.replaceChildren();
    if (state.approvals.length === 0) { b.appendChild(el('p', 'muted', 'None.')); return; }
    for (const a of state.approvals) b.appendChild(approvalCard(a));
  }

  /** @param {any} n */
  function stepNode(n) {
    const li = el('li', `step kind-${n.kind} st-${n.status}`);
    const row = el('div', 'node');
    row.appendChild(el('span', `dot st-${n.status}`));
    row.title = n.status;
    row.appendChild(el('span', 'label', n.label));
    if (n.verdict) row.appendChild(el('span', `badge verdict-${n.verdict}`, n.verdict));
    if (n.ms !== undefined) row.appendChild(el('span', 'muted', fmtMs(n.ms)));
    if (n.tokens) row.appendChild(el('span', 'muted', `${fmtTok(n.tokens.input)}→${fmtTok(n.tokens.output)} tok`));
    row.appendChild(el('span', 'muted status-text', n.status));
    li.appendChild(row);
    if (n.detail) li.appendChild(el('div', 'detail', n.detail));
    const d = deltas.get(n.id);
    if (d && n.status === 'running') li.appendChild(el('pre', 'stream', d));
    if (n.children.length) {
      const ul = el('ul', 'steps');
      for (const c of n.children) ul.appendChild(stepNode(c));
      li.appendChild(ul);
    }
    return li;
  }

  function plan() {
    const b = section('plan', 'Plan (reasoning loop)');
    b.replaceChildren();
    if (state.steps.length === 0) { b.appendChild(el('p', 'muted', 'No model or tool calls yet.')); return; }
    const ul = el('ul', 'steps root');
    for (const n of state.steps) ul.appendChild(stepNode(n));
    b.appendChild(ul);
  }

  function tokens() {
    const b = section('tokens', 'Token usage');
    b.replaceChildren();
    const pts = state.tokens;
    if (pts.length === 0) { b.appendChild(el('p', 'muted', 'No model calls yet.')); return; }
    const W = 320, H = 80, pad = 2;
    const max = Math.max(1, ...pts.map((p) => p.input + p.output));
    const total = pts[pts.length - 1].total || 1;
    const bw = Math.max(2, Math.min(24, (W - pad * 2) / pts.length - 2));
    const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': 'tokens per model call' });
    pts.forEach((p, i) => {
      const x = pad + i * (bw + 2);
      const hi = ((H - 12) * p.input) / max, ho = ((H - 12) * p.output) / max;
      const r1 = svg('rect', { x, y: H - hi, width: bw, height: hi, class: 'bar-in' });
      const r2 = svg('rect', { x, y: H - hi - ho, width: bw, height: ho, class: 'bar-out' });
      const t = svg('title', {}); t.textContent = `call ${i + 1}: ${p.input} in, ${p.output} out (+${fmtMs(p.at)})`;
      r1.appendChild(t);
      s.append(r1, r2);
    });
    const line = pts.map((p, i) => `${pad + i * (bw + 2) + bw / 2},${H - ((H - 12) * p.total) / total}`).join(' ');
    s.appendChild(svg('polyline', { points: line, class: 'cumulative' }));
    b.appendChild(s);
    b.appendChild(el('div', 'legend muted', `bars: input / output per call · line: cumulative (${fmtTok(total)} tokens)`));
  }

  /** The "this agent's history" strip: metrics across the workspace's runs of this agent. */
  function history() {
    const b = section('history', "This agent's history");
    b.replaceChildren();
    const h = state.history;
    if (!h) { b.appendChild(el('p', 'muted', 'No other runs of this agent yet.')); return; }
    const row = el('div', 'row history-strip');
    row.appendChild(el('strong', undefined, h.summary));
    for (const r of h.recent) {
      const dot = el('span', `dot st-${r === 'Completed' ? 'done' : 'failed'}`);
      dot.title = r;
      row.appendChild(dot);
    }
    b.appendChild(row);
    b.appendChild(el('div', 'muted', `p95 ${h.p95Ms === undefined ? '–' : fmtMs(h.p95Ms)} · tokens ${fmtTok(h.tokens)} · tool calls ${h.toolCalls} · denials ${h.denials} · approvals ${h.approvals} · cache hits ${h.cacheHits}`));
  }

  function timeline() {
    const b = section('timeline', 'Timeline');
    b.replaceChildren();
    const table = el('table');
    const head = el('tr');
    for (const h of ['#', '+time', 'phase', 'event', 'duration', 'tokens']) head.appendChild(el('th', undefined, h));
    table.appendChild(head);
    for (const e of state.timeline) {
      const tr = el('tr', `phase-${e.phase}`);
      tr.append(el('td', 'muted', String(e.seq)), el('td', 'muted', fmtMs(e.at)), el('td', 'phase', e.phase), el('td', undefined, e.label),
        el('td', undefined, fmtMs(e.ms)), el('td', undefined, e.tokens === undefined ? '' : fmtTok(e.tokens)));
      table.appendChild(tr);
    }
    b.appendChild(table);
  }

  /** True when the model call `id` is still running (its streamed text stays shown). */
  function running(nodes, id) {
    return nodes.some((n) => (n.id === id && n.status === 'running') || running(n.children, id));
  }

  function render() {
    if (!state) return;
    if (app.querySelector('p.muted') && !document.getElementById('summary')) app.replaceChildren();
    header(); history(); approvals(); plan(); tokens(); timeline();
  }

  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'state') {
      state = m.state;
      for (const k of [...deltas.keys()]) if (!running(state.steps, k)) deltas.delete(k);
      render();
    } else if (m.type === 'delta') {
      deltas.set(m.key, (deltas.get(m.key) || '') + m.text);
      render();
    }
  });
  vscode.postMessage({ type: 'ready' });
})();
