// Weights: synthetic checkpoints bit for bit against ../shared's checksums, conversion round trips
// (f32 exact, f16 within rounding), the name variants of real checkpoints, streamed vs resident bytes,
// and every bad-input case of issue #4 as a typed WeightsError.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../src/errors.js';
import { ROOT, shared, sharedAvailable } from './shared.js';
import { available } from './required.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { convertCheckpoint } from '../src/weights/convert.js';
import { f16ToF32, f32ToF16 } from '../src/weights/f16.js';
import { openSafetensors, readSafetensors, safetensorsHeader, writeSafetensors } from '../src/weights/safetensors.js';
import { memorySource, openSource } from '../src/weights/source.js';
import { fileSource } from '../src/weights/source-node.js';
import { fnv1a32, mix32, outlierDims, synthesize, tensorKey, zOf } from '../src/weights/synth.js';
import { openWbin, PREAMBLE_BYTES, preambleBytes, stampHeaderChecksum, WBIN_ALIGN, WBIN_VERSION, type WbinFile } from '../src/weights/wbin.js';

/** where the header starts in the files this wasmbert writes (v2: after the header checksum) */
const HEADER_AT = preambleBytes(WBIN_VERSION);

const tmp = mkdtempSync(join(tmpdir(), 'wasmbert-weights-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytesOf = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function open(path: string): Promise<WbinFile> {
  return openWbin(await openSource(path));
}

/** Expects `p` to reject with a WeightsError whose message matches every pattern. */
async function rejectsWith(p: Promise<unknown>, ...patterns: RegExp[]): Promise<WeightsError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WeightsError);
  for (const re of patterns) expect((err as Error).message).toMatch(re);
  return err as WeightsError;
}

/** A micro checkpoint (hidden 8, 1 layer, 20-token vocab): kilobytes, for the bad-input cases. */
async function micro(folder: string, extra: Record<string, unknown> = {}): Promise<string> {
  await synthesize({ hidden_size: 8, intermediate_size: 16, num_attention_heads: 2, num_hidden_layers: 1, seed: 7, vocab_size: 20, max_position_embeddings: 16, ...extra }, folder);
  const vocab = readFileSync(join(folder, 'vocab.txt'), 'utf8').split('\n').slice(0, 20);
  writeFileSync(join(folder, 'vocab.txt'), vocab.join('\n') + '\n');
  return folder;
}

describe('synthetic generator', () => {
  it('matches SYNTHETIC.md §5.6 test vectors', () => {
    expect([mix32(0), mix32(1), mix32(0xffffffff), mix32(0x12345678)]).toEqual([0, 0x688990c0, 0x6768824a, 0xf5e71c96]);
    expect([fnv1a32(''), fnv1a32('embeddings.word_embeddings.weight'), fnv1a32('outlier_dims')]).toEqual([0x811c9dc5, 0xdb668d90, 0xe2dace37]);
    const k0 = tensorKey(1, 'embeddings.word_embeddings.weight');
    const k1 = mix32(k0 ^ 0x85ebca6b);
    const k2 = mix32(k0 ^ 0xc2b2ae35);
    expect([k0, k1, k2]).toEqual([0x1b4adee2, 0x6ecbcb26, 0x1576ce7d]);
    expect([0, 1, 2, 3].map((i) => zOf(i, k0, k1, k2))).toEqual([33602, -10183, 22419, 43550]);
    expect(outlierDims(1, 32)).toEqual([9, 23]);
    expect(outlierDims(2, 768)).toEqual([73, 625]);
  });
});

describe.skipIf(!sharedAvailable())('synth matches the shared checksums bit for bit', () => {
  async function check(name: 'synthetic-tiny' | 'synthetic-base', folder: string) {
    const ck = JSON.parse(readFileSync(shared('reference', `checksums-${name}.json`), 'utf8'));
    for (const [file, want] of Object.entries(ck.files as Record<string, string>)) {
      expect(sha(readFileSync(join(folder, file))), file).toBe(want);
    }
    // per tensor: says which one is wrong when the file's sum is not right
    const st = await openSafetensors(fileSource(join(folder, 'model.safetensors')));
    expect([...st.tensors.keys()]).toEqual(Object.keys(ck.tensors));
    for (const t of st.tensors.values()) {
      const bytes = new Uint8Array(t.byteLength);
      await st.source.read(t.offset, t.byteLength, bytes);
      expect(t.shape, t.name).toEqual(ck.tensors[t.name].shape);
      expect(sha(bytes), t.name).toBe(ck.tensors[t.name].sha256);
    }
    await st.source.close?.();
  }
  it('synthetic-tiny', async () => {
    const r = await synthesize('synthetic-tiny', join(tmp, 'tiny'));
    expect(r.outlierDims).toEqual([9, 23]);
    await check('synthetic-tiny', join(tmp, 'tiny'));
  });
  it('synthetic-base (the cached one the demo and tests use)', async () => {
    const { folder } = await ensureSynthetic('synthetic-base');
    await check('synthetic-base', folder);
  });
});

describe('convert → load', () => {
  let folder: string;
  let ref: Awaited<ReturnType<typeof readSafetensors>>;
  beforeAll(async () => {
    folder = join(tmp, 'tiny-conv');
    await synthesize('synthetic-tiny', folder);
    ref = await readSafetensors(join(folder, 'model.safetensors'));
  });

  it('f32: every tensor comes back exactly, with the config and tokenizer', async () => {
    const out = join(tmp, 'tiny.f32.wbin');
    const r = await convertCheckpoint(folder, out, { dtype: 'f32' });
    expect(r.skipped).toEqual([]);
    const f = await open(out);
    expect(f.version).toBe(WBIN_VERSION);
    expect(f.config).toMatchObject({ hidden_size: 32, num_hidden_layers: 2, vocab_size: 30522, hidden_act: 'gelu', layer_norm_eps: 1e-12 });
    expect(f.tokenizer.vocab.length).toBe(30522);
    expect(f.tokenizer.vocab.slice(100, 104)).toEqual(['[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(f.tokenizer.options).toEqual({ doLowerCase: true, tokenizeChineseChars: true, unkToken: '[UNK]', clsToken: '[CLS]', sepToken: '[SEP]', padToken: '[PAD]', maskToken: '[MASK]', modelMaxLength: 512 });
    expect(f.tensors.map((t) => t.name)).toEqual([...ref.keys()]);
    expect(f.hasPooler).toBe(true);
    for (const t of f.tensors) {
      expect(t.offset % WBIN_ALIGN, t.name).toBe(0);
      const got = new Float32Array(t.byteLength / 4);
      await f.readTensorF32(t.name, got);
      expect(sha(bytesOf(got)), t.name).toBe(sha(bytesOf(ref.get(t.name)!.data)));
    }
    await f.verify(); // stored checksums agree with the bytes
    await f.close();
  });

  it('streamed (one layer range at a time) and resident reads deliver identical bytes, from a file and from memory', async () => {
    const path = join(tmp, 'tiny.f32.wbin');
    const fromFile = await open(path);
    const fromMem = await openWbin(memorySource(readFileSync(path), 'mem'));
    expect(fromFile.groups.map((g) => g.name)).toEqual(['embeddings', 'layer.0', 'layer.1', 'pooler']);
    for (const g of fromFile.groups) {
      // one contiguous range per group, in forward order
      expect(g.tensors[0].offset).toBe(g.offset);
      const lastT = g.tensors[g.tensors.length - 1];
      expect(lastT.offset + lastT.byteLength).toBe(g.offset + g.length);
      const raw = new Uint8Array(g.length);
      await fromMem.readRange(g.offset, g.length, raw);
      for (const t of g.tensors) {
        const streamed = new Float32Array(t.byteLength / 4);
        fromMem.decodeInto(t, raw.subarray(t.offset - g.offset, t.offset - g.offset + t.byteLength), streamed);
        const resident = new Float32Array(t.byteLength / 4);
        await fromFile.readTensorF32(t.name, resident);
        expect(sha(bytesOf(streamed)), t.name).toBe(sha(bytesOf(resident)));
      }
    }
    await fromFile.close();
  });

  it('f16: every value is the nearest float16 (within half a float16 ulp), file about half the size', async () => {
    const out = join(tmp, 'tiny.f16.wbin');
    const r = await convertCheckpoint(folder, out, { dtype: 'f16' });
    expect(r.bytes).toBeLessThan(0.55 * readFileSync(join(tmp, 'tiny.f32.wbin')).length);
    const f = await open(out);
    for (const t of f.tensors) {
      expect(t.dtype).toBe('f16');
      const want = ref.get(t.name)!.data as Float32Array;
      const got = new Float32Array(want.length);
      await f.readTensorF32(t.name, got);
      for (let i = 0; i < want.length; i++) {
        const a = want[i];
        // float16 spacing at |a|: 2^(e-10) for normals (e = floor(log2|a|) >= -14), 2^-24 below: half of it is the bound
        const e = Math.max(-14, Math.floor(Math.log2(Math.abs(a) || 2 ** -30)));
        if (!(Math.abs(got[i] - a) <= 2 ** (e - 11))) expect.fail(`${t.name}[${i}]: ${got[i]} vs ${a}`);
      }
    }
  });

  it('float16 conversion edge cases: ties to even, subnormals, overflow', () => {
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1.0)
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (1 + 2^-9)
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00); // rounds up past the largest finite: Inf
    expect(f32ToF16(2 ** -24)).toBe(0x0001);
    expect(f32ToF16(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24 → even (0)
    expect(f32ToF16(1.5 * 2 ** -25)).toBe(0x0001);
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f16ToF32(f32ToF16(NaN))).toBeNaN();
    expect(f16ToF32(0x3555)).toBeCloseTo(1 / 3, 3);
    for (let h = 0; h < 0x7c00; h += 7) expect(f32ToF16(f16ToF32(h))).toBe(h); // every finite half round-trips
  });

  it('accepts bert.-prefixed, LayerNorm.gamma/beta, sharded, F16-stored checkpoints with cls.* heads; says what it skipped', async () => {
    const v = join(tmp, 'variant');
    await synthesize('synthetic-tiny', v);
    rmSync(join(v, 'model.safetensors'));
    const rename = (n: string) => 'bert.' + n.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
    const all = [...ref.entries()].map(([name, t]) => ({ name: rename(name), dtype: 'F32' as const, shape: t.shape, data: t.data }));
    const heads = [
      { name: 'cls.predictions.bias', dtype: 'F32' as const, shape: [30522], data: new Float32Array(30522) },
      { name: 'cls.seq_relationship.weight', dtype: 'F32' as const, shape: [2, 32], data: new Float32Array(64) },
      { name: 'bert.embeddings.position_ids', dtype: 'I32' as const, shape: [1, 512], data: new Int32Array(512) },
    ];
    const shard1 = [...all.slice(0, 20), heads[0]];
    const shard2 = [...all.slice(20), heads[1], heads[2]];
    await writeSafetensors(join(v, 'model-00001-of-00002.safetensors'), shard1);
    await writeSafetensors(join(v, 'model-00002-of-00002.safetensors'), shard2);
    const weightMap: Record<string, string> = {};
    for (const t of shard1) weightMap[t.name] = 'model-00001-of-00002.safetensors';
    for (const t of shard2) weightMap[t.name] = 'model-00002-of-00002.safetensors';
    writeFileSync(join(v, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const infos: string[] = [];
    const r = await convertCheckpoint(v, join(tmp, 'variant.wbin'), { onInfo: (m) => infos.push(m) });
    expect(r.skipped.sort()).toEqual(['bert.embeddings.position_ids', 'cls.predictions.bias', 'cls.seq_relationship.weight']);
    expect(infos.join('\n')).toMatch(/skipping 3 tensor.*cls\.predictions\.bias/);
    expect(r.renamed['bert.embeddings.LayerNorm.gamma']).toBe('embeddings.LayerNorm.weight');
    const a = readFileSync(join(tmp, 'variant.wbin'));
    const f = await openWbin(memorySource(a));
    const plain = await open(join(tmp, 'tiny.f32.wbin'));
    for (const t of plain.tensors) {
      const x = new Float32Array(t.byteLength / 4);
      const y = new Float32Array(t.byteLength / 4);
      await plain.readTensorF32(t.name, x);
      await f.readTensorF32(t.name, y);
      expect(sha(bytesOf(y)), t.name).toBe(sha(bytesOf(x)));
    }
    await plain.close();
  });

  it('reads the vocabulary and casing from tokenizer.json when there is no vocab.txt; no pooler → hasPooler false', async () => {
    const v = join(tmp, 'tokjson');
    await micro(v);
    const vocab = readFileSync(join(v, 'vocab.txt'), 'utf8').split('\n').slice(0, 20);
    rmSync(join(v, 'vocab.txt'));
    rmSync(join(v, 'tokenizer_config.json'));
    writeFileSync(join(v, 'tokenizer.json'), JSON.stringify({
      normalizer: { type: 'BertNormalizer', lowercase: false, strip_accents: false, handle_chinese_chars: true, clean_text: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', vocab: Object.fromEntries(vocab.map((t, i) => [t, i]).reverse()) },
    }));
    const st = await readSafetensors(join(v, 'model.safetensors'));
    await writeSafetensors(join(v, 'model.safetensors'), [...st.entries()].filter(([n]) => !n.startsWith('pooler.')).map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, data: t.data })));
    await convertCheckpoint(v, join(v, 'm.wbin'));
    const f = await open(join(v, 'm.wbin'));
    expect(f.tokenizer.vocab).toEqual(vocab);
    expect(f.tokenizer.options).toMatchObject({ doLowerCase: false, stripAccents: false, unkToken: '[UNK]' });
    expect(f.hasPooler).toBe(false);
    expect(f.groups.map((g) => g.name)).toEqual(['embeddings', 'layer.0']);
    await f.close();
  });
});

describe('ensureSynthetic cache', () => {
  it('concurrent callers: generated once, everyone gets the complete files; a stale lock of a dead process is taken over', async () => {
    const cacheDir = join(tmp, 'cache');
    const logs: string[] = [];
    const all = await Promise.all([1, 2, 3, 4].map(() => ensureSynthetic('synthetic-tiny', { cacheDir, onProgress: (m) => logs.push(m) })));
    expect(new Set(all.map((r) => r.wbin)).size).toBe(1);
    expect(logs.filter((m) => m.startsWith('generating')).length).toBe(1);
    expect((await open(all[0].wbin)).tensors.length).toBe(39);
    // a lock left by a process that died (its pid no longer runs): removed, the work is redone
    rmSync(all[0].folder, { recursive: true });
    const lock = join(cacheDir, 'wasmbert-synthetic-v1', 'synthetic-tiny.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(dead));
    const again = await ensureSynthetic('synthetic-tiny', { cacheDir });
    expect(existsSync(again.wbin)).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('bad checkpoints → WeightsError naming the file and tensor', () => {
  let base: string;
  let st: Awaited<ReturnType<typeof readSafetensors>>;
  beforeAll(async () => {
    base = await micro(join(tmp, 'micro'));
    st = await readSafetensors(join(base, 'model.safetensors'));
  });
  const rewrite = async (name: string, edit: (list: { name: string; dtype: 'F32'; shape: number[]; data: Float32Array }[]) => typeof list) => {
    const dir = join(tmp, name);
    await micro(dir);
    const list = [...st.entries()].map(([n, t]) => ({ name: n, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }));
    await writeSafetensors(join(dir, 'model.safetensors'), edit(list));
    return dir;
  };

  it('missing tensor', async () => {
    const dir = await rewrite('missing', (l) => l.filter((t) => t.name !== 'encoder.layer.0.attention.self.key.bias'));
    const e = await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /missing/, /encoder\.layer\.0\.attention\.self\.key\.bias/);
    expect(e.tensor).toBe('encoder.layer.0.attention.self.key.bias');
    expect(existsSync(join(dir, 'o.wbin'))).toBe(false);
  });
  it('shape that disagrees with config.json', async () => {
    const dir = await rewrite('shape', (l) => l.map((t) => (t.name === 'encoder.layer.0.intermediate.dense.weight' ? { ...t, shape: [8, 16] } : t)));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /intermediate\.dense\.weight/, /shape \[8,16\] disagrees with config\.json.*\[16,8\]/);
  });
  it('a layer beyond num_hidden_layers', async () => {
    const dir = await rewrite('extra-layer', (l) => [...l, { ...l.find((t) => t.name === 'encoder.layer.0.output.dense.bias')!, name: 'encoder.layer.1.output.dense.bias' }]);
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /layer 1 in the checkpoint, but config\.json says num_hidden_layers 1/);
  });
  it('half a pooler', async () => {
    const dir = await rewrite('half-pooler', (l) => l.filter((t) => t.name !== 'pooler.dense.bias'));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /pooler is incomplete: pooler\.dense\.bias is missing/);
  });
  it('unknown dtype in the safetensors header', async () => {
    const dir = await rewrite('dtype', (l) => l);
    const buf = readFileSync(join(dir, 'model.safetensors'));
    const text = buf.toString('latin1').replace('"dtype":"F32","shape":[8],', '"dtype":"X32","shape":[8],');
    writeFileSync(join(dir, 'model.safetensors'), Buffer.from(text, 'latin1'));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /model\.safetensors: tensor "embeddings\.LayerNorm\.weight": unknown dtype "X32"/);
  });
  it('truncated safetensors', async () => {
    const dir = await rewrite('trunc-st', (l) => l);
    const buf = readFileSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), buf.subarray(0, buf.length - 100));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /tensor "pooler\.dense\.(weight|bias)"/, /beyond the data/);
    writeFileSync(join(dir, 'model.safetensors'), buf.subarray(0, 5));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /too short/);
  });
  it('NaN/Inf in weights: warns, still converts', async () => {
    const dir = await rewrite('nan', (l) => l.map((t) => (t.name === 'encoder.layer.0.output.dense.bias' ? { ...t, data: Float32Array.from(t.data, (x, i) => (i === 0 ? NaN : i === 3 ? -Infinity : x)) } : t)));
    const warnings: string[] = [];
    const r = await convertCheckpoint(dir, join(dir, 'o.wbin'), { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(['encoder.layer.0.output.dense.bias: 1 NaN and 1 Inf value(s) among 8 (kept as they are)']);
    expect(r.warnings).toEqual(warnings);
    const f = await open(join(dir, 'o.wbin'));
    const b = new Float32Array(8);
    await f.readTensorF32('encoder.layer.0.output.dense.bias', b);
    expect([b[0], b[3]]).toEqual([NaN, -Infinity]);
  });
  it('config.json: missing, not BERT, invalid sizes; no weights; no vocabulary', async () => {
    const dir = join(tmp, 'cfg');
    await micro(dir);
    const cfg = readFileSync(join(dir, 'config.json'), 'utf8');
    writeFileSync(join(dir, 'config.json'), cfg.replace('"model_type": "bert"', '"model_type": "roberta"'));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /config\.json: model_type "roberta" is not "bert"/);
    writeFileSync(join(dir, 'config.json'), cfg.replace('"num_attention_heads": 2', '"num_attention_heads": 3'));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /config\.json: hidden_size 8 is not a multiple of num_attention_heads 3/);
    writeFileSync(join(dir, 'config.json'), cfg.replace('"vocab_size": 20', '"vocab_size": 10'));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /vocabulary has 20 tokens but config\.json's vocab_size is 10/);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /config\.json: not valid JSON/);
    rmSync(join(dir, 'config.json'));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /config\.json: missing/);
    writeFileSync(join(dir, 'config.json'), cfg);
    rmSync(join(dir, 'vocab.txt'));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /no vocab\.txt and no tokenizer\.json/);
    await micro(dir);
    rmSync(join(dir, 'model.safetensors'));
    await rejectsWith(convertCheckpoint(dir, join(dir, 'o.wbin')), /no model\.safetensors or model\.safetensors\.index\.json/);
  });
});

describe('bad .wbin files → WeightsError', () => {
  let good: Buffer;
  beforeAll(async () => {
    const dir = await micro(join(tmp, 'wbin-bad'));
    await convertCheckpoint(dir, join(dir, 'm.wbin'));
    good = readFileSync(join(dir, 'm.wbin'));
  });
  const headerOf = (b: Uint8Array) => JSON.parse(Buffer.from(b.subarray(HEADER_AT, HEADER_AT + new DataView(b.buffer, b.byteOffset).getUint32(12, true))).toString('utf8'));
  /** The file with its header JSON replaced (preamble lengths and header checksum recomputed; data kept). */
  const withHeader = (edit: (h: Record<string, any>) => void): Uint8Array => {
    const h = headerOf(good);
    const dv = new DataView(good.buffer, good.byteOffset);
    const data = good.subarray(Number(dv.getBigUint64(16, true)));
    edit(h);
    const json = Buffer.from(JSON.stringify(h));
    const dataOffset = Math.ceil((HEADER_AT + json.length) / WBIN_ALIGN) * WBIN_ALIGN;
    const out = new Uint8Array(dataOffset + data.length);
    out.set(good.subarray(0, PREAMBLE_BYTES));
    const o = new DataView(out.buffer);
    o.setUint32(12, json.length, true);
    o.setBigUint64(16, BigInt(dataOffset), true);
    out.set(json, HEADER_AT);
    out.set(data, dataOffset);
    return stampHeaderChecksum(out);
  };
  const openBytes = (b: Uint8Array) => openWbin(memorySource(b, 'bad.wbin'));

  it('the unmodified file opens (so the cases below fail for their own reason)', async () => {
    await expect(openBytes(withHeader(() => {}))).resolves.toBeDefined();
  });
  it('wrong magic (and a hint for safetensors)', async () => {
    const b = Uint8Array.from(good);
    b[0] = 0x58;
    await rejectsWith(openBytes(b), /^bad\.wbin: wrong magic "XBIN": not a \.wbin file$/);
    const stBytes = safetensorsHeader([{ name: 'x', dtype: 'F32', shape: [16] }]);
    const st = new Uint8Array(stBytes.length + 64);
    st.set(stBytes);
    await rejectsWith(openBytes(st), /wrong magic/, /safetensors file/);
  });
  it('unsupported version', async () => {
    const b = Uint8Array.from(good);
    new DataView(b.buffer).setUint32(8, 3, true);
    await rejectsWith(openBytes(b), /unsupported version 3 \(this reader reads versions 1, 2: upgrade wasmbert\)/);
  });
  it('truncated file: in the preamble, in the header, in the data', async () => {
    await rejectsWith(openBytes(good.subarray(0, 10)), /10 bytes: truncated/);
    await rejectsWith(openBytes(good.subarray(0, 100)), /header length \d+ reaches beyond the end of the file \(100 bytes\)/);
    await rejectsWith(openBytes(good.subarray(0, good.length - 1)), /truncated: the header says \d+ bytes, the file has \d+/);
    const extra = new Uint8Array(good.length + 3);
    extra.set(good);
    await rejectsWith(openBytes(extra), /3 unexpected bytes after the data/);
  });
  it('header length beyond the file (huge): refused before any allocation', async () => {
    const b = Uint8Array.from(good);
    new DataView(b.buffer).setUint32(12, 0xfffffff0, true);
    await rejectsWith(openBytes(b), /header length 4294967280 reaches beyond the end of the file/);
  });
  it('header not JSON', async () => {
    const b = Uint8Array.from(good);
    b[HEADER_AT] = 0x5b; // '['
    await rejectsWith(openBytes(b), /header checksum mismatch/);
    await rejectsWith(openBytes(stampHeaderChecksum(b)), /header is not valid UTF-8 JSON/);
  });
  it('offsets out of range, misaligned or overlapping', async () => {
    await rejectsWith(openBytes(withHeader((h) => (h.tensors.at(-1).offset += 1024 * 1024))), /tensor "pooler\.dense\.bias": bytes \[\d+, \d+\) reach beyond the data section/);
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[3].offset += 4))), /embeddings\.LayerNorm\.weight.*not a non-negative multiple of 64/);
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[4].offset = h.tensors[3].offset))), /embeddings\.LayerNorm\.bias.*overlaps the tensor before it/);
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[0].offset = -64))), /not a non-negative multiple/);
  });
  it('shapes that disagree with the config; lengths that disagree with the shape', async () => {
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[5].shape = [4, 16]))), /tensor "encoder\.layer\.0\.attention\.self\.query\.weight": shape \[4,16\] disagrees with the config, which needs \[8,8\]/);
    await rejectsWith(openBytes(withHeader((h) => (h.config.hidden_size = 16))), /shape \[20,8\] disagrees with the config, which needs \[20,16\]/);
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[5].length = 4))), /length 4 bytes, but f32\[8,8\] is 256 bytes/);
  });
  it('missing tensors, extra tensors, out of order', async () => {
    await rejectsWith(openBytes(withHeader((h) => h.tensors.splice(7, 1))), /22 tensors in the table, but a BertModel with 1 layers has 23 \(or 21 without pooler\)/);
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[6].name = 'encoder.layer.0.attention.self.foo'))), /unexpected tensor/);
    await rejectsWith(openBytes(withHeader((h) => ([h.tensors[5], h.tensors[7]] = [h.tensors[7], h.tensors[5]]))), /out of forward order/);
    await rejectsWith(openBytes(withHeader((h) => (h.config.num_hidden_layers = 1e9))), /tensors in the table, but a BertModel with 1000000000 layers/);
  });
  it('unknown dtypes, and int8 reserved', async () => {
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[2].dtype = 'bf16'))), /token_type_embeddings.*unknown dtype "bf16"/);
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[2].dtype = 'i8'))), /"i8".*reserved/);
  });
  it('bad config and tokenizer in the header', async () => {
    await rejectsWith(openBytes(withHeader((h) => (h.config.hidden_act = 'swish'))), /hidden_act/);
    await rejectsWith(openBytes(withHeader((h) => (h.tokenizer.vocab = [1, 2]))), /vocab must be a non-empty list of strings/);
    await rejectsWith(openBytes(withHeader((h) => (h.tokenizer.vocab = Array(21).fill('a')))), /21 tokens but vocab_size is 20/);
    await rejectsWith(openBytes(withHeader((h) => (h.tensors[0].sha256 = 'x'))), /sha256 must be 64 lowercase hex/);
  });
  it('verify() names the tensor whose bytes were changed', async () => {
    const b = Uint8Array.from(good);
    const f0 = await openBytes(good);
    b[f0.tensor('encoder.layer.0.output.dense.bias').offset + 5] ^= 1;
    const f = await openBytes(b);
    await rejectsWith(f.verify(), /tensor "encoder\.layer\.0\.output\.dense\.bias": checksum mismatch/);
  });
  it('readTensorF32/readRange/tensor refuse wrong sizes, ranges and names', async () => {
    const f = await openBytes(good);
    await rejectsWith(f.readTensorF32('pooler.dense.bias', new Float32Array(7)), /destination holds 7 floats, tensor has 8/);
    await rejectsWith(f.readRange(f.size - 4, 8, new Uint8Array(8)), /outside the data section/);
    expect(() => f.tensor('cls.predictions.bias')).toThrow(WeightsError);
  });
  it('a file that is not there', async () => {
    await rejectsWith(open(join(tmp, 'nope.wbin')), /nope\.wbin: no such file/);
  });
});

describe.skipIf(!available('the built CLI (dist/cli/main.js)', existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'npm run build; npm test builds first'))('CLI', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8' });
  it('synth + convert succeed; bad input exits non-zero with the typed error on one line', async () => {
    const dir = join(tmp, 'cli');
    let r = cli('synth', 'synthetic-tiny', dir);
    expect(r.status, r.stderr).toBe(0);
    r = cli('convert', dir, join(dir, 'm.wbin'), '--dtype', 'f16');
    expect(r.status, r.stderr).toBe(0);
    expect((await open(join(dir, 'm.wbin'))).tensors[0].dtype).toBe('f16');
    r = cli('convert', join(tmp, 'no-such-folder'), join(dir, 'x.wbin'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wasmbert: WeightsError: .*no-such-folder.*config\.json: missing\n$/);
    r = cli('convert', dir, join(dir, 'x.wbin'), '--dtype', 'int4');
    expect(r.status).toBe(2);
    r = cli('synth', join(tmp, 'missing.json'), dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/WeightsError: .*missing\.json: not synthetic-tiny, synthetic-base or an existing config\.json/);
  });
});
