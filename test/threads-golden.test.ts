// The encoder on the worker pool against ../shared's goldens: every case, through Bert.load({ threads }),
// so the threaded GEMMs and the head-split attention run inside the real forward pass (attention goes
// threaded only when probabilities are not requested, so most cases here ask for hidden states alone).
//
// Bounds: README §3's, as test/encoder-golden.test.ts states them: ≤ 1.5e-5 on hidden states, attentions
// and the pooler. And bit-identity with one thread on the same build: the splits partition the same
// operations (test/threads.test.ts checks each kernel), so the whole forward must agree to the bit too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Bert, type ForwardOutput } from '../src/model/bert.js';
import { threadsAvailable } from '../src/threads/compute.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { shared, sharedAvailable } from './shared.js';

interface Case {
  name: string;
  shape: [number, number];
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
}

const BOUND = 1.5e-5;
const THREADS = 2;
const cases: Case[] = sharedAvailable() ? JSON.parse(readFileSync(shared('golden', 'cases.json'), 'utf8')) : [];

/** Valid (b, t) rows a golden covers: its sample.index, or every position with attention_mask 1. */
function validRows(c: Case, sample: Int32Array | undefined): [number, number][] {
  if (sample) return Array.from({ length: sample.length / 2 }, (_, s) => [sample[2 * s], sample[2 * s + 1]]);
  const rows: [number, number][] = [];
  c.attention_mask.forEach((m, b) => m.forEach((v, t) => v === 1 && rows.push([b, t])));
  return rows;
}

/** Max abs error of [B, L, H] `ours` against a golden ([B, L, H], or [S, H] sampled rows). */
function hiddenError(ours: Float32Array, L: number, H: number, gold: Float32Array, rows: [number, number][], sampled: boolean): number {
  let worst = 0;
  rows.forEach(([b, t], s) => {
    const o = (b * L + t) * H;
    const g = sampled ? s * H : o;
    for (let i = 0; i < H; i++) {
      const d = Math.abs(ours[o + i] - gold[g + i]);
      if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
    }
  });
  return worst;
}

/** Max abs error of [B, heads, L, L] attentions on the golden's rows (all L keys of each valid query). */
function attentionError(ours: Float32Array, heads: number, L: number, gold: Float32Array, rows: [number, number][], sampled: boolean): number {
  let worst = 0;
  rows.forEach(([b, t], s) => {
    for (let h = 0; h < heads; h++) {
      const o = ((b * heads + h) * L + t) * L;
      const g = sampled ? (s * heads + h) * L : o;
      for (let j = 0; j < L; j++) {
        const d = Math.abs(ours[o + j] - gold[g + j]);
        if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
      }
    }
  });
  return worst;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe.skipIf(!sharedAvailable() || !threadsAvailable())(`goldens with ${THREADS} threads: synthetic-base`, () => {
  let threaded: Bert;
  let single: Bert;
  beforeAll(async () => {
    const { wbin } = await ensureSynthetic('synthetic-base');
    threaded = await Bert.load(wbin, { threads: THREADS });
    single = await Bert.load(wbin, { threads: 1 });
  });
  afterAll(async () => {
    await threaded?.dispose();
    await single?.dispose();
  });

  it('runs on the worker pool', () => {
    // without this, every comparison below could pass on a model that quietly fell back to one thread
    expect(threaded.threads).toBe(THREADS);
    expect(single.threads).toBe(1);
  });

  for (const c of cases) {
    // attentions on the small cases: the probabilities path (attention on the calling thread, GEMMs on the pool)
    const withAttentions = c.shape[0] * c.shape[1] <= 128;
    it(`${c.name} [${c.shape.join(', ')}]${withAttentions ? ' with attentions' : ''}`, async () => {
      const enc = { inputIds: c.input_ids, tokenTypeIds: c.token_type_ids, attentionMask: c.attention_mask };
      const out: ForwardOutput = await threaded.forward(enc, { hiddenStates: true, attentions: withAttentions });
      const gold = await readSafetensors(shared('golden', 'synthetic-base', `${c.name}.safetensors`));
      const sample = gold.get('sample.index')?.data as Int32Array | undefined;
      const rows = validRows(c, sample);
      const [, L] = c.shape;
      const H = threaded.config.hidden_size;
      let compared = 0;
      out.hiddenStates!.forEach((t, i) => {
        const g = gold.get(`hidden_states.${i}`)!.data as Float32Array;
        expect(hiddenError(t.data, L, H, g, rows, !!sample), `${c.name}: hidden_states.${i}`).toBeLessThanOrEqual(BOUND);
        compared++;
      });
      if (out.pooler) {
        const g = gold.get('pooler_output')!.data as Float32Array;
        let worst = 0;
        for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(out.pooler.data[i] - g[i]));
        expect(worst, `${c.name}: pooler_output`).toBeLessThanOrEqual(BOUND);
        compared++;
      }
      out.attentions?.forEach((t, i) => {
        const g = gold.get(`attentions.${i}`)!.data as Float32Array;
        expect(attentionError(t.data, t.shape[1], L, g, rows, !!sample), `${c.name}: attentions.${i}`).toBeLessThanOrEqual(BOUND);
        compared++;
      });
      expect(compared).toBe(threaded.config.num_hidden_layers + 2 + (withAttentions ? threaded.config.num_hidden_layers : 0));
    });
  }

  // Two mid-size cases (the big ones would double the suite's time): one thread vs the pool, to the bit.
  // One thread loads the plain build and the pool the -mt one, so this also holds the two builds to the
  // same bits: it fails when build/ mixes builds of different sources (npm run build:wasm rebuilds all).
  for (const name of ['seed-1', 'ragged']) {
    it(`${name}: bit-identical to one thread`, async () => {
      const c = cases.find((x) => x.name === name)!;
      const enc = { inputIds: c.input_ids, tokenTypeIds: c.token_type_ids, attentionMask: c.attention_mask };
      const a = await threaded.forward(enc, { hiddenStates: true });
      const b = await single.forward(enc, { hiddenStates: true });
      a.hiddenStates!.forEach((t, i) => expect(sameBits(t.data, b.hiddenStates![i].data), `hidden_states.${i}`).toBe(true));
      expect(sameBits(a.pooler!.data, b.pooler!.data), 'pooler_output').toBe(true);
    });
  }
});
