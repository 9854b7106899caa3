// The pool's browser path in headless Chromium (Debian's, driven by playwright-core): Web Workers started
// from a blob: URL, and a page's main thread, which may not block in Atomics.wait, spinning for the last
// tasks instead. On a cross-origin-isolated page the threaded GEMM and attention must match one thread to
// the bit; on a page without isolation threadsAvailable() must say no (no SharedArrayBuffer).
// Runs the built package (dist/, build/): `npm test` builds first.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './shared.js';
import { CHROMIUM, runtimeAvailable } from './runtimes/harness.js';

// a missing Chromium skips (named once by the global setup), or fails under WASMBERT_REQUIRE_RUNTIMES=1
const HAVE_CHROMIUM = runtimeAvailable('chromium', existsSync(CHROMIUM), '`apt-get install chromium`, or WASMBERT_CHROMIUM=<binary>');

// The page: the same checks as test/threads.test.ts, in miniature, on the built modules.
const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "@assemblyscript/loader": "./node_modules/@assemblyscript/loader/index.js" } }</script>
<script type="module">
import { threadsAvailable } from './dist/threads/compute.js';
window.run = async () => {
  const { loadKernels } = await import('./dist/runtime/wasm.js');
  const { Arena } = await import('./dist/runtime/arena.js');
  const { SingleThreadCompute } = await import('./dist/compute/compute.js');
  const { createThreadedCompute } = await import('./dist/threads/compute.js');
  const kernels = await loadKernels({ shared: true });
  const K = kernels.exports;
  const arena = new Arena(kernels.memory, K.heap_base());
  const c = await createThreadedCompute({ threads: 3, kernels, arena, maxSeq: 64, maxHeadSize: 16, minParallelWork: 0 });
  const s = new SingleThreadCompute(K);
  const rnd = (n) => { const p = arena.alloc(4 * n); const v = arena.f32(p, n); for (let i = 0; i < n; i++) v[i] = Math.sin(i * 12.9898) * 3; return p; };
  const same = (a, b, len) => { const A = new Uint32Array(kernels.memory.buffer, a, len), B = new Uint32Array(kernels.memory.buffer, b, len); return A.every((v, i) => v === B[i]); };
  const [m, n, k] = [37, 200, 96];
  const w = rnd(n * k), b = rnd(n), packed = arena.alloc(K.gemm_pack_size(n, k));
  K.gemm_pack_f32(n, k, w, k, b, packed);
  const x = rnd(m * k), y1 = arena.alloc(4 * m * n), y2 = arena.alloc(4 * m * n);
  s.linear(m, x, k, { format: 'f32', w: packed, n, k }, y1, n, 'gelu');
  c.linear(m, x, k, { format: 'f32', w: packed, n, k }, y2, n, 'gelu');
  const [heads, d, L] = [4, 16, 50];
  const qkv = rnd(L * 3 * heads * d), ctx1 = arena.alloc(4 * L * heads * d), ctx2 = arena.alloc(4 * L * heads * d), sc = arena.alloc(K.attention_scratch_size(64, 16) + 4 * 64 * 64);
  s.attention(L, heads, d, qkv, ctx1, sc);
  c.attention(L, heads, d, qkv, ctx2, sc);
  const out = { variant: kernels.variant, threads: c.threads, gemm: same(y1, y2, m * n), attention: same(ctx1, ctx2, L * heads * d) };
  const y3 = arena.alloc(4 * 4096);
  const j0 = c.jobs;
  for (let i = 0; i < 300; i++) c.tanh(4096, x, y3);
  out.jobs = c.jobs - j0;
  await c.dispose();
  return out;
};
window.info = { isolated: self.crossOriginIsolated, threadsAvailable: threadsAvailable() };
document.title = 'ready';
</script>`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };

describe.skipIf(!HAVE_CHROMIUM)('threads in a browser (headless Chromium)', () => {
  let server: http.Server;
  let base = '';
  let browser: import('playwright-core').Browser;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'threads', 'compute.js'))) throw new Error('dist/ is missing: build first (npm run build; npm test does)');
    server = http.createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      // /coi/... is served cross-origin isolated (COOP + COEP); /plain/... is not
      const [, mode, ...rest] = url.pathname.split('/');
      const path = '/' + rest.join('/');
      const headers: Record<string, string> =
        mode === 'coi' ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
      try {
        const body = path === '/' ? PAGE : await readFile(join(ROOT, path));
        res.writeHead(200, { ...headers, 'content-type': path === '/' ? 'text/html' : TYPES[extname(path)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404, headers);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function open(mode: 'coi' | 'plain') {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${base}/${mode}/`);
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 20_000 }).catch((e: Error) => {
      throw new Error(`the page did not load: ${errors.join('; ') || e.message}`);
    });
    return { page, errors };
  }

  it('a cross-origin-isolated page runs the pool from its main thread, bit-identical to one thread', async () => {
    const { page, errors } = await open('coi');
    expect(await page.evaluate(() => (window as unknown as { info: object }).info)).toEqual({ isolated: true, threadsAvailable: true });
    const out = await page.evaluate(() => (window as unknown as { run(): Promise<object> }).run());
    expect(out).toEqual({ variant: 'relaxed-mt', threads: 3, gemm: true, attention: true, jobs: 300 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a page without cross-origin isolation reports threads unavailable', async () => {
    const { page } = await open('plain');
    expect(await page.evaluate(() => (window as unknown as { info: object }).info)).toEqual({ isolated: false, threadsAvailable: false });
    await page.close();
  });
});
