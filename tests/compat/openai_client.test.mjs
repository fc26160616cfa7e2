// The official `openai` npm client against inference-server (in front of the fake LM Studio).
// Run by run_openai_client.sh, which sets ROCI_GATEWAY_URL, ROCI_FAKE_URL, and
// ROCI_KEYED_GATEWAY_URL + ROCI_GATEWAY_KEY for a gateway that requires that API key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const gateway = process.env.ROCI_GATEWAY_URL;  // http://127.0.0.1:PORT
const fake = process.env.ROCI_FAKE_URL;        // http://127.0.0.1:PORT (control endpoints)
const keyedGateway = process.env.ROCI_KEYED_GATEWAY_URL;
const gatewayKey = process.env.ROCI_GATEWAY_KEY;
const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: 'lm-studio', maxRetries: 0 });

async function fakeRequests() {
  const res = await fetch(`${fake}/__control/requests`);
  return (await res.json()).requests;
}

test('lists models', async () => {
  const page = await client.models.list();
  const ids = page.data.map((m) => m.id);
  assert.deepEqual(ids.sort(), ['TheBloke/Llama-2-7B-Chat-GGUF', 'TheBloke/Mistral-7B-Instruct-v0.2-GGUF']);
  const one = await client.models.retrieve('TheBloke/Mistral-7B-Instruct-v0.2-GGUF');
  assert.equal(one.id, 'TheBloke/Mistral-7B-Instruct-v0.2-GGUF');
});

test('chat completion', async () => {
  const completion = await client.chat.completions.create({
    model: 'mistral',
    messages: [{ role: 'user', content: 'What is machine learning?' }],
  });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'TheBloke/Mistral-7B-Instruct-v0.2-GGUF');
  assert.match(completion.choices[0].message.content, /machine learning/);
  assert.ok(completion.usage.total_tokens > 0);
});

test('stream with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'mistral',
    messages: [{ role: 'user', content: 'Tell me a story' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let role;
  let finish;
  let usage;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    role ??= choice.delta.role;
    text += choice.delta.content ?? '';
    finish = choice.finish_reason ?? finish;
  }
  assert.equal(role, 'assistant');
  assert.equal(text, 'Echo: Tell me a story');
  assert.equal(finish, 'stop');
  assert.ok(usage && usage.completion_tokens > 0, 'usage arrives in the last chunk');
});

test('tool calls', async () => {
  const completion = await client.chat.completions.create({
    model: 'mistral',
    messages: [{ role: 'user', content: 'call: get_weather {"city":"Paris"}' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
  });
  const call = completion.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  assert.equal(completion.choices[0].finish_reason, 'tool_calls');
});

test('error classes', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof OpenAI.NotFoundError && err.status === 404,
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'mistral', temperature: 7, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof OpenAI.BadRequestError && err.param === 'temperature',
  );
});

test('abort mid-stream closes the upstream connection', async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    {
      model: 'mistral',
      messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }],
      stream: true,
    },
    { signal: controller.signal },
  );
  let received = 0;
  try {
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) {
        received += 1;
        controller.abort();  // the client leaves after the first token
      }
    }
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIUserAbortError || err.name === 'AbortError', String(err));
  }
  assert.ok(received >= 1, 'the stream delivered tokens before the abort');
  const deadline = Date.now() + 2000;
  let cancelled = false;
  while (!cancelled && Date.now() < deadline) {
    const reqs = await fakeRequests();
    cancelled = reqs.some((r) => r.cancelled);
    if (!cancelled) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(cancelled, 'the fake LM Studio saw the gateway close the upstream request');
});

test('keyed gateway accepts the apiKey', async () => {
  const keyed = new OpenAI({ baseURL: `${keyedGateway}/v1`, apiKey: gatewayKey, maxRetries: 0 });
  const completion = await keyed.chat.completions.create({
    model: 'mistral',
    messages: [{ role: 'user', content: 'What is machine learning?' }],
  });
  assert.equal(completion.object, 'chat.completion');
  const page = await keyed.models.list();
  assert.equal(page.data.length, 2);
});

test('keyed gateway refuses a wrong apiKey with AuthenticationError', async () => {
  const wrong = new OpenAI({ baseURL: `${keyedGateway}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(
    wrong.chat.completions.create({ model: 'mistral', messages: [{ role: 'user', content: 'x' }] }),
    (err) =>
      err instanceof OpenAI.AuthenticationError &&
      err.status === 401 &&
      err.code === 'invalid_api_key' &&
      err.type === 'invalid_request_error',
  );
});
