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

// The Responses API (client.responses.*), served over the same Chat Completions upstream.
test('responses.create plain', async () => {
  const response = await client.responses.create({
    model: 'mistral',
    instructions: 'Answer briefly.',
    input: 'What is machine learning?',
  });
  assert.equal(response.object, 'response');
  assert.match(response.id, /^resp_/);
  assert.equal(response.status, 'completed');
  assert.equal(response.model, 'TheBloke/Mistral-7B-Instruct-v0.2-GGUF');
  assert.match(response.output_text, /machine learning/);  // the SDK's own aggregation
  assert.ok(response.usage.total_tokens > 0);
  const stored = await client.responses.retrieve(response.id);
  assert.equal(stored.id, response.id);
  assert.equal(stored.output_text, response.output_text);
});

test('responses.create stream', async () => {
  const stream = await client.responses.create({ model: 'mistral', input: 'Tell me a story', stream: true });
  const types = [];
  let text = '';
  let completed;
  let lastSequence = -1;
  for await (const event of stream) {
    types.push(event.type);
    assert.equal(event.sequence_number, lastSequence + 1);
    lastSequence = event.sequence_number;
    if (event.type === 'response.output_text.delta') text += event.delta;
    if (event.type === 'response.completed') completed = event.response;
  }
  assert.equal(types[0], 'response.created');
  assert.equal(types[1], 'response.in_progress');
  assert.equal(types.at(-1), 'response.completed');
  assert.equal(text, 'Echo: Tell me a story');
  assert.equal(completed.output_text ?? completed.output[0].content[0].text, 'Echo: Tell me a story');
  assert.ok(completed.usage.output_tokens > 0);
});

test('responses.stream helper accumulates the events', async () => {
  const runner = client.responses.stream({ model: 'mistral', input: 'Tell me a story' });
  const final = await runner.finalResponse();
  assert.equal(final.status, 'completed');
  assert.equal(final.output_text, 'Echo: Tell me a story');
});

test('responses tools and function_call_output', async () => {
  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: false }];
  const first = await client.responses.create({
    model: 'mistral',
    input: 'call: get_weather {"city":"Paris"}',
    tools,
  });
  const call = first.output.find((item) => item.type === 'function_call');
  assert.ok(call, JSON.stringify(first.output));
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
  const second = await client.responses.create({
    model: 'mistral',
    previous_response_id: first.id,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' }],
    tools,
  });
  assert.equal(second.status, 'completed');
  const sent = (await fakeRequests()).filter((r) => r.path === '/v1/chat/completions').at(-1);
  const messages = JSON.parse(sent.body).messages;
  assert.equal(messages.at(-2).tool_calls[0].function.name, 'get_weather');
  assert.equal(messages.at(-1).role, 'tool');
  assert.equal(messages.at(-1).tool_call_id, call.call_id);
});

test('responses previous_response_id continues the conversation', async () => {
  const first = await client.responses.create({ model: 'mistral', input: 'My name is Ada.' });
  const second = await client.responses.create({
    model: 'mistral',
    input: 'What is my name?',
    previous_response_id: first.id,
  });
  assert.equal(second.previous_response_id, first.id);
  const sent = (await fakeRequests()).filter((r) => r.path === '/v1/chat/completions').at(-1);
  const contents = JSON.parse(sent.body).messages.map((m) => m.content);
  assert.deepEqual(contents, ['My name is Ada.', first.output_text, 'What is my name?']);
  await client.responses.delete(first.id);
  await assert.rejects(
    client.responses.retrieve(first.id),
    (err) => err instanceof OpenAI.NotFoundError && err.status === 404,
  );
});
