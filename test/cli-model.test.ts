// The model's CLI commands as a user runs them (dist/, built by `npm test`'s pretest): forward writes every
// output under the golden names (checked against ../shared's goldens for synthetic-tiny), embed prints
// vectors, inspect and demo print the walkthrough, and bad input exits non-zero with one typed line.
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSynthetic } from '../src/weights/cache.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { ROOT, shared, sharedAvailable } from './shared.js';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8', timeout: 120_000 });

describe('model CLI', () => {
  let wbin: string;
  let folder: string;
  beforeAll(async () => {
    ({ wbin, folder } = await ensureSynthetic('synthetic-tiny'));
  });

  it.skipIf(!sharedAvailable())('forward: cases.json → one safetensors per case, under the golden names, matching the goldens', async () => {
    const out = mkdtempSync(join(tmpdir(), 'wasmbert-forward-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const cases = JSON.parse(readFileSync(shared('golden', 'cases.json'), 'utf8'));
    // one case by ids and one by texts (the tokenizer path of `forward`)
    const pick = [cases.find((c: { name: string }) => c.name === 'pair'), { name: 'seed-texts', texts: cases[0].texts }];
    writeFileSync(join(out, 'cases.json'), JSON.stringify(pick));
    const r = cli('forward', '--model', wbin, '--cases', join(out, 'cases.json'), '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const ours = await readSafetensors(join(out, 'pair.safetensors'));
    const gold = await readSafetensors(shared('golden', 'synthetic-tiny', 'pair.safetensors'));
    for (const [name, g] of gold) {
      const t = ours.get(name);
      expect(t, name).toBeDefined();
      expect(t!.shape, name).toEqual(g.shape);
      let worst = 0;
      for (let i = 0; i < g.data.length; i++) worst = Math.max(worst, Math.abs(t!.data[i] - g.data[i]));
      // pair has no padding: every position is valid, so the whole tensor is compared (README §3 bounds)
      expect(worst, name).toBeLessThanOrEqual(name.startsWith('layer0.') ? 3e-5 : 1.5e-5);
    }
    // the texts case went through the tokenizer: same ids as the golden case's
    const viaTexts = await readSafetensors(join(out, 'seed-texts.safetensors'));
    expect(Array.from(viaTexts.get('input_ids')!.data)).toEqual(cases[0].input_ids.flat());
  });

  it('embed prints one normalised vector per text; a HF folder works as --model', () => {
    const r = cli('embed', '--model', folder, 'hello world', 'second text');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as number[]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toHaveLength(32);
    expect(Math.hypot(...lines[0])).toBeCloseTo(1, 5);
    const again = cli('embed', '--model', wbin, 'hello world');
    expect(JSON.parse(again.stdout.trim())).toEqual(lines[0]);
  });

  it('inspect and demo print the walkthrough: tokens, embeddings, every layer, pooler', () => {
    const r = cli('inspect', '--model', wbin, 'The cat sat.');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[CLS\] the cat sat \. \[SEP\]/);
    expect(r.stdout).toMatch(/segment embeddings \(emb\.token_type\)/);
    expect(r.stdout).toMatch(/layer 2, text 1/); // inspect shows every layer's heads (tiny has 2 layers)
    expect(r.stdout).toMatch(/hidden_states\.2/);
    expect(r.stdout).toMatch(/Pooled output/);
    const d = cli('demo', 'synthetic-tiny');
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/input_ids \[3, 36\]/);
    expect(d.stdout).toMatch(/SYNTHETIC/);
    expect(d.stdout).toMatch(/scores = Q·Kᵀ \/ √8/);
  });

  it('bad input: one typed line on stderr, non-zero exit, nothing written', () => {
    const out = mkdtempSync(join(tmpdir(), 'wasmbert-forward-bad-'));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    writeFileSync(join(out, 'cases.json'), JSON.stringify([{ name: 'bad', input_ids: [[101, 99999, 102]] }]));
    const r = cli('forward', '--model', wbin, '--cases', join(out, 'cases.json'), '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ModelError: .*99999.*outside the vocabulary/);
    expect(existsSync(join(out, 'bad.safetensors'))).toBe(false);
    const missing = cli('embed', '--model', join(out, 'nope.wbin'), 'x');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/WeightsError: .*nope\.wbin/);
    expect(cli('embed').status).toBe(2); // usage
  });
});
