// The embedding handler's routes, schemas, limits and auth, called in-process with web-standard Requests
// (no sockets: test/serve-node.test.ts covers the CLI server). synthetic-tiny, one thread. Vectors are
// compared bit for bit with bert.embed: the handler must add nothing to the model's numbers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert } from '../src/model/bert.js';
import { createEmbeddingHandler, type EmbeddingHandler, type HandlerOptions } from '../src/serve/handler.js';
import { keyMatches, parseKeys } from '../src/serve/auth.js';
import { ensureSynthetic } from '../src/weights/cache.js';

let bert: Bert;
let H = 0;

beforeAll(async () => {
  bert = await Bert.load((await ensureSynthetic('synthetic-tiny')).wbin, { threads: 1 });
  H = bert.config.hidden_size;
});
afterAll(async () => bert?.dispose());

const handlers: EmbeddingHandler[] = [];
function handler(options: HandlerOptions = {}): EmbeddingHandler {
  const h = createEmbeddingHandler(bert, { maxWaitMs: 0, ...options });
  handlers.push(h);
  return h;
}
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`http://localhost${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
const get = (path: string, headers: Record<string, string> = {}) => new Request(`http://localhost${path}`, { headers });

/** equal bits, element by element (toEqual on Float32Arrays would also pass -0 vs 0 and compare NaN loosely) */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const x = new Float32Array(Array.from(a));
  const y = new Float32Array(Array.from(b));
  return Buffer.from(x.buffer).equals(Buffer.from(y.buffer));
}

describe('TEI routes', () => {
  it("answers the request from TEI's documentation with bert.embed's vector", async () => {
    // Fixture: the request of TEI's quick tour (huggingface/text-embeddings-inference,
    // docs/source/en/quick_tour.md: curl 127.0.0.1:8080/embed -X POST -d '{"inputs":"What is Deep Learning?"}'),
    // answered per EmbedResponse in docs/openapi.json (v1.7.1): an array with one array of floats per input.
    const res = await handler()(post('/embed', { inputs: 'What is Deep Learning?' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as number[][];
    expect(body).toHaveLength(1);
    expect(body[0]).toHaveLength(H);
    const [ref] = await bert.embed(['What is Deep Learning?']);
    expect(sameBits(body[0], ref)).toBe(true);
  });

  it('normalize: false gives the unnormalized mean; a batch of inputs keeps its order', async () => {
    const texts = ['a short one', 'a rather longer sentence with more tokens in it', 'x'];
    const body = (await (await handler()(post('/embed', { inputs: texts, normalize: false }))).json()) as number[][];
    const ref = await bert.embed(texts, { normalize: false });
    expect(body).toHaveLength(3);
    body.forEach((v, i) => expect(sameBits(v, ref[i])).toBe(true));
  });

  it('/tokenize answers SimpleToken rows (id, text, special, start, stop) as in openapi.json', async () => {
    const res = await handler()(post('/tokenize', { inputs: ['Héllo world', 'BERT'] }));
    const rows = (await res.json()) as { id: number; text: string; special: boolean; start: number | null; stop: number | null }[][];
    expect(rows).toHaveLength(2);
    expect(rows[0].map((t) => t.id)).toEqual(bert.tokenizer.encode('Héllo world').inputIds);
    expect(rows[0][0]).toEqual({ id: 101, text: '[CLS]', special: true, start: null, stop: null });
    expect(rows[0][1]).toEqual({ id: bert.tokenizer.tokenToId('hello'), text: 'Héllo', special: false, start: 0, stop: 5 });
    const noSpecial = (await (await handler()(post('/tokenize', { inputs: 'Héllo world', add_special_tokens: false }))).json()) as { special: boolean }[][];
    expect(noSpecial[0].every((t) => !t.special)).toBe(true);
    expect(noSpecial[0]).toHaveLength(rows[0].length - 2);
  });

  it('token ids from /tokenize embed to the same bits as the text', async () => {
    const h = handler();
    const ids = ((await (await h(post('/tokenize', { inputs: 'the quick brown fox' }))).json()) as { id: number }[][])[0].map((t) => t.id);
    const fromIds = (await (await h(post('/embed', { inputs: ids }))).json()) as number[][];
    const fromText = (await (await h(post('/embed', { inputs: 'the quick brown fox' }))).json()) as number[][];
    expect(sameBits(fromIds[0], fromText[0])).toBe(true);
  });

  it('prompt_name prepends the configured prompt; an unknown one is a 400 naming the field', async () => {
    const h = handler({ prompts: { query: 'query: ' } });
    const v = (await (await h(post('/embed', { inputs: 'what is bert', prompt_name: 'query' }))).json()) as number[][];
    const [ref] = await bert.embed(['query: what is bert']);
    expect(sameBits(v[0], ref)).toBe(true);
    for (const name of ['passage', 'toString', '__proto__']) {
      const bad = await h(post('/embed', { inputs: 'x', prompt_name: name }));
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error_type: 'validation', error: expect.stringContaining('prompt_name') });
    }
  });

  it('/health, /info (TEI Info fields), /metrics (Prometheus text)', async () => {
    const h = handler({ modelId: 'tiny' });
    expect((await h(get('/health'))).status).toBe(200);
    const info = (await (await h(get('/info'))).json()) as Record<string, unknown>;
    for (const k of ['model_id', 'model_dtype', 'model_type', 'max_concurrent_requests', 'max_input_length', 'max_batch_tokens', 'max_client_batch_size', 'auto_truncate', 'tokenization_workers', 'version']) {
      expect(info, k).toHaveProperty(k);
    }
    expect(info.model_id).toBe('tiny');
    expect(info.max_input_length).toBe(512);
    await h(post('/embed', { inputs: ['one', 'two words'] }));
    const text = await (await h(get('/metrics'))).text();
    expect(text).toMatch(/^# HELP wasmbert_requests_total/m);
    expect(text).toMatch(/^wasmbert_requests_total\{route="\/embed",status="200"\} 1$/m);
    expect(text).toMatch(/^wasmbert_sequences_total 2$/m);
    // tokens: [CLS] one [SEP] + [CLS] two words [SEP]
    expect(text).toMatch(/^wasmbert_tokens_total 7$/m);
    expect(text).toMatch(/^wasmbert_queue_depth 0$/m);
    expect(text).toMatch(/^wasmbert_batch_size_bucket\{le="2"\} 1$/m);
    expect(text).toMatch(/^wasmbert_request_duration_seconds_count\{route="\/embed"\} 1$/m);
  });
});

describe('OpenAI /v1/embeddings', () => {
  it('string, list of strings, token ids and lists of ids; usage.prompt_tokens counts every token', async () => {
    const h = handler({ modelId: 'tiny' });
    const texts = ['Hello world', 'What is BERT?'];
    const ref = await bert.embed(texts);
    const one = (await (await h(post('/v1/embeddings', { input: texts[0], model: 'whatever' }))).json()) as { object: string; model: string; data: { object: string; index: number; embedding: number[] }[]; usage: { prompt_tokens: number; total_tokens: number } };
    expect(one).toMatchObject({ object: 'list', model: 'whatever', data: [{ object: 'embedding', index: 0 }] });
    expect(sameBits(one.data[0].embedding, ref[0])).toBe(true);
    const n0 = bert.tokenizer.encode(texts[0]).inputIds.length;
    const n1 = bert.tokenizer.encode(texts[1]).inputIds.length;
    expect(one.usage).toEqual({ prompt_tokens: n0, total_tokens: n0 });
    const two = (await (await h(post('/v1/embeddings', { input: texts }))).json()) as typeof one;
    expect(two.model).toBe('tiny');
    expect(two.data.map((d) => d.index)).toEqual([0, 1]);
    two.data.forEach((d, i) => expect(sameBits(d.embedding, ref[i])).toBe(true));
    expect(two.usage.prompt_tokens).toBe(n0 + n1);
    const ids = texts.map((t) => bert.tokenizer.encode(t).inputIds);
    const fromIds = (await (await h(post('/v1/embeddings', { input: ids }))).json()) as typeof one;
    fromIds.data.forEach((d, i) => expect(sameBits(d.embedding, ref[i])).toBe(true));
    const fromOneIds = (await (await h(post('/v1/embeddings', { input: ids[1] }))).json()) as typeof one;
    expect(sameBits(fromOneIds.data[0].embedding, ref[1])).toBe(true);
  });

  it('encoding_format base64 is the float32 bytes, little-endian', async () => {
    const res = (await (await handler()(post('/v1/embeddings', { input: 'Hello world', encoding_format: 'base64' }))).json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(res.data[0].embedding, 'base64');
    const v = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const [ref] = await bert.embed(['Hello world']);
    expect(sameBits(v, ref)).toBe(true);
  });

  it('dimensions: the first d entries, L2-normalised again', async () => {
    const res = (await (await handler()(post('/v1/embeddings', { input: 'Hello world', dimensions: 8 }))).json()) as { data: { embedding: number[] }[] };
    const [ref] = await bert.embed(['Hello world']);
    const head = ref.slice(0, 8);
    const norm = Math.hypot(...head);
    const e = res.data[0].embedding;
    expect(e).toHaveLength(8);
    // the same float32 division bert.embed's normalisation does: within one rounding of v/‖v‖
    e.forEach((x, i) => expect(Math.abs(x - head[i] / norm)).toBeLessThanOrEqual(1e-7));
    expect(Math.hypot(...e)).toBeCloseTo(1, 6);
  });

  it.each([
    ['not JSON', '{"input": ', 400, null, /not valid JSON/],
    ['an array body', '[1,2]', 400, null, /JSON object/],
    ['input missing', { model: 'x' }, 400, 'input', /input is missing/],
    ['input a number', { input: 5 }, 400, 'input', /input must be/],
    ['an object among the inputs', { input: ['ok', { a: 1 }] }, 400, 'input[1]', /input\[1\] must be/],
    ['an empty list', { input: [] }, 400, 'input', /empty/],
    ['a token id out of the vocabulary', { input: [[101, 40000, 102]] }, 400, 'input[0]', /\[0, 30522\)/],
    ['a fractional token id', { input: [101, 1.5, 102] }, 400, 'input', /token id/],
    ['encoding_format', { input: 'x', encoding_format: 'int8' }, 400, 'encoding_format', /float.*base64/],
    ['dimensions over the hidden size', { input: 'x', dimensions: 33 }, 400, 'dimensions', /1 to 32/],
    ['model not a string', { input: 'x', model: 3 }, 400, 'model', /model must be a string/],
    ['truncate not a boolean', { input: 'x', truncate: 'yes' }, 400, 'truncate', /true or false/],
  ] as const)('%s: the status and param, in OpenAI\'s error shape', async (_name, body, status, param, message) => {
    const res = await handler()(post('/v1/embeddings', body));
    expect(res.status).toBe(status);
    const err = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
    expect(Object.keys(err.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(err.error.type).toBe('invalid_request_error');
    expect(err.error.param).toBe(param);
    expect(err.error.message).toMatch(message);
  });
});

describe('limits', () => {
  const long = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ');

  it('413 for a body over maxBodyBytes (declared or streamed), inputs over maxClientBatchSize, an input over max_input_length', async () => {
    const h = handler({ maxBodyBytes: 100, maxClientBatchSize: 3 });
    const big = await h(post('/embed', { inputs: 'x'.repeat(200) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error_type: 'validation' });
    // no content-length: the stream is cut at the limit
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('{"inputs": "' + 'y'.repeat(50)));
        c.close();
      },
    });
    const streamed = await h(new Request('http://localhost/embed', { method: 'POST', body: stream, duplex: 'half' } as RequestInit));
    expect(streamed.status).toBe(413);
    const many = await h(post('/v1/embeddings', { input: ['a', 'b', 'c', 'd'] }));
    expect(many.status).toBe(413);
    expect(((await many.json()) as { error: { param: string } }).error.param).toBe('input');
    const tooLong = await handler()(post('/v1/embeddings', { input: ['ok', long] }));
    expect(tooLong.status).toBe(413);
    expect(((await tooLong.json()) as { error: { param: string; message: string } }).error).toMatchObject({ param: 'input[1]', message: expect.stringMatching(/\d+ tokens, more than the 512/) });
  });

  it('truncate: true (or autoTruncate) cuts to max_input_length: the bits of bert.embed, which truncates the same way', async () => {
    const [ref] = await bert.embed([long]);
    const v = (await (await handler()(post('/embed', { inputs: long, truncate: true }))).json()) as number[][];
    expect(sameBits(v[0], ref)).toBe(true);
    const auto = (await (await handler({ autoTruncate: true })(post('/v1/embeddings', { input: long }))).json()) as { data: { embedding: number[] }[]; usage: { prompt_tokens: number } };
    expect(sameBits(auto.data[0].embedding, ref)).toBe(true);
    expect(auto.usage.prompt_tokens).toBe(512);
    // left: [CLS] + the last 510 tokens + [SEP]
    const ids = bert.tokenizer.encode(long, null, { truncation: false }).inputIds;
    const leftIds = [ids[0], ...ids.slice(ids.length - 511, ids.length - 1), ids[ids.length - 1]];
    const left = (await (await handler()(post('/embed', { inputs: long, truncate: true, truncation_direction: 'Left' }))).json()) as number[][];
    const fromIds = (await (await handler()(post('/embed', { inputs: leftIds }))).json()) as number[][];
    expect(leftIds).toHaveLength(512);
    expect(sameBits(left[0], fromIds[0])).toBe(true);
  });

  it('404 for an unknown route, 405 (with Allow) for a wrong method', async () => {
    const h = handler();
    expect((await h(get('/nope'))).status).toBe(404);
    const r = await h(get('/v1/embeddings'));
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
  });

  it('after drain(): 503 with Retry-After, /health included', async () => {
    const h = handler();
    await h.drain();
    for (const r of [await h(post('/embed', { inputs: 'x' })), await h(get('/health'))]) {
      expect(r.status).toBe(503);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe('auth', () => {
  it('keys from a list or a comma/space separated string', () => {
    expect(parseKeys('a, b  c')).toEqual(['a', 'b', 'c']);
    expect(parseKeys(['k1', 'k2,k3', ''])).toEqual(['k1', 'k2', 'k3']);
    expect(parseKeys(undefined)).toEqual([]);
  });

  it('keyMatches: equal keys only (prefixes, extensions and case differ)', async () => {
    expect(await keyMatches('secret-1', ['x', 'secret-1'])).toBe(true);
    for (const k of ['secret-', 'secret-12', 'SECRET-1', '']) expect(await keyMatches(k, ['x', 'secret-1'])).toBe(false);
  });

  it('401 without or with a wrong key (WWW-Authenticate: Bearer), 200 with any configured key; /health stays open', async () => {
    const h = handler({ apiKeys: 'k-one,k-two' });
    const none = await h(post('/v1/embeddings', { input: 'x' }));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    expect((await h(post('/embed', { inputs: 'x' }, { authorization: 'Bearer k-three' }))).status).toBe(401);
    expect((await h(post('/embed', { inputs: 'x' }, { authorization: 'Basic k-one' }))).status).toBe(401);
    expect((await h(get('/metrics'))).status).toBe(401);
    expect((await h(get('/info'))).status).toBe(401);
    expect((await h(post('/embed', { inputs: 'x' }, { authorization: 'Bearer k-two' }))).status).toBe(200);
    expect((await h(get('/info', { authorization: 'bearer k-one' }))).status).toBe(200);
    expect((await h(get('/health'))).status).toBe(200);
  });
});

it('cors: preflight answered 204, the origin on every answer, errors included; absent without the option', async () => {
  const h = handler({ cors: 'https://app.example' });
  const pre = await h(new Request('http://localhost/v1/embeddings', { method: 'OPTIONS' }));
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  for (const r of [await h(post('/embed', { inputs: 'x' })), await h(post('/embed', { inputs: 5 }))]) {
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example');
  }
  expect((await handler()(post('/embed', { inputs: 'x' }))).headers.get('access-control-allow-origin')).toBeNull();
});

it('one log entry per request, with status, time and tokens', async () => {
  const entries: Record<string, unknown>[] = [];
  const h = handler({ log: (e) => entries.push({ ...e }) });
  await h(post('/embed', { inputs: ['a b', 'c'] }));
  await h(get('/nope'));
  expect(entries).toHaveLength(2);
  expect(entries[0]).toMatchObject({ method: 'POST', path: '/embed', status: 200, inputs: 2, tokens: 7 });
  expect(entries[1]).toMatchObject({ method: 'GET', path: '/nope', status: 404 });
  expect(typeof entries[0].ms).toBe('number');
  expect(new Date(entries[0].time as string).getTime()).toBeGreaterThan(0);
});
