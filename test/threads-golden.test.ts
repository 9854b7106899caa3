// The encoder on the worker pool against ../shared's goldens: every case, through Bert.load({ threads }),
// so the threaded GEMMs and the head-split attention run inside the real forward pass (attention goes
// threaded only when probabilities are not requested, so each case runs once with hidden states alone).
//
// Bounds: README §3's, as test/encoder-golden.test.ts states them: ≤ 1.5e-5 on hidden states, attentions
// and the pooler. And bit-identity with one thread, on every case and every output: the splits partition
// the same operations (test/threads.test.ts checks each kernel), so the whole forward must agree to the bit
// too. One thread loads the plain build and the pool the -mt one, so this also holds the two builds to the
// same bits: it fails when build/ mixes builds of different sources (npm run build:wasm rebuilds all).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert, type ForwardOutput } from '../src/model/bert.js';
import { threadsAvailable } from '../src/threads/compute.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { namedOutputs } from '../src/model/outputs.js';
import { shared, sharedAvailable } from './shared.js';
import { available } from './required.js';
import { BOUND, cases, kindOf, maxError } from './golden.js';

const THREADS = 2;

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe.skipIf(!sharedAvailable() || !available('worker threads', threadsAvailable(), 'SharedArrayBuffer and node:worker_threads: Node ≥ 20 has both'))(`goldens with ${THREADS} threads: synthetic-base`, () => {
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

  const ALL = { hiddenStates: true, attentions: true, qkv: true, embeddings: true } as const;

  /** Every output of `a` equal to the bit to the same output of `b` (names from namedOutputs); returns how many were compared. */
  function expectSameBits(what: string, a: ForwardOutput, b: ForwardOutput): number {
    const x = namedOutputs(a);
    const y = new Map(namedOutputs(b).map((t) => [t.name, t.tensor]));
    expect(x.map((t) => t.name), `${what}: output names`).toEqual([...y.keys()]);
    for (const { name, tensor } of x) {
      expect(tensor.shape, `${what}: ${name} shape`).toEqual(y.get(name)!.shape);
      expect(sameBits(tensor.data, y.get(name)!.data), `${what}: ${name} bit-identical to one thread`).toBe(true);
    }
    return x.length;
  }

  for (const c of cases) {
    // Two forwards per case on each side. Hidden states alone: attention goes through the pool (heads split)
    // along with every GEMM. Every output (embeddings, Q/K/V, attentions, all hidden states, pooler): the
    // probabilities path, where attention stays on the calling thread and the GEMMs go to the pool.
    it(`${c.name} [${c.shape.join(', ')}]: goldens, and every output bit-identical to one thread`, async () => {
      const enc = { inputIds: c.input_ids, tokenTypeIds: c.token_type_ids, attentionMask: c.attention_mask };
      const gold = await readSafetensors(shared('golden', 'synthetic-base', `${c.name}.safetensors`));
      const sample = gold.get('sample.index')?.data as Int32Array | undefined;
      const N = threaded.config.num_hidden_layers;

      const hidden = await threaded.forward(enc, { hiddenStates: true });
      let compared = 0;
      const check = (name: string, ours: { data: Float32Array; shape: readonly number[] }) => {
        expect(maxError(name, ours.data, ours.shape, gold.get(name)!, c, sample), `${c.name}: ${name}`).toBeLessThanOrEqual(BOUND[kindOf(name)]);
        compared++;
      };
      hidden.hiddenStates!.forEach((t, i) => check(`hidden_states.${i}`, t));
      if (hidden.pooler) check('pooler_output', hidden.pooler);
      expect(compared).toBe(N + 2);
      // N + 1 hidden states and the pooler
      expect(expectSameBits('hidden states only', hidden, await single.forward(enc, { hiddenStates: true }))).toBe(N + 2);

      const all = await threaded.forward(enc, ALL);
      // 4 embeddings, N + 1 hidden states, Q/K/V, N attentions, the pooler
      // (their goldens: test/encoder-golden.test.ts, which runs the same pool; equal bits carry them over)
      expect(expectSameBits('every output', all, await single.forward(enc, ALL))).toBe(4 + (N + 1) + 3 + N + 1);
    });
  }
});
