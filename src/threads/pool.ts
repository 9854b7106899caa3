// A pool of workers over one shared WebAssembly.Memory. Every worker instantiates the module the calling
// thread compiled over the same memory, so a kernel call means the same thing on every thread; jobs go
// through the board (board.ts), never through postMessage.
//
// Dispatch (board.ts has the protocol): the caller writes the calls, publishes the claim word, bumps GEN
// and notifies; awake workers claim tasks; the caller claims tasks too, then waits until every task has
// finished. It never waits for a worker to wake up. The wait blocks with Atomics.wait where the thread may
// block (Node's main thread, any worker); a browser page's main thread may not, so there it spins: that is
// short, because the caller gets there only when nothing is left to claim, and the tasks still running are
// on threads that are awake.
//
// Healing (issue #13): a worker that dies is noticed (below, in run()), the job fails with RuntimeError
// naming the cause, the pool is marked broken, and heal() — which the model calls before every forward —
// replaces every worker and the board, so the next call runs on fresh threads with no reload.
import { RuntimeError } from '../errors.js';
import { warnOnce } from '../runtime/wasm.js';
import { boardLayout, boardViews, MAX_TASKS, runTasks, type BoardViews } from './board.js';
import { spawnWorker, type PoolWorker } from './spawn.js';

export interface PoolOptions {
  /** workers to start (threads - 1: the calling thread works too) */
  readonly workers: number;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** per thread (index 0 = the calling thread, then each worker): base of its scratch in wasm memory */
  readonly scratch: readonly number[];
  /** most calls in one job (default 4096) */
  readonly capacity?: number;
  /**
   * µs an idle worker keeps polling for the next job before it sleeps in Atomics.wait (default 100).
   * Jobs of one forward pass follow each other within µs, and waking a sleeping thread costs 50-500 µs
   * on a virtual machine; past this the worker stops burning its core.
   */
  readonly spinUs?: number;
  /**
   * How long the caller waits for a job's last tasks (or, in a broadcast, the workers) once it has run its
   * own share: stallMs (default 2000) + 10 × the time its own share took. A worker that exits says so on
   * the board and is noticed at once; one killed without running JavaScript (out of memory under
   * resourceLimits, killed by the host) or hung can only be noticed by time, and the caller's event loop is
   * frozen meanwhile (it cannot see the 'exit' event while it blocks). Tasks of one job are equal slices:
   * a worker 10× slower than the caller on the same slice, 2 s past it, is dead or starved beyond use.
   */
  readonly stallMs?: number;
}

type Kernel = (...args: number[]) => unknown;

/** Whether this thread may block in Atomics.wait (false on a browser page's main thread). */
function threadCanBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Default PoolOptions.stallMs. */
export const DEFAULT_STALL_MS = 2000;

export class WorkerPool {
  /** function export names; a call's fn id indexes this list */
  readonly names: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly fns: Kernel[];
  private b: BoardViews;
  private readonly canBlock = threadCanBlock();
  private jobCount = 0;
  private calls = 0;
  private cpt = 1;
  private running = false;
  private broken: string | undefined;
  private disposed = false;
  /** times heal() replaced the workers */
  private heals = 0;

  private constructor(
    private workers: PoolWorker[],
    board: BoardViews,
    names: string[],
    exports: WebAssembly.Exports,
    private readonly opts: PoolOptions,
    private readonly scratch0: number,
    private readonly spinUs: number,
    private readonly stallMs: number,
  ) {
    this.b = board;
    this.names = names;
    this.ids = new Map(names.map((n, i) => [n, i]));
    this.fns = names.map((n) => exports[n] as Kernel);
  }

  /** Jobs run so far. */
  get jobs(): number {
    return this.jobCount;
  }

  /** The calling thread plus the workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Times the workers were replaced after one died. */
  get restarts(): number {
    return this.heals;
  }

  /** Why the pool cannot run jobs until heal(), or undefined. */
  get brokenBecause(): string | undefined {
    return this.broken;
  }

  /**
   * Starts the workers and resolves once every one has instantiated the kernels and is waiting on the
   * board: from then on the caller may block (a browser only starts a worker while its page's main thread
   * runs its event loop, so blocking before that could wait forever).
   */
  static async create(exports: WebAssembly.Exports, opts: PoolOptions): Promise<WorkerPool> {
    if (!(opts.memory.buffer instanceof SharedArrayBuffer)) {
      throw new RuntimeError('the worker pool needs the kernels over a shared memory: load them with loadKernels({ shared: true })');
    }
    if (opts.scratch.length !== opts.workers + 1) {
      throw new RuntimeError(`the worker pool needs one scratch base per thread (${opts.workers + 1}), got ${opts.scratch.length}`);
    }
    const names = WebAssembly.Module.exports(opts.module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    const { board, workers } = await WorkerPool.start(opts, names);
    const pool = new WorkerPool(workers, board, names, exports, opts, opts.scratch[0], opts.spinUs ?? 100, opts.stallMs ?? DEFAULT_STALL_MS);
    pool.watch(workers);
    return pool;
  }

  /** A fresh board and workers that have instantiated the kernels and wait on it. */
  private static async start(opts: PoolOptions, names: string[]): Promise<{ board: BoardViews; workers: PoolWorker[] }> {
    const layout = boardLayout(opts.capacity ?? 4096);
    const buffer = new SharedArrayBuffer(layout.bytes);
    const board = boardViews(buffer, layout);
    board.ctl[layout.slots.workers] = opts.workers;
    const spinUs = opts.spinUs ?? 100;
    const workers: PoolWorker[] = [];
    try {
      for (let i = 1; i <= opts.workers; i++) workers.push(await spawnWorker(`wasmbert worker ${i}`));
      const gen = Atomics.load(board.ctl, layout.slots.gen);
      await Promise.all(
        workers.map(
          (w, i) =>
            new Promise<void>((resolve, reject) => {
              w.listen((m) => (m.type === 'ready' ? resolve() : reject(new RuntimeError(m.message))));
              w.post({ module: opts.module, memory: opts.memory, board: buffer, layout, tid: i + 1, gen, names, scratch: opts.scratch[i + 1], spinUs });
            }),
        ),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e instanceof RuntimeError ? e : new RuntimeError(`cannot start the worker pool: ${String(e)}`, { cause: e });
    }
    return { board, workers };
  }

  private watch(workers: PoolWorker[]): void {
    for (const w of workers) {
      w.unref();
      // A worker of this generation failing later marks the pool broken: the next job throws (or heal()
      // replaces the workers) rather than run on fewer threads than it claims, or wait, in a broadcast,
      // for a worker that will never report. Workers replaced by heal() are no longer listened to.
      w.listen((m) => {
        if (m.type === 'error' && !this.disposed && this.workers.includes(w)) this.broken ??= m.message;
      });
    }
  }

  /**
   * Replaces every worker (and the board) when one died; a no-op otherwise. The old workers are
   * terminated and awaited first: a hung one must stop writing the shared memory before anyone reuses it.
   * What broadcast() set in the old workers' instances is not replayed (the model broadcasts nothing).
   */
  async heal(): Promise<void> {
    if (!this.broken || this.disposed) return;
    const why = this.broken;
    const old = this.workers;
    this.workers = [];
    await Promise.all(old.map((w) => w.terminate().catch(() => {})));
    const { board, workers } = await WorkerPool.start(this.opts, [...this.names]);
    if (this.disposed) {
      // disposed while the new workers started: they go too
      await Promise.all(workers.map((w) => w.terminate()));
      return;
    }
    this.b = board;
    this.workers = workers;
    this.watch(workers);
    this.broken = undefined;
    this.heals++;
    warnOnce(`the worker pool restarted its ${workers.length} worker(s) after a failure (${why})`);
  }

  /** The id of an export, for call(). */
  id(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined) throw new RuntimeError(`the kernels have no export "${name}" (stale build? run \`npm run build:wasm\`)`);
    return id;
  }

  /** Starts writing a job whose tasks are `callsPerTask` consecutive calls each. */
  begin(callsPerTask: number): void {
    if (this.running) throw new RuntimeError('the worker pool is already running a job (a kernel call from inside a job?)');
    this.calls = 0;
    this.cpt = callsPerTask;
  }

  /**
   * Appends one call. `rel` bit i set: argument i is an offset from the running thread's scratch base
   * (per-thread scratch without knowing which thread will claim the task).
   */
  call(fn: number, rel: number, ...args: number[]): void {
    const L = this.b.layout;
    if (this.calls >= L.capacity) throw new RuntimeError(`a job of more than ${L.capacity} kernel calls`);
    if (args.length > L.argc) throw new RuntimeError(`a kernel call with more than ${L.argc} arguments`);
    const c = this.calls++;
    this.b.fn[c] = fn;
    this.b.rel[c] = rel;
    const o = c * L.argc;
    for (let i = 0; i < L.argc; i++) this.b.args[o + i] = i < args.length ? args[i] : 0;
  }

  /**
   * Runs one call on every thread, each on its own wasm instance: for per-instance state (module
   * globals, such as a kernel tuning knob's settings), which a call on the calling thread alone would set only there.
   */
  broadcast(name: string, ...args: number[]): void {
    this.begin(1);
    this.call(this.id(name), 0, ...args);
    this.run(true);
  }

  /** Runs the job written since begin() on every thread and returns when all of it is done. */
  run(broadcast = false): void {
    if (this.disposed) throw new RuntimeError('the worker pool was disposed');
    if (this.broken) throw new RuntimeError(`the worker pool is broken until heal(): ${this.broken}`);
    if (this.calls % this.cpt !== 0) throw new RuntimeError(`a job of ${this.calls} calls is not whole tasks of ${this.cpt}`);
    const ntasks = this.calls / this.cpt;
    if (ntasks > MAX_TASKS) throw new RuntimeError(`a job of ${ntasks} tasks (at most ${MAX_TASKS})`);
    if (broadcast && ntasks !== 1) throw new RuntimeError('a broadcast job is one task');
    const { ctl, layout } = this.b;
    const S = layout.slots;
    const W = this.workers.length;
    this.running = true;
    this.jobCount++;
    try {
      // The previous job is complete (CLAIM exhausted, FIN = its tasks): nobody reads the table we wrote.
      ctl[S.cpt] = this.cpt;
      ctl[S.error] = 0;
      ctl[S.errorLen] = 0;
      Atomics.store(ctl, S.fin, 0);
      let slot: number = S.fin;
      let target = ntasks;
      // GEN's low bit is the job's kind (board.ts): even for task jobs, odd for broadcasts.
      const next = ((Atomics.load(ctl, S.gen) >> 1) + 1) << 1;
      if (broadcast) {
        Atomics.store(ctl, S.done, 0);
        Atomics.store(ctl, S.gen, next | 1);
        slot = S.done;
        target = W;
      } else {
        // Publishing the claim word (seq-cst, after the table) is what opens the job.
        Atomics.store(ctl, S.claim, ntasks << 16);
        Atomics.store(ctl, S.gen, next);
      }
      Atomics.notify(ctl, S.gen);
      const tStart = performance.now();
      runTasks(this.b, this.fns, 0, this.scratch0, broadcast);
      // Tasks still running are on threads that are awake and working: a short wait.
      let d = Atomics.load(ctl, slot);
      const t0 = performance.now();
      const grace = this.stallMs + 10 * (t0 - tStart);
      while (d < target && performance.now() - t0 < this.spinUs / 1000) {
        for (let i = 0; i < 64 && d < target; i++) d = Atomics.load(ctl, slot);
      }
      while (d < target) {
        // Slices of 50 ms: a dead worker's board word is checked at least that often (it also notifies).
        if (this.canBlock) Atomics.wait(ctl, slot, d, 50);
        d = Atomics.load(ctl, slot);
        if (d >= target) break;
        const dead = Atomics.load(ctl, S.dead);
        if (dead !== 0) {
          this.broken = `worker ${dead} exited (code ${Atomics.load(ctl, S.deadCode)}) while the pool ran a job`;
          throw new RuntimeError(`the worker pool lost a worker: ${this.broken}; the next call restarts the workers`);
        }
        if (performance.now() - t0 > grace) {
          this.broken = `${target - d} of ${target} ${broadcast ? 'workers' : 'tasks'} did not finish within ${Math.round(grace)} ms of the calling thread's share (a worker died without exiting cleanly, e.g. out of memory, or hangs)`;
          throw new RuntimeError(`the worker pool stalled: ${this.broken}; the next call restarts the workers`);
        }
      }
    } finally {
      this.running = false;
    }
    const failed = Atomics.load(ctl, S.error);
    if (failed !== 0) {
      const len = Atomics.load(ctl, S.errorLen);
      const text = String.fromCharCode(...this.b.err.subarray(0, len));
      const who = failed === 1 ? 'the calling thread' : `worker ${failed - 1}`;
      throw new RuntimeError(`a kernel call failed on ${who}: ${text}`);
    }
  }

  /** Stops and terminates the workers; the pool cannot run jobs afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const { ctl, layout } = this.b;
    Atomics.store(ctl, layout.slots.quit, 1);
    Atomics.store(ctl, layout.slots.gen, ((Atomics.load(ctl, layout.slots.gen) >> 1) + 1) << 1);
    Atomics.notify(ctl, layout.slots.gen);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
