// The worker's whole program. It is started from source text (an eval worker in Node, a Blob-URL module
// worker elsewhere) built from these functions' Function.prototype.toString(): no worker file has to sit
// next to the bundle, and tests running the TypeScript sources start the same code as dist/ does.
// So: no imports and no closures over module scope in anything serialized here.
import { boardViews, runTasks, type Layout } from './board.js';
import { JOBS } from './jobs.js';

export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly board: SharedArrayBuffer;
  readonly layout: Layout;
  /** 1..workers (the calling thread is 0) */
  readonly tid: number;
  /**
   * The generation the board was at when this worker was created. The worker waits for the generation to
   * differ from this value; reading the board itself at start-up instead could observe a job the calling
   * thread already posted and then sleep through it (fatal for a broadcast job, which waits for every
   * worker; a task job would just run without this worker).
   */
  readonly gen: number;
  /** export names; a call's fn id indexes this list */
  readonly names: readonly string[];
  /** this thread's scratch base (byte offset in wasm memory) */
  readonly scratch: number;
  /** µs of polling the generation before sleeping in Atomics.wait: back-to-back jobs then skip the futex */
  readonly spinUs: number;
}

/** What the host gives the worker program: its message port, abstracted over Node and the web. */
export interface WorkerIO {
  onMessage(f: (data: WorkerInit) => void): void;
  post(message: { type: 'ready' } | { type: 'error'; message: string }): void;
  exit(): void;
  /** runs f as the thread exits, where the host offers a hook (Node's process 'exit') */
  onExit?(f: (code: number) => void): void;
}

/**
 * The worker program. The board functions come in as arguments rather than by import or by name: in the
 * serialized source nothing from module scope exists, and tools rewrite or rename module-scope references
 * (vitest's SSR transform turns imported calls into `__vite_ssr_import_0__.runTasks`, minifiers rename).
 */
export function workerMain(io: WorkerIO, views: typeof boardViews, run: typeof runTasks, jobs: Readonly<Record<string, number>>): void {
  io.onMessage(async (init) => {
    const b = views(init.board, init.layout);
    const S = init.layout.slots;
    const ctl = b.ctl;
    let instance: WebAssembly.Instance;
    try {
      const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
      for (const imp of WebAssembly.Module.imports(init.module)) {
        const ns = (imports[imp.module] ??= {});
        if (imp.kind === 'memory') ns[imp.name] = init.memory;
        else if (imp.kind === 'function') {
          ns[imp.name] = () => {
            throw new Error(`wasm kernel called its import ${imp.module}.${imp.name} (an abort) in worker ${init.tid}`);
          };
        }
      }
      instance = await WebAssembly.instantiate(init.module, imports);
    } catch (e) {
      io.post({ type: 'error', message: `worker ${init.tid} cannot instantiate the kernels: ${String(e)}` });
      return;
    }
    const fns = init.names.map((n) => instance.exports[n] as (...args: number[]) => unknown);
    // The job table (jobs.ts, passed in as name → argument count): this instance must take exactly the
    // declared arguments, or a call would read its arguments at the wrong positions.
    for (const name of Object.keys(jobs)) {
      const f = instance.exports[name] as ((...args: number[]) => unknown) | undefined;
      if (typeof f !== 'function' || f.length !== jobs[name]) {
        io.post({ type: 'error', message: `worker ${init.tid}: kernel ${name} takes ${typeof f === 'function' ? f.length : 'no'} arguments, the job table declares ${jobs[name]}` });
        return;
      }
    }
    // A worker that exits (process.exit in a kernel's host code, an uncaught error) says so on the board
    // and wakes the caller, which may be blocked waiting for this thread's task.
    io.onExit?.((code) => {
      if (Atomics.load(ctl, S.quit) !== 0) return;
      Atomics.store(ctl, S.deadCode, code);
      Atomics.store(ctl, S.dead, init.tid);
      Atomics.notify(ctl, S.fin);
      Atomics.notify(ctl, S.done);
    });
    io.post({ type: 'ready' });
    // From here on this thread never returns to its event loop: the board is its only input. It waits
    // in JavaScript (Atomics.wait), never inside wasm: Node 20's baseline compiler (Liftoff) corrupts
    // locals live across memory.atomic.wait32.
    let seen = init.gen;
    for (;;) {
      let g = Atomics.load(ctl, S.gen);
      if (g === seen && init.spinUs > 0) {
        const until = performance.now() + init.spinUs / 1000;
        do {
          for (let i = 0; i < 64 && g === seen; i++) g = Atomics.load(ctl, S.gen);
        } while (g === seen && performance.now() < until);
      }
      while (g === seen) {
        Atomics.wait(ctl, S.gen, seen);
        g = Atomics.load(ctl, S.gen);
      }
      seen = g;
      if (Atomics.load(ctl, S.quit) !== 0) {
        io.exit();
        return;
      }
      if (g & 1) {
        // A broadcast job: this thread runs it once (seen = g now) and reports; the caller waits for all.
        run(b, fns, init.tid, init.scratch, true);
        if (Atomics.add(ctl, S.done, 1) + 1 === ctl[S.workers]) Atomics.notify(ctl, S.done);
      } else {
        // A task job, or one already finished: claims what is left, maybe nothing.
        run(b, fns, init.tid, init.scratch, false);
      }
    }
  });
}

/** The job table as the worker sees it: name → argument count (JSON: nothing from module scope reaches the worker). */
const jobArity = (): string => JSON.stringify(Object.fromEntries(Object.entries(JOBS).map(([name, d]) => [name, d.args.length])));

/** `var __name`: bundlers that keep function names (esbuild keepNames) wrap them in __name(fn, "x"). */
const PRELUDE = 'var __name = (f) => f;\n';

/**
 * Source for a Node eval worker. It runs as CommonJS or as an ES module depending on the parent's flags
 * (`node --input-type=module` is inherited), so it uses import(), which both have; the port queues the
 * init message until the listener is attached.
 */
export function nodeWorkerSource(): string {
  return (
    PRELUDE +
    `import('node:worker_threads').then(({ parentPort }) => (${workerMain})(` +
    `{ onMessage: (f) => parentPort.once('message', f), post: (m) => parentPort.postMessage(m), exit: () => process.exit(0), onExit: (f) => process.on('exit', f) }, ` +
    `(${boardViews}), (${runTasks}), ${jobArity()}));\n`
  );
}

/** Source for a Web Worker (browsers, Deno, Bun). */
export function webWorkerSource(): string {
  return (
    PRELUDE +
    `(${workerMain})({ onMessage: (f) => { self.onmessage = (e) => { self.onmessage = null; f(e.data); }; }, ` +
    `post: (m) => self.postMessage(m), exit: () => self.close() }, (${boardViews}), (${runTasks}), ${jobArity()});\n`
  );
}
