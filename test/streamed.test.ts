// Streamed residency (one layer in memory, the next read while the current one computes; word embeddings
// read row by row) must give exactly what resident gives: the same kernels on the same bytes, only read at
// another time. Checked to the bit on synthetic-base (bert-base shapes) with f32 and with f16 weights, every
// output, two forwards in a row (the prefetch wraps from the last layer to layer 0 between calls). Needs
// nothing from ../shared: synthetic-base is generated on first use under .cache/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert, type ForwardOutput } from '../src/model/bert.js';
import { namedOutputs } from '../src/model/outputs.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { syntheticBaseF16 } from './synthetic.js';

/** Names of the outputs whose bits differ (shapes and names must match first). */
function differing(a: ForwardOutput, b: ForwardOutput): string[] {
  const x = namedOutputs(a);
  const y = new Map(namedOutputs(b).map((t) => [t.name, t.tensor]));
  expect(x.map((t) => t.name)).toEqual([...y.keys()]);
  const out: string[] = [];
  for (const { name, tensor } of x) {
    const other = y.get(name)!;
    expect(tensor.shape, name).toEqual(other.shape);
    const p = new Uint32Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.length);
    const q = new Uint32Array(other.data.buffer, other.data.byteOffset, other.data.length);
    if (p.length !== q.length || p.some((v, i) => v !== q[i])) out.push(name);
  }
  return out;
}

const ALL = { hiddenStates: true, attentions: true, qkv: true, embeddings: true } as const;

for (const dtype of ['f32', 'f16'] as const) {
  describe(`streamed = resident, to the bit: synthetic-base ${dtype}`, () => {
    let resident: Bert;
    let streamed: Bert;
    beforeAll(async () => {
      const file = dtype === 'f32' ? (await ensureSynthetic('synthetic-base')).wbin : await syntheticBaseF16();
      resident = await Bert.load(file, { residency: 'resident' });
      streamed = await Bert.load(file, { residency: 'streamed' });
    }, 600_000);
    afterAll(async () => {
      await resident?.dispose();
      await streamed?.dispose();
    });

    it('loads the residencies asked for', () => {
      // without this, both could be resident and the comparisons below would compare a mode with itself
      expect(resident.residency).toBe('resident');
      expect(streamed.residency).toBe('streamed');
    });

    it('every output of a padded batch with a pair, two forwards in a row', async () => {
      const enc = streamed.tokenizer.encodeBatch(
        ['Streaming reads one layer at a time.', ['What does the pooler see?', 'The [CLS] row, after all twelve layers.'], 'short'],
        { padding: 'longest' },
      );
      const want = await resident.forward(enc, ALL);
      const first = await streamed.forward(enc, ALL);
      expect(differing(first, want), 'outputs whose bits differ (first forward)').toEqual([]);
      // the second call starts from the layer-0 range prefetched at the end of the first
      const second = await streamed.forward(enc, ALL);
      expect(differing(second, want), 'outputs whose bits differ (second forward)').toEqual([]);
      expect(namedOutputs(want).length).toBe(4 + 13 + 3 + 12 + 1);
    }, 300_000);

    it('hidden states alone (the attention path without probabilities) on a longer batch', async () => {
      const text = 'a longer text that runs for many tokens so that every dense layer has more rows to compute '.repeat(4);
      const enc = streamed.tokenizer.encodeBatch([text, text.slice(0, 97)], { padding: 'longest' });
      expect(differing(await streamed.forward(enc, { hiddenStates: true }), await resident.forward(enc, { hiddenStates: true }))).toEqual([]);
    }, 300_000);
  });
}
