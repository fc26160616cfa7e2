// The console's entry point: asks for an API key when the gateway wants one, then starts the
// status, models, charts, live requests and playground parts.
import { apiKey, getJson, onAuthProblem, setApiKey } from './api.js';
import { startCharts } from './charts.js';
import { $ } from './dom.js';
import { startFeed } from './feed.js';
import { refresh as refreshModels } from './models.js';
import { startPlayground } from './playground.js';
import { startStatus } from './status.js';

let started = null;

function showKeyForm(message) {
  $('key-form').hidden = false;
  $('main').hidden = true;
  $('key-error').textContent = message || '';
  $('key-input').focus();
  $('conn').textContent = 'API key needed';
  $('conn').className = 'pill warn';
}

function showBanner(text) {
  const banner = $('banner');
  banner.textContent = text;
  banner.hidden = !text;
}

function start() {
  $('key-form').hidden = true;
  $('main').hidden = false;
  $('key-button').hidden = !apiKey();
  if (started) {
    started.status.refresh(); started.charts.refresh(); started.feed.restart(); refreshModels();
    return;
  }
  started = {
    status: startStatus((status, error) => {
      const conn = $('conn');
      if (status) { conn.textContent = 'connected'; conn.className = 'pill ok'; showBanner(''); }
      else if (error && !error.status) { conn.textContent = 'gateway unreachable'; conn.className = 'pill bad'; }
    }),
    charts: startCharts(),
    feed: startFeed(),
  };
  refreshModels();
  startPlayground();
}

onAuthProblem((status, message) => {
  if (status === 401) { setApiKey(''); showKeyForm(message); }
  else if (status === 403) showBanner(message);
});

$('key-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const key = $('key-input').value.trim();
  if (!key) return;
  setApiKey(key);
  try {
    await getJson('/admin/status');
    $('key-input').value = '';
    start();
  } catch (e) {
    if (e.status !== 401) { $('key-error').textContent = e.message; }
  }
});

$('key-button').addEventListener('click', () => { setApiKey(''); showKeyForm(''); });

(async () => {
  try {
    await getJson('/admin/status');
    start();
  } catch (e) {
    if (e.status === 401) return;  // the key form is up (onAuthProblem)
    start();  // the parts show the problem (403: the banner)
  }
})();
