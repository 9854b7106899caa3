// The .wbin weights file (weights/FORMAT.md): a preamble (32 bytes in v1; 64 in v2, whose last 32 are the
// sha256 of the preamble's first 32 bytes and the header), a JSON header (config, tokenizer, tensor table), then every tensor 64-byte aligned, little-endian, in forward-pass order, so that each
// layer is one contiguous byte range that a streaming loader fetches with one read.
//
// openWbin reads the preamble and the header only, and checks every size, offset and shape against the
// file's real size and the config before anyone allocates from them. Browsers load this module: node:
// modules are only reached through dynamic imports (in writeWbin).
import { ModelError, WeightsError } from '../errors.js';
import { parseBertConfig, type BertConfig } from '../models/bert/config.js';
import { BERT } from '../models/bert/spec.js';
import { locate, specTensors, tensorCount as specTensorCount, type Sizes } from '../models/spec.js';
import { decodeF16Bytes } from './f16.js';
import { sha256, toHex } from './sha256.js';
import type { WeightSource } from './source.js';

export const WBIN_MAGIC = new Uint8Array([0x57, 0x42, 0x49, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a]); // "WBIN\r\n\x1a\n"
/** The version writeWbin writes. Readers read every version in WBIN_READS. */
export const WBIN_VERSION = 2;
/** 1: no header checksum; 2: the preamble ends with the sha256 of preamble[0, 32) + header. */
export const WBIN_READS: readonly number[] = [1, 2];
export const WBIN_ALIGN = 64;
/** The fixed fields every version starts with (magic, version, header length, data offset, data length). */
export const PREAMBLE_BYTES = 32;
/** Where the header starts: after the fixed fields (v1), or after them and the header checksum (v2 on). */
export const preambleBytes = (version: number): number => (version >= 2 ? PREAMBLE_BYTES + 32 : PREAMBLE_BYTES);
/** A header bigger than this is refused before it is read (a 250k-token vocab is ~5 MB of JSON). */
export const MAX_HEADER_BYTES = 64 << 20;

export type WbinDtype = 'f32' | 'f16';
export const DTYPE_BYTES: Readonly<Record<WbinDtype, number>> = { f32: 4, f16: 2 };

export interface TensorEntry {
  name: string;
  dtype: WbinDtype;
  shape: number[];
  /** absolute byte offset in the file (a multiple of 64) */
  offset: number;
  byteLength: number;
  /** sha256 of the stored bytes, lowercase hex */
  checksum: string;
}

export interface TensorGroup {
  name: string; // 'embeddings' | `layer.${n}` | 'pooler'
  offset: number;
  length: number;
  tensors: TensorEntry[];
}

export interface WbinTokenizer {
  vocab: string[];
  /** TokenizerOptions: doLowerCase, stripAccents, tokenizeChineseChars, unkToken, ..., modelMaxLength */
  options: Record<string, unknown>;
}

/** Tensors a BertModel with this config has, canonical names (no `bert.` prefix), in forward order: BERT's spec. */
export function canonicalTensors(c: BertConfig, withPooler = true): { name: string; shape: number[]; group: string }[] {
  return specTensors(BERT, c as unknown as Sizes, withPooler).map(({ name, shape, group }) => ({ name, shape, group }));
}

export const tensorCount = (c: BertConfig, withPooler: boolean): number => specTensorCount(BERT, c as unknown as Sizes, withPooler);

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const align = (n: number) => Math.ceil(n / WBIN_ALIGN) * WBIN_ALIGN;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class WbinFile {
  readonly hasPooler: boolean;
  readonly groups: TensorGroup[];
  private readonly byName: Map<string, TensorEntry>;

  constructor(
    readonly source: WeightSource,
    readonly version: number,
    readonly config: BertConfig,
    readonly tokenizer: WbinTokenizer,
    readonly tensors: TensorEntry[],
    /** free-form: where the weights came from, what the converter skipped */
    readonly metadata: Record<string, unknown>,
    /** absolute offset of the data section; tensor offsets are absolute */
    readonly dataOffset: number,
    /** file size in bytes */
    readonly size: number,
  ) {
    this.byName = new Map(tensors.map((t) => [t.name, t]));
    const groups = new Map<string, TensorGroup>();
    for (const t of tensors) {
      // openWbin checked every name against the spec, so each one has its group
      const at = locate(BERT, t.name);
      const g = at?.group.repeat ? `${at.group.kind}.${at.layer}` : (at?.group.kind ?? 'unknown');
      const cur = groups.get(g);
      if (cur) {
        cur.tensors.push(t);
        cur.length = t.offset + t.byteLength - cur.offset;
      } else groups.set(g, { name: g, offset: t.offset, length: t.byteLength, tensors: [t] });
    }
    this.groups = [...groups.values()];
    this.hasPooler = groups.has('pooler');
  }

  /** The entry of tensor `name` (WeightsError when the file has none). */
  tensor(name: string): TensorEntry {
    const t = this.byName.get(name);
    if (!t) throw new WeightsError('no such tensor in this file', { file: this.source.name, tensor: name });
    return t;
  }

  /** The byte range of `embeddings`, `layer.N` or `pooler`. */
  group(name: string): TensorGroup {
    const g = this.groups.find((x) => x.name === name);
    if (!g) throw new WeightsError(`no group "${name}" in this file`, { file: this.source.name });
    return g;
  }

  /** Raw bytes [offset, offset+length) of the data section into dest (e.g. one layer's group). */
  async readRange(offset: number, length: number, dest: Uint8Array): Promise<void> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || length < 0 || offset < this.dataOffset || offset + length > this.size) {
      throw new WeightsError(`range [${offset}, ${offset + length}) is outside the data section [${this.dataOffset}, ${this.size})`, { file: this.source.name });
    }
    await this.source.read(offset, length, dest);
  }

  /** Reads tensor `name` as float32 into dest (dest.length must be the tensor's element count). f32 is read in place. */
  async readTensorF32(name: string, dest: Float32Array): Promise<void> {
    const t = this.tensor(name);
    const n = numel(t.shape);
    if (dest.length !== n) throw new WeightsError(`destination holds ${dest.length} floats, tensor has ${n}`, { file: this.source.name, tensor: name });
    if (t.dtype === 'f32' && LITTLE_ENDIAN) {
      await this.source.read(t.offset, t.byteLength, new Uint8Array(dest.buffer, dest.byteOffset, t.byteLength));
      return;
    }
    // f16: in chunks, so a 23M-element word embedding needs 2 MiB of scratch, not 47 MB
    const bpe = DTYPE_BYTES[t.dtype];
    const chunk = 1 << 20;
    const scratch = new Uint8Array(Math.min(n, chunk) * bpe);
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      await this.source.read(t.offset + i * bpe, m * bpe, scratch);
      this.decodeInto({ name: t.name, dtype: t.dtype, byteLength: m * bpe }, scratch, dest.subarray(i, i + m));
    }
  }

  /** Decodes one tensor's stored bytes (e.g. a slice of a layer read with readRange) into float32. */
  decodeInto(entry: DecodeEntry, bytes: Uint8Array, dest: Float32Array): void {
    decodeInto(entry, bytes, dest, this.source.name);
  }

  /**
   * Checks the sha256 of the stored bytes of `names` (default: every tensor). Reads each tensor once, into
   * one buffer the size of the largest; `onProgress` hears about every 10% of the bytes.
   */
  async verify(names: string[] = this.tensors.map((t) => t.name), onProgress?: (message: string) => void): Promise<{ bytes: number; ms: number }> {
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) throw new WeightsError('no WebCrypto (crypto.subtle) in this runtime to verify checksums', { file: this.source.name });
    const entries = names.map((n) => this.tensor(n));
    const total = entries.reduce((n, t) => n + t.byteLength, 0);
    const buf = new Uint8Array(Math.max(0, ...entries.map((t) => t.byteLength)));
    const t0 = performance.now();
    let done = 0;
    let said = 0;
    for (const t of entries) {
      const bytes = buf.subarray(0, t.byteLength);
      await this.source.read(t.offset, t.byteLength, bytes);
      const hex = toHex(new Uint8Array(await subtle.digest('SHA-256', bytes)));
      if (hex !== t.checksum) throw new WeightsError(`checksum mismatch: the stored bytes hash to ${hex}, the table says ${t.checksum}`, { file: this.source.name, tensor: t.name });
      done += t.byteLength;
      if (onProgress && (done - said >= total / 10 || done === total)) {
        said = done;
        onProgress(`verified ${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`);
      }
    }
    return { bytes: done, ms: performance.now() - t0 };
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }
}

/** Decodes stored f32/f16 bytes into float32: dest.length must be byteLength / bytes-per-element. */
/** What decodeInto needs of an entry (a whole tensor's, or a slice of it with its own byteLength). */
export type DecodeEntry = Pick<TensorEntry, 'name' | 'dtype' | 'byteLength'> & { shape?: readonly number[]; offset?: number; checksum?: string };

export function decodeInto(entry: DecodeEntry, bytes: Uint8Array, dest: Float32Array, file?: string): void {
  const bpe = DTYPE_BYTES[entry.dtype];
  if (!bpe) throw new WeightsError(`unknown dtype ${JSON.stringify(entry.dtype)}`, { file, tensor: entry.name });
  const n = entry.byteLength / bpe;
  if (dest.length !== n || bytes.length < entry.byteLength) {
    throw new WeightsError(`decode of ${entry.byteLength} bytes (${n} ${entry.dtype}) from ${bytes.length} bytes into ${dest.length} floats`, { file, tensor: entry.name });
  }
  if (entry.dtype === 'f16') decodeF16Bytes(bytes, dest);
  else if (LITTLE_ENDIAN) new Uint8Array(dest.buffer, dest.byteOffset, entry.byteLength).set(bytes.subarray(0, entry.byteLength));
  else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, entry.byteLength);
    for (let i = 0; i < n; i++) dest[i] = dv.getFloat32(4 * i, true);
  }
}

/** Parses and checks a .wbin's preamble and header; reads no tensor data. */
export async function openWbin(source: WeightSource): Promise<WbinFile> {
  const file = source.name;
  const fail = (msg: string, tensor?: string, cause?: unknown): never => {
    throw new WeightsError(msg, { file, tensor, cause });
  };
  const size = await source.size();
  if (!Number.isSafeInteger(size) || size < PREAMBLE_BYTES) fail(`${size} bytes: truncated (a .wbin starts with a ${PREAMBLE_BYTES}-byte preamble)`);
  const pre = new Uint8Array(PREAMBLE_BYTES);
  await source.read(0, PREAMBLE_BYTES, pre);
  if (!WBIN_MAGIC.every((b, i) => pre[i] === b)) {
    const text = new TextDecoder().decode(pre.subarray(0, 4));
    fail(`wrong magic ${JSON.stringify(text)}: not a .wbin file${pre[0] > 0 && pre[0] < 0x80 && new DataView(pre.buffer).getBigUint64(0, true) < BigInt(size) ? ' (it may be a safetensors file: convert it with `wasmbert convert`)' : ''}`);
  }
  const dv = new DataView(pre.buffer);
  const version = dv.getUint32(8, true);
  if (!WBIN_READS.includes(version)) fail(`unsupported version ${version} (this reader reads versions ${WBIN_READS.join(', ')}${version > WBIN_VERSION ? ': upgrade wasmbert' : ''})`);
  const headerAt = preambleBytes(version);
  const headerLen = dv.getUint32(12, true);
  const dataOffset64 = dv.getBigUint64(16, true);
  const dataLength64 = dv.getBigUint64(24, true);
  if (headerAt + headerLen > size) fail(`header length ${headerLen} reaches beyond the end of the file (${size} bytes): truncated`);
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (dataOffset64 !== BigInt(align(headerAt + headerLen))) fail(`data offset ${dataOffset64} is not the header's end rounded up to ${WBIN_ALIGN} (${align(headerAt + headerLen)})`);
  const dataOffset = Number(dataOffset64);
  if (dataOffset64 + dataLength64 !== BigInt(size)) {
    fail(dataOffset64 + dataLength64 > BigInt(size)
      ? `truncated: the header says ${dataOffset64 + dataLength64} bytes, the file has ${size}`
      : `${BigInt(size) - dataOffset64 - dataLength64} unexpected bytes after the data (the header says ${dataOffset64 + dataLength64} bytes, the file has ${size})`);
  }
  const dataLength = Number(dataLength64);

  let hb: Uint8Array;
  if (version >= 2) {
    // checksum, header and padding in one read: any flipped byte before the data is caught here
    const rest = new Uint8Array(dataOffset - PREAMBLE_BYTES);
    await source.read(PREAMBLE_BYTES, rest.length, rest);
    const stored = rest.subarray(0, 32);
    hb = rest.subarray(32, 32 + headerLen);
    const got = await headerChecksum(pre, hb);
    if (!got.every((b, i) => b === stored[i])) {
      fail(`header checksum mismatch (stored ${toHex(stored)}, the preamble and header hash to ${toHex(got)}): bytes [0, ${headerAt + headerLen}) are corrupted`);
    }
    if (rest.subarray(32 + headerLen).some((b) => b !== 0)) fail(`padding between the header and the data (bytes [${headerAt + headerLen}, ${dataOffset})) is not zero: corrupted`);
  } else {
    hb = new Uint8Array(headerLen);
    await source.read(PREAMBLE_BYTES, headerLen, hb);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(hb));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON: ${(err as Error).message}`, undefined, err);
  }
  if (!isObj(header)) return fail('header is not a JSON object');
  if (header.format !== 'wasmbert-wbin') fail(`header "format" is ${JSON.stringify(header.format)}, expected "wasmbert-wbin"`);
  if (header.version !== version) fail(`header "version" ${JSON.stringify(header.version)} disagrees with the preamble's ${version}`);

  let config: BertConfig;
  try {
    config = parseBertConfig(header.config, 'header "config"');
  } catch (err) {
    if (err instanceof ModelError) return fail(err.message, undefined, err);
    throw err;
  }

  const tok = header.tokenizer;
  if (!isObj(tok) || !Array.isArray(tok.vocab) || !isObj(tok.options)) return fail('header "tokenizer" must be {vocab: string[], options: {...}}');
  const vocab = tok.vocab as unknown[];
  if (vocab.length === 0 || !vocab.every((v) => typeof v === 'string')) fail('tokenizer vocab must be a non-empty list of strings');
  if (vocab.length > config.vocab_size) fail(`tokenizer has ${vocab.length} tokens but vocab_size is ${config.vocab_size}: ids past the embedding table`);

  const table = header.tensors;
  if (!Array.isArray(table)) return fail('header "tensors" must be a list');
  // Count first: a config claiming 10^9 layers must not make us build 10^9 expected names.
  const withPooler = table.length === tensorCount(config, true);
  if (!withPooler && table.length !== tensorCount(config, false)) {
    fail(`${table.length} tensors in the table, but a BertModel with ${config.num_hidden_layers} layers has ${tensorCount(config, true)} (or ${tensorCount(config, false)} without pooler)`);
  }
  const expected = canonicalTensors(config, withPooler);
  const tensors: TensorEntry[] = [];
  let end = 0;
  for (let i = 0; i < table.length; i++) {
    const raw = table[i] as unknown;
    const want = expected[i];
    if (!isObj(raw)) return fail(`tensor table entry ${i} is not an object`);
    const name = raw.name;
    if (typeof name !== 'string') return fail(`tensor table entry ${i} has no name`);
    if (name !== want.name) {
      const known = expected.some((e) => e.name === name);
      fail(known ? `out of forward order: entry ${i} should be "${want.name}"` : `unexpected tensor (entry ${i} should be "${want.name}")`, name);
    }
    const dtype = raw.dtype;
    if (dtype !== 'f32' && dtype !== 'f16') {
      fail(dtype === 'i8' ? 'dtype "i8" (int8 with scales) is reserved in the format but not supported by this reader' : `unknown dtype ${JSON.stringify(dtype)} (f32 or f16)`, name);
    }
    const shape = raw.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`, name);
    if (!sameShape(shape, want.shape)) fail(`shape ${JSON.stringify(shape)} disagrees with the config, which needs ${JSON.stringify(want.shape)}`, name);
    const offset = raw.offset;
    const length = raw.length;
    if (!Number.isSafeInteger(offset) || (offset as number) < 0 || (offset as number) % WBIN_ALIGN) fail(`offset ${JSON.stringify(offset)} is not a non-negative multiple of ${WBIN_ALIGN}`, name);
    const bytes = numel(shape) * DTYPE_BYTES[dtype as WbinDtype];
    if (length !== bytes) fail(`length ${JSON.stringify(length)} bytes, but ${dtype}${JSON.stringify(shape)} is ${bytes} bytes`, name);
    if ((offset as number) < end) fail(`offset ${offset} overlaps the tensor before it (which ends at ${end})`, name);
    if ((offset as number) + bytes > dataLength) fail(`bytes [${offset}, ${(offset as number) + bytes}) reach beyond the data section (${dataLength} bytes)`, name);
    if (typeof raw.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(raw.sha256)) fail('sha256 must be 64 lowercase hex digits', name);
    end = (offset as number) + bytes;
    tensors.push({ name, dtype: dtype as WbinDtype, shape: shape as number[], offset: dataOffset + (offset as number), byteLength: bytes, checksum: raw.sha256 as string });
  }
  const metadata = isObj(header.metadata) ? header.metadata : {};
  return new WbinFile(source, version, config, { vocab: vocab as string[], options: tok.options as Record<string, unknown> }, tensors, metadata, dataOffset, size);
}

// ------------------------------------------------------------------------------------------- writer

export interface WbinTensorInput {
  name: string;
  dtype: WbinDtype;
  shape: number[];
  /** the stored bytes (already encoded in `dtype`), asked for one tensor at a time while writing */
  bytes: () => Promise<Uint8Array> | Uint8Array;
}

export interface WbinWriteSpec {
  config: BertConfig;
  tokenizer: WbinTokenizer;
  /** any order: written in forward order */
  tensors: WbinTensorInput[];
  metadata?: Record<string, unknown>;
}

/**
 * sha256(preamble[0, 32) ‖ header JSON): WebCrypto where there is one, the synchronous JS implementation
 * elsewhere (a page outside a secure context has no crypto.subtle).
 */
export async function headerChecksum(preamble: Uint8Array, header: Uint8Array): Promise<Uint8Array> {
  const fixed = preamble.subarray(0, PREAMBLE_BYTES);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return sha256(fixed, header);
  const both = new Uint8Array(fixed.length + header.length);
  both.set(fixed, 0);
  both.set(header, fixed.length);
  return new Uint8Array(await subtle.digest('SHA-256', both));
}

/**
 * Recomputes, in place, the header checksum of a whole v2 file in memory whose preamble or header was
 * edited (tools and tests that build files by hand); returns the same bytes. Synchronous (JS sha256).
 */
export function stampHeaderChecksum(file: Uint8Array): Uint8Array {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const at = preambleBytes(dv.getUint32(8, true));
  if (at === PREAMBLE_BYTES) return file; // v1: no checksum
  const n = dv.getUint32(12, true);
  file.set(sha256(file.subarray(0, PREAMBLE_BYTES), file.subarray(at, at + n)), PREAMBLE_BYTES);
  return file;
}

/** The preamble + header bytes for a table (offsets relative to the data section), version WBIN_VERSION. */
async function headerBytes(spec: WbinWriteSpec, table: object[], dataLength: number): Promise<{ bytes: Uint8Array; dataOffset: number }> {
  const json = new TextEncoder().encode(
    JSON.stringify({ format: 'wasmbert-wbin', version: WBIN_VERSION, config: spec.config, tokenizer: spec.tokenizer, tensors: table, metadata: spec.metadata ?? {} }),
  );
  const at = preambleBytes(WBIN_VERSION);
  const dataOffset = align(at + json.length);
  const bytes = new Uint8Array(dataOffset); // zero padding up to the data
  bytes.set(WBIN_MAGIC, 0);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(8, WBIN_VERSION, true);
  dv.setUint32(12, json.length, true);
  dv.setBigUint64(16, BigInt(dataOffset), true);
  dv.setBigUint64(24, BigInt(dataLength), true);
  bytes.set(json, at);
  bytes.set(await headerChecksum(bytes, json), PREAMBLE_BYTES);
  return { bytes, dataOffset };
}

/**
 * Writes a .wbin atomically: a temporary file beside `path`, renamed over it once complete, so a crash or
 * an error never leaves a half-written file under the final name. Node only.
 */
export async function writeWbin(path: string, spec: WbinWriteSpec, opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<{ bytes: number; tensors: TensorEntry[] }> {
  const fs = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const fail = (msg: string, tensor?: string): never => {
    throw new WeightsError(msg, { file: path, tensor });
  };
  // the pooler is BERT's one optional group: written when any of its tensors is given
  const withPooler = spec.tensors.some((t) => locate(BERT, t.name)?.group.optional === true);
  const expected = canonicalTensors(spec.config, withPooler);
  const given = new Map(spec.tensors.map((t) => [t.name, t]));
  if (given.size !== spec.tensors.length) fail('duplicate tensor names');
  for (const t of spec.tensors) if (!expected.some((e) => e.name === t.name)) fail('not a BertModel tensor', t.name);
  const ordered = expected.map((e) => {
    const t = given.get(e.name) ?? fail(`missing (a BertModel with ${spec.config.num_hidden_layers} layers needs it)`, e.name);
    if (!sameShape(t.shape, e.shape)) fail(`shape ${JSON.stringify(t.shape)} disagrees with the config, which needs ${JSON.stringify(e.shape)}`, e.name);
    if (!(t.dtype in DTYPE_BYTES)) fail(`unknown dtype ${JSON.stringify(t.dtype)}`, e.name);
    return t;
  });
  if (spec.tokenizer.vocab.length > spec.config.vocab_size) fail(`tokenizer has ${spec.tokenizer.vocab.length} tokens but vocab_size is ${spec.config.vocab_size}`);

  let pos = 0;
  const table = ordered.map((t) => {
    const length = numel(t.shape) * DTYPE_BYTES[t.dtype];
    const entry = { name: t.name, dtype: t.dtype, shape: t.shape, offset: pos, length, sha256: '0'.repeat(64) };
    pos = align(pos + length);
    return entry;
  });
  const last = table[table.length - 1];
  const dataLength = last.offset + last.length;
  const { bytes: placeholder, dataOffset } = await headerBytes(spec, table, dataLength);

  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await fs.open(tmp, 'w');
  try {
    let done = 0;
    for (let i = 0; i < ordered.length; i++) {
      const data = await ordered[i].bytes();
      if (data.length !== table[i].length) fail(`${data.length} bytes given, ${table[i].length} expected`, table[i].name);
      table[i].sha256 = createHash('sha256').update(data).digest('hex');
      await fh.write(data, 0, data.length, dataOffset + table[i].offset);
      done += data.length;
      opts.onProgress?.(done, dataLength);
    }
    // Checksums are fixed-length hex, so the final header has the placeholder's exact length.
    const { bytes: header } = await headerBytes(spec, table, dataLength);
    if (header.length !== placeholder.length) fail('internal: header length changed');
    await fh.write(header, 0, header.length, 0);
    await fh.truncate(dataOffset + dataLength);
    await fh.close();
    await fs.rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => {});
    await fs.unlink(tmp).catch(() => {});
    if (err instanceof WeightsError) throw err;
    throw new WeightsError(`cannot write: ${(err as Error).message}`, { file: path, cause: err });
  }
  return { bytes: dataOffset + dataLength, tensors: table.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, offset: dataOffset + t.offset, byteLength: t.length, checksum: t.sha256 })) };
}
