// The job board: one SharedArrayBuffer that the calling thread writes jobs into and every worker reads.
// It is separate from the wasm memory so that growing the wasm memory never detaches the views.
//
// A job is a list of tasks; a task is `callsPerTask` consecutive kernel calls (export id + up to ARGC
// numeric arguments). Threads claim tasks with Atomics.add on NEXT (dynamic scheduling: on a machine
// shared with other processes a descheduled thread only delays the tasks it has claimed) and report with
// Atomics.add on DONE. The board is the only channel: once a worker is running it never returns to its
// event loop, so postMessage cannot reach it.
//
// Everything here is plain data and pure functions with no imports and no closures: `runTasks` is also
// serialized into the worker's source (src/threads/worker.ts), so the calling thread and the workers run
// the very same task loop.

/** Control word indices (Int32 slots at the start of the board). */
export interface Slots {
  /** job generation: bumped once per job; workers Atomics.wait on it */
  readonly gen: number;
  /** next task to claim */
  readonly next: number;
  /** tasks in the current job */
  readonly ntasks: number;
  /** calls per task */
  readonly cpt: number;
  /** workers that finished the current job */
  readonly done: number;
  /** set to 1 to make workers exit */
  readonly quit: number;
  /** 0, or 1 + the thread id of the first failed call */
  readonly error: number;
  /** length of the error text (UTF-16 code units) */
  readonly errorLen: number;
  /** workers in the pool (what the last worker to finish compares DONE with) */
  readonly workers: number;
  /** 1: every thread runs the job's calls itself, once (per-instance state such as gemm_tune's) */
  readonly broadcast: number;
}

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
  const slots: Slots = { gen: 0, next: 1, ntasks: 2, cpt: 3, done: 4, quit: 5, error: 6, errorLen: 7, workers: 8, broadcast: 9 };
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
 * Claims and runs tasks of the current job until none is left. A failing call records the first error on
 * the board and drains the queue (the other threads stop at their next claim); it never throws, so the
 * thread always goes on to report DONE and nobody waits forever.
 */
export function runTasks(b: BoardViews, fns: readonly Kernel[], tid: number, scratch: number): void {
  const { ctl, fn, rel, args } = b;
  const S = b.layout.slots;
  const argc = b.layout.argc;
  const ntasks = ctl[S.ntasks];
  const cpt = ctl[S.cpt];
  const a = new Array<number>(argc);
  const broadcast = ctl[S.broadcast] !== 0;
  for (;;) {
    const t = broadcast ? 0 : Atomics.add(ctl, S.next, 1);
    if (t >= ntasks) return;
    for (let c = t * cpt, end = c + cpt; c < end; c++) {
      const r = rel[c];
      const o = c * argc;
      for (let i = 0; i < argc; i++) a[i] = (r >> i) & 1 ? args[o + i] + scratch : args[o + i];
      try {
        fns[fn[c]](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
      } catch (e) {
        if (Atomics.compareExchange(ctl, S.error, 0, tid + 1) === 0) {
          const text = String((e as { message?: string })?.message ?? e).slice(0, b.err.length);
          for (let i = 0; i < text.length; i++) b.err[i] = text.charCodeAt(i);
          Atomics.store(ctl, S.errorLen, text.length);
        }
        Atomics.store(ctl, S.next, 0x3fffffff);
        return;
      }
    }
    if (broadcast) return;
  }
}
