// The job board: one SharedArrayBuffer that the calling thread writes jobs into and every worker reads.
// It is separate from the wasm memory so that growing the wasm memory never detaches the views.
//
// A job is a list of tasks; a task is `callsPerTask` consecutive kernel calls (export id + up to ARGC
// numeric arguments). The board is the only channel: once a worker runs it never returns to its event
// loop, so postMessage cannot reach it.
//
// Claiming (dynamic scheduling: on a machine shared with other processes, a descheduled thread delays only
// the tasks it has claimed): one word CLAIM = limit << 16 | next. A thread claims task `next` by a CAS from
// (limit, next < limit) to (limit, next + 1), then reads the task's calls. The caller writes a job's table
// only while CLAIM is exhausted (next = limit, the previous job finished) and publishes it last, by storing
// CLAIM = (ntasks, 0). So a successful CAS always claims a task of the published job, even for a worker
// that loaded CLAIM long before (a stale word either fails the CAS or names the same task of the current
// job: its value alone says what it claims). Finished tasks are counted in FIN; the caller waits for
// FIN = ntasks only, never for a worker to wake: a worker that sleeps through a job just finds nothing
// left to claim. Waking a sleeping thread costs 50-500 µs on a virtual machine, longer than many jobs.
//
// Broadcast jobs (every thread runs the calls once, for per-instance state) are the exception: there the
// caller waits for every worker (DONE = workers). GEN's low bit says which kind a job is (even: tasks,
// odd: broadcast), so the kind can never be read from a different job than the generation.
//
// Everything here is plain data and pure functions with no imports and no closures: `runTasks` is also
// serialized into the worker's source (src/threads/worker.ts), so the calling thread and the workers run
// the very same task loop.

/** Control word indices (Int32 slots at the start of the board). */
export interface Slots {
  /** job generation: changes once per job, low bit 1 for a broadcast; idle workers Atomics.wait on it */
  readonly gen: number;
  /** limit << 16 | next task */
  readonly claim: number;
  /** calls per task */
  readonly cpt: number;
  /** tasks finished in the current job (the caller waits on it) */
  readonly fin: number;
  /** workers that ran the current broadcast job */
  readonly done: number;
  /** workers in the pool */
  readonly workers: number;
  /** set to 1 to make workers exit */
  readonly quit: number;
  /** 0, or 1 + the thread id of the first failed call */
  readonly error: number;
  /** length of the error text (UTF-16 code units) */
  readonly errorLen: number;
  /**
   * 0, or the thread id of a worker that exited (process.exit, an uncaught error): its last act, so a
   * caller blocked in Atomics.wait learns of it at once instead of waiting for the 'exit' event, which
   * its own event loop cannot deliver while it blocks
   */
  readonly dead: number;
  /** that worker's exit code */
  readonly deadCode: number;
}

/** Most tasks in one job (CLAIM packs limit and next into 16 bits each). */
export const MAX_TASKS = 0xffff;

export interface Layout {
  readonly slots: Slots;
  readonly ctlWords: number;
  /** most calls one job can hold */
  readonly capacity: number;
  /** numeric arguments per call */
  readonly argc: number;
  /** byte offsets of the sections */
  readonly fnOffset: number;
  readonly relOffset: number;
  readonly argsOffset: number;
  readonly errOffset: number;
  /** UTF-16 code units of error text kept */
  readonly errCapacity: number;
  readonly bytes: number;
}

export function boardLayout(capacity: number): Layout {
  const slots: Slots = { gen: 0, claim: 1, cpt: 2, fin: 3, done: 4, workers: 5, quit: 6, error: 7, errorLen: 8, dead: 9, deadCode: 10 };
  // 16 control words = 64 bytes: the hot words share one cache line, the call table starts on the next.
  const ctlWords = 16;
  const argc = 12;
  const fnOffset = ctlWords * 4;
  const relOffset = fnOffset + capacity * 4;
  const argsOffset = Math.ceil((relOffset + capacity * 4) / 8) * 8;
  const errOffset = argsOffset + capacity * argc * 8;
  const errCapacity = 512;
  return { slots, ctlWords, capacity, argc, fnOffset, relOffset, argsOffset, errOffset, errCapacity, bytes: errOffset + errCapacity * 4 };
}

/** Typed views over one board. */
export interface BoardViews {
  readonly layout: Layout;
  readonly ctl: Int32Array;
  /** per call: index into the thread's function table */
  readonly fn: Int32Array;
  /** per call: bit i set = argument i is an offset from the running thread's scratch base */
  readonly rel: Int32Array;
  /** per call: ARGC arguments. f64 holds every i32 and the f32 arguments' JS values exactly, so a worker passes the same numbers the calling thread would */
  readonly args: Float64Array;
  readonly err: Int32Array;
}

export function boardViews(buffer: SharedArrayBuffer, layout: Layout): BoardViews {
  return {
    layout,
    ctl: new Int32Array(buffer, 0, layout.ctlWords),
    fn: new Int32Array(buffer, layout.fnOffset, layout.capacity),
    rel: new Int32Array(buffer, layout.relOffset, layout.capacity),
    args: new Float64Array(buffer, layout.argsOffset, layout.capacity * layout.argc),
    err: new Int32Array(buffer, layout.errOffset, layout.errCapacity),
  };
}

type Kernel = (...args: number[]) => unknown;

/**
 * Claims and runs tasks of the published job until none is left to claim; with `broadcast`, runs the
 * job's one task itself instead (no claim, no FIN). A failing call records the first error on the board
 * and drains the queue, counting the drained tasks as finished, so nobody waits forever; it never throws.
 */
export function runTasks(b: BoardViews, fns: readonly Kernel[], tid: number, scratch: number, broadcast: boolean): void {
  const { ctl, fn, rel, args } = b;
  const S = b.layout.slots;
  const argc = b.layout.argc;
  const a = new Array<number>(argc);
  const finish = (n: number, limit: number) => {
    if (Atomics.add(ctl, S.fin, n) + n === limit) Atomics.notify(ctl, S.fin);
  };
  for (;;) {
    let t = 0;
    let limit = 1;
    if (!broadcast) {
      const w = Atomics.load(ctl, S.claim);
      limit = w >>> 16;
      t = w & 0xffff;
      if (t >= limit) return;
      if (Atomics.compareExchange(ctl, S.claim, w, w + 1) !== w) continue;
    }
    // The task's calls stay as they are until FIN reaches limit, which needs this task.
    const cpt = ctl[S.cpt];
    let failed = false;
    for (let c = t * cpt, end = c + cpt; c < end && !failed; c++) {
      const r = rel[c];
      const o = c * argc;
      for (let i = 0; i < argc; i++) a[i] = (r >> i) & 1 ? args[o + i] + scratch : args[o + i];
      try {
        fns[fn[c]](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
      } catch (e) {
        failed = true;
        if (Atomics.compareExchange(ctl, S.error, 0, tid + 1) === 0) {
          const text = String((e as { message?: string })?.message ?? e).slice(0, b.err.length);
          for (let i = 0; i < text.length; i++) b.err[i] = text.charCodeAt(i);
          Atomics.store(ctl, S.errorLen, text.length);
        }
      }
    }
    if (broadcast) return;
    if (failed) {
      // Drain: claim everything left at once and count it finished, unrun.
      for (;;) {
        const w = Atomics.load(ctl, S.claim);
        const left = (w >>> 16) - (w & 0xffff);
        if (left <= 0) break;
        if (Atomics.compareExchange(ctl, S.claim, w, w + left) === w) {
          finish(left, limit);
          break;
        }
      }
    }
    finish(1, limit);
  }
}
