// BERT's one spec (src/models/bert/spec.ts) and what derives from it. The tensor list used to be written
// out six times (validation, synth, packer, the model's names, streaming, convert's renames) and kept in
// step by hand; now every key path string lives in the spec alone, and this file fails when one appears
// in another source file (comments included: a comment naming a key path is a copy that goes stale).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BERT } from '../src/models/bert/spec.js';
import { canonicalName, layerOf, locate, paramTensors, specTensors, tensorCount, walkGroup, type Sizes } from '../src/models/spec.js';
import { canonicalTensors } from '../src/weights/wbin.js';
import { canonicalConfig, syntheticTensors, SYNTHETIC_CONFIGS } from '../src/weights/synth.js';
import { ROOT } from './shared.js';

const SPEC_FILE = 'src/models/bert/spec.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const base = canonicalConfig(SYNTHETIC_CONFIGS['synthetic-base']) as Sizes;
const tiny = canonicalConfig(SYNTHETIC_CONFIGS['synthetic-tiny']) as Sizes;

describe("BERT's spec", () => {
  it('every key path string is written in the spec file only', () => {
    // full names (layer 0's), the repeated group's relative keys ('attention.self.query.weight') and its
    // prefix. Not the other groups' short keys alone: 'LayerNorm.weight' is also modeling_bert.ts's
    // attribute access (this.LayerNorm.weight), as in HF's modeling_bert.py.
    const needles = new Set<string>();
    for (const g of BERT.groups) {
      if (!g.repeat) continue;
      needles.add(g.prefix.split('{i}')[0]);
      for (const p of g.params) for (const t of paramTensors(p)) needles.add(t.key);
    }
    for (const t of specTensors(BERT, { ...tiny, num_hidden_layers: 1 })) needles.add(t.name);
    expect(needles.size).toBeGreaterThan(35); // the needles themselves: a spec read wrong would make this pass vacuously
    const offenders: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      const rel = relative(ROOT, file).split('\\').join('/');
      if (rel === SPEC_FILE) continue;
      const text = readFileSync(file, 'utf8');
      for (const n of needles) if (text.includes(n)) offenders.push(`${rel}: "${n}"`);
    }
    expect(offenders).toEqual([]);
  });

  it("lists BertModel's tensors in HF's order, with synthetic-base's 109,482,240 values", () => {
    const list = specTensors(BERT, base);
    expect(list.length).toBe(5 + 16 * 12 + 2);
    expect(list.length).toBe(tensorCount(BERT, base, true));
    expect(specTensors(BERT, base, false).length).toBe(tensorCount(BERT, base, false));
    // SYNTHETIC.md §9: synthetic-base has 109,482,240 values (bert-base-uncased's BertModel has the same)
    expect(list.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0)).toBe(109_482_240);
    expect(list.map((t) => t.group).filter((g, i, a) => a.indexOf(g) === i)).toEqual(['embeddings', ...Array.from({ length: 12 }, (_, i) => `layer.${i}`), 'pooler']);
  });

  it('validation, synth and the walker derive the same list', () => {
    const names = specTensors(BERT, tiny).map((t) => t.name);
    expect(canonicalTensors(tiny as never, true).map((t) => t.name)).toEqual(names);
    expect(syntheticTensors(tiny as Record<string, unknown>).map((t) => t.name)).toEqual(names);
    for (const t of specTensors(BERT, tiny)) {
      const at = locate(BERT, t.name);
      expect(at?.tensor, t.name).toBe(t.tensor);
      expect(at?.layer).toBe(t.layer);
    }
    expect(locate(BERT, 'cls.predictions.bias')).toBeUndefined();
    // any key under a layer's prefix has its layer (convert refuses layers past num_hidden_layers by it)
    const layer7 = specTensors(BERT, { ...tiny, num_hidden_layers: 8 }).find((t) => t.layer === 7)!.name;
    expect(layerOf(BERT, layer7)).toBe(7);
    expect(layerOf(BERT, layer7.replace(/[^.]+\.[^.]+$/, 'not.a_key'))).toBe(7);
    expect(layerOf(BERT, 'cls.predictions.bias')).toBeUndefined();
    // the walker: sizes and pointers from one pass, packed Linears measured by the given function
    const layer = BERT.groups.find((g) => g.kind === 'layer')!;
    const sized = walkGroup(layer, base, (n, k) => 4 * n * (k + 1));
    const placed = walkGroup(layer, base, (n, k) => 4 * n * (k + 1), { base: 6400 });
    expect(placed.bytes).toBe(sized.bytes);
    const ptrs = [...placed.params.values()].flatMap((p) => (p.role === 'linear' ? [p.w] : p.role === 'layernorm' ? [p.weight, p.bias] : [p.table]));
    expect(ptrs[0]).toBe(6400);
    expect(ptrs.every((p, i) => i === 0 || p > ptrs[i - 1])).toBe(true);
    expect(ptrs.every((p) => p % 64 === 0)).toBe(true);
    const qkv = placed.params.get('attention.self.qkv');
    expect(qkv?.role === 'linear' && [qkv.n, qkv.k, qkv.format]).toEqual([3 * 768, 768, 'f32']);
  });

  it("convert's renames: bert. prefix and TF-era gamma/beta", () => {
    const [w] = specTensors(BERT, tiny).filter((t) => t.param.role === 'layernorm');
    const tf = `bert.${w.name.replace(/weight$/, 'gamma')}`;
    expect(canonicalName(BERT, tf)).toBe(w.name);
    expect(canonicalName(BERT, `bert.${w.name.replace(/weight$/, 'beta')}`)).toBe(w.name.replace(/weight$/, 'bias'));
  });
});
