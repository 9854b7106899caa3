// Bad environments, at the model level (the feature probes and httpSource alone are covered in
// runtime.test.ts and weights-http.test.ts): no SharedArrayBuffer, no relaxed SIMD, no SIMD at all, a
// server that answers 200 to range requests, and a connection that drops mid-layer during a streamed forward.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bert, RuntimeError, WeightsError, httpSource } from '../src/index.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { maxAbsDiff, startServer, TEXTS } from './runtimes/harness.js';

let model = '';
let reference: number[][];
beforeAll(async () => {
  model = (await ensureSynthetic('synthetic-tiny')).wbin;
  const bert = await Bert.load(model, { threads: 1 });
  reference = (await bert.embed(TEXTS)).map((v) => Array.from(v));
  await bert.dispose();
});

/** Runs fn with WebAssembly.validate refusing modules that contain `opcode` (hides an engine feature). */
async function withoutFeature<T>(opcode: number[], fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const validate = WebAssembly.validate;
  const warn = console.warn;
  const warnings: string[] = [];
  WebAssembly.validate = (bytes: BufferSource) => {
    const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes as ArrayBuffer);
    for (let i = 0; i + opcode.length <= b.length; i++) if (opcode.every((x, j) => b[i + j] === x)) return false;
    return validate(bytes);
  };
  console.warn = (s: string) => warnings.push(s);
  try {
    return { result: await fn(), warnings };
  } finally {
    WebAssembly.validate = validate;
    console.warn = warn;
  }
}

describe('engines without a feature', () => {
  it('no SharedArrayBuffer: one thread, one warning line, the same vectors', async () => {
    const g = globalThis as { SharedArrayBuffer?: unknown };
    const sab = g.SharedArrayBuffer;
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => warnings.push(m);
    g.SharedArrayBuffer = undefined;
    let result: { threads: number; vectors: number[][] };
    try {
      const bert = await Bert.load(model, { threads: 2 });
      result = { threads: bert.threads, vectors: (await bert.embed(TEXTS)).map((v) => Array.from(v)) };
      await bert.dispose();
    } finally {
      g.SharedArrayBuffer = sab;
      console.warn = warn;
    }
    expect(result.threads).toBe(1);
    expect(warnings.filter((w) => /threads cannot run here/.test(w))).toHaveLength(1);
    expect(result.vectors).toEqual(reference);
  });

  it('no relaxed SIMD (f32x4.relaxed_madd, 0xfd 0x85 0x02): the SIMD128 build, a warning, Node\'s vectors to 1e-6', async () => {
    const { result, warnings } = await withoutFeature([0xfd, 0x85, 0x02], async () => {
      const bert = await Bert.load(model, { threads: 1 });
      const out = { variant: bert.variant, vectors: (await bert.embed(TEXTS)).map((v) => Array.from(v)) };
      await bert.dispose();
      return out;
    });
    expect(result.variant).toBe('simd');
    expect(warnings.some((w) => /relaxed SIMD is not available/.test(w))).toBe(true);
    // relaxed madd may fuse (one rounding): the two builds agree to float32 rounding, not bit for bit
    expect(maxAbsDiff(result.vectors, reference)).toBeLessThanOrEqual(1e-6);
  });

  it('no SIMD at all: a RuntimeError naming the engine versions that have SIMD128', async () => {
    const err = await withoutFeature([0xfd], () => Bert.load(model, { threads: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toMatch(/SIMD128.*Node >= 16\.4.*Chrome >= 91.*Safari >= 16\.4/);
  });
});

describe('weights over HTTP that go wrong', () => {
  it('a server that answers 200 (the whole file) to range requests: Bert.load rejects with a WeightsError', async () => {
    const bytes = readFileSync(model);
    const server = await startServer({
      route(_req, res) {
        res.writeHead(200, { 'Content-Length': String(bytes.length) }).end(bytes);
        return true;
      },
    });
    try {
      const err = await Bert.load(httpSource(`${server.url}/model.wbin`, { retries: 1, backoffMs: 1 }), { threads: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeightsError);
      expect((err as Error).message).toMatch(/HTTP 200 to a range request/);
    } finally {
      await server.close();
    }
  });

  it('a streamed model whose connection drops mid-layer: a forward rejects with a WeightsError, the next one is whole and exact', async () => {
    let drop = false;
    let dropped = 0;
    const bytes = readFileSync(model);
    const server = await startServer({
      route(req, res) {
        const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')!;
        const start = Number(m[1]);
        const end = Number(m[2]);
        res.writeHead(206, { 'Content-Length': String(end - start + 1), 'Content-Range': `bytes ${start}-${end}/${bytes.length}` });
        // reads past 4 KB are layer chunks (a word row of synthetic-tiny is 128 bytes): while `drop` is on,
        // send half and cut the connection
        if (drop && end - start > 4096) {
          dropped++;
          res.write(bytes.subarray(start, start + ((end - start) >> 1)));
          res.socket?.destroy();
          return true;
        }
        res.end(bytes.subarray(start, end + 1));
        return true;
      },
    });
    try {
      const bert = await Bert.load(httpSource(`${server.url}/model.wbin`, { retries: 1, backoffMs: 1 }), { threads: 1, residency: 'streamed' });
      const ok = async () => (await bert.embed(TEXTS)).map((v) => Array.from(v));
      expect(await ok()).toEqual(reference); // streamed = resident, bit for bit
      drop = true;
      const err = await bert.embed(TEXTS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeightsError);
      expect((err as Error).message).toMatch(/read of bytes .* failed after 2 attempts/);
      expect(dropped).toBeGreaterThanOrEqual(2);
      drop = false;
      // no half-loaded layer is ever used: the next forward reads every layer again and is exact
      expect(await ok()).toEqual(reference);
      await bert.dispose();
    } finally {
      await server.close();
    }
  });
});
