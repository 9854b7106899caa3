// Every case of ../shared/golden on synthetic-tiny and synthetic-base, every output present, at valid
// positions (attention_mask 1), as ../shared/reference/README.md §3 compares.
//
// Bounds (README §3): ≤ 1.5e-5 on hidden states, attentions, emb.sum and the pooler, ≤ 3e-5 on layer0 q/k/v.
// An honest float32 engine lands ≤ 5e-6; the bound is tight on purpose: LayerNorm eps 1e-5 instead of
// 1e-12 costs 1e-3, tanh-GELU instead of erf 2.4e-3, √hidden instead of √head 1.3. Embedding lookups
// (emb.word, emb.position, emb.token_type) are copies and must match exactly; emb.sum is one f32 rounding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Bert, type ForwardOutput } from '../src/model/bert.js';
import { namedOutputs } from '../src/model/outputs.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { ROOT, shared, sharedAvailable } from './shared.js';

interface Case {
  name: string;
  shape: [number, number];
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
}

const BOUND: Record<string, number> = { hidden: 1.5e-5, attentions: 1.5e-5, pooler: 1.5e-5, qkv: 3e-5, 'emb.sum': 3e-8, 'emb.lookup': 0 };
const kindOf = (name: string) =>
  name.startsWith('hidden_states') ? 'hidden'
  : name.startsWith('attentions') ? 'attentions'
  : name.startsWith('layer0.') ? 'qkv'
  : name === 'pooler_output' ? 'pooler'
  : name === 'emb.sum' ? 'emb.sum'
  : 'emb.lookup';

/** Max abs error of `ours` against one golden tensor, over the rows the contract covers. */
function maxError(name: string, ours: Float32Array, oursShape: readonly number[], gold: { shape: number[]; data: Float32Array | Int32Array }, c: Case, sample: Int32Array | undefined): number {
  const [B, L] = c.shape;
  let worst = 0;
  const cmp = (a: number, b: number) => {
    const d = Math.abs(a - b);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  };
  const g = gold.data;
  if (name === 'pooler_output') {
    for (let i = 0; i < g.length; i++) cmp(ours[i], g[i]);
    return worst;
  }
  if (name.startsWith('attentions')) {
    const heads = oursShape[1];
    // rows (b, query t) → all L keys
    const rows: [number, number][] = sample ? Array.from({ length: sample.length / 2 }, (_, s) => [sample[2 * s], sample[2 * s + 1]]) : [];
    if (!sample) for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) if (c.attention_mask[b][t] === 1) rows.push([b, t]);
    rows.forEach(([b, t], s) => {
      for (let h = 0; h < heads; h++) {
        for (let j = 0; j < L; j++) {
          const o = ((b * heads + h) * L + t) * L + j;
          const gi = sample ? (s * heads + h) * L + j : o;
          cmp(ours[o], g[gi]);
        }
      }
    });
    return worst;
  }
  const H = oursShape[2];
  if (name === 'emb.position' && !sample) {
    for (let i = 0; i < L * H; i++) cmp(ours[i], g[i]);
    return worst;
  }
  const rows: [number, number][] = sample ? Array.from({ length: sample.length / 2 }, (_, s) => [sample[2 * s], sample[2 * s + 1]]) : [];
  if (!sample) for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) if (c.attention_mask[b][t] === 1) rows.push([b, t]);
  rows.forEach(([b, t], s) => {
    const o = name === 'emb.position' ? t * H : (b * L + t) * H;
    const gi = sample ? s * H : (b * L + t) * H;
    for (let i = 0; i < H; i++) cmp(ours[o + i], g[gi + i]);
  });
  return worst;
}

const cases: Case[] = sharedAvailable() ? JSON.parse(readFileSync(shared('golden', 'cases.json'), 'utf8')) : [];
const report: Record<string, Record<string, number>> = {};

// Three axes: the default (relaxed SIMD, threads = cores: the worker pool's path), and the deterministic
// SIMD128 build on one thread (no workers), so both builds and both compute paths meet the goldens.
const RUNS = [
  { model: 'synthetic-tiny', label: 'simd build, 1 thread', options: { simd: 'simd', threads: 1 } },
  { model: 'synthetic-tiny', label: 'default build and threads', options: {} },
  { model: 'synthetic-base', label: 'default build and threads', options: {} },
] as const;

for (const { model, label, options } of RUNS) {
  describe.skipIf(!sharedAvailable())(`goldens: ${model} (${label})`, () => {
    let bert: Bert;
    const worst: Record<string, number> = {};
    const key = `${model}, ${label}`;
    report[key] = worst;
    beforeAll(async () => {
      const { wbin } = await ensureSynthetic(model);
      bert = await Bert.load(wbin, options);
    });
    afterAll(async () => {
      await bert?.dispose();
    });

    for (const c of cases) {
      it(`${c.name} [${c.shape.join(', ')}]`, async () => {
        const out: ForwardOutput = await bert.forward(
          { inputIds: c.input_ids, tokenTypeIds: c.token_type_ids, attentionMask: c.attention_mask },
          { hiddenStates: true, attentions: true, qkv: true, embeddings: true },
        );
        const gold = await readSafetensors(shared('golden', model, `${c.name}.safetensors`));
        const sample = gold.get('sample.index')?.data as Int32Array | undefined;
        const ours = new Map(namedOutputs(out).map((t) => [t.name, t.tensor]));
        let compared = 0;
        for (const [name, g] of gold) {
          if (['input_ids', 'token_type_ids', 'attention_mask', 'sample.index'].includes(name)) continue;
          const t = ours.get(name);
          expect(t, `output ${name} is missing`).toBeDefined();
          const err = maxError(name, t!.data, t!.shape, g as { shape: number[]; data: Float32Array }, c, sample);
          const kind = kindOf(name);
          worst[kind] = Math.max(worst[kind] ?? 0, err);
          expect(err, `${model}/${c.name}: ${name}`).toBeLessThanOrEqual(BOUND[kind]);
          compared++;
        }
        // every golden of a full file: 4 emb + (N+1) hidden + 3 qkv + N attentions + pooler
        expect(compared).toBeGreaterThanOrEqual(4 + 3 + 1 + 2 * bert.config.num_hidden_layers + 1);
      });
    }

    afterAll(() => {
      // the closing note's table: max error per output kind (written, not asserted)
      const dir = join(ROOT, '.cache', 'reports');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `golden-${key.replace(/[^\w-]+/g, '_')}.json`), JSON.stringify({ variant: bert.variant, threads: bert.threads, worst }, null, 2));
      process.stdout.write(`goldens ${key} [${bert.variant}, ${bert.threads} thread(s)]: max abs error ${JSON.stringify(worst)}\n`);
    });
  });
}
