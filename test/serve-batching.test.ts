// Dynamic batching: concurrent requests coalesced into few forwards must each get exactly (bit for bit) the
// vectors bert.embed gives them alone — the model computes only valid tokens and each GEMM row depends on its
// own input row, so a sequence's bits cannot depend on its batch-mates; this test is what holds that. Also:
// the bounded queue (429 + Retry-After), dropping the work of clients that went away, batching off.
// synthetic-tiny; one thread and two (the pool splits GEMMs by columns, so batching and threads compose).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert } from '../src/model/bert.js';
import { threadsAvailable } from '../src/threads/compute.js';
import { available } from './required.js';
import { createEmbeddingHandler, type HandlerOptions } from '../src/serve/handler.js';
import { Batcher } from '../src/serve/batcher.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import type { EmbedPlan } from '../src/embedding/embed.js';

// embedPlan(bert, { pooling: 'mean', normalize: true }) for a plain BERT (no prompt, nothing stripped)
const MEAN: EmbedPlan = { modes: ['mean'], normalize: true, maxLength: 512, prompt: '', includePrompt: true, prepare: (t) => t, promptLength: 0 };

let wbin = '';
beforeAll(async () => {
  wbin = (await ensureSynthetic('synthetic-tiny')).wbin;
});

const post = (body: unknown, signal?: AbortSignal) => new Request('http://localhost/embed', { method: 'POST', body: JSON.stringify(body), signal });

// lengths from 3 to ~120 tokens, some repeated: sorted, split and padded in every way the batcher can
const TEXTS = Array.from({ length: 24 }, (_, i) => Array.from({ length: 1 + ((i * 37) % 23) * (i % 3 === 0 ? 5 : 1) }, (_, j) => `word${(i * 7 + j) % 13}`).join(' '));

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const x = Buffer.from(new Float32Array(Array.from(a)).buffer);
  const y = Buffer.from(new Float32Array(Array.from(b)).buffer);
  return a.length === b.length && x.equals(y);
}

// 2 threads where workers can run (and under CI's flags, always: a missing one fails)
const THREADS = available('worker threads', threadsAvailable(), 'SharedArrayBuffer and node:worker_threads: Node ≥ 20 has both') ? [1, 2] : [1];
for (const threads of THREADS) {
  describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
    let bert: Bert;
    beforeAll(async () => {
      bert = await Bert.load(wbin, { threads });
    });
    afterAll(async () => bert?.dispose());

    it.each(['mean', 'cls', 'pooler'] as const)('24 concurrent requests (%s pooling) batched: each gets bert.embed\'s bits alone', async (pooling) => {
      const alone: Float32Array[] = [];
      for (const t of TEXTS) alone.push((await bert.embed([t], { pooling }))[0]);
      const batches: number[] = [];
      // a wait long enough that all 24 requests arrive before the first forward; a budget that forces several batches
      const h = createEmbeddingHandler(bert, { pooling, maxWaitMs: 50, maxBatchTokens: 400 });
      const onBatch = h.batcher.onBatch;
      h.batcher.onBatch = (s, w) => {
        batches.push(s.sequences);
        onBatch(s, w);
      };
      const answers = await Promise.all(TEXTS.map((t) => h(post({ inputs: t })).then((r) => r.json() as Promise<number[][]>)));
      answers.forEach((a, i) => expect(sameBits(a[0], alone[i]), `request ${i}`).toBe(true));
      expect(batches.reduce((s, n) => s + n, 0)).toBe(TEXTS.length);
      // batched for real: fewer batches than requests, more than one (the 400-token budget)
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.length).toBeLessThan(TEXTS.length / 2);
    });
  });
}

describe('queue, disconnects, batching off', () => {
  let bert: Bert;
  beforeAll(async () => {
    bert = await Bert.load(wbin, { threads: 1 });
  });
  afterAll(async () => bert?.dispose());

  it('a full queue answers 429 with Retry-After (TEI overloaded / OpenAI rate_limit_exceeded); the rest succeed', async () => {
    const h = createEmbeddingHandler(bert, { maxQueueRequests: 3, maxWaitMs: 20 });
    const res = await Promise.all(Array.from({ length: 10 }, (_, i) => h(post({ inputs: `text ${i}` }))));
    const codes = res.map((r) => r.status);
    expect(codes.filter((c) => c === 200)).toHaveLength(3);
    expect(codes.filter((c) => c === 429)).toHaveLength(7);
    const r429 = res.find((r) => r.status === 429)!;
    expect(Number(r429.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await r429.json()).toMatchObject({ error_type: 'overloaded' });
    const oa = createEmbeddingHandler(bert, { maxQueueRequests: 1, maxWaitMs: 20 });
    const two = await Promise.all([0, 1].map(() => oa(new Request('http://localhost/v1/embeddings', { method: 'POST', body: '{"input":"x"}' }))));
    const limited = two.find((r) => r.status === 429)!;
    expect(((await limited.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
  });

  it('a client that disconnects while queued: its work leaves the queue and is never computed', async () => {
    const h = createEmbeddingHandler(bert, { maxWaitMs: 30 });
    const ac = new AbortController();
    const kept = h(post({ inputs: 'stays' }));
    const gone = h(post({ inputs: ['goes away', 'with two inputs'] }, ac.signal));
    // both queued (the batcher waits 30 ms for company)
    await new Promise((r) => setTimeout(r, 5));
    expect(h.batcher.queueDepth).toBe(2);
    ac.abort();
    expect(h.batcher.queueDepth).toBe(1);
    expect((await kept).status).toBe(200);
    expect((await gone).status).toBe(499);
    const metrics = await (await h(new Request('http://localhost/metrics'))).text();
    expect(metrics).toMatch(/^wasmbert_sequences_total 1$/m);
  });

  it('an already aborted request never enters the queue', async () => {
    const b = new Batcher(bert);
    const ac = new AbortController();
    ac.abort();
    await expect(b.submit({ rows: [Int32Array.of(101, 102)], plan: MEAN, signal: ac.signal })).rejects.toMatchObject({ status: 499 });
    expect(b.queueDepth).toBe(0);
  });

  it('batching off: one request per forward, the same bits', async () => {
    const sizes: number[] = [];
    const opts: HandlerOptions = { batching: false, maxWaitMs: 50 };
    const h = createEmbeddingHandler(bert, opts);
    h.batcher.onBatch = (s) => sizes.push(s.sequences);
    const texts = TEXTS.slice(0, 6);
    const answers = await Promise.all(texts.map((t) => h(post({ inputs: t })).then((r) => r.json() as Promise<number[][]>)));
    expect(sizes).toEqual([1, 1, 1, 1, 1, 1]);
    for (let i = 0; i < texts.length; i++) expect(sameBits(answers[i][0], (await bert.embed([texts[i]]))[0])).toBe(true);
  });

  it('drain() waits for the work in flight, then refuses', async () => {
    const h = createEmbeddingHandler(bert, { maxWaitMs: 20 });
    const pending = h(post({ inputs: 'in flight' }));
    await new Promise((r) => setTimeout(r, 2));
    const drained = h.drain();
    expect((await h(post({ inputs: 'late' }))).status).toBe(503);
    await drained;
    expect((await pending).status).toBe(200);
  });

  it('one batch is sorted by length and cut into forwards whose padded area stays within twice their tokens', async () => {
    const b = new Batcher(bert, { maxWaitMs: 20 });
    const stats: { sequences: number; forwards: number; tokens: number }[] = [];
    b.onBatch = (s) => stats.push(s);
    const row = (n: number) => Int32Array.from({ length: n }, (_, i) => (i === 0 ? 101 : i === n - 1 ? 102 : 2000 + i));
    // 100, 3, 3, 3 tokens: [100, 3] pads to 200 ≤ 2 × 103; adding a 3 would pad to 300 > 2 × 106 → [3, 3] apart
    const jobs = [3, 100, 3, 3].map((n) => b.submit({ rows: [row(n)], plan: MEAN }));
    const vectors = await Promise.all(jobs);
    expect(stats).toEqual([{ sequences: 4, tokens: 109, forwards: 2, seconds: expect.any(Number) }]);
    // one request bigger than the budget: several forwards of at most maxBatchTokens each
    const small = new Batcher(bert, { maxWaitMs: 0, maxBatchTokens: 50 });
    const smallStats: { forwards: number }[] = [];
    small.onBatch = (s) => smallStats.push(s);
    await small.submit({ rows: [row(20), row(20), row(20), row(20)], plan: MEAN });
    expect(smallStats).toMatchObject([{ sequences: 4, tokens: 80, forwards: 2 }]);
    // each still bert.embed's bits for its ids (the forward of the ids alone)
    const alone = await b.submit({ rows: [row(100)], plan: MEAN });
    expect(sameBits(vectors[1][0], alone[0])).toBe(true);
  });

  it("429's Retry-After is the queued tokens at the recent pace", async () => {
    // a stand-in model whose forward takes 100 ms for any batch: 10 tokens → ≥ 0.01 s per token
    const slow = {
      config: { hidden_size: 4 },
      forward: async (enc: { inputIds: Int32Array[] }) => {
        await new Promise((r) => setTimeout(r, 100));
        const L = enc.inputIds[0].length;
        return { lastHiddenState: { data: new Float32Array(enc.inputIds.length * L * 4).fill(1), shape: [enc.inputIds.length, L, 4] } };
      },
    } as unknown as Bert;
    const b = new Batcher(slow, { maxWaitMs: 0, maxQueueRequests: 1 });
    const rows = (n: number) => [new Int32Array(n)];
    await b.submit({ rows: rows(10), plan: MEAN });
    const running = b.submit({ rows: rows(10), plan: MEAN }); // runs at once
    const queued = b.submit({ rows: rows(600), plan: MEAN }); // waits: the queue is full
    const refused = await b.submit({ rows: rows(1), plan: MEAN }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 429 });
    // 600 queued tokens at ≥ 0.01 s each (at most 0.1 s + timer slack per 10 tokens on a busy machine)
    expect((refused as { retryAfter: number }).retryAfter).toBeGreaterThanOrEqual(6);
    await Promise.all([running, queued]);
  });

  it('rejects bad batcher options with the option named', () => {
    expect(() => new Batcher(bert, { maxBatchTokens: 0 })).toThrow(/maxBatchTokens/);
    expect(() => new Batcher(bert, { maxWaitMs: -1 })).toThrow(/maxWaitMs/);
  });
});
