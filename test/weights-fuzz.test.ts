// Fuzz: thousands of mutated headers, tables and truncations of small .wbin and safetensors files. The
// reader may accept a mutation (then every tensor must still read back) or reject it, but only ever with
// a typed WeightsError: no TypeError, RangeError, out-of-memory or hang. Tensor bytes too: verify() must
// name exactly the tensor whose stored bytes changed (and pass when only alignment padding did). And
// Bert.load itself on mutated files: a model that loads and runs a forward, or a typed WasmbertError. A
// seeded PRNG makes any failure reproducible (the case number is in the message).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmbertError, WeightsError } from '../src/errors.js';
import { Bert } from '../src/model/bert.js';
import { convertCheckpoint } from '../src/weights/convert.js';
import { openSafetensors, readTensorF32 as readStTensor } from '../src/weights/safetensors.js';
import { memorySource } from '../src/weights/source.js';
import { synthesize } from '../src/weights/synth.js';
import { openWbin, PREAMBLE_BYTES, preambleBytes, stampHeaderChecksum, WBIN_ALIGN, WBIN_VERSION, type WbinFile } from '../src/weights/wbin.js';

/** where the header starts in the files this test writes (a v2 preamble carries the header checksum) */
const HEADER_AT = preambleBytes(WBIN_VERSION);

const tmp = mkdtempSync(join(tmpdir(), 'wasmbert-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let wbin: Uint8Array;
let wbin16: Uint8Array;
let st: Uint8Array;
beforeAll(async () => {
  await synthesize({ hidden_size: 8, intermediate_size: 16, num_attention_heads: 2, num_hidden_layers: 2, seed: 3, vocab_size: 12, max_position_embeddings: 8 }, tmp);
  // 12 tokens with the special ones, so that Bert.load's tokenizer accepts the file
  writeFileSync(join(tmp, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', 'c', 'the', '##s', '##a', '.'].join('\n') + '\n');
  await convertCheckpoint(tmp, join(tmp, 'm.wbin'));
  await convertCheckpoint(tmp, join(tmp, 'h.wbin'), { dtype: 'f16' });
  wbin = readFileSync(join(tmp, 'm.wbin'));
  wbin16 = readFileSync(join(tmp, 'h.wbin'));
  st = readFileSync(join(tmp, 'model.safetensors'));
});

/** xorshift32: seeded, so a failing case can be replayed */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]) => a[Math.floor(next() * a.length)] };
}

const WEIRD: unknown[] = [-1, 0, 1, 3, 63, 64, 65, 1e9, 2 ** 32, 2 ** 53, 1e300, -0, 0.5, 'x', '', null, true, [], {}, [1, 2], [-1], [1e9, 1e9], 'f16', 'f32', 'i8', 'F32', [2 ** 31, 2 ** 31]];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function mutateJson(h: any, r: ReturnType<typeof rng>): void {
  const n = 1 + r.int(3);
  for (let k = 0; k < n; k++) {
    const where = r.int(6);
    if (where === 0 && Array.isArray(h.tensors) && h.tensors.length) {
      const t = h.tensors[r.int(h.tensors.length)];
      if (isObj(t)) t[r.pick(['name', 'dtype', 'shape', 'offset', 'length', 'sha256'])] = r.pick(WEIRD);
    } else if (where === 1 && isObj(h.config)) {
      h.config[r.pick(['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings', 'type_vocab_size', 'layer_norm_eps', 'hidden_act'])] = r.pick(WEIRD);
    } else if (where === 2 && Array.isArray(h.tensors)) {
      const i = r.int(h.tensors.length);
      if (r.next() < 0.5) h.tensors.splice(i, 1);
      else h.tensors.splice(i, 0, structuredClone(h.tensors[r.int(h.tensors.length)]));
    } else if (where === 3) {
      h[r.pick(['tensors', 'config', 'tokenizer', 'version', 'format'])] = r.pick(WEIRD);
    } else if (where === 4 && isObj(h.tokenizer)) {
      if (r.next() < 0.5) h.tokenizer.vocab = r.pick(WEIRD);
      else h.tokenizer.options = r.pick(WEIRD);
    } else if (Array.isArray(h.tensors) && h.tensors.length > 1) {
      const i = r.int(h.tensors.length);
      const j = r.int(h.tensors.length);
      if (isObj(h.tensors[i]) && isObj(h.tensors[j])) h.tensors[i].offset = (h.tensors[j].offset as number) + r.pick([0, 64, -64, 1]);
    }
  }
}

/**
 * Rebuilds a .wbin from an edited header, keeping the data; sometimes with wrong preamble numbers. The
 * header checksum is recomputed (mostly): these cases test what the reader checks beyond it.
 */
function rebuild(orig: Uint8Array, h: unknown, r: ReturnType<typeof rng>): Uint8Array {
  const dv = new DataView(orig.buffer, orig.byteOffset, orig.byteLength);
  const data = orig.subarray(Number(dv.getBigUint64(16, true)));
  const json = new TextEncoder().encode(JSON.stringify(h));
  const dataOffset = Math.ceil((HEADER_AT + json.length) / WBIN_ALIGN) * WBIN_ALIGN;
  const out = new Uint8Array(dataOffset + data.length);
  out.set(orig.subarray(0, PREAMBLE_BYTES));
  const o = new DataView(out.buffer);
  o.setUint32(12, json.length, true);
  o.setBigUint64(16, BigInt(dataOffset), true);
  if (r.next() < 0.1) o.setBigUint64(24, BigInt(r.int(2 ** 31)), true);
  out.set(json, HEADER_AT);
  out.set(data, dataOffset);
  return r.next() < 0.9 ? stampHeaderChecksum(out) : out;
}

function mutate(orig: Uint8Array, r: ReturnType<typeof rng>): Uint8Array {
  const kind = r.int(5);
  const headerLen = new DataView(orig.buffer, orig.byteOffset).getUint32(12, true);
  if (kind === 0) {
    // flip bytes in the preamble or header
    const b = Uint8Array.from(orig);
    const n = 1 + r.int(8);
    for (let i = 0; i < n; i++) b[r.int(HEADER_AT + headerLen)] = r.int(256);
    return b;
  }
  if (kind === 1) return orig.subarray(0, r.int(orig.length));
  if (kind === 2) {
    const b = Uint8Array.from(orig);
    const dv = new DataView(b.buffer);
    const f = r.int(4);
    if (f === 0) dv.setUint32(8, r.pick([0, 2, 0xffffffff, r.int(2 ** 32)]), true);
    else if (f === 1) dv.setUint32(12, r.pick([0, 1, headerLen - 1, headerLen + 1, 0xffffffff, r.int(2 ** 32)]), true);
    else dv.setBigUint64(8 + 8 * f, BigInt(r.pick([0, 1, 2 ** 53, r.int(2 ** 32)])) * (r.next() < 0.2 ? 2n ** 20n : 1n), true);
    return b;
  }
  const h = JSON.parse(new TextDecoder().decode(orig.subarray(HEADER_AT, HEADER_AT + headerLen)));
  mutateJson(h, r);
  return rebuild(orig, h, r);
}

async function exercise(bytes: Uint8Array): Promise<'ok' | 'rejected'> {
  try {
    const f = await openWbin(memorySource(bytes, 'fuzz.wbin'));
    for (const t of f.tensors) await f.readTensorF32(t.name, new Float32Array(t.shape.reduce((a, b) => a * b, 1)));
    for (const g of f.groups) {
      const raw = new Uint8Array(g.length);
      await f.readRange(g.offset, g.length, raw);
      for (const t of g.tensors) f.decodeInto(t, raw.subarray(t.offset - g.offset), new Float32Array(t.byteLength / (t.dtype === 'f16' ? 2 : 4)));
    }
    return 'ok';
  } catch (err) {
    if (err instanceof WeightsError) return 'rejected';
    throw err;
  }
}

describe('fuzz', () => {
  // 10,000 .wbin and 4,000 safetensors mutations: about 2 s here, well under 10 s on the 2-core CI machines
  it('mutated .wbin headers, tables and lengths: only WeightsError, never a crash', async () => {
    const r = rng(20240601);
    const seen = { ok: 0, rejected: 0 };
    for (let i = 0; i < 10000; i++) {
      const bytes = mutate(i % 2 ? wbin : wbin16, r);
      let res: 'ok' | 'rejected';
      try {
        res = await exercise(bytes);
      } catch (err) {
        expect.fail(`case ${i}: ${(err as Error).name}: ${(err as Error).message}`);
      }
      seen[res]++;
    }
    // most mutations must be caught; some (a flipped byte inside a vocab string) are harmless
    expect(seen.rejected).toBeGreaterThan(6600);
    expect(seen.ok).toBeGreaterThan(0);
  });

  it('mutated safetensors headers: only WeightsError', async () => {
    const r = rng(7);
    let rejected = 0;
    const n = new DataView(st.buffer, st.byteOffset).getBigUint64(0, true);
    for (let i = 0; i < 4000; i++) {
      let b: Uint8Array;
      const kind = r.int(3);
      if (kind === 0) {
        b = Uint8Array.from(st);
        for (let k = 0, m = 1 + r.int(6); k < m; k++) b[r.int(8 + Number(n))] = r.int(256);
      } else if (kind === 1) b = st.subarray(0, r.int(st.length));
      else {
        b = Uint8Array.from(st);
        new DataView(b.buffer).setBigUint64(0, BigInt(r.pick([0, 1, 2 ** 40, Number(n) - 8, Number(n) + 8, r.int(2 ** 32)])), true);
      }
      try {
        const f = await openSafetensors(memorySource(b, 'fuzz.safetensors'));
        for (const t of f.tensors.values()) if (['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) await readStTensor(f, t.name);
      } catch (err) {
        if (!(err instanceof WeightsError)) expect.fail(`case ${i}: ${(err as Error).name}: ${(err as Error).message}`);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(2000);
  });

  /** The tensor whose stored bytes hold file offset `at`, or undefined (preamble, header, alignment padding). */
  const tensorAt = (f: WbinFile, at: number) => f.tensors.find((t) => at >= t.offset && at < t.offset + t.byteLength)?.name;

  it('mutated tensor bytes: verify() names exactly the changed tensor, and passes on changed padding', async () => {
    // 600 files with 1-3 bytes changed anywhere past the header (tensor data or the padding between
    // tensors); every tensor is verified on its own, so each verdict is checked, not just the first.
    const r = rng(99);
    let changedTensors = 0, paddingOnly = 0;
    for (let i = 0; i < 600; i++) {
      const orig = i % 2 ? wbin : wbin16;
      const f0 = await openWbin(memorySource(orig, 'orig.wbin'));
      const dataStart = f0.tensors.reduce((a, t) => Math.min(a, t.offset), Infinity);
      const b = Uint8Array.from(orig);
      const changed = new Set<string>();
      for (let k = 0, n = 1 + r.int(3); k < n; k++) {
        // half the flips aimed at a tensor, the rest anywhere in the data region (padding included)
        const at = r.next() < 0.5 ? (() => { const t = r.pick(f0.tensors); return t.offset + r.int(t.byteLength); })() : dataStart + r.int(orig.length - dataStart);
        const v = (b[at] + 1 + r.int(255)) & 255; // always a different byte
        b[at] = v;
        const name = tensorAt(f0, at);
        if (name) changed.add(name);
      }
      const f = await openWbin(memorySource(b, `fuzz-${i}.wbin`));
      const failed: string[] = [];
      for (const t of f.tensors) {
        try {
          await f.verify([t.name]);
        } catch (err) {
          if (!(err instanceof WeightsError)) expect.fail(`case ${i}: ${(err as Error).name}: ${(err as Error).message}`);
          expect(err.tensor, `case ${i}: the error names its tensor`).toBe(t.name);
          expect(err.message).toMatch(/checksum mismatch/);
          failed.push(t.name);
        }
      }
      expect(failed.sort(), `case ${i}: tensors verify() rejects`).toEqual([...changed].sort());
      // verify() over every tensor (the default) rejects when any did
      if (changed.size) {
        await expect(f.verify(), `case ${i}`).rejects.toThrow(WeightsError);
        changedTensors++;
      } else {
        await f.verify();
        paddingOnly++;
      }
      // and the changed bytes still decode (to other numbers): reading never crashes on data
      expect(await exercise(b), `case ${i}`).toBe('ok');
    }
    expect(changedTensors).toBeGreaterThan(300);
    expect(paddingOnly).toBeGreaterThan(0);
  });

  it('Bert.load on mutated files: loads and runs a forward, or rejects with a typed WasmbertError', async () => {
    // 300 mutations of both files (headers, tables, truncations, tensor bytes). A model that loads must
    // run a forward of the right shape; NaNs from a mangled weight are fine, a crash is not.
    const r = rng(4242);
    const seen = { loaded: 0, rejected: 0 };
    const f0 = await openWbin(memorySource(wbin, 'orig.wbin'));
    const dataStart = f0.tensors.reduce((a, t) => Math.min(a, t.offset), Infinity);
    for (let i = 0; i < 300; i++) {
      const orig = i % 2 ? wbin : wbin16;
      let b: Uint8Array;
      if (i % 3 === 0) {
        b = Uint8Array.from(orig);
        for (let k = 0, n = 1 + r.int(4); k < n; k++) b[dataStart + r.int(orig.length - dataStart)] = r.int(256);
      } else b = mutate(orig, r);
      let bert: Bert | undefined;
      try {
        bert = await Bert.load(b, { threads: 1 });
        const out = await bert.forward({ inputIds: [[2, 5, 7, 3]] });
        expect(out.lastHiddenState.shape, `case ${i}`).toEqual([1, 4, bert.config.hidden_size]);
        seen.loaded++;
      } catch (err) {
        if (!(err instanceof WasmbertError)) expect.fail(`case ${i}: ${(err as Error).name}: ${(err as Error).message}`);
        seen.rejected++;
      } finally {
        await bert?.dispose();
      }
    }
    console.log(`fuzz: Bert.load on 300 mutated files: ${seen.loaded} loaded and ran, ${seen.rejected} rejected with a typed error`);
    expect(seen.rejected).toBeGreaterThan(100);
    expect(seen.loaded).toBeGreaterThan(50);
  }, 120_000);
});
