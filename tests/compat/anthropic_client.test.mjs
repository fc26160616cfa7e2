// The official `@anthropic-ai/sdk` npm client against inference-server's Messages API (in front
// of the fake LM Studio), configured as Claude Code is: ANTHROPIC_BASE_URL is the gateway's root.
// Run by run_anthropic_client.sh, which sets ROCI_GATEWAY_URL, ROCI_FAKE_URL, and
// ROCI_KEYED_GATEWAY_URL + ROCI_GATEWAY_KEY for a gateway that requires that API key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const gateway = process.env.ROCI_GATEWAY_URL;  // http://127.0.0.1:PORT
const fake = process.env.ROCI_FAKE_URL;
const keyedGateway = process.env.ROCI_KEYED_GATEWAY_URL;
const gatewayKey = process.env.ROCI_GATEWAY_KEY;
const client = new Anthropic({ baseURL: gateway, apiKey: 'lm-studio', maxRetries: 0 });

async function fakeRequests() {
  const res = await fetch(`${fake}/__control/requests`);
  return (await res.json()).requests;
}

test('messages.create', async () => {
  const message = await client.messages.create({
    model: 'mistral',
    max_tokens: 256,
    system: 'You are terse.',
    messages: [{ role: 'user', content: 'What is machine learning?' }],
  });
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.match(message.id, /^msg_/);
  assert.equal(message.model, 'TheBloke/Mistral-7B-Instruct-v0.2-GGUF');
  assert.equal(message.content[0].type, 'text');
  assert.match(message.content[0].text, /machine learning/);
  assert.equal(message.stop_reason, 'end_turn');
  assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
  // What went upstream: the system prompt first, max_tokens as sent, no chat default temperature.
  const sent = (await fakeRequests()).at(-1).json;
  assert.equal(sent.messages[0].role, 'system');
  assert.equal(sent.max_tokens, 256);
  assert.equal(sent.temperature, undefined);
});

test('messages.stream', async () => {
  const events = [];
  let text = '';
  const stream = client.messages
    .stream({ model: 'mistral', max_tokens: 64, messages: [{ role: 'user', content: 'Tell me a story' }] })
    .on('text', (delta) => { text += delta; });
  for await (const event of stream) events.push(event.type);
  const message = await stream.finalMessage();
  assert.equal(events[0], 'message_start');
  assert.equal(events.at(-1), 'message_stop');
  assert.ok(events.includes('content_block_delta'));
  assert.ok(text.length > 0);
  assert.equal(message.content[0].text, text);
  assert.ok(['end_turn', 'max_tokens'].includes(message.stop_reason));
  assert.ok(message.usage.output_tokens > 0);
});

test('messages.create with stream: true', async () => {
  const stream = await client.messages.create({
    model: 'mistral',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
  });
  const types = [];
  for await (const event of stream) types.push(event.type);
  // The SDK drops `ping` events; the rest arrive in Anthropic's order.
  assert.deepEqual(types.slice(0, 3), ['message_start', 'content_block_start', 'content_block_delta']);
  assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
});

test('tools: tool_use, then the tool_result turn', async () => {
  const tools = [{
    name: 'get_weather',
    description: 'Get the weather for a specific location',
    input_schema: { type: 'object', properties: { city: { type: 'string' } } },
  }];
  const userMessage = { role: 'user', content: 'call: get_weather {"city":"Paris"}' };
  const message = await client.messages.create({ model: 'mistral', max_tokens: 128, messages: [userMessage], tools });
  assert.equal(message.stop_reason, 'tool_use');
  const tool = message.content.find((b) => b.type === 'tool_use');
  assert.equal(tool.name, 'get_weather');
  assert.deepEqual(tool.input, { city: 'Paris' });

  const streamed = await client.messages.stream({ model: 'mistral', max_tokens: 128, messages: [userMessage], tools })
    .finalMessage();
  const streamedTool = streamed.content.find((b) => b.type === 'tool_use');
  assert.deepEqual(streamedTool.input, { city: 'Paris' });
  assert.equal(streamed.stop_reason, 'tool_use');

  const answer = await client.messages.create({
    model: 'mistral',
    max_tokens: 128,
    tools,
    messages: [
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: message.role, content: message.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: tool.id, content: 'The weather is 73f' }] },
    ],
  });
  assert.equal(answer.content[0].type, 'text');
  const sent = (await fakeRequests()).at(-1).json;
  assert.equal(sent.messages.at(-1).role, 'tool');
  assert.equal(sent.messages.at(-1).tool_call_id, tool.id);
  assert.equal(sent.messages.at(-1).content, 'The weather is 73f');
});

test('count_tokens', async () => {
  const counted = await client.messages.countTokens({
    model: 'mistral',
    messages: [{ role: 'user', content: 'Hello, world' }],
  });
  assert.ok(counted.input_tokens > 0);
});

test('errors: 404 unknown model, 400 missing max_tokens', async () => {
  await assert.rejects(
    client.messages.create({ model: 'no-such-model', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.NotFoundError && err.status === 404 &&
      err.error.type === 'error' && err.error.error.type === 'not_found_error',
  );
  await assert.rejects(
    client.messages.create({ model: 'mistral', messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.BadRequestError && err.error.error.type === 'invalid_request_error' &&
      /max_tokens/.test(err.error.error.message),
  );
});

test('auth: x-api-key and Bearer accepted; a wrong key is 401 authentication_error', async () => {
  const request = { model: 'mistral', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] };
  // Current SDK releases send the key as Bearer; Claude Code and older SDKs as x-api-key.
  const bearer = new Anthropic({ baseURL: keyedGateway, apiKey: gatewayKey, maxRetries: 0 });
  assert.equal((await bearer.messages.create(request)).type, 'message');
  const xApiKey = new Anthropic({
    baseURL: keyedGateway, apiKey: null, authToken: null, maxRetries: 0,
    defaultHeaders: { 'x-api-key': gatewayKey },
  });
  assert.equal((await xApiKey.messages.create(request)).type, 'message');
  // No key at all (the SDK refuses to send that, so plain fetch): Anthropic's 401 too.
  const res = await fetch(`${keyedGateway}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request),
  });
  assert.equal(res.status, 401);
  assert.deepEqual(Object.keys(await res.json()), ['type', 'error']);
  const wrong = new Anthropic({ baseURL: keyedGateway, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(
    wrong.messages.create(request),
    (err) => err instanceof Anthropic.AuthenticationError && err.status === 401 &&
      err.error.error.type === 'authentication_error',
  );
});
