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
import { RuntimeError } from '../errors.js';
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
   * Longest wait for a job's last tasks (or, in a broadcast, the workers) before the pool gives up and
   * reports them stalled (default 60 s, far beyond any one task): a worker killed by the host (out of
   * memory) in the middle of a task must not hang the caller forever, and the caller's own event loop
   * cannot see its 'exit' while it blocks here.
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

export class WorkerPool {
  /** function export names; a call's fn id indexes this list */
  readonly names: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly fns: Kernel[];
  private readonly b: BoardViews;
  private readonly canBlock = threadCanBlock();
  private jobCount = 0;
  private calls = 0;
  private cpt = 1;
  private running = false;
  private broken: string | undefined;
  private disposed = false;

  private constructor(
    private readonly workers: PoolWorker[],
    board: BoardViews,
    names: string[],
    exports: WebAssembly.Exports,
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
    const layout = boardLayout(opts.capacity ?? 4096);
    const buffer = new SharedArrayBuffer(layout.bytes);
    const board = boardViews(buffer, layout);
    board.ctl[layout.slots.workers] = opts.workers;
    const names = WebAssembly.Module.exports(opts.module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
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
    const pool = new WorkerPool(workers, board, names, exports, opts.scratch[0], spinUs, opts.stallMs ?? 60_000);
    for (const w of workers) {
      w.unref();
      // A worker failing later marks the pool broken: the next job throws rather than run on fewer threads
      // than it claims (or wait, in a broadcast, for a worker that will never report).
      w.listen((m) => {
        if (m.type === 'error' && !pool.disposed) pool.broken ??= m.message;
      });
    }
    return pool;
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
    if (this.broken) throw new RuntimeError(`the worker pool is broken: ${this.broken}`);
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
      runTasks(this.b, this.fns, 0, this.scratch0, broadcast);
      // Tasks still running are on threads that are awake and working: a short wait.
      let d = Atomics.load(ctl, slot);
      const t0 = performance.now();
      while (d < target && performance.now() - t0 < this.spinUs / 1000) {
        for (let i = 0; i < 64 && d < target; i++) d = Atomics.load(ctl, slot);
      }
      while (d < target) {
        if (this.canBlock) Atomics.wait(ctl, slot, d, 100);
        d = Atomics.load(ctl, slot);
        if (d < target && performance.now() - t0 > this.stallMs) {
          this.broken = `${target - d} of ${target} ${broadcast ? 'workers' : 'tasks'} did not finish within ${this.stallMs} ms`;
          throw new RuntimeError(`the worker pool stalled: ${this.broken}`);
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
