// The embed example (examples/embed.mjs) in every command-line runtime: Node 20, 22 and 24, Deno (from a
// local path, and `npm:wasmbert` through an npm specifier) and Bun (its Bun.mmap weight source too). Each
// must give Node's vectors to 1e-6. One process per runtime, synthetic-tiny (the equality is the point).
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSynthetic } from '../src/weights/cache.js';
import { bin, EXAMPLE, maxAbsDiff, nodeBinaries, parseExample, ROOT, run, runtimeAvailable, TEXTS, TOLERANCE, type ExampleOutput } from './runtimes/harness.js';

let model = '';
let reference: ExampleOutput;
const nodes = nodeBinaries();

beforeAll(async () => {
  model = (await ensureSynthetic('synthetic-tiny')).wbin;
  // Node's vectors, one thread: the reference every runtime is held to (this process's Node)
  reference = parseExample(await run(process.execPath, [EXAMPLE, '--model', model, '--threads', '1', ...TEXTS]), 'node example');
  expect(reference.vectors).toHaveLength(TEXTS.length);
}, 120_000);

describe('Node 20, 22, 24', () => {
  for (const major of [20, 22, 24]) {
    const node = nodes.get(major);
    it.runIf(runtimeAvailable(`Node ${major}`, node !== undefined, '`npm run peers` installs Node 22 and 24 into .cache/'))(`Node ${major}: the example's vectors equal this process's Node's`, async () => {
      // default threads: the pool where there are cores (bit-identical to one thread by design)
      const out = parseExample(await run(node!, [EXAMPLE, '--model', model, ...TEXTS]), `node ${major}`);
      expect(out.runtime).toMatch(new RegExp(`^node ${major}\\.`));
      expect(out.variant).toMatch(/^relaxed/); // Node 20 gets relaxed SIMD through the V8 flag, 22+ natively
      expect(maxAbsDiff(out.vectors, reference.vectors)).toBeLessThanOrEqual(TOLERANCE);
    }, 60_000);
  }
});

describe.runIf(runtimeAvailable('deno', existsSync(bin('deno')), '`npm run peers` installs it into .cache/peers/'))('Deno', () => {
  let dir = '';
  beforeAll(() => {
    // An app folder that depends on wasmbert: node_modules/wasmbert is this checkout (as `npm install` of a
    // local path leaves it), so `npm:wasmbert` resolves without the registry.
    dir = mkdtempSync(join(tmpdir(), 'wasmbert-deno-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'wasmbert'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', dependencies: { wasmbert: '*' } }));
    writeFileSync(
      join(dir, 'app.mjs'),
      `import { Bert } from 'npm:wasmbert';
const [model, ...texts] = Deno.args;
const bert = await Bert.load(model, { threads: 1 });
const vectors = await bert.embed(texts);
console.log(JSON.stringify({ runtime: 'deno ' + Deno.version.deno, variant: bert.variant, threads: bert.threads, vectors: vectors.map((v) => Array.from(v)) }));
await bert.dispose();
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the example from a local path (import { Bert } from "wasmbert"): Node\'s vectors', async () => {
    const out = parseExample(await run(bin('deno'), ['run', '-A', EXAMPLE, '--model', model, ...TEXTS]), 'deno example');
    expect(out.runtime).toMatch(/^deno 2\./);
    expect(out.threads).toBeGreaterThanOrEqual(1);
    expect(maxAbsDiff(out.vectors, reference.vectors)).toBeLessThanOrEqual(TOLERANCE);
  }, 60_000);

  it('imports "npm:wasmbert" through an npm specifier: Node\'s vectors', async () => {
    const out = parseExample(await run(bin('deno'), ['run', '-A', '--node-modules-dir=manual', 'app.mjs', model, ...TEXTS], { cwd: dir }), 'deno npm: app');
    expect(out.threads).toBe(1);
    expect(maxAbsDiff(out.vectors, reference.vectors)).toBeLessThanOrEqual(TOLERANCE);
  }, 60_000);
});

describe.runIf(runtimeAvailable('bun', existsSync(bin('bun')), '`npm run peers` installs it into .cache/peers/'))('Bun', () => {
  it('runs the example: Node\'s vectors (JavaScriptCore: relaxed madd may round differently, within 1e-6)', async () => {
    const out = parseExample(await run(bin('bun'), [EXAMPLE, '--model', model, ...TEXTS]), 'bun example');
    expect(out.runtime).toMatch(/^bun 1\./);
    expect(maxAbsDiff(out.vectors, reference.vectors)).toBeLessThanOrEqual(TOLERANCE);
  }, 60_000);

  it('loads through a Bun.mmap weight source: the same vectors', async () => {
    const out = parseExample(await run(bin('bun'), [join(ROOT, 'test/runtimes/bun-mmap.mjs'), model, ...TEXTS]), 'bun mmap');
    expect((out as ExampleOutput & { source: string }).source).toBe('Bun.mmap');
    expect(maxAbsDiff(out.vectors, reference.vectors)).toBeLessThanOrEqual(TOLERANCE);
  }, 60_000);
});

// A q8 file (convert --dtype q8: int8 Linears, f16 word table) through the same example in every runtime,
// on the SIMD128 build (--simd): its q8 arithmetic is exact integer sums and fixed IEEE f32 steps, so every
// engine must give this process's vectors BIT FOR BIT. (On the relaxed builds an FMA that fuses on one
// engine and not another moves an activation across a 13-bit rounding boundary now and then: Bun measured
// 6.3e-6 from Node there, more than f32's 1e-6 tolerance, by design of quantization, not an error.)
describe('q8 file in every command-line runtime', () => {
  let q8 = '';
  let q8Reference: ExampleOutput;
  beforeAll(async () => {
    const { convertCheckpoint } = await import('../src/weights/convert.js');
    const { folder } = await ensureSynthetic('synthetic-tiny');
    const dir = join(ROOT, '.cache', 'test-q8');
    mkdirSync(dir, { recursive: true });
    q8 = join(dir, 'tiny.runtimes.q8.wbin');
    await convertCheckpoint(folder, q8, { dtype: 'q8' });
    q8Reference = parseExample(await run(process.execPath, [EXAMPLE, '--model', q8, '--simd', '--threads', '1', ...TEXTS]), 'node example, q8');
    // really quantized: not the f32 file's vectors
    expect(maxAbsDiff(q8Reference.vectors, reference.vectors)).toBeGreaterThan(1e-5);
  }, 120_000);
  const same = (out: ExampleOutput) => {
    expect(out.variant).toMatch(/^simd/);
    expect(maxAbsDiff(out.vectors, q8Reference.vectors)).toBe(0);
  };
  for (const major of [22, 24]) {
    const node = nodes.get(major);
    it.runIf(runtimeAvailable(`Node ${major}`, node !== undefined, '.ci/run installs node@22/node@24 into .cache/'))(`Node ${major}: q8 vectors equal this process's Node's, bit for bit`, async () => {
      same(parseExample(await run(node!, [EXAMPLE, '--model', q8, '--simd', ...TEXTS]), `node ${major} q8`));
    }, 60_000);
  }
  it.runIf(runtimeAvailable('deno', existsSync(bin('deno')), '`npm run peers` installs it into .cache/peers/'))('Deno: q8 vectors equal Node\'s, bit for bit', async () => {
    same(parseExample(await run(bin('deno'), ['run', '-A', EXAMPLE, '--model', q8, '--simd', ...TEXTS]), 'deno example q8'));
  }, 60_000);
  it.runIf(runtimeAvailable('bun', existsSync(bin('bun')), '`npm run peers` installs it into .cache/peers/'))('Bun: q8 vectors equal Node\'s, bit for bit', async () => {
    same(parseExample(await run(bin('bun'), [EXAMPLE, '--model', q8, '--simd', ...TEXTS]), 'bun example q8'));
  }, 60_000);
});
