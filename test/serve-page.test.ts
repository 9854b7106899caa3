// The page at GET / of `wasmbert serve`, in headless Chromium (Debian's, driven by playwright-core): it loads
// wasmbert's own modules and the served weights (by range), runs a text pair in the browser, and its numbers
// must be Node's — token ids equal, embeddings and hidden-state norms within 1e-6 (relaxed SIMD in V8 on the
// same CPU: in practice equal), cosine within 1e-6, every attention row summing to 1. It also saves the
// screenshot the README shows (docs/serve.png) when WASMBERT_SCREENSHOT=1.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert } from '../src/model/bert.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { CHROMIUM, ROOT, runtimeAvailable } from './runtimes/harness.js';

// a missing Chromium skips with one line, or fails under CI's WASMBERT_REQUIRE_RUNTIMES=1 (the runtime tier's rule)
const HAVE_CHROMIUM = runtimeAvailable('chromium', existsSync(CHROMIUM), 'apt-get install chromium, or set WASMBERT_CHROMIUM');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const A = 'The cat sat on the mat.';
const B = 'A cat was sitting on a rug.';

interface PageResult {
  ids: number[];
  cosine: number;
  embeddingA: number[];
  embeddingB: number[];
  hiddenNorms: number[][];
  attentions: number[][];
  L: number;
  heads: number;
  threads: number;
  variant: string;
}

describe.runIf(HAVE_CHROMIUM)('the page at GET / (headless Chromium)', () => {
  let child: ChildProcess;
  let url = '';
  let browser: import('playwright-core').Browser;
  let bert: Bert;

  beforeAll(async () => {
    const model = (await ensureSynthetic('synthetic-tiny')).wbin;
    bert = await Bert.load(model, { threads: 1 });
    child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--model', model, '--port', '0', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /on (http:\/\/[^/\s]+\/)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`wasmbert serve exited (${code}): ${err}`)));
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    child?.kill('SIGTERM');
    await bert?.dispose();
  });

  it("computes the walkthrough in the browser with Node's numbers", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    await page.waitForFunction(() => document.title.startsWith('wasmbert — '), null, { timeout: 60_000 });
    expect(await page.title(), errors.join('; ')).toBe('wasmbert — ready');
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    await page.fill('#a', A);
    await page.fill('#b', B);
    await page.click('#run');
    await page.waitForFunction(() => (window as unknown as { wasmbertPage?: object }).wasmbertPage !== undefined, null, { timeout: 60_000 });
    const r = (await page.evaluate(() => (window as unknown as { wasmbertPage: object }).wasmbertPage)) as PageResult;

    const enc = bert.tokenizer.encode(A);
    expect(r.ids).toEqual(enc.inputIds);
    const [ea, eb] = await bert.embed([A, B]);
    const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i])));
    expect(maxDiff(r.embeddingA, ea)).toBeLessThanOrEqual(1e-6);
    expect(maxDiff(r.embeddingB, eb)).toBeLessThanOrEqual(1e-6);
    let cos = 0;
    for (let i = 0; i < ea.length; i++) cos += ea[i] * eb[i];
    expect(Math.abs(r.cosine - cos)).toBeLessThanOrEqual(1e-6);

    const out = await bert.forward(enc, { hiddenStates: true, attentions: true });
    const H = bert.config.hidden_size;
    const L = enc.inputIds.length;
    expect(r.hiddenNorms).toHaveLength(bert.config.num_hidden_layers + 1);
    out.hiddenStates!.forEach((h, l) => {
      const norms = Array.from({ length: L }, (_, t) => Math.hypot(...h.data.subarray(t * H, t * H + H)));
      expect(maxDiff(r.hiddenNorms[l], norms), `output ${l}`).toBeLessThanOrEqual(1e-5);
    });
    expect(r.attentions).toHaveLength(bert.config.num_hidden_layers);
    out.attentions!.forEach((a, l) => expect(maxDiff(r.attentions[l], a.data), `layer ${l}`).toBeLessThanOrEqual(1e-6));
    // what the heatmaps draw: softmax rows
    for (let row = 0; row < r.heads * L; row++) {
      const s = r.attentions[0].slice(row * L, row * L + L).reduce((x, y) => x + y, 0);
      expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    }
    expect(await page.locator('#heads canvas').count()).toBe(bert.config.num_hidden_layers * r.heads);
    expect(await page.textContent('#cosine')).toBe(cos.toFixed(4));
    if (process.env.WASMBERT_SCREENSHOT === '1') await page.screenshot({ path: join(ROOT, 'docs', 'serve.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
