// Comparing engine outputs with ../shared/golden, as ../shared/reference/README.md §3 says: valid positions
// only (attention_mask 1, or the file's sample.index rows), all L keys of each valid query for attentions,
// the pooler in full. Used by the encoder and the threads golden tests.
import { readFileSync } from 'node:fs';
import { shared, sharedAvailable } from './shared.js';

export interface Case {
  name: string;
  shape: [number, number];
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
}

export const BOUND: Record<string, number> = { hidden: 1.5e-5, attentions: 1.5e-5, pooler: 1.5e-5, qkv: 3e-5, 'emb.sum': 3e-8, 'emb.lookup': 0 };
export const kindOf = (name: string) =>
  name.startsWith('hidden_states') ? 'hidden'
  : name.startsWith('attentions') ? 'attentions'
  : name.startsWith('layer0.') ? 'qkv'
  : name === 'pooler_output' ? 'pooler'
  : name === 'emb.sum' ? 'emb.sum'
  : 'emb.lookup';

/** Max abs error of `ours` against one golden tensor, over the rows the contract covers. */
export function maxError(name: string, ours: Float32Array, oursShape: readonly number[], gold: { shape: number[]; data: Float32Array | Int32Array }, c: Case, sample: Int32Array | undefined): number {
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

export const cases: Case[] = sharedAvailable() ? JSON.parse(readFileSync(shared('golden', 'cases.json'), 'utf8')) : [];
