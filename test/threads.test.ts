// The worker pool and the threaded Compute. Every threaded kernel call must give exactly (bit for bit)
// what SingleThreadCompute gives: the splits partition the same operations, they do not reorder them.
// Also: the board protocol (first wake-up, many rapid jobs, errors), and that dispose / unref let the
// process go.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../src/errors.js';
import { SingleThreadCompute, attentionScratchBytes, type Compute, type Epilogue, type Linear } from '../src/compute/compute.js';
import { Arena } from '../src/runtime/arena.js';
import { loadKernels, type Kernels } from '../src/runtime/wasm.js';
import { createThreadedCompute, threadsAvailable, type Split, type ThreadedCompute } from '../src/threads/compute.js';
import { WorkerPool } from '../src/threads/pool.js';
import { ROOT } from './shared.js';
import { available } from './required.js';

let kernels: Kernels;
let arena: Arena;

beforeAll(async () => {
  kernels = await loadKernels({ shared: true });
  arena = new Arena(kernels.memory, kernels.exports.heap_base());
});

/** mulberry32: reproducible inputs */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh buffer of `n` floats filled from U(-scale, scale). */
function randomBuffer(n: number, seed: number, scale = 1): number {
  const ptr = arena.alloc(4 * Math.max(n, 1));
  const r = rng(seed);
  const v = arena.f32(ptr, n);
  for (let i = 0; i < n; i++) v[i] = (2 * r() - 1) * scale;
  return ptr;
}

/** Index of the first element whose bits differ, or -1 (NaN payloads and -0 included). */
function firstBitDifference(a: number, b: number, n: number): number {
  const x = new Uint32Array(kernels.memory.buffer, a, n);
  const y = new Uint32Array(kernels.memory.buffer, b, n);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function copy(from: number, to: number, n: number): void {
  arena.f32(to, n).set(arena.f32(from, n));
}

/** OS threads of this process (Linux: /proc; elsewhere undefined and the thread-count checks are left out). */
function osThreads(): number | undefined {
  return existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined;
}

describe.skipIf(!available('worker threads', threadsAvailable(), 'SharedArrayBuffer and node:worker_threads: Node ≥ 20 has both'))('worker pool', () => {
  const K = () => kernels.exports as unknown as WebAssembly.Exports;

  /** One f32 per thread at its scratch base: the thread's id + 1, so a task can stamp who ran it. */
  function markers(threads: number): number[] {
    const out: number[] = [];
    for (let t = 0; t < threads; t++) {
      const p = arena.alloc(64);
      arena.f32(p, 1)[0] = t + 1;
      out.push(p);
    }
    return out;
  }

  it('every worker runs the first job posted right after start-up, then takes tasks in later jobs', async () => {
    const threads = 3;
    const scratch = markers(threads);
    for (const p of scratch) arena.f32(p, 2)[1] = 0;
    const pool = await WorkerPool.create(K(), { workers: threads - 1, module: kernels.module, memory: kernels.memory, scratch, stallMs: 10_000 });
    try {
      expect(pool.threads).toBe(threads);
      // Job 1, the moment create() resolves, is a broadcast (each thread: scratch[1] += its marker), which
      // waits for every worker: one that started from the wrong generation sleeps through it, and run()
      // fails with "stalled" after stallMs instead of returning.
      pool.begin(1);
      pool.call(pool.id('add_f32'), 0b1110, 1, 0, 4, 4);
      pool.run(true);
      scratch.forEach((p, t) => expect(arena.f32(p, 2)[1], `thread ${t}`).toBe(t + 1));

      const busy = pool.id('peak_fma_f32x4');
      const cp = pool.id('copy_f32');
      const tasks = 48;
      const stamps = arena.alloc(4 * tasks);
      const seen = new Set<number>();
      // Task jobs: each task burns some µs (register-only FMA loop), then stamps the id of the thread
      // that ran it (copy from the running thread's scratch).
      for (let job = 0; job < 200 && seen.size < threads; job++) {
        arena.f32(stamps, tasks).fill(0);
        pool.begin(2);
        for (let t = 0; t < tasks; t++) {
          pool.call(busy, 0, 2000);
          pool.call(cp, 1 << 1, 1, 0, stamps + 4 * t);
        }
        pool.run();
        const s = arena.f32(stamps, tasks);
        // every task ran (a skipped task leaves 0)
        for (let t = 0; t < tasks; t++) expect(s[t]).toBeGreaterThan(0);
        for (const v of s) seen.add(v);
      }
      // Every worker claimed tasks at some point: the dispatch reaches them, not only the caller.
      expect([...seen].sort()).toEqual([1, 2, 3]);
    } finally {
      await pool.dispose();
    }
  });

  it('1000 rapid small jobs without deadlock, each task run exactly once', async () => {
    const threads = 2;
    const pool = await WorkerPool.create(K(), { workers: threads - 1, module: kernels.module, memory: kernels.memory, scratch: markers(threads), stallMs: 10_000 });
    try {
      const add = pool.id('add_f32');
      const tasks = 8;
      const acc = arena.alloc(4 * tasks);
      const one = arena.alloc(4 * tasks);
      arena.f32(acc, tasks).fill(0);
      arena.f32(one, tasks).fill(1);
      const jobs = 1000;
      for (let j = 0; j < jobs; j++) {
        pool.begin(1);
        for (let t = 0; t < tasks; t++) pool.call(add, 0, 1, acc + 4 * t, one + 4 * t, acc + 4 * t);
        pool.run();
      }
      // integers up to 2^24 are exact in f32: a task run twice or skipped in any job moves its count
      expect(Array.from(arena.f32(acc, tasks))).toEqual(new Array(tasks).fill(jobs));
      expect(pool.jobs).toBe(jobs);
    } finally {
      await pool.dispose();
    }
  });

  it('a kernel trap in any thread becomes a RuntimeError, and the pool keeps working', async () => {
    const pool = await WorkerPool.create(K(), { workers: 2, module: kernels.module, memory: kernels.memory, scratch: markers(3), stallMs: 10_000 });
    try {
      const cp = pool.id('copy_f32');
      const dst = arena.alloc(64);
      pool.begin(1);
      for (let t = 0; t < 16; t++) pool.call(cp, 0, 4, 0xfffffff0, dst); // reads past the end of memory
      expect(() => pool.run()).toThrow(RuntimeError);
      pool.begin(1);
      for (let t = 0; t < 16; t++) pool.call(cp, 0, 4, 0xfffffff0, dst);
      expect(() => pool.run()).toThrow(/kernel call failed on (the calling thread|worker [12]): .*out of bounds/);
      const src = randomBuffer(4, 1);
      pool.begin(1);
      pool.call(cp, 0, 4, src, dst);
      pool.run();
      expect(firstBitDifference(src, dst, 4)).toBe(-1);
      expect(() => pool.id('no_such_kernel')).toThrow(/no export "no_such_kernel"/);
    } finally {
      await pool.dispose();
    }
  });

  it('a broadcast job runs on every thread, once each', async () => {
    const threads = 3;
    const scratch = markers(threads);
    const pool = await WorkerPool.create(K(), { workers: threads - 1, module: kernels.module, memory: kernels.memory, scratch, stallMs: 10_000 });
    try {
      for (const p of scratch) arena.f32(p, 4).fill(0, 1);
      const add = pool.id('add_f32');
      // each thread: scratch[1] += marker (its id + 1), scratch-relative, so a thread running it twice
      // or not at all shows
      for (let round = 1; round <= 3; round++) {
        pool.begin(1);
        pool.call(add, 0b1110, 1, 0, 4, 4);
        pool.run(true);
        scratch.forEach((p, t) => expect(arena.f32(p, 2)[1], `thread ${t} after ${round} broadcasts`).toBe(round * (t + 1)));
      }
    } finally {
      await pool.dispose();
    }
  });

  it('dispose stops every worker thread', async () => {
    const before = osThreads();
    const pool = await WorkerPool.create(K(), { workers: 3, module: kernels.module, memory: kernels.memory, scratch: markers(4) });
    if (before !== undefined) expect(osThreads()).toBeGreaterThanOrEqual(before + 3);
    await pool.dispose();
    // The OS thread of each worker is gone once terminate() resolves.
    expect(osThreads()).toBe(before);
    expect(() => pool.run()).toThrow(/disposed/);
    await pool.dispose(); // idempotent
  });
});

describe.skipIf(!available('worker threads', threadsAvailable(), 'SharedArrayBuffer and node:worker_threads: Node ≥ 20 has both'))('process exit', () => {
  // A child process on the built package: the pool must never keep a process alive, disposed or not.
  const dist = join(ROOT, 'dist', 'threads', 'compute.js');
  const script = (dispose: boolean) => `
    import { loadKernels } from './dist/runtime/wasm.js';
    import { Arena } from './dist/runtime/arena.js';
    import { createThreadedCompute } from './dist/threads/compute.js';
    const kernels = await loadKernels({ shared: true });
    const arena = new Arena(kernels.memory, kernels.exports.heap_base());
    const c = await createThreadedCompute({ threads: 3, kernels, arena, maxSeq: 16, maxHeadSize: 64, minParallelWork: 0 });
    const x = arena.alloc(4 * 64 * 64);
    c.tanh(64 * 64, x, x);
    if (c.jobs !== 1) throw new Error('tanh did not run on the pool');
    ${dispose ? 'await c.dispose();' : ''}
    console.log('ok');`;
  const run = (src: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', src], { cwd: ROOT, timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: stdout + stderr }),
      );
    });

  it.each([true, false])('exits on its own (dispose called: %s)', async (dispose) => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: build first (npm run build; npm test does)`);
    const r = await run(script(dispose));
    // a pool that kept the process alive would be killed by the 20 s timeout (code null)
    expect(r.out.trim().split('\n').at(-1)).toBe('ok');
    expect(r.code).toBe(0);
  });
});

describe.skipIf(!available('worker threads', threadsAvailable(), 'SharedArrayBuffer and node:worker_threads: Node ≥ 20 has both'))('threaded Compute is bit-identical to SingleThreadCompute', () => {
  let single: SingleThreadCompute;
  const pools: ThreadedCompute[] = [];
  const maxSeq = 128;

  beforeAll(async () => {
    single = new SingleThreadCompute(kernels.exports);
    // minParallelWork 0: every call that can be split is, even m = 1 or n = 13, to exercise the splits
    for (const threads of [2, 3]) pools.push(await createThreadedCompute({ threads, kernels, arena, maxSeq, maxHeadSize: 64, minParallelWork: 0, stallMs: 10_000 }));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.dispose()));
  });

  /**
   * Runs `f` on single and on each pool into separate outputs; `prepare(out)` sets an output's initial
   * contents. `split` is how the pool must have split the call: without that check a call that quietly ran
   * on the calling thread would compare one thread with itself. A real split dispatches exactly one job
   * (counted for this call alone) of at least two tasks; `caller` dispatches none.
   */
  function compare(floats: number, split: Split['kind'], f: (c: Compute, out: number) => void, prepare?: (out: number) => void): void {
    const mark = arena.used;
    try {
      const ref = arena.alloc(4 * floats);
      // every output starts the same (NaN unless prepared), so untouched gaps between strided rows agree
      if (prepare) prepare(ref);
      else arena.f32(ref, floats).fill(NaN);
      f(single, ref);
      for (const pool of pools) {
        const out = arena.alloc(4 * floats);
        if (prepare) prepare(out);
        else arena.f32(out, floats).fill(NaN);
        const jobs = pool.jobs;
        f(pool, out);
        expect(pool.lastSplit.kind, `threads ${pool.threads}: split`).toBe(split);
        expect(pool.jobs - jobs, `threads ${pool.threads}: jobs this call dispatched`).toBe(split === 'caller' ? 0 : 1);
        if (split === 'caller') expect(pool.lastSplit.tasks).toBe(0);
        else expect(pool.lastSplit.tasks, `threads ${pool.threads}: tasks`).toBeGreaterThanOrEqual(2);
        expect(firstBitDifference(ref, out, floats), `threads ${pool.threads}: first differing element`).toBe(-1);
      }
    } finally {
      arena.release(mark);
    }
  }

  it.each([
    [1, 768],
    [7, 768],
    [128, 768],
    [13, 100],
    [128, 3],
  ])('layernorm m=%i n=%i (strided rows)', (m, n) => {
    const mark = arena.used;
    const ld = n + 5;
    const x = randomBuffer(m * ld, m * 1000 + n, 3);
    const gamma = randomBuffer(n, 7);
    const beta = randomBuffer(n, 8);
    compare(m * ld, m >= 2 ? 'rows' : 'caller', (c, y) => c.layernorm(m, n, x, ld, gamma, beta, 1e-12, y, ld));
    arena.release(mark);
  });

  it.each([1, 13, 100, 768, 128 * 768 + 3])('tanh n=%i', (n) => {
    const mark = arena.used;
    const x = randomBuffer(n, n, 6);
    compare(n, n >= 32 ? 'elements' : 'caller', (c, y) => c.tanh(n, x, y));
    arena.release(mark);
  });

  /** A Linear [out=n, in=k] with random weights and bias, packed the way Bert.load packs it. */
  function linearOf(n: number, k: number, seed: number): Linear {
    const K = kernels.exports as unknown as { gemm_pack_size(n: number, k: number): number; gemm_pack_f32(n: number, k: number, w: number, ldw: number, bias: number, packed: number): void };
    const mark = arena.used;
    const w = randomBuffer(n * k, seed, 1 / Math.sqrt(k));
    const b = randomBuffer(n, seed + 1);
    const packed = arena.alloc(K.gemm_pack_size(n, k));
    K.gemm_pack_f32(n, k, w, k, b, packed);
    // keep the packed weight, drop the unpacked source: move it down to `mark`
    const bytes = K.gemm_pack_size(n, k);
    new Uint8Array(kernels.memory.buffer).copyWithin(mark, packed, packed + bytes);
    arena.release(mark);
    return { format: 'f32', w: arena.alloc(bytes), n, k };
  }

  // m: 1 (one [CLS] row: the pooler), 7 (odd, below a 6-row tile + 1), 77 (rows split into 12-row tiles,
  // the last one partial), 128; n: 768 (H), 3·768 (fused QKV), 3072 (I), 100 (not a multiple of NR = 8,
  // last panel partial), 20 and 8 (too few panels to share). The expected split, at 2 and at 3 threads:
  // columns while there are panels to share; with 20 or 8 columns, rows once m ≥ 2 tiles per thread
  // (77, 128); m = 1 or 7 over 1-3 panels is one task, so it runs on the calling thread (`caller`: those
  // cases check the decision, not the bits).
  const shapes: [number, number, number, Split['kind']][] = [];
  for (const m of [1, 7, 77, 128]) {
    for (const [n, k] of [[768, 768], [3 * 768, 768], [3072, 768], [768, 3072], [100, 64], [20, 64], [8, 40]]) {
      shapes.push([m, n, k, n > 20 ? 'columns' : m >= 77 ? 'rows' : 'caller']);
    }
  }
  it('the linear table has real row and column splits', () => {
    for (const kind of ['columns', 'rows'] as const) expect(shapes.filter((s) => s[3] === kind).length).toBeGreaterThanOrEqual(4);
  });
  it.each(shapes)('linear m=%i n=%i k=%i (bias): split %s', (m, n, k, split) => {
    const mark = arena.used;
    const lin = linearOf(n, k, n + k);
    const x = randomBuffer(m * k, m);
    compare(m * n, split, (c, y) => c.linear(m, x, k, lin, y, n, 'bias'));
    arena.release(mark);
  });

  // with a packing scratch (what the encoder passes): A packed once on the calling thread, the packed-A
  // GEMM split across threads (row slices must land on 4-row strip boundaries)
  it.each(shapes)('linear m=%i n=%i k=%i (bias, packed A): split %s', (m, n, k, split) => {
    const mark = arena.used;
    const lin = linearOf(n, k, n + k);
    const x = randomBuffer(m * k, m);
    const scratch = arena.alloc(4 * Math.ceil(m / 4) * 4 * k);
    compare(m * n, split, (c, y) => c.linear(m, x, k, lin, y, n, 'bias', scratch));
    // and the same bits as the unpacked GEMM on one thread
    const plain = arena.alloc(4 * m * n);
    single.linear(m, x, k, lin, plain, n, 'bias');
    const packedOut = arena.alloc(4 * m * n);
    single.linear(m, x, k, lin, packedOut, n, 'bias', scratch);
    expect(new Uint32Array(kernels.memory.buffer, packedOut, m * n)).toEqual(new Uint32Array(kernels.memory.buffer, plain, m * n));
    arena.release(mark);
  });

  it.each(['bias_residual', 'gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'] as Epilogue[])('linear epilogue %s, strided x and y', (epi) => {
    const mark = arena.used;
    const [m, n, k] = [37, 200, 96];
    const [ldx, ldy] = [k + 3, n + 9];
    const lin = linearOf(n, k, 5);
    const x = randomBuffer(m * ldx, 6, 2);
    const residual = randomBuffer(m * ldy, 7);
    compare(m * ldy, 'columns', (c, y) => c.linear(m, x, ldx, lin, y, ldy, epi), (y) => copy(residual, y, m * ldy));
    arena.release(mark);
  });

  // heads × head size: bert-base's 12 × 64 and a small 4 × 8; n: 1, 13 (odd, not a multiple of the
  // matmul tiles) and 128 (= maxSeq here)
  const attn: [number, number, number][] = [];
  for (const [heads, d] of [[12, 64], [4, 8]]) for (const n of [1, 13, 128]) attn.push([heads, d, n]);
  it.each(attn)('attention %i heads × %i, n=%i', (heads, d, n) => {
    const mark = arena.used;
    const H = heads * d;
    const qkv = randomBuffer(n * 3 * H, heads * n + d, 2);
    const scores = arena.alloc(attentionScratchBytes(kernels.exports, maxSeq, d));
    compare(n * H, 'heads', (c, ctx) => c.attention(n, heads, d, qkv, ctx, scores));
    // one task per head
    pools.forEach((p) => expect(p.lastSplit.tasks).toBe(heads));
    arena.release(mark);
  });

  it('attention with probs (output_attentions) sees every head, in order, with the same numbers', () => {
    const mark = arena.used;
    const [heads, d, n] = [12, 64, 37];
    const H = heads * d;
    const qkv = randomBuffer(n * 3 * H, 77, 2);
    const scores = arena.alloc(attentionScratchBytes(kernels.exports, maxSeq, d));
    const seen: Float32Array[][] = [];
    compare(n * H, 'caller', (c, ctx) => {
      const probs: Float32Array[] = [];
      seen.push(probs);
      c.attention(n, heads, d, qkv, ctx, scores, (h, ptr) => {
        expect(h).toBe(probs.length);
        probs.push(arena.f32(ptr, n * n).slice());
      });
    });
    expect(seen).toHaveLength(1 + pools.length);
    for (const probs of seen.slice(1)) {
      expect(probs).toHaveLength(heads);
      probs.forEach((p, h) => expect(new Uint32Array(p.buffer)).toEqual(new Uint32Array(seen[0][h].buffer)));
    }
    arena.release(mark);
  });

  it('sequences longer than maxSeq still compute (on the calling thread)', () => {
    const mark = arena.used;
    const [heads, d, n] = [4, 8, maxSeq + 3];
    const qkv = randomBuffer(n * 3 * heads * d, 78);
    const scores = arena.alloc(attentionScratchBytes(kernels.exports, n, d));
    compare(n * heads * d, 'caller', (c, ctx) => c.attention(n, heads, d, qkv, ctx, scores));
    arena.release(mark);
  });

  it('broadcast runs an export on every instance; unknown exports are a RuntimeError', () => {
    const mark = arena.used;
    const src = randomBuffer(8, 11);
    const dst = arena.alloc(32);
    for (const p of pools) {
      arena.f32(dst, 8).fill(0);
      p.broadcast('copy_f32', 8, src, dst);
      expect(firstBitDifference(src, dst, 8)).toBe(-1);
      expect(() => p.broadcast('no_such_kernel')).toThrow(RuntimeError);
    }
    arena.release(mark);
  });

  it('threads: 1 starts no worker; defaults keep small calls on the calling thread', async () => {
    const one = await createThreadedCompute({ threads: 1, kernels, arena, maxSeq, maxHeadSize: 64 });
    expect(one.threads).toBe(1);
    expect(one).toBeInstanceOf(SingleThreadCompute);
    await one.dispose();
    await expect(createThreadedCompute({ threads: 0, kernels, arena, maxSeq, maxHeadSize: 64 })).rejects.toThrow(RuntimeError);
    const notShared = await loadKernels();
    await expect(createThreadedCompute({ threads: 2, kernels: notShared, arena: new Arena(notShared.memory, notShared.exports.heap_base()), maxSeq, maxHeadSize: 64 })).rejects.toThrow(/shared-memory build/);

    const c = await createThreadedCompute({ threads: 2, kernels, arena, maxSeq, maxHeadSize: 64 });
    try {
      const mark = arena.used;
      const x = randomBuffer(128 * 768, 3);
      const g = randomBuffer(768, 4);
      c.layernorm(1, 768, x, 768, g, g, 1e-12, x, 768); // 1 row: no dispatch
      expect(c.jobs).toBe(0);
      c.layernorm(128, 768, x, 768, g, g, 1e-12, x, 768); // 128 rows: worth splitting
      expect(c.jobs).toBe(1);
      arena.release(mark);
    } finally {
      await c.dispose();
    }
  });
});
