// The Status card: /admin/status every few seconds (no manual refresh).
import { getJson } from './api.js';
import { $, el, fact, fmtDuration, fmtMs } from './dom.js';

const POLL_MS = 3000;

function backendCard(b) {
  const reachable = b.reachable === true;
  const circuit = b.circuit === null || b.circuit === undefined ? '–' : String(b.circuit);
  const loaded = Array.isArray(b.loaded_models) ? b.loaded_models : [];
  return el('div', { class: 'backend' },
    el('div', { class: 'backend-head' },
      el('strong', { text: b.name ?? '?' }),
      b.kind ? el('span', { class: 'tag', text: b.kind }) : null,
      el('span', { class: 'pill ' + (reachable ? 'ok' : 'bad'), text: reachable ? 'reachable' : 'unreachable' }),
      el('span', { class: 'muted mono', text: b.base_url ?? '' })),
    el('dl', { class: 'facts' },
      fact('Probe latency', typeof b.latency_ms === 'number' ? fmtMs(b.latency_ms) : '–'),
      fact('Circuit', circuit),
      fact('In flight', b.in_flight ?? '–'),
      fact('Queued', b.queued ?? '–'),
      fact('Loaded models', loaded.length ? loaded.join(', ') : 'none')),
    b.detail && !reachable ? el('div', { class: 'detail', text: b.detail }) : null);
}

export function startStatus(onStatus) {
  let timer = null;
  async function poll() {
    clearTimeout(timer);
    try {
      const s = await getJson('/admin/status');
      render(s);
      onStatus(s, null);
    } catch (e) {
      onStatus(null, e);
      const overall = $('overall');
      overall.textContent = e.status ? `error ${e.status}` : 'gateway unreachable';
      overall.className = 'pill bad';
    }
    timer = setTimeout(poll, POLL_MS);
  }
  poll();
  return { refresh: poll };
}

function render(s) {
  const g = s.gateway || {};
  const backends = Array.isArray(s.backends) ? s.backends : [];
  const up = backends.filter((b) => b.reachable).length;
  const overall = $('overall');
  if (backends.length && up === backends.length) { overall.textContent = 'healthy'; overall.className = 'pill ok'; }
  else if (up > 0) { overall.textContent = 'degraded'; overall.className = 'pill warn'; }
  else { overall.textContent = 'upstream unreachable'; overall.className = 'pill bad'; }
  const q = g.queue || {};
  $('gateway-facts').replaceChildren(
    fact('Version', g.version || '–'),
    fact('Uptime', typeof g.uptime_secs === 'number' ? fmtDuration(g.uptime_secs) : '–'),
    fact('Config file', g.config_file || '(defaults and environment)'),
    fact('I/O threads', g.threads ?? '–'),
    fact('Open connections', g.connections_open ?? '–'),
    fact('Upstream slots', `${q.in_flight ?? 0} / ${q.max_concurrent ?? '–'} busy, ${q.length ?? 0} queued`),
    fact('API keys', g.keys_required ? 'required' : 'none (loopback only)'));
  $('backends').replaceChildren(...backends.map(backendCard));
  $('version').textContent = g.version || '';
}
