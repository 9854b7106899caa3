// The encoder on the worker pool against ../shared's goldens: every case, through Bert.load({ threads }),
// so the threaded GEMMs and the head-split attention run inside the real forward pass (attention goes
// threaded only when probabilities are not requested, so most cases here ask for hidden states alone).
//
// Bounds: README §3's, as test/encoder-golden.test.ts states them: ≤ 1.5e-5 on hidden states, attentions
// and the pooler. And bit-identity with one thread on the same build: the splits partition the same
// operations (test/threads.test.ts checks each kernel), so the whole forward must agree to the bit too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert, type ForwardOutput } from '../src/model/bert.js';
import { threadsAvailable } from '../src/threads/compute.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { shared, sharedAvailable } from './shared.js';
import { BOUND, cases, kindOf, maxError } from './golden.js';

const THREADS = 2;

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
      let compared = 0;
      const check = (name: string, ours: { data: Float32Array; shape: readonly number[] }) => {
        expect(maxError(name, ours.data, ours.shape, gold.get(name)!, c, sample), `${c.name}: ${name}`).toBeLessThanOrEqual(BOUND[kindOf(name)]);
        compared++;
      };
      out.hiddenStates!.forEach((t, i) => check(`hidden_states.${i}`, t));
      if (out.pooler) check('pooler_output', out.pooler);
      out.attentions?.forEach((t, i) => check(`attentions.${i}`, t));
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
