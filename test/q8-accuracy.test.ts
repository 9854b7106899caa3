// q8 synthetic-base against the float64 goldens of ../shared/golden: every case, the last hidden state
// at the rows the golden holds (valid positions; the sampled ones in subsampled files), on both builds.
//
// Bounds, derived: scripts/q8-accuracy-study.py runs this exact scheme (int8 weights per output channel,
// f16 embedding tables, activations quantized per row to 13 bits before every Linear but the pooler) in
// float64 and measures rel L2 1.385%, worst mean-pooled cosine 0.999928, max abs 0.0801 against the same
// goldens. The engine differs from that only by float32 arithmetic (~1e-6 relative per value: a few
// activations land on the other side of a rounding boundary), so ~8% margin on each: rel L2 ≤ 1.5%,
// 1 − cos ≤ 1.0e-4, max abs ≤ 0.10. Each is inside issue #14's targets (2.0%, 0.9998, 0.15) and at least
// 30% better than onnxruntime's q8 on the same weights (3.65%, 0.99952, 0.237, same study). A kernel that
// quantized with the wrong scale, a wrong zero point or 8-bit activations fails them (8-bit: 3.4%).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Bert } from '../src/model/bert.js';
import { convertCheckpoint } from '../src/weights/convert.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { WBIN_VERSION } from '../src/weights/wbin.js';
import { shared, sharedAvailable } from './shared.js';
import { cases } from './golden.js';

const BOUNDS = { relL2: 0.015, oneMinusCos: 1.0e-4, maxAbs: 0.1 };

/**
 * rel L2, worst mean-pooled cosine and max abs of one case's last hidden state against its golden rows:
 * rows[s] = (b, t, row of the golden tensor). Mean pooling is over the rows the golden holds (all valid
 * positions of a full file; the sampled ones of a subsampled file, on both sides alike).
 */
function caseMetrics(ours: Float32Array, L: number, H: number, gold: Float32Array, rows: [number, number, number][]) {
  let d2 = 0, g2 = 0, maxAbs = 0;
  const pooled = new Map<number, { a: Float64Array; g: Float64Array }>();
  rows.forEach(([b, t, gRow]) => {
    let p = pooled.get(b);
    if (!p) pooled.set(b, (p = { a: new Float64Array(H), g: new Float64Array(H) }));
    for (let i = 0; i < H; i++) {
      const a = ours[(b * L + t) * H + i], g = gold[gRow * H + i];
      d2 += (a - g) ** 2;
      g2 += g * g;
      maxAbs = Math.max(maxAbs, Math.abs(a - g));
      p.a[i] += a;
      p.g[i] += g;
    }
  });
  let cos = 1;
  for (const { a, g } of pooled.values()) {
    let ag = 0, aa = 0, gg = 0;
    for (let i = 0; i < H; i++) {
      ag += a[i] * g[i];
      aa += a[i] * a[i];
      gg += g[i] * g[i];
    }
    cos = Math.min(cos, ag / Math.sqrt(aa * gg));
  }
  return { relL2: Math.sqrt(d2 / g2), cos, maxAbs };
}

const RUNS = [
  { label: 'default build and threads', options: {} },
  { label: 'simd build, 1 thread', options: { simd: 'simd', threads: 1 } },
] as const;

describe.skipIf(!sharedAvailable())('q8 accuracy: synthetic-base against the float64 goldens', () => {
  let wbin: string;
  beforeAll(async () => {
    const { folder } = await ensureSynthetic('synthetic-base');
    // converted once per format version (quantizing is deterministic: the same bytes every time)
    wbin = join(folder, `model.v${WBIN_VERSION}.q8.wbin`);
    if (!existsSync(wbin)) await convertCheckpoint(folder, wbin, { dtype: 'q8' });
  });

  for (const { label, options } of RUNS) {
    describe(label, () => {
      let bert: Bert;
      const worst = { relL2: 0, cos: 1, maxAbs: 0 };
      beforeAll(async () => {
        bert = await Bert.load(wbin, options);
      });
      afterAll(async () => {
        await bert?.dispose();
        process.stderr.write(
          `q8 accuracy (${label}): rel L2 ${(100 * worst.relL2).toFixed(3)}%, worst mean-pooled cosine ${worst.cos.toFixed(6)}, max abs ${worst.maxAbs.toFixed(4)}\n`,
        );
      });
      for (const c of cases) {
        it(`${c.name} [${c.shape.join(', ')}]`, async () => {
          const out = await bert.forward({ inputIds: c.input_ids, tokenTypeIds: c.token_type_ids, attentionMask: c.attention_mask });
          const gold = await readSafetensors(shared('golden', 'synthetic-base', `${c.name}.safetensors`));
          const [B, L] = c.shape;
          const H = out.lastHiddenState.shape[2];
          const sample = gold.get('sample.index')?.data as Int32Array | undefined;
          const rows: [number, number, number][] = [];
          if (sample) for (let s = 0; s < sample.length / 2; s++) rows.push([sample[2 * s], sample[2 * s + 1], s]);
          else for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) if (c.attention_mask[b][t] === 1) rows.push([b, t, b * L + t]);
          const g = gold.get('hidden_states.12')!.data as Float32Array;
          const m = caseMetrics(out.lastHiddenState.data, L, H, g, rows);
          worst.relL2 = Math.max(worst.relL2, m.relL2);
          worst.cos = Math.min(worst.cos, m.cos);
          worst.maxAbs = Math.max(worst.maxAbs, m.maxAbs);
          expect(m.relL2, 'relative L2 error').toBeLessThanOrEqual(BOUNDS.relL2);
          expect(1 - m.cos, '1 − mean-pooled cosine').toBeLessThanOrEqual(BOUNDS.oneMinusCos);
          expect(m.maxAbs, 'max abs error').toBeLessThanOrEqual(BOUNDS.maxAbs);
          // quantized, so never the float32 engine's ~1e-6: a q8 file that silently ran in f32 fails here
          expect(m.relL2).toBeGreaterThan(1e-3);
        });
      }
    });
  }
});
