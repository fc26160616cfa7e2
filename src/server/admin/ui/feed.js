// Live requests: /admin/events (server-sent events read with fetch, so the key stays in a
// header), newest first, the last MAX_ROWS. Reconnects after a drop, from the last event seen.
import { openEvents, readEvents } from './api.js';
import { $, el, fmtMs, fmtNum } from './dom.js';

const MAX_ROWS = 300;
let lastSeq = 0;
let controller = null;

function time(ms) {
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function row(e) {
  const error = e.status >= 400 && !e.cancelled;
  const cls = [error ? 'err' : '', e.cancelled ? 'cancelled' : '', 'fresh'].join(' ').trim();
  const model = e.requested_model && e.model && e.requested_model !== e.model
    ? `${e.requested_model} → ${e.model}` : (e.model || e.requested_model || '–');
  const statusText = e.cancelled ? `${e.status} cancelled` : String(e.status);
  const modelCell = el('td', { class: 'model' }, model);
  if (e.error_message && (error || e.cancelled)) modelCell.append(el('span', { class: 'errmsg', text: e.error_message }));
  if (e.prompt) modelCell.append(el('span', { class: 'content', text: '› ' + e.prompt }));
  if (e.answer) modelCell.append(el('span', { class: 'content', text: '‹ ' + e.answer }));
  return el('tr', { class: cls, 'data-request-id': e.request_id, 'data-status': e.status },
    el('td', { text: time(e.time_ms) }),
    el('td', { text: `${e.method} ${e.route}${e.stream ? ' (stream)' : ''}` }),
    modelCell,
    el('td', { text: e.backend || '–' }),
    el('td', { class: 'status', text: statusText }),
    el('td', { class: 'num', text: fmtMs(e.ttft_ms) }),
    el('td', { class: 'num', text: `${e.tokens_in} / ${e.tokens_out}` }),
    el('td', { class: 'num', text: fmtNum(e.tokens_per_second) }),
    el('td', { class: 'num', text: fmtMs(e.duration_ms) }));
}

function add(e) {
  const body = $('requests-body');
  body.prepend(row(e));
  while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
}

export function startFeed() {
  let delay = 500;
  async function connect() {
    controller = new AbortController();
    const state = $('feed-state');
    try {
      const response = await openEvents(`/admin/events?since=${lastSeq}`, { signal: controller.signal });
      state.textContent = 'live';
      delay = 500;
      await readEvents(response, (ev) => {
        if (ev.event === 'message') {
          const e = JSON.parse(ev.data);
          lastSeq = Math.max(lastSeq, e.seq);
          add(e);
        } else if (ev.event === 'dropped') {
          state.textContent = `live (${JSON.parse(ev.data).count} older requests skipped)`;
        }
      });
      state.textContent = 'feed ended; reconnecting…';
    } catch (e) {
      if (controller.signal.aborted) return;
      state.textContent = `feed: ${e.message}; reconnecting…`;
      if (e.status === 401 || e.status === 403) return;  // waits for a key (restart())
    }
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10000);
  }
  connect();
  window.addEventListener('pagehide', () => controller && controller.abort());
  return {
    restart() { if (controller) controller.abort(); connect(); },
  };
}
