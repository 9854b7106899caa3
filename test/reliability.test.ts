// Reliability (issue #13): what a caller can rely on under concurrency, faults and cancellation. Each
// `describe` below is one of the seven failures (plus the CLI's argument errors), and each test
// failed on the code before its fix (said in the commit that added it). Synthetic-tiny throughout: the
// failures are about ordering, handles and time, not size. The load/dispose memory soak with a
// bert-base-sized model is test/reliability-memory.test.ts (its own process, so its RSS is its own).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, RuntimeError, WeightsError } from '../src/errors.js';
import { Bert, type ForwardOutput, type LoadOptions } from '../src/model/bert.js';
import { loadKernels } from '../src/runtime/wasm.js';
import { threadsAvailable } from '../src/threads/compute.js';
import { WorkerPool } from '../src/threads/pool.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { httpSource, memorySource } from '../src/weights/source.js';
import { openWbin } from '../src/weights/wbin.js';
import { fileSource } from '../src/weights/source-node.js';
import { available } from './required.js';
import { ROOT } from './shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmbert-rel-'));
let tiny: string; // synthetic-tiny .wbin (the cached one)
let tinyBytes: Uint8Array;
const servers: Server[] = [];

beforeAll(async () => {
  ({ wbin: tiny } = await ensureSynthetic('synthetic-tiny'));
  tinyBytes = readFileSync(tiny);
});
afterAll(async () => {
  for (const s of servers) s.closeAllConnections?.();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(tmp, { recursive: true, force: true });
});

/** mulberry32: reproducible interleavings */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

const WORDS = ['the', 'model', 'reads', 'every', 'layer', 'once', 'streamed', 'weights', 'arrive', 'late', 'Hello', 'world', 'BERT', 'is', 'a', 'transformer', 'über', '東京', 'ok', '!'];
function sentence(r: ReturnType<typeof rng>): string {
  return Array.from({ length: 1 + r.int(24) }, () => r.pick(WORDS)).join(' ');
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.compare(bytesOf(a), bytesOf(b)) === 0;
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Open file descriptors of this process (Linux). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
const linux = available('/proc/self/fd', process.platform === 'linux', 'the descriptor counts read Linux /proc/self/fd');

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.wbin`;
}

/** Range server over `body`; while `stall.on`, requests get no reply at all (the connection stays open). */
function rangeServer(body: Uint8Array, stall: { on: boolean; etag?: string }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (stall.on) return; // say nothing, forever
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) return void res.writeHead(200, { 'Content-Length': body.length }).end(body);
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), body.length - 1);
    const headers: Record<string, string | number> = { 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': end - start + 1 };
    if (stall.etag) headers.ETag = stall.etag;
    res.writeHead(206, headers).end(body.subarray(start, end + 1));
  };
}

const THREADS = threadsAvailable() ? [1, 2] : [1];
/** What a live model holds (its kernels and compute), wherever the model keeps it. */
function internals(bert: Bert): { kernels: { memory: WebAssembly.Memory }; compute: { pool: WorkerPool } } {
  const b = bert as unknown as Record<string, unknown>;
  return (b.session ?? b.state) as ReturnType<typeof internals>;
}
/** the built CLI, as a user runs it (dist/, built by `npm test`'s pretest) */
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
/** where a .wbin's header starts: after the 32 fixed bytes (v1), and the 32-byte header checksum (v2) */
const headerAt = (version: number) => (version >= 2 ? 64 : 32);
// AbortError is matched by name (it is a WasmbertError named like the DOM's): this file also runs, and
// fails as it should, against the code before issue #13, which had no AbortError to import.
const ABORTED = { name: 'AbortError' };

describe('1. calls on one model are serialized: any interleaving gives the bits of the calls made one by one', () => {
  it('100 concurrent embed() on a streamed model equal the same calls made alone (the issue: max abs diff 0.56-0.71 before)', async () => {
    const bert = await Bert.load(tiny, { residency: 'streamed', threads: 1 });
    try {
      const r = rng(1);
      const texts = Array.from({ length: 100 }, () => sentence(r));
      const alone: Float32Array[] = [];
      for (const t of texts) alone.push((await bert.embed(t))[0]);
      const together = await Promise.all(texts.map((t) => bert.embed(t)));
      const worst = Math.max(...together.map(([v], i) => maxAbsDiff(v, alone[i])));
      expect(worst, 'max abs difference between concurrent and solo embeddings').toBe(0);
      expect(together.every(([v], i) => sameBits(v, alone[i]))).toBe(true);
    } finally {
      await bert.dispose();
    }
  });

  for (const residency of ['streamed', 'resident'] as const) {
    for (const threads of THREADS) {
      it(`random interleavings of forward/embed/dispose: ${residency}, ${threads} thread(s)`, async () => {
        const opts: LoadOptions = { residency, threads };
        // the reference: every distinct call once, one at a time, on a model of its own
        const r = rng(100 + threads + (residency === 'streamed' ? 10 : 0));
        type Call = { kind: 'embed'; texts: string[] } | { kind: 'forward'; texts: string[]; hidden: boolean };
        const calls: Call[] = Array.from({ length: 12 }, () => {
          const texts = Array.from({ length: 1 + r.int(3) }, () => sentence(r));
          return r.next() < 0.5 ? { kind: 'embed', texts } : { kind: 'forward', texts, hidden: r.next() < 0.5 };
        });
        const ref = await Bert.load(tiny, opts);
        const run = (b: Bert, c: Call): Promise<Float32Array[]> =>
          c.kind === 'embed'
            ? b.embed(c.texts)
            : b.forward(b.tokenizer.encodeBatch(c.texts, { padding: 'longest' }), { hiddenStates: c.hidden }).then((o: ForwardOutput) => [o.lastHiddenState.data, ...(o.pooler ? [o.pooler.data] : []), ...(o.hiddenStates ?? []).map((t) => t.data)]);
        const expected: Float32Array[][] = [];
        for (const c of calls) expected.push(await run(ref, c));
        await ref.dispose();

        for (let round = 0; round < 4; round++) {
          const bert = await Bert.load(tiny, opts);
          // issue every call at once in a shuffled order, some after a random delay; in rounds 2 and 3 a
          // dispose() lands in the middle
          const order = calls.map((_, i) => i).sort(() => r.next() - 0.5);
          const disposeAt = round >= 2 ? r.int(order.length) : -1;
          const issued: { i: number; afterDispose: boolean; p: Promise<Float32Array[]> }[] = [];
          let disposed: Promise<void> | undefined;
          for (let k = 0; k < order.length; k++) {
            if (k === disposeAt) disposed = bert.dispose();
            if (r.next() < 0.3) await new Promise((res) => setTimeout(res, r.int(3)));
            const p = run(bert, calls[order[k]]);
            p.catch(() => {}); // judged below, once all are issued
            issued.push({ i: order[k], afterDispose: disposed !== undefined, p });
          }
          const settled = await Promise.allSettled(issued.map((x) => x.p));
          await disposed;
          let ok = 0;
          settled.forEach((s, k) => {
            const { i, afterDispose } = issued[k];
            if (s.status === 'fulfilled') {
              expect(afterDispose, `call ${i} succeeded after dispose()`).toBe(false);
              expect(s.value.length).toBe(expected[i].length);
              s.value.forEach((v, j) => expect(sameBits(v, expected[i][j]), `call ${i} output ${j}: bits differ from the call made alone`).toBe(true));
              ok++;
            } else {
              // only dispose() may make a call fail, and then with a ModelError
              expect(disposeAt, `call ${i} failed with no dispose: ${String(s.reason)}`).toBeGreaterThanOrEqual(0);
              expect(s.reason).toBeInstanceOf(ModelError);
            }
          });
          if (disposeAt < 0) expect(ok).toBe(calls.length);
          await bert.dispose();
        }
      });
    }
  }

  it('an AbortSignal cancels a queued or running call (AbortError) and the next call still gets its exact bits', async () => {
    const bert = await Bert.load(tiny, { residency: 'streamed', threads: 1 });
    try {
      const [want] = await bert.embed('after the abort');
      const ctl = new AbortController();
      const first = bert.embed('one', { signal: ctl.signal });
      const second = bert.embed('two', { signal: ctl.signal });
      ctl.abort();
      await expect(first).rejects.toMatchObject(ABORTED);
      await expect(second).rejects.toMatchObject(ABORTED);
      await expect(bert.embed('x', { signal: AbortSignal.abort() })).rejects.toMatchObject(ABORTED);
      const [got] = await bert.embed('after the abort');
      expect(sameBits(got, want)).toBe(true);
    } finally {
      await bert.dispose();
    }
  });
});

describe.skipIf(!linux)('2. a failed load closes what it opened (counted in /proc/self/fd)', () => {
  it('30 failed loads (truncated, random bytes, a safetensors file) leave no descriptor open', async () => {
    const bad = {
      truncated: join(tmp, 'truncated.wbin'),
      random: join(tmp, 'random.wbin'),
      safetensors: join(tmp, 'model.safetensors'),
    };
    writeFileSync(bad.truncated, tinyBytes.subarray(0, tinyBytes.length >> 1));
    const r = rng(2);
    writeFileSync(bad.random, Uint8Array.from({ length: 100_000 }, () => r.int(256)));
    copyFileSync(join(tiny, '..', 'model.safetensors'), bad.safetensors);
    const before = openFds();
    const files = Object.values(bad);
    for (let i = 0; i < 30; i++) {
      await expect(Bert.load(files[i % files.length], { threads: 1 })).rejects.toBeInstanceOf(WeightsError);
    }
    expect(openFds() - before, 'descriptors left open by 30 failed loads').toBe(0);
  });
});

describe.skipIf(!linux)('3. dispose() during a streamed forward stops it and leaves nothing open', () => {
  it('the forward rejects with ModelError, the file is not reopened, no descriptor is left', async () => {
    const before = openFds();
    for (let i = 0; i < 5; i++) {
      const bert = await Bert.load(tiny, { residency: 'streamed', threads: 1 });
      const pending = bert.embed(['a long enough sentence to need a few rows', 'and another one']);
      pending.catch(() => {}); // judged after dispose
      await new Promise((res) => setImmediate(res)); // the forward is under way, reading
      const first = bert.dispose();
      await bert.dispose(); // a second dispose() resolves only once everything is released, too
      expect(bert.isDisposed).toBe(true);
      await first;
      await expect(pending).rejects.toBeInstanceOf(ModelError);
      await expect(bert.embed('after')).rejects.toThrow(/disposed/);
    }
    // a closed source refuses reads rather than reopening the file
    const src = fileSource(tiny);
    await src.size();
    await src.close?.();
    await expect(src.read(0, 8, new Uint8Array(8))).rejects.toThrow(/read after close/);
    expect(openFds() - before, 'descriptors left open').toBe(0);
  });
});

describe.skipIf(!available('worker threads', threadsAvailable(), 'SharedArrayBuffer and node:worker_threads: Node ≥ 20 has both'))('4. the worker pool heals: a dead worker is noticed in bounded time, the next call runs on fresh workers', () => {
  // The kernels' own peak_fma_f32x4(iters, p) as a task that does not finish: the pool passes argument 0
  // as an offset from each thread's scratch base (rel bit 0), and the bases are 0 for the calling thread
  // and 2^31 - 1 for the worker, so the caller runs 0 iterations and the worker 2^31 (seconds of FMAs, far
  // past the 2 s bound; terminate() stops it). A worker killed without running JavaScript (out of memory
  // under resourceLimits) looks exactly like this to the caller: its task does not finish.
  const HANG = 'peak_fma_f32x4';
  async function hangPool(): Promise<WorkerPool> {
    const kernels = await loadKernels({ shared: true });
    return WorkerPool.create(kernels.exports as unknown as WebAssembly.Exports, { workers: 1, module: kernels.module, memory: kernels.memory, scratch: [0, 2 ** 31 - 1] });
  }

  it('a worker that hangs in a task: RuntimeError within the stated bound (2 s + 10 × the caller share), then a fresh worker runs the next job', async () => {
    const pool = await hangPool();
    try {
      const t0 = performance.now();
      let err: unknown;
      const hangOnWorkers = () => {
        pool.begin(1);
        pool.call(pool.id(HANG), 1, 0, 0); // rel bit 0: iterations = 0 + the thread's scratch base
        pool.run(true); // a broadcast: every thread runs it, the caller waits for every worker
      };
      try {
        hangOnWorkers();
      } catch (e) {
        err = e;
      }
      const blocked = performance.now() - t0;
      expect(err).toBeInstanceOf(RuntimeError);
      expect(String(err)).toMatch(/stalled.*did not finish within \d+ ms/);
      // the event loop was blocked for the bound (2000 ms + 10 × ~0 ms) plus one 50 ms wait slice, not 60 s
      expect(blocked).toBeGreaterThanOrEqual(1900);
      expect(blocked).toBeLessThan(3500);
      expect(hangOnWorkers).toThrow(/broken until heal/);
      await pool.heal();
      expect(pool.restarts).toBe(1);
      // the fresh worker runs jobs (absolute zeros: nobody hangs), broadcasts included
      pool.broadcast(HANG, 0, 0);
      pool.begin(1);
      for (let i = 0; i < 8; i++) pool.call(pool.id(HANG), 0, 0, 0);
      pool.run();
    } finally {
      await pool.dispose();
    }
  }, 20_000);

  it('a worker that exits in a task (its exit hook marks the board): RuntimeError naming it within ~one 50 ms slice, not the 2 s bound', async () => {
    const pool = await hangPool();
    // The pool's worker hangs in its task; a helper thread then does, 300 ms in, exactly what a dying
    // worker's process 'exit' hook does (src/threads/worker.ts): mark the board and wake the caller.
    // (A real process.exit needs JavaScript in the task, and the pool's tasks are wasm exports.)
    const b = (pool as unknown as { b: { ctl: Int32Array; layout: { slots: Record<string, number> } } }).b;
    const { Worker } = await import('node:worker_threads');
    const helper = new Worker(
      `const { workerData: d } = require('node:worker_threads'); const a = new Int32Array(d.buf);
       setTimeout(() => { Atomics.store(a, d.deadCode, 7); Atomics.store(a, d.dead, 1); Atomics.notify(a, d.fin); Atomics.notify(a, d.done); }, 300);`,
      { eval: true, workerData: { buf: b.ctl.buffer, ...b.layout.slots } },
    );
    try {
      await new Promise((res) => helper.once('online', res));
      const t0 = performance.now();
      pool.begin(1);
      pool.call(pool.id(HANG), 1, 0, 0);
      expect(() => pool.run(true)).toThrow(/lost a worker: worker 1 exited \(code 7\) while the pool ran a job/);
      expect(performance.now() - t0).toBeLessThan(1500);
      await pool.heal();
      pool.broadcast(HANG, 0, 0);
      expect(pool.restarts).toBe(1);
    } finally {
      await helper.terminate();
      await pool.dispose();
    }
  }, 20_000);

  it('a model whose worker died: the next forward runs on a fresh worker, bit-identical, no reload', async () => {
    const bert = await Bert.load(tiny, { threads: 2 });
    try {
      const enc = bert.tokenizer.encodeBatch(['the worker died', 'and came back'], { padding: 'longest' });
      const want = (await bert.forward(enc)).lastHiddenState.data;
      // reach the pool the model runs on and kill its worker, as the host would (an exit while idle)
      const pool = internals(bert).compute.pool;
      const workers = (pool as unknown as { workers: { terminate(): Promise<void> }[] }).workers;
      await workers[0].terminate();
      await new Promise((res) => setTimeout(res, 50)); // the 'exit' event arrives
      expect(pool.brokenBecause).toMatch(/exited/);
      const got = (await bert.forward(enc)).lastHiddenState.data;
      expect(sameBits(got, want)).toBe(true);
      expect(pool.restarts).toBe(1);
      expect(bert.threads).toBe(2);
    } finally {
      await bert.dispose();
    }
  });
});

describe('5. HTTP sources: a per-request timeout, and abort on dispose or AbortSignal', () => {
  it('a server that never answers fails the load with WeightsError after timeoutMs, not after 20 minutes', async () => {
    const url = await serve(rangeServer(tinyBytes, { on: true }));
    const t0 = performance.now();
    await expect(Bert.load(httpSource(url, { timeoutMs: 300 }), { threads: 1 })).rejects.toThrow(/nothing received for 300 ms/);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('a streamed forward stalled on a read: the AbortSignal ends it at once, the next forward does not wait on the abandoned read', async () => {
    const stall = { on: false };
    const url = await serve(rangeServer(tinyBytes, stall));
    const bert = await Bert.load(httpSource(url, { timeoutMs: 60_000 }), { residency: 'streamed', threads: 1 });
    try {
      const [want] = await bert.embed('read me over http');
      stall.on = true;
      const ctl = new AbortController();
      const stuck = bert.embed('read me over http', { signal: ctl.signal });
      stuck.catch(() => {});
      await new Promise((res) => setTimeout(res, 100));
      const t0 = performance.now();
      ctl.abort();
      await expect(stuck).rejects.toMatchObject(ABORTED);
      stall.on = false;
      const [got] = await bert.embed('read me over http');
      expect(performance.now() - t0, 'abort + the next forward').toBeLessThan(2000);
      expect(sameBits(got, want)).toBe(true);
      // dispose during a stalled read returns at once too
      stall.on = true;
      const stuck2 = bert.embed('read me over http');
      stuck2.catch(() => {});
      await new Promise((res) => setTimeout(res, 100));
      const t1 = performance.now();
      await bert.dispose();
      await expect(stuck2).rejects.toBeInstanceOf(ModelError);
      expect(performance.now() - t1).toBeLessThan(2000);
    } finally {
      stall.on = false;
      await bert.dispose();
    }
  });
});

describe('5b. a failed streamed forward leaves no read behind for the next one to wait on', () => {
  it('a row read that fails (404) while the first layer read stalls: the next forward does not wait out the stalled read', async () => {
    const f = await openWbin(memorySource(tinyBytes));
    const word = f.tensor('embeddings.word_embeddings.weight');
    const layer0 = f.group('layer.0').offset;
    const mode = { failRows: false, stallLayers: false };
    const serveBytes = rangeServer(tinyBytes, { on: false });
    const url = await serve((req, res) => {
      const start = Number(/^bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? -1);
      if (mode.failRows && start >= word.offset && start < word.offset + word.byteLength) return void res.writeHead(404).end();
      if (mode.stallLayers && start >= layer0) return; // no reply
      serveBytes(req, res);
    });
    const bert = await Bert.load(httpSource(url, { timeoutMs: 3000 }), { residency: 'streamed', threads: 1 });
    try {
      const [want] = await bert.embed('rows and layers');
      Object.assign(mode, { failRows: true, stallLayers: true });
      await expect(bert.embed('rows and layers')).rejects.toThrow(/HTTP 404/);
      Object.assign(mode, { failRows: false, stallLayers: false });
      const t0 = performance.now();
      const [got] = await bert.embed('rows and layers');
      // before: the next forward first waited for the abandoned layer read to time out (3 s)
      expect(performance.now() - t0, 'the forward after the failed one, ms').toBeLessThan(1500);
      expect(sameBits(got, want)).toBe(true);
    } finally {
      await bert.dispose();
    }
  });
});

describe('6. integrity: header checksum, verify, a file that changes under a streamed model', () => {
  it('any flipped byte of the preamble or header (e.g. in the vocabulary) is a WeightsError', async () => {
    const file = await openWbin(fileSource(tiny));
    const headerEnd = headerAt(file.version) + new DataView(tinyBytes.buffer, tinyBytes.byteOffset).getUint32(12, true);
    await file.close();
    const vocabAt = Buffer.from(tinyBytes.subarray(0, headerEnd)).indexOf('"vocab":[') + 20;
    const r = rng(6);
    for (const at of [vocabAt, 8, 12, 40, 70, headerEnd - 2, ...Array.from({ length: 20 }, () => r.int(headerEnd))]) {
      const b = Uint8Array.from(tinyBytes);
      b[at] ^= 1 << r.int(8);
      const path = join(tmp, 'flip.wbin');
      writeFileSync(path, b);
      await expect(Bert.load(path, { threads: 1 }), `byte ${at}`).rejects.toBeInstanceOf(WeightsError);
    }
    expect(file.version).toBe(2); // the cached synthetic-tiny is written by this wasmbert
  });

  it('a v1 file (no header checksum) still loads and computes the same bits as its v2 twin', async () => {
    // v1 layout: the 32 fixed bytes, the header at 32, data at align64(32 + N)
    const dv = new DataView(tinyBytes.buffer, tinyBytes.byteOffset);
    const n = dv.getUint32(12, true);
    const d2 = Number(dv.getBigUint64(16, true));
    const d1 = Math.ceil((32 + n) / 64) * 64;
    const v1 = new Uint8Array(d1 + (tinyBytes.length - d2));
    v1.set(tinyBytes.subarray(0, 32));
    const o = new DataView(v1.buffer);
    o.setUint32(8, 1, true);
    o.setBigUint64(16, BigInt(d1), true);
    const header = JSON.parse(Buffer.from(tinyBytes.subarray(64, 64 + n)).toString('utf8'));
    header.version = 1;
    const json = Buffer.from(JSON.stringify(header));
    expect(json.length).toBe(n); // "version":2 → 1: same length, so the offsets stay
    v1.set(json, 32);
    v1.set(tinyBytes.subarray(d2), d1);
    const path = join(tmp, 'v1.wbin');
    writeFileSync(path, v1);
    const a = await Bert.load(path, { threads: 1 });
    const b = await Bert.load(tiny, { threads: 1 });
    try {
      const [x] = await a.embed('old files keep working');
      const [y] = await b.embed('old files keep working');
      expect(sameBits(x, y)).toBe(true);
    } finally {
      await a.dispose();
      await b.dispose();
    }
    const r = cli('verify', path);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/format v1 \(no header checksum in v1\)/);
  });

  it('a flipped tensor byte: load({ verify: true }) throws WeightsError naming the tensor; without verify it loads', async () => {
    const file = await openWbin(fileSource(tiny));
    const t = file.tensor('encoder.layer.1.intermediate.dense.weight');
    await file.close();
    const b = Uint8Array.from(tinyBytes);
    b[t.offset + 100] ^= 0x10;
    const path = join(tmp, 'tensor-flip.wbin');
    writeFileSync(path, b);
    await expect(Bert.load(path, { threads: 1, verify: true })).rejects.toThrow(/tensor "encoder\.layer\.1\.intermediate\.dense\.weight": checksum mismatch/);
    const unchecked = await Bert.load(path, { threads: 1 });
    await unchecked.dispose();
    const good = await Bert.load(tiny, { threads: 1, verify: true });
    await good.dispose();
  });

  it('a same-size overwrite of the file under a streamed model: the next forward throws WeightsError', async () => {
    const path = join(tmp, 'overwritten.wbin');
    writeFileSync(path, tinyBytes);
    const bert = await Bert.load(path, { residency: 'streamed', threads: 1 });
    try {
      await bert.embed('before');
      await new Promise((res) => setTimeout(res, 20));
      const other = Uint8Array.from(tinyBytes);
      other[other.length - 1000] ^= 0xff; // a layer byte: same size, new contents
      writeFileSync(path, other); // in place: the open descriptor sees the new bytes
      await expect(bert.embed('after')).rejects.toThrow(/the file changed since it was opened/);
    } finally {
      await bert.dispose();
    }
  });

  it('an HTTP source whose ETag changes between reads: WeightsError, not a mix of two files', async () => {
    const state = { on: false, etag: '"v1"' };
    const url = await serve(rangeServer(tinyBytes, state));
    const bert = await Bert.load(httpSource(url), { residency: 'streamed', threads: 1 });
    try {
      await bert.embed('before');
      state.etag = '"v2"';
      await expect(bert.embed('after')).rejects.toThrow(/changed on the server.*ETag "v1" → "v2"/);
    } finally {
      await bert.dispose();
    }
  });

  it("weights/FORMAT.md's worked example (v2 layout) is what scripts/format-example.mjs writes from real files", () => {
    // on a fresh clone this may generate the cached synthetic-base first (its figures are in the example)
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'format-example.mjs'), '--check'], { encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);

  it('wasmbert verify: exit 0 with the throughput on an intact file, 1 naming the tensor on a damaged one', () => {
    const ok = cli('verify', tiny);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/OK — format v2 \(header checksum OK\), 39 tensors, [\d.]+ MB verified in [\d.]+ s \(\d+ MB\/s/);
    const bad = cli('verify', join(tmp, 'tensor-flip.wbin'));
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n').at(-1)).toMatch(/^wasmbert: WeightsError: .*tensor "encoder\.layer\.1\.intermediate\.dense\.weight": checksum mismatch/);
  });
});

describe('7. dispose() gives the wasm memory back at once', () => {
  it('the next load of the same build reuses the disposed model memory (no second copy while the collector sleeps)', async () => {
    const a = await Bert.load(tiny, { threads: 1 });
    const memA = internals(a).kernels.memory;
    await a.dispose();
    expect(a.wasmBytes).toBe(0);
    const b = await Bert.load(tiny, { threads: 1 });
    try {
      const memB = internals(b).kernels.memory;
      expect(memB).toBe(memA);
      // and it computes what a model on fresh memory computes (the reused memory was zeroed)
      const fresh = await Bert.load(tiny, { threads: 1 });
      const [x] = await b.embed('reused memory');
      const [y] = await fresh.embed('reused memory');
      await fresh.dispose();
      expect(sameBits(x, y)).toBe(true);
    } finally {
      await b.dispose();
    }
  });

  it('1,000 forwards of synthetic-tiny: RSS flat within 32 MB after warm-up', async () => {
    const bert = await Bert.load(tiny, { threads: 1 });
    try {
      const enc = bert.tokenizer.encodeBatch(['a steady stream of small forwards', 'two of them'], { padding: 'longest' });
      for (let i = 0; i < 50; i++) await bert.forward(enc); // warm-up: JIT, first allocations
      const base = process.memoryUsage().rss;
      let peak = base;
      for (let i = 0; i < 1000; i++) {
        await bert.forward(enc);
        if (i % 50 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      process.stderr.write(`1,000 forwards of synthetic-tiny: RSS ${(base / 2 ** 20).toFixed(0)} MB after warm-up, peak ${(peak / 2 ** 20).toFixed(0)} MB\n`);
      // forward allocates only its output arrays (~10 KB each) and the collector takes them: 32 MB is
      // room for V8's young generation and heap growth, far below a leak of one output per call (~10 MB)
      // plus anything that grew per call by the size of the model's 4.3 MB
      expect((peak - base) / 2 ** 20, 'RSS growth over 1,000 forwards, MB').toBeLessThan(32);
    } finally {
      await bert.dispose();
    }
  });
});

describe('CLI: argument errors are one line on stderr and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['embed', '--bogus', 'x'], /^wasmbert: embed: Unknown option '--bogus'/],
    [['embed', '--model'], /^wasmbert: embed: Option '--model <value>' argument missing/],
    [['convert', 'a'], /^wasmbert: convert: expected <hf-folder> <out\.wbin>/],
    [['convert', tmpdir(), '/nonexistent-dir/x.wbin'], /^wasmbert: convert: output file \/nonexistent-dir\/x\.wbin: folder \/nonexistent-dir does not exist/],
    [['synth', 'synthetic-tiny', '/etc/hostname'], /^wasmbert: synth: output folder \/etc\/hostname is a file/],
    [['forward', '--cases', 'c.json'], /^wasmbert: forward: --cases and --out are required/],
    [['verify'], /^wasmbert: verify: expected one \.wbin file/],
    [['pull', 'bert-base-uncased', '--cache', '/etc/hostname'], /^wasmbert: pull: --cache folder \/etc\/hostname is a file/],
    [['demo', '--bogus'], /^wasmbert: demo: Unknown option '--bogus'/],
    [['nope'], /^wasmbert: unknown command "nope"/],
    [['bench'], /^wasmbert: unknown command "bench"/],
  ];
  for (const [args, re] of cases) {
    it(`wasmbert ${args.join(' ')}`, () => {
      const r = cli(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/internal error|    at /);
    });
  }
  it('--version prints the version, demo --help prints help without running, bench is not listed', () => {
    const v = cli('--version');
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(`wasmbert ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`);
    const h = cli('demo', '--help');
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^usage: wasmbert demo/);
    expect(h.stdout).not.toMatch(/walkthrough, computed/);
    expect(cli('--help').stdout).not.toMatch(/\bbench\b/);
  });
});
