// Starting one worker, per platform: node:worker_threads where the runtime has it (Node, Deno 2, Bun:
// its workers can be unref'd, so an undisposed pool never keeps the process alive; Deno's Web Workers
// cannot be), the Web Worker API elsewhere (browsers). The node: import is dynamic and behind the runtime
// check, so browser bundles never load it.
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
  /** Bun's Web Workers have it */
  unref?(): void;
  onmessage: ((e: { data: WorkerMessage }) => void) | null;
  onerror: ((e: { message?: string; preventDefault?(): void }) => void) | null;
}
type WebWorkerCtor = new (url: string | URL, options?: { type?: 'module' | 'classic'; name?: string }) => WebWorkerLike;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

function hasWebWorker(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === 'function';
}

/** Where workers can be started here, and how. */
export function workerKind(): 'node' | 'web' | undefined {
  if (isNode()) return 'node';
  if (hasWebWorker()) return 'web';
  return undefined;
}

async function nodeWorkerThreads(): Promise<typeof import('node:worker_threads') | undefined> {
  try {
    return await import('node:worker_threads');
  } catch {
    // a browser bundle with a `process` polyfill claiming to be Node
    return undefined;
  }
}

export async function spawnWorker(name: string): Promise<PoolWorker> {
  let kind = workerKind();
  const wt = kind === 'node' ? await nodeWorkerThreads() : undefined;
  if (kind === 'node' && !wt) kind = hasWebWorker() ? 'web' : undefined;
  if (kind === 'node' && wt) {
    const { Worker } = wt;
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
      unref() {
        w.unref?.();
      },
      async terminate() {
        w.terminate();
        URL.revokeObjectURL(url);
      },
    };
  }
  throw new RuntimeError('no worker API here (neither Web Workers nor node:worker_threads): threads are unavailable');
}
