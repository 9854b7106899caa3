// Dynamic batching: the sequences of concurrent requests are coalesced into few forwards, up to a token budget.
//
// Why it is exact: Bert.forward packs the valid tokens of a batch and computes nothing else — each dense layer
// is a GEMM whose output row depends on its own input row only, attention runs per sequence. A sequence
// therefore gets the same bits whether it runs alone or beside others (test/serve-batching.test.ts checks
// it against bert.embed), and pooling here is bert.embed's own code (src/embedding/embed.ts: poolRow under
// the job's EmbedPlan), so every sentence-transformers convention bert.embed follows, the service follows.
//
// The loop: one forward at a time (a model is one arena). When a job arrives on an idle batcher it waits at
// most `maxWaitMs` for company; while a forward runs, arrivals queue and the next batch takes them at once.
// A batch takes whole requests in arrival order (no request waits behind later ones) until the token budget
// is spent; its sequences are sorted by length and cut into forwards whose padded area stays within twice
// their valid tokens and whose tokens stay within the budget (the outputs are [B, L, H]: padding costs
// memory, not compute).
import { ServeError } from '../errors.js';
import type { Bert } from '../model/bert.js';
import { embedWidth, poolRow, type EmbedOptions, type EmbedPlan } from '../embedding/embed.js';

/**
 * What the service needs of a model: a Bert, or a stand-in with the same answers (the Node CLI runs the Bert
 * in a worker thread behind one, so forwards do not block the thread that answers HTTP).
 */
export type EmbeddingModel = Pick<Bert, 'config' | 'tokenizer' | 'forward' | 'variant' | 'threads' | 'residency' | 'wasmBytes' | 'sentence' | 'hasPooler'>;

/** bert.embed's pooling: a sentence-transformers mode, a list of them (concatenated), or 'pooler'. */
export type Pooling = NonNullable<EmbedOptions['pooling']>;

export interface BatcherOptions {
  /** false: every request runs alone, one after the other (the benchmark's baseline). Default true. */
  batching?: boolean;
  /** Most valid tokens one batch holds (a request larger than this runs alone). Default 4096. */
  maxBatchTokens?: number;
  /** How long an idle batcher waits for more requests before starting a forward. Default 2 ms. */
  maxWaitMs?: number;
  /** Requests waiting (not yet running) beyond which new ones are refused with 429. Default 256. */
  maxQueueRequests?: number;
}

export interface EmbedJob {
  /** token ids of each input, [CLS] … [SEP] included (prompt, truncation already applied as the plan says) */
  rows: Int32Array[];
  /** how the rows are pooled (embedPlan of bert.embed's options): one for every row, or one per row */
  plan: EmbedPlan | EmbedPlan[];
  /** aborted: the job leaves the queue (or its result is dropped when it already runs) */
  signal?: AbortSignal;
}

export interface BatchStats {
  sequences: number;
  tokens: number;
  forwards: number;
  seconds: number;
}

interface Pending {
  job: EmbedJob;
  tokens: number;
  enqueued: number;
  resolve: (v: Float32Array[]) => void;
  reject: (e: unknown) => void;
  onAbort?: () => void;
}

const now = (): number => (globalThis.performance ? performance.now() : Date.now());

export class Batcher {
  readonly batching: boolean;
  readonly maxBatchTokens: number;
  readonly maxWaitMs: number;
  readonly maxQueueRequests: number;
  private queue: Pending[] = [];
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: (() => void)[] = [];
  /** moving average of a batch's seconds per token (for Retry-After) */
  private secondsPerToken = 0;
  /** called after each batch (metrics) */
  onBatch: (stats: BatchStats, queueWaitSeconds: number[]) => void = () => {};

  constructor(
    private readonly bert: EmbeddingModel,
    options: BatcherOptions = {},
  ) {
    this.batching = options.batching ?? true;
    this.maxBatchTokens = options.maxBatchTokens ?? 4096;
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxQueueRequests = options.maxQueueRequests ?? 256;
    for (const [k, v] of [['maxBatchTokens', this.maxBatchTokens], ['maxWaitMs', this.maxWaitMs], ['maxQueueRequests', this.maxQueueRequests]] as const) {
      if (!Number.isFinite(v) || v < 0 || (k !== 'maxWaitMs' && (!Number.isInteger(v) || v < 1))) {
        throw new ServeError(`batcher: ${k} must be a ${k === 'maxWaitMs' ? 'non-negative number' : 'positive integer'} (got ${v})`, 500, 'backend', k);
      }
    }
  }

  /** Requests waiting for a forward (not the one running). */
  get queueDepth(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  /** The vectors of each row of the job, as bert.embed(text, options) would give them alone (plan = embedPlan(bert, options)). */
  submit(job: EmbedJob): Promise<Float32Array[]> {
    if (job.signal?.aborted) return Promise.reject(abortError());
    if (this.queue.length >= this.maxQueueRequests) {
      // Retry-After: the time the queued tokens take at the recent pace, at least a second
      const queued = this.queue.reduce((s, p) => s + p.tokens, 0);
      const wait = Math.max(1, Math.ceil(queued * this.secondsPerToken));
      return Promise.reject(new ServeError(`the queue is full (${this.maxQueueRequests} requests waiting): retry in ${wait} s`, 429, 'overloaded', undefined, wait));
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { job, tokens: job.rows.reduce((s, r) => s + r.length, 0), enqueued: now(), resolve, reject };
      if (job.signal) {
        // A client that went away: its work leaves the queue now (a running batch just drops its result).
        p.onAbort = () => {
          const i = this.queue.indexOf(p);
          if (i >= 0) this.queue.splice(i, 1);
          reject(abortError());
        };
        job.signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.queue.push(p);
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(): void {
    if (this.running || this.timer !== undefined || this.queue.length === 0) return;
    const queued = this.queue.reduce((s, p) => s + p.tokens, 0);
    // Alone, or the budget already full: no reason to wait.
    if (!this.batching || this.maxWaitMs === 0 || queued >= this.maxBatchTokens) {
      void this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.maxWaitMs);
  }

  private take(): Pending[] {
    const batch: Pending[] = [];
    let tokens = 0;
    while (this.queue.length > 0) {
      const p = this.queue[0];
      if (batch.length > 0 && (!this.batching || tokens + p.tokens > this.maxBatchTokens)) break;
      this.queue.shift();
      batch.push(p);
      tokens += p.tokens;
      if (!this.batching) break;
    }
    return batch;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        const started = now();
        for (const p of batch) if (p.onAbort) p.job.signal!.removeEventListener('abort', p.onAbort);
        try {
          const { vectors, stats } = await this.forward(batch.map((p) => p.job));
          stats.seconds = (now() - started) / 1000;
          const spt = stats.seconds / Math.max(stats.tokens, 1);
          this.secondsPerToken = this.secondsPerToken === 0 ? spt : 0.8 * this.secondsPerToken + 0.2 * spt;
          this.onBatch(stats, batch.map((p) => (started - p.enqueued) / 1000));
          batch.forEach((p, i) => (p.job.signal?.aborted ? p.reject(abortError()) : p.resolve(vectors[i])));
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** One batch of jobs → per job, one vector per row. */
  private async forward(jobs: EmbedJob[]): Promise<{ vectors: Float32Array[][]; stats: BatchStats }> {
    const entries: { job: number; row: number; ids: Int32Array }[] = [];
    jobs.forEach((j, job) => j.rows.forEach((ids, row) => entries.push({ job, row, ids })));
    entries.sort((a, b) => b.ids.length - a.ids.length);
    const out = jobs.map((j) => new Array<Float32Array>(j.rows.length));
    const stats: BatchStats = { sequences: entries.length, tokens: 0, forwards: 0, seconds: 0 };
    let start = 0;
    while (start < entries.length) {
      const L = entries[start].ids.length;
      let end = start;
      let valid = 0;
      // sorted longest first: a group of B rows pads to B × L; cut where that would exceed twice the valid tokens,
      // or the token budget (one request of many long inputs runs as several forwards: outputs are [B, L, H])
      while (end < entries.length) {
        const n = entries[end].ids.length;
        if ((end + 1 - start) * L > 2 * (valid + n) || (end > start && valid + n > this.maxBatchTokens)) break;
        valid += n;
        end++;
      }
      if (end === start) valid += entries[end++].ids.length;
      const group = entries.slice(start, end);
      const vecs = await embedRows(this.bert, group.map((e) => e.ids), group.map((e) => planOf(jobs[e.job], e.row)));
      group.forEach((e, i) => (out[e.job][e.row] = vecs[i]));
      stats.tokens += valid;
      stats.forwards++;
      start = end;
    }
    return { vectors: out, stats };
  }
}

const planOf = (job: EmbedJob, row: number): EmbedPlan => (Array.isArray(job.plan) ? job.plan[row] : job.plan);

/**
 * One forward over rows of token ids (each [CLS] … [SEP]), then each row pooled by its plan with bert.embed's
 * own poolRow: the padding beyond a row is masked out, so the row's vector does not depend on its neighbours.
 */
export async function embedRows(bert: EmbeddingModel, rows: Int32Array[], plans: EmbedPlan[]): Promise<Float32Array[]> {
  const L = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const inputIds: Int32Array[] = [];
  const attentionMask: Int32Array[] = [];
  for (const r of rows) {
    const ids = new Int32Array(L);
    ids.set(r);
    const mask = new Int32Array(L);
    mask.fill(1, 0, r.length);
    inputIds.push(ids);
    attentionMask.push(mask);
  }
  const needPooler = plans.some((p) => p.modes.includes('pooler'));
  const res = await bert.forward({ inputIds, attentionMask });
  if (needPooler && !res.pooler) throw new ServeError('this checkpoint has no pooler: use another pooling', 400, 'validation', 'pooling');
  const H = bert.config.hidden_size;
  return rows.map((_, b) => {
    const v = new Float32Array(embedWidth(bert, plans[b]));
    poolRow(plans[b], res.lastHiddenState.data, res.pooler?.data, b, L, H, attentionMask[b], v);
    return v;
  });
}

/** torch.nn.functional.normalize, as bert.embed does it. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i] * v[i];
  const norm = Math.max(Math.sqrt(ss), 1e-12);
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

function abortError(): ServeError {
  // 499: nginx's "client closed request"; nobody reads it, the connection is gone
  return new ServeError('the client went away', 499, 'validation');
}
