// The multi-threaded Compute: the encoder's kernel calls split across the worker pool. Every split runs
// exactly the operations SingleThreadCompute runs, only partitioned, so the results are bit-identical:
//   GEMM       by column panels: columns [n0, n1) with n0 a multiple of gemm_nr() are the same export
//              called on w + gemm_pack_offset(n0, k), y + 4·n0 (panels are independent); by rows, in
//              whole gemm_mr()-row tiles (4), when there are too few panels to share
//   attention  by heads; each thread keeps its own attention scratch (packed K, V and a block of scores)
//   layernorm  by rows; tanh by 16-float blocks (same SIMD lanes, same tail)
// Jobs too small to pay for a dispatch (some µs) run on the calling thread alone. Every call goes through
// the job table (jobs.ts): its arguments are the kernel's typed signature, so none can be misplaced.
import { RuntimeError } from '../errors.js';
import type { Arena } from '../runtime/arena.js';
import type { KernelExports } from '../runtime/exports.js';
import { probeFeatures } from '../runtime/features.js';
import type { Kernels } from '../runtime/wasm.js';
import { SingleThreadCompute, linearExport, type Compute, type Epilogue, type Linear } from '../compute/compute.js';
import { Jobs, checkJobs, type JobName } from './jobs.js';
import { WorkerPool } from './pool.js';
import { workerKind } from './spawn.js';

export interface ThreadedCompute extends Compute {
  /** jobs dispatched to the workers so far (calls that ran on the calling thread alone are not counted) */
  readonly jobs: number;
  /**
   * How the latest linear, attention, layernorm or tanh call was split: `caller` when it ran on the calling
   * thread alone, else the axis and the number of tasks dispatched. The tests read it to prove each split
   * they compare against one thread really happened.
   */
  readonly lastSplit: Split;
  /**
   * Runs one kernel call on every thread's wasm instance: module globals (a tuning knob's settings) are per
   * instance, so setting them on the calling thread alone would leave the workers on the defaults.
   */
  broadcast(exportName: string, ...args: number[]): void;
  /** Terminates the workers. Idempotent; the compute must not be used afterwards. */
  dispose(): Promise<void>;
  /** Replaces the workers if one died (a no-op otherwise); the model calls it before every forward. */
  heal(): Promise<void>;
}

export interface Split {
  readonly kind: 'caller' | 'columns' | 'rows' | 'heads' | 'elements';
  readonly tasks: number;
}

const CALLER: Split = { kind: 'caller', tasks: 0 };

export interface ThreadedComputeOptions {
  /** total threads, the calling one included; 1 starts no worker */
  readonly threads: number;
  /** from loadKernels({ shared: true }) */
  readonly kernels: Kernels;
  /** scratch (one attention scratch per thread) is allocated from it here, once */
  readonly arena: Arena;
  /** longest sequence attention() will see */
  readonly maxSeq: number;
  /** largest attention head size attention() will see (scratch is sized for it) */
  readonly maxHeadSize: number;
  /** µs an idle worker polls for the next job before sleeping (default 100; see PoolOptions.spinUs) */
  readonly spinUs?: number;
  /**
   * Work (multiply-adds, or their equivalent for the row-wise ops) below which a call stays on the
   * calling thread: a dispatch costs some µs. Default 2^19 (some tens of µs of one core). 0 splits
   * everything that can be split (the tests do, to run every split on small shapes).
   */
  readonly minParallelWork?: number;
  /** see PoolOptions.stallMs (default 2 s + 10 × the calling thread's share of the job) */
  readonly stallMs?: number;
}

/**
 * Whether a worker pool can run here: shared memory (SharedArrayBuffer; in a browser only on a
 * cross-origin-isolated page) and a worker API (Web Workers, or node:worker_threads). False in workerd.
 */
export function threadsAvailable(): boolean {
  return probeFeatures().threads && typeof Atomics === 'object' && workerKind() !== undefined;
}

/**
 * The default thread count: the cores this process may use (navigator.hardwareConcurrency in browsers,
 * Deno, Bun and Node ≥ 21; os.availableParallelism() in Node 20).
 */
export async function defaultThreadCount(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency && nav.hardwareConcurrency > 0) return nav.hardwareConcurrency;
  try {
    const os = await import('node:os');
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  } catch {
    return 1;
  }
}

/**
 * GEMM tasks per thread. Measured on 2 shared vCPUs (column tasks of a 128×3072×768 GEMM, min of 20):
 * 4 tasks 8.3 ms, 8: 8.1, 16: 7.7 against 13.6 on one thread; a task costs a few µs to hand out.
 */
const TASKS_PER_THREAD = 8;

/** tanh: elements per block (a multiple of the f32x4 width, so every thread's SIMD lanes match one call's) */
const ELEM_BLOCK = 16;

type GemmJob = Extract<JobName, `gemm_f32${string}`>;

/** `parts` contiguous ranges of [0, total) in units of `unit`, as even as whole units allow. */
function split(total: number, parts: number, unit: number): number[] {
  const units = Math.ceil(total / unit);
  const p = Math.max(1, Math.min(parts, units));
  const bounds = [0];
  for (let i = 1; i <= p; i++) bounds.push(Math.min(total, Math.round((units * i) / p) * unit));
  return bounds;
}

class PoolCompute implements ThreadedCompute {
  private readonly single: SingleThreadCompute;
  private readonly jobsOf: Jobs;
  /** rows per register tile and columns per panel: the splits keep both whole */
  private readonly mr: number;
  private readonly nr: number;
  lastSplit: Split = CALLER;

  constructor(
    private readonly k: KernelExports,
    private readonly pool: WorkerPool,
    private readonly maxSeq: number,
    private readonly maxHeadSize: number,
    private readonly minWork: number,
  ) {
    this.single = new SingleThreadCompute(k);
    this.jobsOf = new Jobs(pool);
    this.mr = k.gemm_mr();
    this.nr = k.gemm_nr();
  }

  get threads(): number {
    return this.pool.threads;
  }

  get jobs(): number {
    return this.pool.jobs;
  }

  broadcast(exportName: string, ...args: number[]): void {
    this.pool.broadcast(exportName, ...args);
  }

  linear(m: number, x: number, ldx: number, lin: Linear, y: number, ldy: number, epilogue: Epilogue, scratch?: number): void {
    const { n, k } = lin;
    const T = this.pool.threads;
    this.lastSplit = CALLER;
    if (m === 0) return;
    if (m * n * k < this.minWork) return this.single.linear(m, x, ldx, lin, y, ldy, epilogue, scratch);
    if (scratch) {
      // A is packed once, here (O(m·k), ~2% of the GEMM); every thread then reads the same strips
      this.k.gemm_pack_a_f32(m, k, x, ldx, scratch);
      x = scratch;
      ldx = k;
    }
    const job = linearExport(lin, epilogue, !!scratch) as GemmJob;
    const { nr, mr } = this;
    const panels = Math.ceil(n / nr);
    const p = this.pool;
    const jobs = this.jobsOf;
    // Column panels while every thread gets at least two: each task then streams only its own slice of
    // the weights (the bulk of a GEMM's memory traffic at BERT's M). TASKS_PER_THREAD tasks per thread
    // (of at least two panels each) let a thread slowed by a busy neighbour fall behind by a fraction of
    // a share, not a whole one, while the others take the rest.
    if (panels >= 2 * T || m < 2 * mr * T) {
      const cols = split(n, Math.min(TASKS_PER_THREAD * T, Math.max(1, panels >> 1)), nr);
      if (cols.length < 3) return this.k[job](m, n, k, x, ldx, lin.w, y, ldy);
      this.lastSplit = { kind: 'columns', tasks: cols.length - 1 };
      p.begin(1);
      for (let i = 0; i + 1 < cols.length; i++) {
        const n0 = cols[i];
        jobs.post(job, m, cols[i + 1] - n0, k, x, ldx, lin.w + this.k.gemm_pack_offset(n0, k), y + 4 * n0, ldy);
      }
      return p.run();
    }
    // row slices in whole tiles (a packed A's strips are mr rows: a slice must start on one)
    const rows = split(m, TASKS_PER_THREAD * T, mr);
    this.lastSplit = { kind: 'rows', tasks: rows.length - 1 };
    p.begin(1);
    for (let i = 0; i + 1 < rows.length; i++) {
      const m0 = rows[i];
      jobs.post(job, rows[i + 1] - m0, n, k, x + 4 * m0 * ldx, ldx, lin.w, y + 4 * m0 * ldy, ldy);
    }
    p.run();
  }

  attention(n: number, heads: number, d: number, qkv: number, ctx: number, scratch: number, probs?: (h: number, ptr: number) => void): void {
    // probs: the callback must see each head's probabilities while the caller's thread runs, and it is
    // only asked for when inspecting (output_attentions): the single-threaded path serves it.
    this.lastSplit = CALLER;
    if (probs || n > this.maxSeq || d > this.maxHeadSize || heads < 2 || 2 * heads * n * n * d < this.minWork) {
      return this.single.attention(n, heads, d, qkv, ctx, scratch, probs);
    }
    const H = heads * d;
    const ld = 3 * H;
    const scale = 1 / Math.sqrt(d);
    const p = this.pool;
    this.lastSplit = { kind: 'heads', tasks: heads };
    // One call per head, exactly SingleThreadCompute's, without probabilities (probs = 0); scratch = 0 is
    // an offset into the running thread's own attention scratch (the job table marks it per-thread).
    p.begin(1);
    for (let h = 0; h < heads; h++) {
      const q = qkv + 4 * h * d;
      this.jobsOf.post('attention_f32', n, d, q, q + 4 * H, q + 8 * H, ld, scale, ctx + 4 * h * d, H, 0, 0);
    }
    p.run();
  }

  layernorm(m: number, n: number, x: number, ldx: number, gamma: number, beta: number, eps: number, y: number, ldy: number): void {
    const T = this.pool.threads;
    // ~8 multiply-add equivalents per element (two passes, normalize, affine)
    this.lastSplit = CALLER;
    if (m < 2 || 8 * m * n < this.minWork) return this.single.layernorm(m, n, x, ldx, gamma, beta, eps, y, ldy);
    const rows = split(m, 2 * T, 1);
    this.lastSplit = { kind: 'rows', tasks: rows.length - 1 };
    const p = this.pool;
    p.begin(1);
    for (let i = 0; i + 1 < rows.length; i++) {
      const m0 = rows[i];
      this.jobsOf.post('layernorm_f32', rows[i + 1] - m0, n, x + 4 * m0 * ldx, ldx, gamma, beta, eps, y + 4 * m0 * ldy, ldy);
    }
    p.run();
  }

  tanh(n: number, x: number, y: number): void {
    const T = this.pool.threads;
    // ~16 multiply-adds per element for the rational approximation
    this.lastSplit = CALLER;
    if (n < 2 * ELEM_BLOCK || 16 * n < this.minWork) return this.single.tanh(n, x, y);
    const parts = split(n, 2 * T, ELEM_BLOCK);
    this.lastSplit = { kind: 'elements', tasks: parts.length - 1 };
    const p = this.pool;
    p.begin(1);
    for (let i = 0; i + 1 < parts.length; i++) {
      const e0 = parts[i];
      this.jobsOf.post('tanh_f32', parts[i + 1] - e0, x + 4 * e0, y + 4 * e0);
    }
    p.run();
  }

  dispose(): Promise<void> {
    return this.pool.dispose();
  }

  heal(): Promise<void> {
    return this.pool.heal();
  }
}

class OneThread extends SingleThreadCompute implements ThreadedCompute {
  readonly jobs = 0;
  readonly lastSplit = CALLER;
  broadcast(exportName: string, ...args: number[]): void {
    const f = (this.k as unknown as Record<string, unknown>)[exportName];
    if (typeof f !== 'function') throw new RuntimeError(`the kernels have no export "${exportName}"`);
    (f as (...a: number[]) => unknown)(...args);
  }
  async heal(): Promise<void> {}
}

/**
 * A Compute over `threads` threads (the caller and threads − 1 workers) sharing the kernels' memory.
 * Throws RuntimeError where threads cannot run (see threadsAvailable()) or the kernels are not a shared
 * build; callers fall back to SingleThreadCompute with a warning.
 */
export async function createThreadedCompute(opts: ThreadedComputeOptions): Promise<ThreadedCompute> {
  const { threads, kernels, arena, maxSeq, maxHeadSize } = opts;
  if (!Number.isInteger(threads) || threads < 1) throw new RuntimeError(`threads must be a positive integer (got ${threads})`);
  if (threads === 1) return new OneThread(kernels.exports);
  if (!threadsAvailable()) {
    throw new RuntimeError(
      'threads are unavailable here (no SharedArrayBuffer: a browser page must be cross-origin isolated, ' +
        'COOP same-origin + COEP require-corp; or no worker API, as in workerd)',
    );
  }
  if (!kernels.variant.endsWith('-mt') || !(kernels.memory.buffer instanceof SharedArrayBuffer)) {
    throw new RuntimeError(`threads need a shared-memory build of the kernels (got "${kernels.variant}"): load them with loadKernels({ shared: true })`);
  }
  if (arena.memory !== kernels.memory) throw new RuntimeError('the arena must be over the kernels’ memory');
  // the built kernels must take the arguments the job table declares (a stale build fails here, by name)
  checkJobs(kernels.exports);
  const scratch: number[] = [];
  const bytes = kernels.exports.attention_scratch_size(maxSeq, maxHeadSize);
  for (let t = 0; t < threads; t++) scratch.push(arena.alloc(bytes, `attention scratch of thread ${t}`));
  const pool = await WorkerPool.create(kernels.exports as unknown as WebAssembly.Exports, {
    workers: threads - 1,
    module: kernels.module,
    memory: kernels.memory,
    scratch,
    spinUs: opts.spinUs,
    stallMs: opts.stallMs,
  });
  return new PoolCompute(kernels.exports, pool, maxSeq, maxHeadSize, opts.minParallelWork ?? 1 << 19);
}
