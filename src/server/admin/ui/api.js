// The gateway's HTTP API as the console uses it. The API key (when the gateway has keys) lives in
// sessionStorage and travels in the Authorization header, never in a URL.
const KEY_STORAGE = 'roci.apiKey';

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function apiKey() { return sessionStorage.getItem(KEY_STORAGE) || ''; }
export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key); else sessionStorage.removeItem(KEY_STORAGE);
}

export function headers(extra = {}) {
  const h = { ...extra };
  const key = apiKey();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

const listeners = new Set();
// fn(status) is called when a request is refused with 401 or 403.
export function onAuthProblem(fn) { listeners.add(fn); }

async function errorFrom(response) {
  let message = `${response.status} ${response.statusText}`;
  let code = null;
  try {
    const body = await response.json();
    if (body && body.error) { message = body.error.message || message; code = body.error.code; }
  } catch { /* not JSON */ }
  if (response.status === 401 || response.status === 403) listeners.forEach((fn) => fn(response.status, message));
  return new ApiError(response.status, message, code);
}

export async function getJson(path, { signal } = {}) {
  const response = await fetch(path, { headers: headers(), signal, cache: 'no-store' });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

export async function postJson(path, body, { signal } = {}) {
  const response = await fetch(path, {
    method: 'POST', headers: headers({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(body), signal,
  });
  if (!response.ok) throw await errorFrom(response);
  return response;
}

// Reads a text/event-stream body; calls onEvent({event, data, id}) per event. Resolves at the
// end of the body; rejects on a network error or abort.
export async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + (buffer[cut] === '\r' ? 4 : 2));
      const event = { event: 'message', data: '', id: null };
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (field === 'data') data.push(val);
        else if (field === 'event') event.event = val;
        else if (field === 'id') event.id = val;
      }
      if (data.length === 0) continue;
      event.data = data.join('\n');
      onEvent(event);
    }
  }
}

export async function openEvents(path, { signal } = {}) {
  const response = await fetch(path, {
    headers: headers({ Accept: 'text/event-stream' }), signal, cache: 'no-store',
  });
  if (!response.ok) throw await errorFrom(response);
  return response;
}
