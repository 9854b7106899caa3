// Starting one worker, per platform: node:worker_threads in Node; the Web Worker API in browsers, Deno
// and Bun. The node: import is dynamic and behind the runtime check, so browser bundles never load it.
import { RuntimeError } from '../errors.js';
import { nodeWorkerSource, webWorkerSource, type WorkerInit } from './worker.js';

export type WorkerMessage = { type: 'ready' } | { type: 'error'; message: string };

export interface PoolWorker {
  post(init: WorkerInit): void;
  /** messages from the worker, and failures (an uncaught error, or an exit before dispose) as 'error' */
  listen(f: (m: WorkerMessage) => void): void;
  /** let the process exit while this worker is alive (Node); no-op on the web */
  unref(): void;
  terminate(): Promise<void>;
}

interface WebWorkerLike {
  postMessage(m: unknown): void;
  terminate(): void;
  onmessage: ((e: { data: WorkerMessage }) => void) | null;
  onerror: ((e: { message?: string; preventDefault?(): void }) => void) | null;
}
type WebWorkerCtor = new (url: string | URL, options?: { type?: 'module' | 'classic'; name?: string }) => WebWorkerLike;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** Where workers can be started here, and how. */
export function workerKind(): 'node' | 'web' | undefined {
  // Node has no global Worker; Deno and Bun have both and their Web Workers are the native API.
  if (typeof (globalThis as { Worker?: unknown }).Worker === 'function') return 'web';
  if (isNode()) return 'node';
  return undefined;
}

export async function spawnWorker(name: string): Promise<PoolWorker> {
  const kind = workerKind();
  if (kind === 'node') {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(nodeWorkerSource(), { eval: true, name });
    let exited = false;
    return {
      post: (init) => w.postMessage(init),
      listen(f) {
        w.on('message', f);
        w.on('error', (e: Error) => f({ type: 'error', message: `${name} failed: ${e.message}` }));
        w.on('exit', (code: number) => {
          exited = true;
          f({ type: 'error', message: `${name} exited (code ${code})` });
        });
      },
      unref: () => w.unref(),
      async terminate() {
        if (!exited) await w.terminate();
      },
    };
  }
  if (kind === 'web') {
    const Ctor = (globalThis as unknown as { Worker: WebWorkerCtor }).Worker;
    const url = URL.createObjectURL(new Blob([webWorkerSource()], { type: 'text/javascript' }));
    let w: WebWorkerLike;
    try {
      w = new Ctor(url, { type: 'module', name });
    } catch (cause) {
      URL.revokeObjectURL(url);
      throw new RuntimeError(`cannot start a Web Worker from a blob: URL (a Content-Security-Policy without worker-src blob:?)`, { cause });
    }
    return {
      post(init) {
        w.postMessage(init);
      },
      listen(f) {
        w.onmessage = (e) => {
          if (e.data.type === 'ready') URL.revokeObjectURL(url);
          f(e.data);
        };
        w.onerror = (e) => {
          e.preventDefault?.();
          f({ type: 'error', message: `${name} failed: ${e.message ?? 'error event'}` });
        };
      },
      unref() {},
      async terminate() {
        w.terminate();
        URL.revokeObjectURL(url);
      },
    };
  }
  throw new RuntimeError('no worker API here (neither Web Workers nor node:worker_threads): threads are unavailable');
}
