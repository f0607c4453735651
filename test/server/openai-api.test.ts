/**
 * The OpenAI-compatible API driven by the official `openai` client against a running Godwit, whose
 * `openai:` models are served by the OpenAI wire-format emulator.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashEmbedding } from '../support/emulators/index.ts';
import {
  CHAT_MODEL,
  CHAT_PATHS,
  EMBEDDING_MODEL,
  type Gateway,
  KNOWLEDGE_BASE,
  openAIClient,
  POLICY_SOURCE,
  startGateway,
} from '../support/openai-gateway-harness.ts';

describe.each(CHAT_PATHS)('chat $path', ({ forwarding }) => {
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    gateway = await startGateway({ forwarding });
    client = openAIClient(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
  });

  function lastEmulatorRequest() {
    const request = gateway.emulator.requests.at(-1);
    if (!request) throw new Error('the emulator received no request');
    return request as typeof request & { body: Record<string, unknown> };
  }

  describe('GET /v1/models', () => {
    it('lists the configured models, the offline model, embedding models and one kb: assistant per knowledge base', async () => {
      const ids: string[] = [];
      for await (const model of client.models.list()) {
        expect(model.object).toBe('model');
        expect(typeof model.created).toBe('number');
        ids.push(model.id);
      }
      expect(ids).toEqual(
        expect.arrayContaining([CHAT_MODEL, 'local:extractive', EMBEDDING_MODEL, `kb:${KNOWLEDGE_BASE}`]),
      );
      const assistant = await client.models.retrieve(`kb:${KNOWLEDGE_BASE}`);
      expect(assistant).toMatchObject({ id: `kb:${KNOWLEDGE_BASE}`, owned_by: 'godwit' });
    });
  });

  describe('POST /v1/chat/completions (passthrough)', () => {
    it('answers with a chat.completion and records a usage-ledger row with tokens and cost', async () => {
      gateway.emulator.script({
        text: 'Paris is the capital of France.',
        usage: { inputTokens: 14, outputTokens: 7 },
      });
      const completion = await client.chat.completions.create({
        model: CHAT_MODEL,
        messages: [
          { role: 'system', content: 'Answer in one sentence.' },
          { role: 'user', content: 'What is the capital of France?' },
        ],
        temperature: 0.2,
        max_tokens: 50,
      });
      expect(completion.id).toMatch(/^chatcmpl-\w+$/);
      expect(completion).toMatchObject({
        object: 'chat.completion',
        model: CHAT_MODEL,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Paris is the capital of France.' },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 14, completion_tokens: 7, total_tokens: 21 },
      });
      const sent = lastEmulatorRequest();
      expect(sent.model).toBe('gpt-4.1-mini');
      expect(sent.body).toMatchObject({ temperature: 0.2, max_tokens: 50 });
      expect(sent.body.messages).toEqual([
        { role: 'system', content: 'Answer in one sentence.' },
        { role: 'user', content: 'What is the capital of France?' },
      ]);
      expect(gateway.usageRows.at(-1)).toMatchObject({
        model: CHAT_MODEL,
        operation: 'chat',
        inputTokens: 14,
        outputTokens: 7,
        costUsd: (14 * 0.4 + 7 * 1.6) / 1000,
        outcome: 'ok',
      });
    });

    it('streams chat.completion.chunk deltas and a usage chunk when stream_options.include_usage is set', async () => {
      gateway.emulator.script({
        chunks: ['The answer ', 'is ', '42.'],
        usage: { inputTokens: 9, outputTokens: 3 },
      });
      const stream = await client.chat.completions.create({
        model: CHAT_MODEL,
        messages: [{ role: 'user', content: 'What is the answer?' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
      expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
      expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
      const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
      expect(text).toBe('The answer is 42.');
      expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
      // The ledger row is written once the stream has ended, which may be after the client read its last chunk.
      await vi.waitFor(() =>
        expect(gateway.usageRows.at(-1)).toMatchObject({
          model: CHAT_MODEL,
          inputTokens: 9,
          outputTokens: 3,
          outcome: 'ok',
        }),
      );
    });

    it('omits the usage chunk when include_usage is not asked for', async () => {
      gateway.emulator.script({ text: 'Short answer.' });
      const stream = await client.chat.completions.create({
        model: CHAT_MODEL,
        messages: [{ role: 'user', content: 'Say something short.' }],
        stream: true,
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true);
    });

    it('passes function tools and tool_choice to the model and returns its tool_calls without running them', async () => {
      gateway.emulator.script({
        toolCalls: [{ id: 'call_weather_1', name: 'get_weather', input: { city: 'Paris' } }],
      });
      const tools: OpenAI.Chat.Completions.ChatCompletionFunctionTool[] = [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ];
      const completion = await client.chat.completions.create({
        model: CHAT_MODEL,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools,
        tool_choice: 'required',
      });
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      expect(choice.message.tool_calls).toEqual([
        {
          id: 'call_weather_1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
      ]);
      const sent = lastEmulatorRequest().body as {
        tools: Array<{ function: { name: string; parameters: unknown } }>;
        tool_choice: unknown;
      };
      expect(sent.tools[0]?.function).toMatchObject({
        name: 'get_weather',
        parameters: tools[0]!.function.parameters,
      });
      expect(sent.tool_choice).toBe('required');

      gateway.emulator.script({ text: 'It is sunny in Paris.' });
      const followUp = await client.chat.completions.create({
        model: CHAT_MODEL,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          choice.message,
          { role: 'tool', tool_call_id: 'call_weather_1', content: '{"sky":"sunny"}' },
        ],
        tools,
      });
      expect(followUp.choices[0]?.message.content).toBe('It is sunny in Paris.');
      const messages = (lastEmulatorRequest().body as { messages: Array<Record<string, unknown>> }).messages;
      expect(messages.at(-1)).toMatchObject({
        role: 'tool',
        tool_call_id: 'call_weather_1',
        content: '{"sky":"sunny"}',
      });
    });

    it('streams tool calls as tool_calls deltas', async () => {
      gateway.emulator.script({
        toolCalls: [{ id: 'call_time_1', name: 'get_time', input: { zone: 'UTC' } }],
      });
      const stream = await client.chat.completions.create({
        model: CHAT_MODEL,
        messages: [{ role: 'user', content: 'What time is it?' }],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_time',
              parameters: { type: 'object', properties: { zone: { type: 'string' } } },
            },
          },
        ],
        stream: true,
      });
      // A call may arrive in several deltas (id and name, then argument fragments): merge them by index,
      // as OpenAI clients do.
      const calls: Array<{
        index: number;
        id?: string;
        type?: string;
        function: { name?: string; arguments: string };
      }> = [];
      let finishReason: string | null | undefined;
      for await (const chunk of stream) {
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          calls[delta.index] ??= { index: delta.index, function: { arguments: '' } };
          const call = calls[delta.index]!;
          if (delta.id) call.id = delta.id;
          if (delta.type) call.type = delta.type;
          if (delta.function?.name) call.function.name = delta.function.name;
          call.function.arguments += delta.function?.arguments ?? '';
        }
        finishReason ??= chunk.choices[0]?.finish_reason;
      }
      expect(calls).toEqual([
        {
          index: 0,
          id: 'call_time_1',
          type: 'function',
          function: { name: 'get_time', arguments: '{"zone":"UTC"}' },
        },
      ]);
      expect(finishReason).toBe('tool_calls');
    });
  });

  describe('POST /v1/chat/completions (kb: assistants)', () => {
    it('answers the last user message from the knowledge base, with citations in an extension field', async () => {
      gateway.emulator.script({
        text: 'New employees get 20 days of paid vacation [1].',
        usage: { inputTokens: 300, outputTokens: 12 },
      });
      const completion = await client.chat.completions.create({
        model: `kb:${KNOWLEDGE_BASE}`,
        messages: [
          { role: 'user', content: 'Hello' },
          { role: 'assistant', content: 'Hi! Ask me about the handbook.' },
          { role: 'user', content: 'How many vacation days do new employees get?' },
        ],
      });
      expect(completion.choices[0]?.message.content).toBe('New employees get 20 days of paid vacation [1].');
      expect(completion.usage).toEqual({ prompt_tokens: 300, completion_tokens: 12, total_tokens: 312 });
      const citations = (
        completion as unknown as { citations: Array<{ index: number; source: string; text: string }> }
      ).citations;
      expect(citations).toHaveLength(1);
      expect(citations[0]).toMatchObject({ index: 1, source: POLICY_SOURCE });
      expect(citations[0]?.text).toContain('20 days of paid vacation');
      const prompt = JSON.stringify(lastEmulatorRequest().body);
      expect(prompt).toContain('<source id=\\"1\\"');
      expect(prompt).toContain('How many vacation days do new employees get?');
    });

    it('streams a grounded answer and puts the citations on the finishing chunk', async () => {
      gateway.emulator.script({ chunks: ['Sick leave ', 'is unlimited [1].'] });
      const stream = await client.chat.completions.create({
        model: `kb:${KNOWLEDGE_BASE}`,
        messages: [{ role: 'user', content: 'How much sick leave is there?' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
        'Sick leave is unlimited [1].',
      );
      const finishing = chunks.find((chunk) => chunk.choices[0]?.finish_reason === 'stop') as unknown as {
        citations: Array<{ source: string }>;
      };
      expect(finishing.citations).toEqual([expect.objectContaining({ source: POLICY_SOURCE })]);
      expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    });
  });

  describe('POST /v1/embeddings', () => {
    it('returns float vectors for an array of inputs', async () => {
      const response = await client.embeddings.create({
        model: EMBEDDING_MODEL,
        input: ['vacation days', 'sick leave'],
        encoding_format: 'float',
      });
      expect(response.object).toBe('list');
      expect(response.model).toBe(EMBEDDING_MODEL);
      expect(response.data.map((item) => item.index)).toEqual([0, 1]);
      const expected = hashEmbedding('sick leave', 1536);
      expect(response.data[1]?.embedding).toHaveLength(1536);
      expect(response.data[1]?.embedding.slice(0, 8)).toEqual(expected.slice(0, 8));
      expect(response.usage.prompt_tokens).toBeGreaterThan(0);
      expect(gateway.usageRows.at(-1)).toMatchObject({
        model: EMBEDDING_MODEL,
        operation: 'embedding',
        outcome: 'ok',
      });
    });

    it('answers base64 float32 (the client default) that decodes to the same vector', async () => {
      const response = await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'vacation days' });
      const expected = hashEmbedding('vacation days', 1536);
      const vector = response.data[0]!.embedding;
      expect(vector).toHaveLength(1536);
      for (const [index, value] of vector.slice(0, 16).entries())
        expect(value).toBeCloseTo(expected[index]!, 6);

      const raw = await fetch(`${gateway.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: EMBEDDING_MODEL, input: 'vacation days', encoding_format: 'base64' }),
      });
      const body = (await raw.json()) as { data: Array<{ embedding: string }> };
      const bytes = Buffer.from(body.data[0]!.embedding, 'base64');
      expect(bytes.byteLength).toBe(1536 * 4);
      expect(bytes.readFloatLE(0)).toBeCloseTo(expected[0]!, 6);
    });

    it('accepts the configured dimensions and refuses others, naming the field', async () => {
      const same = await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'x', dimensions: 1536 });
      expect(same.data[0]?.embedding).toHaveLength(1536);
      const error = await client.embeddings
        .create({ model: EMBEDDING_MODEL, input: 'x', dimensions: 256 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ status: 400, param: 'dimensions' });
    });

    it('answers 404 model_not_found for a model that is not a configured embedder', async () => {
      const error = await client.embeddings
        .create({ model: CHAT_MODEL, input: 'x' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    });
  });
});
