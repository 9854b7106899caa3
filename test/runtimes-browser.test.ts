// Browsers. First the bundling proof: esbuild bundles `wasmbert` for the browser (and for workerd) with
// no Node built-in reached. Then headless Chromium (Debian's, driven by playwright-core) runs the embed
// example from a loopback page, weights fetched by HTTP range requests, twice: cross-origin isolated
// (COOP/COEP: SharedArrayBuffer, so the worker pool runs) and not (one thread, one warning line), with
// the same numbers as Node.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert } from '../src/index.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { CHROMIUM, maxAbsDiff, ROOT, runtimeAvailable, startServer, TEXTS, TOLERANCE, type ExampleOutput, type FileServer } from './runtimes/harness.js';
import { bundle, nodeImports } from './runtimes/bundle.js';

describe('bundling for browsers and workers (esbuild, platform browser)', () => {
  it('the browser entry reaches no Node built-in', async () => {
    const r = await bundle({ contents: "export * from 'wasmbert';", conditions: ['browser'] });
    expect(r.errors).toEqual([]);
    expect(Object.keys(r.metafile.inputs).some((f) => f.endsWith('dist/index.js'))).toBe(true);
    expect(nodeImports(r.metafile)).toEqual([]);
    // and the bundle's text imports none: esbuild prints every specifier it emits in double quotes (the one
    // single-quoted `import('node:worker_threads')` left is the source text of a Node eval worker, a string)
    const out = r.outputFiles![0].text;
    expect(out).not.toMatch(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)"node:/);
  });

  it('the workerd entry reaches no Node built-in and imports the kernels as .wasm modules', async () => {
    const r = await bundle({ contents: "export * from 'wasmbert';", conditions: ['workerd', 'worker', 'browser'] });
    expect(r.errors).toEqual([]);
    expect(Object.keys(r.metafile.inputs).some((f) => f.endsWith('dist/platform/workerd.js'))).toBe(true);
    expect(nodeImports(r.metafile)).toEqual([]);
    expect(r.outputFiles![0].text).toMatch(/wasmbert\.relaxed\.wasm/);
  });

  it("'wasmbert/node' (conversion, the file system) refuses to resolve for a browser", async () => {
    await expect(bundle({ contents: "export * from 'wasmbert/node';", conditions: ['browser'] })).rejects.toThrow(/wasmbert\/node/);
  });
});

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.runIf(runtimeAvailable('chromium', existsSync(CHROMIUM), '`apt-get install chromium`, or WASMBERT_CHROMIUM=<binary>'))('headless Chromium', () => {
  let server: FileServer;
  let outDir = '';
  let reference: number[][];
  let browser: import('playwright-core').Browser;

  beforeAll(async () => {
    const model = (await ensureSynthetic('synthetic-tiny')).wbin;
    const bert = await Bert.load(model, { threads: 1 });
    reference = (await bert.embed(TEXTS)).map((v) => Array.from(v));
    await bert.dispose();

    // The page's script: the embed example bundled for the browser. The kernels are found at
    // new URL('../../build/', import.meta.url), so the bundle is served two folders below build/.
    outDir = mkdtempSync(join(tmpdir(), 'wasmbert-page-'));
    const bundleFile = join(outDir, 'bundle.js');
    await bundle({ contents: "export * from './embed-lib.mjs';", resolveDir: join(ROOT, 'examples'), conditions: ['browser'], outfile: bundleFile, write: true });
    const page = `<!doctype html><meta charset="utf-8"><script type="module">
import { embedExample } from './dist/app/bundle.js';
window.embedExample = embedExample;
window.ready = true;
</script>`;
    const files: Record<string, string> = { '/model.wbin': model };
    for (const prefix of ['/isolated', '/plain']) {
      files[`${prefix}/dist/app/bundle.js`] = bundleFile;
      for (const v of ['simd', 'relaxed', 'simd-mt', 'relaxed-mt']) files[`${prefix}/build/wasmbert.${v}.wasm`] = join(ROOT, `build/wasmbert.${v}.wasm`);
    }
    server = await startServer({
      files,
      route(_req, res, path) {
        if (path !== '/isolated/' && path !== '/plain/') return false;
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
        return true;
      },
      // cross-origin isolation for /isolated/ only: what makes SharedArrayBuffer (and threads) available
      headers: (path): Record<string, string> => (path.startsWith('/isolated/') ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  async function runPage(prefix: string): Promise<{ out: ExampleOutput; isolated: boolean; warnings: string[] }> {
    const page = await browser.newPage();
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.text().startsWith('wasmbert:')) warnings.push(m.text());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${server.url}${prefix}/`);
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 30_000 });
      const isolated = await page.evaluate(() => crossOriginIsolated);
      const out = (await page.evaluate(
        ({ model, texts }) => (window as unknown as { embedExample: (o: unknown) => Promise<unknown> }).embedExample({ model, texts, threads: 2 }),
        { model: `${server.url}/model.wbin`, texts: TEXTS },
      )) as ExampleOutput;
      expect(errors).toEqual([]);
      return { out, isolated, warnings };
    } finally {
      await page.close();
    }
  }

  it('cross-origin isolated: the worker pool runs (2 threads), weights by range requests, Node\'s vectors', async () => {
    const before = server.ranges.get('/model.wbin') ?? 0;
    const { out, isolated, warnings } = await runPage('/isolated');
    expect(isolated).toBe(true);
    expect(out.threadsAvailable).toBe(true);
    expect(out.threads).toBe(2);
    expect(out.variant).toBe('relaxed-mt');
    expect(warnings).toEqual([]);
    expect((server.ranges.get('/model.wbin') ?? 0) - before).toBeGreaterThan(0);
    expect(server.whole.get('/model.wbin') ?? 0).toBe(0); // never the whole file
    expect(maxAbsDiff(out.vectors, reference)).toBeLessThanOrEqual(TOLERANCE);
  }, 60_000);

  it('not isolated: one thread, one warning line, the same numbers', async () => {
    const { out, isolated, warnings } = await runPage('/plain');
    expect(isolated).toBe(false);
    expect(out.threadsAvailable).toBe(false);
    expect(out.threads).toBe(1);
    expect(out.variant).toBe('relaxed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/threads cannot run here/);
    expect(maxAbsDiff(out.vectors, reference)).toBeLessThanOrEqual(TOLERANCE);
  }, 60_000);
});
