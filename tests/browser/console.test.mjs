// The web console (/ui) in headless chromium, against the real inference-server in front of the
// fake LM Studio (run_console.sh starts them). Each test names what a user would see.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import puppeteer from 'puppeteer-core';

const run = promisify(execFile);
const gateway = process.env.ROCI_GATEWAY_URL;
const keyed = process.env.ROCI_KEYED_GATEWAY_URL;
const key = process.env.ROCI_GATEWAY_KEY;
const hostile = process.env.ROCI_HOSTILE_MODEL;
const shots = process.env.ROCI_SCREENSHOTS;
const fleet = process.env.ROCI_FLEET_GATEWAY_URL;  // a gateway whose inference.backends is one fake host

let browser;
let page;  // the no-key gateway's console, shared by the tests in order
const consoleErrors = [];
const failedRequests = [];

before(async () => {
  browser = await puppeteer.launch({
    executablePath: process.env.ROCI_CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('requestfailed', (r) => failedRequests.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) failedRequests.push(`${r.url()} ${r.status()}`); });
});

after(async () => { await browser?.close(); });

async function metric(name) {
  const text = await (await fetch(`${gateway}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ')[1]) : 0;
}

const text = (sel) => page.$eval(sel, (e) => e.textContent);

test('the page loads with no console error and no failed request, and shows health and models', async () => {
  const response = await page.goto(`${gateway}/`, { waitUntil: 'load' });  // / redirects to /ui/
  assert.equal(new URL(response.url()).pathname, '/ui/');
  assert.match(response.headers()['content-security-policy'], /default-src 'self'/);
  await page.waitForFunction(() => document.getElementById('overall').textContent === 'healthy');
  await page.waitForSelector('#models-body tr[data-model="qwen3-8b"]');
  assert.match(await text('#backends'), /reachable/);
  assert.match(await text('#backends'), /qwen3-8b/);  // loaded models
  assert.match(await text('#models-body tr[data-model="qwen3-8b"]'), /loaded/);
  assert.match(await text('#models-body'), /llama-3\.2-1b/);
  await page.waitForFunction(() => document.getElementById('feed-state').textContent === 'live');
  await new Promise((r) => setTimeout(r, 300));  // the charts' and icon's requests settle
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(failedRequests, []);
});

test('a hostile model id from the host renders as text, never as HTML', async () => {
  const rowText = await page.evaluate((id) => {
    const row = [...document.querySelectorAll('#models-body tr')].find((r) => r.dataset.model === id);
    return row ? row.cells[0].textContent : null;
  }, hostile);
  assert.equal(rowText, hostile);
  assert.equal(await page.$('img[src="x"]'), null);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  const option = await page.$$eval('#pg-model option', (os) => os.map((o) => o.textContent));
  assert.ok(option.some((o) => o.startsWith(hostile)));
  assert.ok(option[0].startsWith('qwen3-8b'), 'loaded models come first: ' + option.join(' | '));
});

test('the playground streams an answer, with ttft and tokens/s under it', async () => {
  await page.select('#pg-model', 'qwen3-8b');
  await page.type('#pg-input', 'hello from the browser test');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const meta = document.querySelector('#pg-log .msg.assistant:last-child .meta');
    return meta && /tok\/s/.test(meta.textContent);
  }, { timeout: 15000 });
  const answer = await text('#pg-log .msg.assistant:last-child .body');
  assert.match(answer, /hello from the browser test/);
  assert.match(await text('#pg-log .msg.assistant:last-child .meta'), /ttft \d/);
  assert.equal(await page.evaluate(() => localStorage.getItem('roci.model')), 'qwen3-8b');
});

test('a second turn keeps the history, and code blocks show as code with a copy button', async () => {
  const sent = [];
  const onRequest = (r) => { if (r.url().endsWith('/v1/chat/completions')) sent.push(JSON.parse(r.postData())); };
  page.on('request', onRequest);
  const prompt = 'Print it:\n```python\nprint("<b>hi</b>")\n```';
  await page.$eval('#pg-input', (e, v) => { e.value = v; }, prompt);
  await page.click('#pg-send');
  await page.waitForFunction(() => document.querySelectorAll('#pg-log .msg.assistant').length === 2 &&
    /tok\/s/.test(document.querySelector('#pg-log .msg.assistant:last-child .meta').textContent));
  const code = await text('#pg-log .msg.assistant:last-child pre code');
  assert.equal(code, 'print("<b>hi</b>")');
  assert.equal(await page.$('#pg-log b'), null);
  assert.ok(await page.$('#pg-log .msg.assistant:last-child .codeblock button'));
  assert.equal(await page.$$eval('#pg-log .msg.user', (ms) => ms.length), 2);
  page.off('request', onRequest);
  assert.deepEqual(sent[0].messages.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.equal(sent[0].stream, true);
  assert.equal(sent[0].model, 'qwen3-8b');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/console-light.png` });
  await page.screenshot({ path: `${shots}/console-full.png`, fullPage: true });  // docs/console.png
});

test('Stop aborts the stream and the gateway cancels the upstream request', async () => {
  const before = await metric('roci_cancellations_total');
  const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
  await page.$eval('#pg-input', (e, v) => { e.value = v; }, words);
  await page.click('#pg-send');
  await page.waitForFunction(() => {
    const body = document.querySelector('#pg-log .msg.assistant:last-child .body');
    return body && body.textContent.length > 0;
  });
  await page.click('#pg-stop');
  await page.waitForFunction(() => /stopped/.test(
    document.querySelector('#pg-log .msg.assistant:last-child .meta').textContent));
  const deadline = Date.now() + 5000;
  while ((await metric('roci_cancellations_total')) <= before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok((await metric('roci_cancellations_total')) > before, 'roci_cancellations_total moved');
});

test('the live list shows the playground\'s requests and one made with curl', async () => {
  const id = `curl-${Date.now()}`;
  await run('curl', ['-s', '-o', '/dev/null', '-H', 'Content-Type: application/json', '-H', `X-Request-Id: ${id}`,
    '-d', '{"model":"nope-no-such-model","messages":[{"role":"user","content":"hi"}]}',
    `${gateway}/v1/chat/completions`]);
  await page.waitForSelector(`#requests-body tr[data-request-id="${id}"]`);
  const row = await page.$eval(`#requests-body tr[data-request-id="${id}"]`, (r) => ({ cls: r.className, text: r.textContent }));
  assert.match(row.text, /404/);
  assert.match(row.cls, /err/, 'errors stand out');
  const rows = await page.$$eval('#requests-body tr', (rs) => rs.map((r) => r.textContent));
  assert.ok(rows.some((r) => /\/v1\/chat\/completions \(stream\)/.test(r) && /200/.test(r)), rows.join('\n'));
  assert.ok(rows.some((r) => /499 cancelled/.test(r)), 'the stopped request shows as cancelled');
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
  await page.evaluate(() => window.scrollTo(0, 0));
  await new Promise((r) => setTimeout(r, 200));
  await page.screenshot({ path: `${shots}/console-dark.png` });
  await page.screenshot({ path: `${shots}/playground-dark.png`, clip: await page.$eval('#playground', (e) => {
    const b = e.getBoundingClientRect(); return { x: b.x, y: b.y, width: b.width, height: b.height };
  }) });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await page.setViewport({ width: 390, height: 844 });
  await new Promise((r) => setTimeout(r, 200));
  await page.screenshot({ path: `${shots}/console-phone.png` });
});

test('with API keys on, the page asks for a key and works after it', async () => {
  const keyedPage = await browser.newPage();
  await keyedPage.setViewport({ width: 1280, height: 800 });
  await keyedPage.goto(`${keyed}/ui/`, { waitUntil: 'load' });
  await keyedPage.waitForSelector('#key-form:not([hidden])');
  assert.equal(await keyedPage.$eval('#main', (e) => e.hidden), true);
  await keyedPage.type('#key-input', 'sk-wrong');
  await keyedPage.keyboard.press('Enter');
  await keyedPage.waitForFunction(() => /Incorrect API key/.test(document.getElementById('key-error').textContent));
  await keyedPage.$eval('#key-input', (e) => { e.value = ''; });
  await keyedPage.type('#key-input', key);
  await keyedPage.keyboard.press('Enter');
  await keyedPage.waitForFunction(() => document.getElementById('overall').textContent === 'healthy');
  await keyedPage.waitForSelector('#models-body tr[data-model="qwen3-8b"]');
  await keyedPage.waitForFunction(() => document.getElementById('feed-state').textContent === 'live');
  assert.equal(await keyedPage.evaluate(() => sessionStorage.getItem('roci.apiKey')), key);
  assert.equal(await keyedPage.evaluate(() => localStorage.getItem('roci.apiKey')), null);
  await keyedPage.close();
});

test('in front of a fleet, Load and Unload change the state the Models card shows', async () => {
  const fleetPage = await browser.newPage();
  await fleetPage.setViewport({ width: 1280, height: 800 });
  const errors = [];
  fleetPage.on('pageerror', (e) => errors.push(String(e)));
  await fleetPage.goto(`${fleet}/ui/`, { waitUntil: 'load' });
  const rowOf = (id) => `#models-body tr[data-model="${id}"]`;
  const stateOf = (id) => fleetPage.$eval(`${rowOf(id)} td:nth-child(2)`, (e) => e.textContent);
  await fleetPage.waitForSelector(`${rowOf('llama-3.2-1b')} button[aria-label="Load llama-3.2-1b"]`);
  assert.equal(await stateOf('llama-3.2-1b'), 'not loaded');
  assert.match(await fleetPage.$eval(rowOf('llama-3.2-1b'), (e) => e.textContent), /desk/, 'the host is named');

  await fleetPage.click(`${rowOf('llama-3.2-1b')} button[aria-label="Load llama-3.2-1b"]`);
  await fleetPage.waitForSelector(`${rowOf('llama-3.2-1b')} button[aria-label="Unload llama-3.2-1b"]`, { timeout: 15000 });
  assert.equal(await stateOf('llama-3.2-1b'), 'loaded');
  const listed = await (await fetch(`${fleet}/v1/models`)).json();
  assert.equal(listed.data.find((m) => m.id === 'llama-3.2-1b').loaded, true, 'the gateway agrees');

  await fleetPage.click(`${rowOf('llama-3.2-1b')} button[aria-label="Unload llama-3.2-1b"]`);
  await fleetPage.waitForSelector(`${rowOf('llama-3.2-1b')} button[aria-label="Load llama-3.2-1b"]`, { timeout: 15000 });
  assert.equal(await stateOf('llama-3.2-1b'), 'not loaded');
  assert.equal(await fleetPage.$eval('#models-error', (e) => e.textContent), '');
  assert.deepEqual(errors, []);
  await fleetPage.close();
});
