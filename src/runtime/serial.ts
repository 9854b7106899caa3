// One model, one call at a time: a FIFO that runs the calls given to it one after another, in arrival
// order, each with an AbortSignal that fires when its caller aborts or the queue is closed (dispose).
//
// Why a queue and not isolation: a model owns one activation arena and (streamed) one layer slot and one
// read-ahead; two forwards that overlap across an awaited read would write each other's activations (the
// "wrong vectors, no error" failure of issue #13). Copies of the arena per call would multiply the memory;
// a FIFO costs nothing when calls do not overlap and gives every call exactly the bits it would get alone.
import { AbortError, ModelError, WasmbertError } from '../errors.js';

function aborted(signal: AbortSignal, what: string): Error {
  const r = signal.reason as unknown;
  if (r instanceof WasmbertError) return r;
  return new AbortError(`${what}: the call was aborted by its AbortSignal${r instanceof Error && r.message ? ` (${r.message})` : ''}`, { cause: r });
}

export class SerialQueue {
  /** settles once every call given so far has stopped running */
  private tail: Promise<void> = Promise.resolve();
  /** controllers of the calls queued or running */
  private readonly live = new Set<AbortController>();
  private closedWith: (() => Error) | undefined;

  constructor(private readonly what: string) {}

  /** true once close() was called: every later run() rejects */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /**
   * Runs `fn` once every call given before it has stopped. `fn` gets a signal that aborts when `signal`
   * does or when the queue closes; it should check it at its await points. The promise rejects at once
   * on abort (AbortError, or close()'s error), but the next call starts only once `fn` has really
   * stopped: nothing of an abandoned call runs alongside the next one.
   */
  run<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith());
    if (signal?.aborted) return Promise.reject(aborted(signal, this.what));
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(aborted(signal!, this.what));
    signal?.addEventListener('abort', onAbort, { once: true });
    this.live.add(ctl);
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    const work = (async () => {
      try {
        await prev;
        ctl.signal.throwIfAborted();
        return await fn(ctl.signal);
      } finally {
        this.live.delete(ctl);
        signal?.removeEventListener('abort', onAbort);
        release();
      }
    })();
    const stop = new Promise<never>((_, reject) => {
      if (ctl.signal.aborted) reject(ctl.signal.reason);
      else ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason), { once: true });
    });
    return Promise.race([work, stop]);
  }

  /**
   * Closes the queue: later run() calls reject with `error()`, the calls queued or running are aborted
   * with it, and the promise resolves once the running one has stopped (so its owner can free what it used).
   */
  async close(error: () => Error = () => new ModelError(`${this.what}: disposed`)): Promise<void> {
    if (!this.closedWith) {
      this.closedWith = error;
      for (const c of this.live) c.abort(error());
    }
    await this.tail;
  }
}
