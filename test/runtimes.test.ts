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
