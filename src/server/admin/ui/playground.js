// The playground: streaming chat through /v1/chat/completions with multi-turn history. Stop
// aborts the fetch; the gateway sees the client leave and cancels the upstream request.
import { postJson, readEvents } from './api.js';
import { $, el, copyText, fmtMs, fmtNum } from './dom.js';
import { modelState, onModels } from './models.js';

const MODEL_STORAGE = 'roci.model';
let history = [];  // {role, content} of finished turns
let controller = null;

// Splits a fenced code part ("python\nprint(1)\n", or "python print(1) " from a server that
// lost the newlines) into its language and code.
function splitFence(part) {
  const nl = part.indexOf('\n');
  if (nl >= 0) return { lang: part.slice(0, nl).trim(), code: part.slice(nl + 1).replace(/\n$/, '') };
  const m = /^\s*([A-Za-z0-9_+#.-]{1,20})\s+([\s\S]*)$/.exec(part);
  return m ? { lang: m[1], code: m[2].trim() } : { lang: '', code: part.trim() };
}

// Text with ``` fences: code blocks as <pre><code> with a copy button, the rest as text.
function renderAnswer(target, text) {
  const parts = text.split('```');
  const nodes = [];
  parts.forEach((part, i) => {
    if (i % 2 === 0 || i === parts.length - 1) {  // text, or an unclosed fence's rest
      const t = (i % 2 === 0 ? part : '```' + part).replace(/^\n+|\n+$/g, '');
      if (t.trim()) nodes.push(el('div', { class: 'text', text: t }));
      return;
    }
    const { lang, code } = splitFence(part);
    const button = el('button', { type: 'button', class: 'small ghost', text: 'Copy', 'aria-label': 'Copy code' });
    button.addEventListener('click', () => copyText(code, button));
    nodes.push(el('div', { class: 'codeblock' },
      lang ? el('span', { class: 'lang', text: lang }) : null,
      el('pre', {}, el('code', { text: code })), button));
  });
  target.replaceChildren(...nodes);
}

function fillModels(models) {
  const select = $('pg-model');
  const saved = localStorage.getItem(MODEL_STORAGE) || select.value;
  const rank = (m) => (modelState(m) === 'loaded' ? 0 : 1);
  const sorted = [...models].filter((m) => m.type !== 'embeddings')
    .sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
  select.replaceChildren(...sorted.map((m) =>
    el('option', { value: m.id, text: m.id + (modelState(m) === 'loaded' ? '  (loaded)' : '') })));
  if (sorted.some((m) => m.id === saved)) select.value = saved;
}

function scrollDown() { const log = $('pg-log'); log.scrollTop = log.scrollHeight; }

function setBusy(busy) {
  $('pg-send').disabled = busy;
  $('pg-stop').disabled = !busy;
}

async function send(text) {
  const model = $('pg-model').value;
  const messages = [];
  const system = $('pg-system').value.trim();
  if (system) messages.push({ role: 'system', content: system });
  messages.push(...history, { role: 'user', content: text });
  $('pg-log').append(el('div', { class: 'msg user' }, el('div', { class: 'role', text: 'you' }), text));
  const body = el('div', { class: 'body' });
  const meta = el('div', { class: 'meta', text: 'waiting…' });
  const bubble = el('div', { class: 'msg assistant', 'aria-busy': 'true' },
    el('div', { class: 'role', text: model || 'assistant' }), body, meta);
  $('pg-log').append(bubble);
  scrollDown();

  const request = { model, messages, stream: true, stream_options: { include_usage: true } };
  const temperature = parseFloat($('pg-temp').value);
  const maxTokens = parseInt($('pg-max').value, 10);
  if (!Number.isNaN(temperature)) request.temperature = temperature;
  if (maxTokens > 0) request.max_tokens = maxTokens;

  controller = new AbortController();
  setBusy(true);
  const start = performance.now();
  let first = null;
  let answer = '';
  let usage = null;
  let failure = null;
  let chunks = 0;
  try {
    const response = await postJson('/v1/chat/completions', request, { signal: controller.signal });
    await readEvents(response, (ev) => {
      if (ev.data === '[DONE]') return;
      const chunk = JSON.parse(ev.data);
      if (chunk.error) { failure = chunk.error.message || 'stream error'; return; }
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
      if (delta && typeof delta.content === 'string' && delta.content) {
        if (first === null) first = performance.now();
        answer += delta.content;
        chunks += 1;
        body.replaceChildren(el('div', { class: 'text', text: answer }));
        scrollDown();
      }
    });
  } catch (e) {
    failure = e.name === 'AbortError' ? 'stopped' : e.message;
  } finally {
    controller = null;
    setBusy(false);
  }
  const end = performance.now();
  renderAnswer(body, answer);
  const tokens = usage ? usage.completion_tokens : chunks;
  const genSecs = first !== null ? (end - first) / 1000 : 0;
  const stats = [];
  stats.push(`ttft ${first !== null ? fmtMs(first - start) : '–'}`);
  stats.push(`${tokens} tokens${usage ? '' : ' (chunks)'}`);
  stats.push(`${genSecs > 0 ? fmtNum(tokens / genSecs) : '–'} tok/s`);
  stats.push(`total ${fmtMs(end - start)}`);
  const copy = el('button', { type: 'button', class: 'small ghost', text: 'Copy', 'aria-label': 'Copy answer' });
  copy.addEventListener('click', () => copyText(answer, copy));
  meta.replaceChildren(el('span', { class: 'stats', text: stats.join(' · ') }), copy);
  if (failure) {
    bubble.classList.add(failure === 'stopped' ? 'stopped' : 'error');
    meta.prepend(el('span', { class: failure === 'stopped' ? 'state-loading' : 'error-text', text: failure }));
  }
  bubble.removeAttribute('aria-busy');
  history.push({ role: 'user', content: text });
  if (answer) history.push({ role: 'assistant', content: answer });
  scrollDown();
}

export function startPlayground() {
  onModels(fillModels);
  $('pg-model').addEventListener('change', () => localStorage.setItem(MODEL_STORAGE, $('pg-model').value));
  $('pg-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('pg-input');
    const text = input.value.trim();
    if (!text || controller) return;
    input.value = '';
    send(text);
  });
  $('pg-input').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $('pg-form').requestSubmit();
    }
  });
  $('pg-stop').addEventListener('click', () => controller && controller.abort());
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && controller) controller.abort();
  });
  $('pg-clear').addEventListener('click', () => {
    if (controller) controller.abort();
    history = [];
    $('pg-log').replaceChildren();
    $('pg-input').focus();
  });
}
