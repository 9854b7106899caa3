// Where weight bytes come from. One small interface, `read(offset, length, dest)`, so that the same loader
// reads from memory, a file (Node, Deno), Bun.mmap, or HTTP range requests (browsers, edge workers), and
// always straight into the caller's buffer: usually a view of WebAssembly memory, so no second copy.
//
// This module is loaded by browsers too: no node: imports here. The Node file source lives in
// source-node.ts and is reached only through a dynamic import.
import { WeightsError } from '../errors.js';

export interface WeightSource {
  /** A file path or URL, for messages. */
  readonly name: string;
  /** Total size in bytes. */
  size(): Promise<number>;
  /** Fills `dest` with bytes [offset, offset + length) exactly, or throws WeightsError: never partial data. */
  read(offset: number, length: number, dest: Uint8Array): Promise<void>;
  /** Releases what the source holds; reads afterwards throw WeightsError (they never reopen). */
  close?(): Promise<void>;
  /** Cancels the reads in flight (they reject with WeightsError at once); later reads run normally. */
  abort?(reason?: unknown): void;
}

/** Checks a read request against the source's size: every source does this before touching anything. */
export function checkRange(name: string, size: number, offset: number, length: number, dest: Uint8Array): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new WeightsError(`bad read request: offset ${offset}, length ${length}`, { file: name });
  }
  if (offset + length > size) {
    throw new WeightsError(`read of bytes [${offset}, ${offset + length}) beyond the end (${size} bytes): the file is truncated`, { file: name });
  }
  if (dest.length < length) throw new WeightsError(`destination holds ${dest.length} bytes, read needs ${length}`, { file: name });
}

/** Bytes already in memory (an ArrayBuffer, a Uint8Array, Bun.mmap's mapping). */
export function memorySource(bytes: ArrayBuffer | Uint8Array, name = '<memory>'): WeightSource {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: async () => view.length,
    async read(offset, length, dest) {
      checkRange(name, view.length, offset, length, dest);
      dest.set(view.subarray(offset, offset + length));
    },
  };
}

interface BunLike {
  mmap(path: string): Uint8Array;
}

/** Bun.mmap: the file mapped read-only; reads are memcpy from the page cache. Throws where there is no Bun. */
export function bunMmapSource(path: string): WeightSource {
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  if (!bun) throw new WeightsError('Bun.mmap is only available under Bun', { file: path });
  let mapped: Uint8Array;
  try {
    mapped = bun.mmap(path);
  } catch (err) {
    throw new WeightsError(`cannot map: ${(err as Error).message}`, { file: path, cause: err });
  }
  return memorySource(mapped, path);
}

export interface HttpSourceOptions {
  /** fetch to use (default: globalThis.fetch) */
  fetch?: typeof fetch;
  /** attempts after the first, per read, on a dropped connection, a wrong reply or a 5xx (default 3) */
  retries?: number;
  /** extra request headers (e.g. Authorization) */
  headers?: Record<string, string>;
  /** milliseconds before the first retry; doubles each time (default 100) */
  backoffMs?: number;
  /**
   * Milliseconds a request may go without receiving anything (no reply, or a body that stops) before it
   * is abandoned (default 30,000). A stalled request is not retried: the read fails with WeightsError.
   */
  timeoutMs?: number;
}

/** Default HTTP stall timeout: a server that sends nothing for 30 s is not coming back soon. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** Why an HTTP attempt was abandoned: thrown as-is (never retried). */
class Stalled extends WeightsError {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Copies a reply body into dest; returns the bytes received. Where the body is a byte stream it reads
 * through one reused 64 KiB buffer (a BYOB reader): a streamed model pulls every layer through here on every
 * forward, and one fresh chunk per network read is hundreds of MB of garbage per forward, which an edge
 * worker's 128 MB isolate holds until the collector runs. Throws a plain Error (retry) on a body longer
 * than asked for.
 */
async function readBody(body: ReadableStream<Uint8Array>, length: number, dest: Uint8Array, progress: () => void): Promise<number> {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    byob = undefined; // not a byte stream
  }
  let got = 0;
  if (byob) {
    let scratch = new Uint8Array(Math.max(1, Math.min(length, 1 << 16)));
    for (;;) {
      // one byte past `length` is asked for at the end, to tell "done" from "longer than asked"
      const want = Math.min(scratch.length, Math.max(1, length - got));
      const { done, value } = await byob.read(scratch.subarray(0, want));
      if (value) scratch = new Uint8Array(value.buffer); // the read transferred it: take it back
      if (done) break;
      if (got + value.length > length) {
        await byob.cancel();
        throw new Error(`reply body longer than the ${length} bytes asked for`);
      }
      dest.set(value, got);
      got += value.length;
      progress();
    }
    return got;
  }
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (got + value.length > length) {
      await reader.cancel();
      throw new Error(`reply body longer than the ${length} bytes asked for`);
    }
    dest.set(value, got);
    got += value.length;
    progress();
  }
  return got;
}

/** Parses `Content-Range: bytes a-b/total`. */
function contentRange(v: string | null): { start: number; end: number; total: number | undefined } | undefined {
  const m = v && /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(v.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

/**
 * HTTP range requests through fetch. A server that answers a range request with 200 (the whole file), a
 * reply of the wrong length or a connection that drops mid-body is retried, then reported: a read either
 * fills `dest` completely or throws.
 */
export function httpSource(url: string | URL, options: HttpSourceOptions = {}): WeightSource {
  const name = String(url);
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new WeightsError('no fetch in this runtime', { file: name });
  const retries = options.retries ?? 3;
  const backoff = options.backoffMs ?? 100;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  let knownSize: number | undefined;
  /** the first reply's validator: a later reply with another one means the file changed on the server */
  let knownTag: string | undefined;
  /** aborted by abort() and close(): every request in flight listens to it */
  let cancel = new AbortController();
  let closed = false;

  /** One attempt: the bytes [offset, offset+length) into dest, or throws (a plain Error means: retry). */
  async function attempt(offset: number, length: number, dest: Uint8Array): Promise<number | undefined> {
    // One controller per request: aborted by a stall (nothing received for timeoutMs) or by abort()/close().
    const ctl = new AbortController();
    const outer = cancel.signal;
    const onCancel = () => ctl.abort(outer.reason);
    if (outer.aborted) onCancel();
    else outer.addEventListener('abort', onCancel, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const progress = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => ctl.abort(new Stalled(`nothing received for ${timeoutMs} ms (HttpSourceOptions.timeoutMs): the server stalled`, { file: name })), timeoutMs);
    };
    progress();
    try {
      return await attemptWith(offset, length, dest, ctl.signal, progress);
    } catch (err) {
      // fetch and body reads reject with an AbortError of their own: report why it was aborted
      if (ctl.signal.aborted) {
        const why = ctl.signal.reason as unknown;
        if (why instanceof WeightsError) throw why;
        throw new WeightsError(`read of bytes [${offset}, ${offset + length}) cancelled${why instanceof Error ? `: ${why.message}` : ''}`, { file: name, cause: why });
      }
      throw err;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      outer.removeEventListener('abort', onCancel);
    }
  }

  async function attemptWith(offset: number, length: number, dest: Uint8Array, signal: AbortSignal, progress: () => void): Promise<number | undefined> {
    const res = await doFetch(name, { headers: { ...options.headers, Range: `bytes=${offset}-${offset + length - 1}` }, signal });
    progress();
    if (res.status === 416) {
      await res.body?.cancel();
      throw new WeightsError(`range [${offset}, ${offset + length}) not satisfiable: the file is shorter than that`, { file: name });
    }
    if (res.status === 404 || res.status === 403 || res.status === 401) {
      await res.body?.cancel();
      throw new WeightsError(`HTTP ${res.status} ${res.statusText}`, { file: name });
    }
    if (res.status !== 206) {
      await res.body?.cancel();
      // 200 means the server ignored Range: reading the whole file to keep a slice is never what we want
      throw new Error(`HTTP ${res.status} to a range request (expected 206 Partial Content)`);
    }
    const cr = contentRange(res.headers.get('content-range'));
    if (!cr || cr.start !== offset || cr.end !== offset + length - 1) {
      await res.body?.cancel();
      throw new Error(`206 reply with Content-Range ${JSON.stringify(res.headers.get('content-range'))} for bytes ${offset}-${offset + length - 1}`);
    }
    const tag = res.headers.get('etag') ?? res.headers.get('last-modified') ?? undefined;
    const changed = (tag !== undefined && knownTag !== undefined && tag !== knownTag) || (cr.total !== undefined && knownSize !== undefined && cr.total !== knownSize);
    if (changed) {
      await res.body?.cancel();
      throw new WeightsError(
        `the file changed on the server since it was opened (${tag !== knownTag ? `ETag ${knownTag} → ${tag}` : `size ${knownSize} → ${cr.total}`}): load it again`,
        { file: name },
      );
    }
    knownTag ??= tag;
    if (!res.body) throw new Error('206 reply without a body');
    const got = await readBody(res.body, length, dest, progress);
    if (got !== length) throw new Error(`connection ended after ${got} of ${length} bytes`);
    return cr.total;
  }

  async function withRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let last: unknown;
    const cancelled = cancel.signal;
    for (let i = 0; i <= retries; i++) {
      if (i > 0) await sleep(backoff * 2 ** (i - 1));
      if (cancelled.aborted) throw new WeightsError(`${what} cancelled`, { file: name, cause: cancelled.reason });
      try {
        return await fn();
      } catch (err) {
        if (err instanceof WeightsError) throw err;
        last = err;
      }
    }
    throw new WeightsError(`${what} failed after ${retries + 1} attempts: ${(last as Error)?.message ?? String(last)}`, { file: name, cause: last });
  }

  const source: WeightSource = {
    name,
    async size() {
      if (knownSize !== undefined) return knownSize;
      // A one-byte range request gives the total in Content-Range; HEAD is not always allowed (signed URLs).
      const probe = new Uint8Array(1);
      const total = await withRetries('size probe', () => attempt(0, 1, probe));
      if (total === undefined) throw new WeightsError('server did not say the file size (Content-Range: bytes 0-0/*)', { file: name });
      return (knownSize = total);
    },
    async read(offset, length, dest) {
      if (closed) throw new WeightsError('read after close (the model was disposed)', { file: name });
      checkRange(name, knownSize ?? Number.MAX_SAFE_INTEGER, offset, length, dest);
      if (length === 0) return;
      await withRetries(`read of bytes [${offset}, ${offset + length})`, () => attempt(offset, length, dest.subarray(0, length)));
    },
    abort(reason) {
      cancel.abort(reason ?? new WeightsError('reads aborted', { file: name }));
      cancel = new AbortController();
    },
    async close() {
      closed = true;
      cancel.abort(new WeightsError('source closed', { file: name }));
    },
  };
  return source;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * Picks a source: bytes → memory; http(s) URLs → range requests; a path (or file: URL) → Bun.mmap under
 * Bun, the Node file source elsewhere; in a browser, a relative path is fetched relative to the page.
 */
export async function openSource(input: string | URL | ArrayBuffer | Uint8Array, options: HttpSourceOptions = {}): Promise<WeightSource> {
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return memorySource(input);
  const s = String(input);
  if (/^https?:\/\//i.test(s)) return httpSource(s, options);
  let path = s;
  if (/^file:/i.test(s)) {
    if (!isNode()) throw new WeightsError('file: URLs need a file system', { file: s });
    const { fileURLToPath } = await import('node:url');
    path = fileURLToPath(s);
  }
  if ((globalThis as { Bun?: unknown }).Bun) return bunMmapSource(path);
  if (isNode()) {
    const { fileSource } = await import('./source-node.js');
    return fileSource(path);
  }
  const base = (globalThis as { location?: { href: string } }).location?.href;
  if (base) return httpSource(new URL(s, base), options);
  throw new WeightsError('no file system and no base URL in this runtime: pass bytes, a URL or a WeightSource', { file: s });
}
