// workerd (Cloudflare's Workers runtime) serves embeddings of synthetic-base (bert-base shapes, f16
// weights) in streamed residency from a loopback HTTP server, inside the 128 MB a Workers isolate gets:
// local workerd does not enforce that cap, so the test measures it — the process's peak RSS above its
// idle RSS (which covers the wasm memory, the JS heap and the buffers: everything the model adds) — and
// checks the vectors against Node's.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert } from '../src/index.js';
import { bin, maxAbsDiff, ROOT, runtimeAvailable, startServer, TEXTS, TOLERANCE, type FileServer } from './runtimes/harness.js';
import { startWorkerd, type Workerd } from './runtimes/workerd.js';
import { syntheticBase } from './synthetic.js';

const MiB = 2 ** 20;
/** Cloudflare's per-isolate memory limit */
const ISOLATE_LIMIT = 128 * MiB;
const WORKERD = existsSync(bin('workerd'));

// f16, and q8 (int8 Linears: half the f16 file's layer bytes stream per forward)
for (const dtype of ['f16', 'q8'] as const)
describe.runIf(runtimeAvailable('workerd', WORKERD, '`npm run peers` installs it into .cache/peers/'))(`workerd: synthetic-base ${dtype} streamed under 128 MB`, () => {
  let weights: FileServer;
  let wd: Workerd;
  let model = '';
  beforeAll(async () => {
    model = await syntheticBase(dtype);
    weights = await startServer({ files: { '/model.wbin': model } });
    // A Workers isolate runs with its heap capped, so V8 collects before it nears 128 MB; local workerd sets
    // no cap and lets garbage (the fetch bodies of ~170 MB of layers per forward) pile up first. A 32 MB
    // old space puts the collector back on the schedule a capped isolate keeps.
    wd = await startWorkerd({ WEIGHTS_URL: `${weights.url}/model.wbin`, MAX_TOKENS: '512' }, ['--max-old-space-size=32']);
  }, 300_000);
  afterAll(async () => {
    await wd?.stop();
    await weights?.close();
  });

  it('answers embedding requests with Node\'s vectors, its memory under 128 MB above idle', async () => {
    const idle = wd.memory();
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${wd.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(json)}\n${wd.log()}`);
      return json;
    };
    // the worker is wasmbert's embedding service (createEmbeddingHandler): OpenAI's route, then /info for the model's state
    const info = async () => ((await (await fetch(`${wd.url}/info`)).json()) as { wasmbert: { wasm_bytes: number; threads: number; residency: string; variant: string } }).wasmbert;
    const embedded = (await post('/v1/embeddings', { input: TEXTS })) as { data: { embedding: number[] }[] };
    const i1 = await info();
    const first = { vectors: embedded.data.map((d) => d.embedding), wasmBytes: i1.wasm_bytes, threads: i1.threads, residency: i1.residency, variant: i1.variant };
    // a second request, other texts: the model serves on without growing
    await post('/v1/embeddings', { input: ['another request', 'with other words entirely'] });
    const second = { wasmBytes: (await info()).wasm_bytes };
    const t0 = performance.now();
    await post('/time', { runs: 1 });
    const forwardRequestMs = performance.now() - t0;
    const peak = wd.memory();

    expect(first.threads).toBe(1); // workerd has no threads
    expect(first.residency).toBe('streamed');
    expect(second.wasmBytes).toBe(first.wasmBytes); // forward() allocates nothing in wasm
    // word embeddings were fetched row by row: range requests only, never the whole file
    expect(weights.whole.get('/model.wbin') ?? 0).toBe(0);
    expect(weights.ranges.get('/model.wbin')).toBeGreaterThan(12);

    const grown = peak.hwm - idle.rss;
    console.log(
      `workerd ${dtype}: wasm memory ${(first.wasmBytes / MiB).toFixed(1)} MiB, RSS idle ${(idle.rss / MiB).toFixed(1)} MiB, ` +
        `peak ${(peak.hwm / MiB).toFixed(1)} MiB (+${(grown / MiB).toFixed(1)} MiB serving); ` +
        `(1, 128) forward request ${forwardRequestMs.toFixed(0)} ms (streamed over loopback, ${first.variant})`,
    );
    expect(first.wasmBytes).toBeLessThan(ISOLATE_LIMIT);
    // everything the model added to the process (wasm memory, JS heap, buffers, compiled code): the isolate's share
    expect(grown).toBeLessThan(ISOLATE_LIMIT);

    // Node, same file, resident, one thread: the reference
    const bert = await Bert.load(model, { threads: 1 });
    try {
      const ref = (await bert.embed(TEXTS)).map((v) => Array.from(v));
      expect(maxAbsDiff(first.vectors, ref)).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      await bert.dispose();
    }
  }, 300_000);
});
