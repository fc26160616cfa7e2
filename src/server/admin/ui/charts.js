// Charts from /admin/series (the gateway's per-5-second counters), drawn on canvas by hand.
import { getJson } from './api.js';
import { $ } from './dom.js';

const POLL_MS = 5000;

function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// series: [{values: [number|null], color}], one value per bucket.
function draw(canvas, series, unit) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (!w || !h) return;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const left = 40, bottom = 16, top = 6, right = 4;
  const n = Math.max(...series.map((s) => s.values.length), 1);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null))));
  const x = (i) => left + (i * (w - left - right)) / Math.max(n - 1, 1);
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  g.strokeStyle = cssVar('--grid');
  g.fillStyle = cssVar('--muted');
  g.font = '10px system-ui, sans-serif';
  g.lineWidth = 1;
  for (const f of [0, 0.5, 1]) {
    const yy = Math.round(y(max * f)) + 0.5;
    g.beginPath(); g.moveTo(left, yy); g.lineTo(w - right, yy); g.stroke();
    const label = max * f >= 100 ? Math.round(max * f) : +(max * f).toFixed(2);
    g.fillText(label + (f === 1 ? unit : ''), 2, yy + 3);
  }
  g.fillText('-10m', left, h - 3);
  g.fillText('now', w - right - 20, h - 3);
  for (const s of series) {
    g.strokeStyle = cssVar(s.color);
    g.lineWidth = 1.6;
    g.beginPath();
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      if (pen) g.lineTo(x(i), y(v)); else g.moveTo(x(i), y(v));
      pen = true;
    });
    g.stroke();
    g.fillStyle = cssVar(s.color);  // single points stay visible
    s.values.forEach((v, i) => { if (v !== null) g.fillRect(x(i) - 1, y(v) - 1, 2, 2); });
  }
}

let last = null;
function render() {
  if (!last) return;
  const p = last.points || [];
  draw($('chart-rps'), [
    { values: p.map((q) => q.rps), color: '--c1' },
    { values: p.map((q) => q.errors / (last.bucket_secs || 5)), color: '--c3' }], '/s');
  draw($('chart-ttft'), [
    { values: p.map((q) => q.ttft_p50_ms), color: '--c1' },
    { values: p.map((q) => q.ttft_p95_ms), color: '--c2' }], 'ms');
  draw($('chart-tps'), [
    { values: p.map((q) => q.tps_p50), color: '--c1' },
    { values: p.map((q) => q.tps_p95), color: '--c2' }], '');
}

export function startCharts() {
  let timer = null;
  async function poll() {
    clearTimeout(timer);
    try { last = await getJson('/admin/series'); render(); } catch { /* the status card says why */ }
    timer = setTimeout(poll, POLL_MS);
  }
  poll();
  window.addEventListener('resize', render);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', render);
  return { refresh: poll };
}
