// The Models card: /v1/models, with Load / Unload where the entry's host supports it (a fleet
// backend lists `backends` and `loaded`; POST /v1/models/{id}/load|unload).
import { getJson, postJson } from './api.js';
import { $, el } from './dom.js';

const POLL_MS = 10000;
let models = [];
const pending = new Map();  // id -> 'loading' | 'unloading'
const subscribers = new Set();

export function onModels(fn) { subscribers.add(fn); if (models.length) fn(models); }
export function currentModels() { return models; }

export function modelState(m) {
  if (pending.has(m.id)) return pending.get(m.id) === 'loading' ? 'loading' : 'unloading';
  if (typeof m.state === 'string' && m.state) return m.state.replace('_', '-');
  if (typeof m.loaded === 'boolean') return m.loaded ? 'loaded' : 'not-loaded';
  return 'unknown';
}

function supportsLoad(m) { return Array.isArray(m.backends) && typeof m.loaded === 'boolean'; }

async function loadOrUnload(m, action) {
  pending.set(m.id, action === 'load' ? 'loading' : 'unloading');
  render();
  $('models-error').textContent = '';
  try {
    await postJson(`/v1/models/${encodeURIComponent(m.id)}/${action}`, {});
  } catch (e) {
    $('models-error').textContent = `${action} ${m.id}: ${e.message}`;
  } finally {
    pending.delete(m.id);
    await refresh();
  }
}

function row(m) {
  const state = modelState(m);
  const caps = Array.isArray(m.capabilities) ? m.capabilities : [];
  const backends = Array.isArray(m.backends) ? m.backends : [];
  const ctx = m.loaded_context_length || m.max_context_length;
  const actions = [];
  if (supportsLoad(m)) {
    const busy = pending.has(m.id);
    if (m.loaded) actions.push(el('button', { type: 'button', class: 'small ghost', disabled: busy, onclick: () => loadOrUnload(m, 'unload'), 'aria-label': `Unload ${m.id}`, text: 'Unload' }));
    else actions.push(el('button', { type: 'button', class: 'small', disabled: busy, onclick: () => loadOrUnload(m, 'load'), 'aria-label': `Load ${m.id}`, text: 'Load' }));
  }
  return el('tr', { 'data-model': m.id },
    el('td', { text: m.id }),
    el('td', { class: 'state-' + state, text: state.replace('-', ' ') }),
    el('td', { text: m.type || '–' }),
    el('td', { class: 'num', text: ctx ? Number(ctx).toLocaleString() : '–' }),
    el('td', {}, caps.map((c) => el('span', { class: 'tag', text: c }))),
    el('td', {}, backends.map((b) => el('span', { class: 'tag', text: typeof b === 'string' ? b : (b && b.name) || '?' }))),
    el('td', {}, actions));
}

function render() {
  $('models-body').replaceChildren(...models.map(row));
  const loaded = models.filter((m) => modelState(m) === 'loaded').length;
  $('models-count').textContent = `${models.length} model${models.length === 1 ? '' : 's'}, ${loaded} loaded`;
}

let timer = null;
export async function refresh() {
  clearTimeout(timer);
  try {
    const list = await getJson('/v1/models');
    models = Array.isArray(list.data) ? list.data.filter((m) => m && typeof m.id === 'string') : [];
    $('models-error').textContent = '';
    render();
    subscribers.forEach((fn) => fn(models));
  } catch (e) {
    $('models-error').textContent = `Model list: ${e.message}`;
  }
  timer = setTimeout(refresh, POLL_MS);
}
