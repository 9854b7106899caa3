// q8 end to end on synthetic-tiny (no ../shared needed): `convert --dtype q8` writes what FORMAT.md §3 says,
// deterministically; Bert.load runs it resident, streamed and on threads with the same bits; every tap works.
// The accuracy against the goldens is test/q8-accuracy.test.ts (synthetic-base).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bert } from '../src/model/bert.js';
import { convertCheckpoint } from '../src/weights/convert.js';
import { synthesize } from '../src/weights/synth.js';
import { ModelError } from '../src/errors.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { fileSource } from '../src/weights/source-node.js';
import { openWbin } from '../src/weights/wbin.js';
import { threadsAvailable } from '../src/threads/compute.js';
import { ROOT } from './shared.js';

const TEXTS: (string | [string, string])[] = [['How old is the oldest tree?', 'Some bristlecone pines are nearly five thousand years old.'], 'A short one.', 'B'];

describe('q8 on synthetic-tiny', () => {
  let folder: string;
  let q8: string;
  let f32: string;
  beforeAll(async () => {
    ({ folder, wbin: f32 } = await ensureSynthetic('synthetic-tiny'));
    const dir = join(ROOT, '.cache', 'test-q8');
    mkdirSync(dir, { recursive: true });
    q8 = join(dir, 'tiny.q8.wbin');
    await convertCheckpoint(folder, q8, { dtype: 'q8' });
  });

  it('stores quantizable Linear weights as i8 (+ scales), embeddings as f16, the rest f32; the same bytes every time', async () => {
    const file = await openWbin(fileSource(q8));
    try {
      const dt = (n: string) => file.tensor(n).dtype;
      expect(dt('encoder.layer.0.attention.self.query.weight')).toBe('i8');
      expect(dt('encoder.layer.1.output.dense.weight')).toBe('i8');
      expect(dt('encoder.layer.0.attention.self.query.bias')).toBe('f32');
      expect(dt('encoder.layer.0.output.LayerNorm.weight')).toBe('f32');
      expect(dt('embeddings.word_embeddings.weight')).toBe('f16');
      expect(dt('pooler.dense.weight')).toBe('f32'); // the spec keeps the pooler in f32
      const w = file.tensor('encoder.layer.0.intermediate.dense.weight');
      expect(w.byteLength).toBe(w.shape[0] * w.shape[1] + 4 * w.shape[0]);
      // dequantized values within half a step of the checkpoint's
      const ref = (await readSafetensors(join(folder, 'model.safetensors'))).get('encoder.layer.0.intermediate.dense.weight')
        ?? (await readSafetensors(join(folder, 'model.safetensors'))).get('bert.encoder.layer.0.intermediate.dense.weight')!;
      const deq = new Float32Array(w.shape[0] * w.shape[1]);
      await file.readTensorF32(w.name, deq);
      const raw = new Uint8Array(w.byteLength);
      await file.readTensorBytes(w.name, raw);
      const scales = new DataView(raw.buffer, deq.length);
      let worst = 0;
      for (let r = 0; r < w.shape[0]; r++) {
        const s = scales.getFloat32(4 * r, true);
        for (let i = r * w.shape[1]; i < (r + 1) * w.shape[1]; i++) worst = Math.max(worst, Math.abs(deq[i] - (ref.data as Float32Array)[i]) / s);
      }
      expect(worst).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(worst).toBeGreaterThan(0.4);
    } finally {
      await file.close();
    }
    const again = join(ROOT, '.cache', 'test-q8', 'tiny.q8.again.wbin');
    await convertCheckpoint(folder, again, { dtype: 'q8' });
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(sha(again)).toBe(sha(q8));
  });

  describe('Bert.load of a q8 file', () => {
    const runs: Record<string, Awaited<ReturnType<Bert['forward']>>> = {};
    const open: Bert[] = [];
    const run = async (label: string, file: string, options: object) => {
      const b = await Bert.load(file, options);
      open.push(b);
      const enc = b.tokenizer.encodeBatch(TEXTS, { padding: 'longest' });
      runs[label] = await b.forward(enc, { hiddenStates: true, attentions: true, qkv: true });
    };
    beforeAll(async () => {
      await run('f32', f32, { simd: 'simd', threads: 1 });
      await run('q8', q8, { simd: 'simd', threads: 1 });
      await run('q8 streamed', q8, { simd: 'simd', threads: 1, residency: 'streamed' });
      if (threadsAvailable()) await run('q8 threads', q8, { simd: 'simd', threads: 2 });
      await run('q8 relaxed', q8, {});
    });
    afterAll(async () => {
      for (const b of open) await b.dispose();
    });
    const bits = (t: { data: Float32Array }) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

    it('streamed and threaded runs give the resident single-thread bits, every output', () => {
      for (const label of ['q8 streamed', 'q8 threads']) {
        const r = runs[label];
        if (!r) continue; // no threads here: threads.test.ts says so
        expect(bits(r.lastHiddenState), label).toEqual(bits(runs.q8.lastHiddenState));
        expect(bits(r.pooler!), label).toEqual(bits(runs.q8.pooler!));
        r.hiddenStates!.forEach((h, i) => expect(bits(h), `${label} hidden ${i}`).toEqual(bits(runs.q8.hiddenStates![i])));
      }
    });

    it('every tap is there and close to the f32 model (int8 weights, 13-bit activations)', () => {
      const rel = (a: Float32Array, b: Float32Array) => {
        let d = 0, n = 0;
        for (let i = 0; i < a.length; i++) {
          d += (a[i] - b[i]) ** 2;
          n += b[i] ** 2;
        }
        return Math.sqrt(d / n);
      };
      const q = runs.q8, f = runs.f32;
      expect(q.hiddenStates!.length).toBe(f.hiddenStates!.length);
      expect(q.attentions!.length).toBe(f.attentions!.length);
      expect(q.qkv).toBeDefined();
      // synthetic-base measures 1.4% against float64 (q8-accuracy.test.ts); tiny is shallower
      const e = rel(q.lastHiddenState.data, f.lastHiddenState.data);
      expect(e).toBeLessThan(0.02);
      expect(e).toBeGreaterThan(1e-4); // really quantized
      expect(rel(runs['q8 relaxed'].lastHiddenState.data, q.lastHiddenState.data)).toBeLessThan(1e-4);
    });
  });

  it('an int8 Linear with more than 4096 inputs is refused at load, by name (its int32 sums could overflow)', async () => {
    const dir = join(ROOT, '.cache', 'test-q8', 'wide');
    mkdirSync(dir, { recursive: true });
    await synthesize({ hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 4104, hidden_act: 'gelu', layer_norm_eps: 1e-12, seed: 3 }, dir);
    const file = join(dir, 'wide.q8.wbin');
    await convertCheckpoint(dir, file, { dtype: 'q8' });
    const err = await Bert.load(file, { threads: 1 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/output\.dense: int8 Linears take at most 4096 inputs .* this one has 4104/);
  });
});
