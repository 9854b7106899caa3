// safetensors (https://github.com/huggingface/safetensors), read and written in plain TypeScript:
// 8 bytes little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}}, then the
// data. Reading goes through a WeightSource, so a tensor's bytes are fetched only when asked for, and
// nothing is allocated from a size the file claims before that size is checked against the real one.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { WeightsError } from '../errors.js';
import { decodeBf16Bytes, decodeF16Bytes } from './f16.js';
import type { WeightSource } from './source.js';
import { fileSource } from './source-node.js';

/** Bytes per element of the dtypes safetensors defines. */
export const ST_DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

/** The safetensors spec caps the header at 100 MB; so do we, before allocating anything for it. */
const MAX_HEADER = 100_000_000;

export interface StTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** absolute byte offset in the file */
  offset: number;
  byteLength: number;
}

export interface SafetensorsFile {
  source: WeightSource;
  metadata: Record<string, string>;
  /** in file order */
  tensors: Map<string, StTensor>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parses the header of a safetensors file (reads 8 + N bytes, nothing else). */
export async function openSafetensors(source: WeightSource): Promise<SafetensorsFile> {
  const file = source.name;
  const size = await source.size();
  if (size < 8) throw new WeightsError(`${size} bytes: too short for a safetensors file (header length missing)`, { file });
  const lenBytes = new Uint8Array(8);
  await source.read(0, 8, lenBytes);
  const n64 = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (n64 > BigInt(size - 8)) throw new WeightsError(`header length ${n64} is beyond the end of the file (${size} bytes): truncated or not safetensors`, { file });
  const n = Number(n64);
  if (n > MAX_HEADER) throw new WeightsError(`header length ${n} exceeds safetensors' 100 MB limit`, { file });
  if (n < 2) throw new WeightsError(`header length ${n} is too short for a JSON object`, { file });
  const hb = new Uint8Array(n);
  await source.read(8, n, hb);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(hb));
  } catch (err) {
    throw new WeightsError(`header is not valid UTF-8 JSON: ${(err as Error).message}`, { file, cause: err });
  }
  if (!isObj(header)) throw new WeightsError('header is not a JSON object', { file });
  const dataStart = 8 + n;
  const dataSize = size - dataStart;
  const tensors = new Map<string, StTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObj(raw)) throw new WeightsError('__metadata__ is not an object', { file });
      metadata = raw as Record<string, string>;
      continue;
    }
    if (!isObj(raw)) throw new WeightsError('entry is not an object', { file, tensor: name });
    const { dtype, shape, data_offsets: off } = raw;
    if (typeof dtype !== 'string' || !(dtype in ST_DTYPE_BYTES)) throw new WeightsError(`unknown dtype ${JSON.stringify(dtype)}`, { file, tensor: name });
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new WeightsError(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`, { file, tensor: name });
    }
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      throw new WeightsError(`data_offsets ${JSON.stringify(off)} is not [begin, end]`, { file, tensor: name });
    }
    if (off[1] > dataSize) throw new WeightsError(`data_offsets ${JSON.stringify(off)} reach beyond the data (${dataSize} bytes): truncated file?`, { file, tensor: name });
    const expect = numel(shape) * ST_DTYPE_BYTES[dtype];
    if (off[1] - off[0] !== expect) {
      throw new WeightsError(`data_offsets ${JSON.stringify(off)} span ${off[1] - off[0]} bytes, but ${dtype}${JSON.stringify(shape)} needs ${expect}`, { file, tensor: name });
    }
    tensors.set(name, { name, dtype, shape: shape as number[], offset: dataStart + off[0], byteLength: expect });
  }
  const sorted = [...tensors.values()].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (b.offset < a.offset + a.byteLength) throw new WeightsError(`bytes overlap those of "${a.name}"`, { file, tensor: b.name });
  }
  return { source, metadata, tensors: new Map(sorted.map((t) => [t.name, t])) };
}

/** Decodes little-endian F32/F16/BF16/F64 bytes into float32 (F64 rounds). */
export function decodeToF32(dtype: string, bytes: Uint8Array, dest: Float32Array, where: { file?: string; tensor?: string } = {}): void {
  const n = dest.length;
  switch (dtype) {
    case 'F32':
      new Uint8Array(dest.buffer, dest.byteOffset, n * 4).set(bytes.subarray(0, n * 4));
      return;
    case 'F16':
      decodeF16Bytes(bytes, dest);
      return;
    case 'BF16':
      decodeBf16Bytes(bytes, dest);
      return;
    case 'F64': {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 8);
      for (let i = 0; i < n; i++) dest[i] = dv.getFloat64(8 * i, true);
      return;
    }
    default:
      throw new WeightsError(`dtype ${dtype} is not a floating-point type (F32, F16, BF16 or F64 expected)`, where);
  }
}

/** Reads one tensor as float32. */
export async function readTensorF32(st: SafetensorsFile, name: string, dest?: Float32Array): Promise<Float32Array> {
  const t = st.tensors.get(name);
  if (!t) throw new WeightsError('no such tensor', { file: st.source.name, tensor: name });
  const out = dest ?? new Float32Array(numel(t.shape));
  if (out.length !== numel(t.shape)) throw new WeightsError(`destination holds ${out.length} floats, tensor has ${numel(t.shape)}`, { file: st.source.name, tensor: name });
  if (t.dtype === 'F32') {
    await st.source.read(t.offset, t.byteLength, new Uint8Array(out.buffer, out.byteOffset, t.byteLength));
    return out;
  }
  const bytes = new Uint8Array(t.byteLength);
  await st.source.read(t.offset, t.byteLength, bytes);
  decodeToF32(t.dtype, bytes, out, { file: st.source.name, tensor: name });
  return out;
}

export interface LoadedTensor {
  dtype: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/**
 * Reads a whole safetensors file: float tensors as Float32Array, I32 (and I64 within int32's range) as
 * Int32Array. For goldens and tests; the converter streams tensor by tensor instead.
 */
export async function readSafetensors(path: string): Promise<Map<string, LoadedTensor>> {
  const src = fileSource(path);
  try {
    const st = await openSafetensors(src);
    const out = new Map<string, LoadedTensor>();
    for (const t of st.tensors.values()) {
      const n = numel(t.shape);
      if (t.dtype === 'I32' || t.dtype === 'I64') {
        const bytes = new Uint8Array(t.byteLength);
        await src.read(t.offset, t.byteLength, bytes);
        const dv = new DataView(bytes.buffer);
        const data = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          if (t.dtype === 'I32') data[i] = dv.getInt32(4 * i, true);
          else {
            const v = dv.getBigInt64(8 * i, true);
            if (v < -0x80000000n || v > 0x7fffffffn) throw new WeightsError(`I64 value ${v} at ${i} does not fit int32`, { file: path, tensor: t.name });
            data[i] = Number(v);
          }
        }
        out.set(t.name, { dtype: t.dtype, shape: t.shape, data });
      } else {
        out.set(t.name, { dtype: t.dtype, shape: t.shape, data: await readTensorF32(st, t.name) });
      }
    }
    return out;
  } finally {
    await src.close?.();
  }
}

export interface TensorToWrite {
  name: string;
  dtype: 'F32' | 'I32';
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

/** The header bytes of a safetensors file holding `tensors` in this order (spaces pad 8 + N to a multiple of 8). */
export function safetensorsHeader(tensors: readonly { name: string; dtype: string; shape: readonly number[] }[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  let pos = 0;
  const parts = [`"__metadata__":${JSON.stringify(metadata)}`];
  for (const t of tensors) {
    const len = numel(t.shape) * ST_DTYPE_BYTES[t.dtype];
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${pos},${pos + len}]}`);
    pos += len;
  }
  let json = `{${parts.join(',')}}`;
  const bytes = new TextEncoder().encode(json);
  const pad = (8 - ((8 + bytes.length) % 8)) % 8;
  json += ' '.repeat(pad);
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return out;
}

/** Writes tensors as one safetensors file with `{"format":"pt"}` metadata (temp file, then rename). */
export async function writeSafetensors(path: string, tensors: readonly TensorToWrite[]): Promise<void> {
  for (const t of tensors) {
    if (t.data.length !== numel(t.shape)) throw new WeightsError(`data has ${t.data.length} values, shape ${JSON.stringify(t.shape)} needs ${numel(t.shape)}`, { file: path, tensor: t.name });
    if ((t.dtype === 'F32') !== t.data instanceof Float32Array) throw new WeightsError(`dtype ${t.dtype} does not match ${t.data.constructor.name}`, { file: path, tensor: t.name });
  }
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(safetensorsHeader(tensors));
    for (const t of tensors) await fh.write(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw new WeightsError(`cannot write: ${(err as Error).message}`, { file: path, cause: err });
  }
}

/** A checkpoint's tensors across one model.safetensors or the shards its index names. */
export interface CheckpointTensors {
  /** name → the tensor and the shard it lives in */
  tensors: Map<string, StTensor & { file: SafetensorsFile }>;
  files: string[];
  close(): Promise<void>;
}

/** Opens `model.safetensors`, or `model.safetensors.index.json` and every shard it names. */
export async function openCheckpointTensors(folder: string): Promise<CheckpointTensors> {
  const single = join(folder, 'model.safetensors');
  const indexPath = join(folder, 'model.safetensors.index.json');
  let shardNames: string[];
  let weightMap: Record<string, string> | undefined;
  const exists = async (p: string) => open(p, 'r').then((fh) => fh.close().then(() => true), () => false);
  if (await exists(indexPath)) {
    let index: unknown;
    try {
      index = JSON.parse(await readFile(indexPath, 'utf8'));
    } catch (err) {
      throw new WeightsError(`not valid JSON: ${(err as Error).message}`, { file: indexPath, cause: err });
    }
    const wm = isObj(index) ? index.weight_map : undefined;
    if (!isObj(wm) || !Object.values(wm).every((v) => typeof v === 'string')) throw new WeightsError('"weight_map" must map tensor names to shard file names', { file: indexPath });
    weightMap = wm as Record<string, string>;
    shardNames = [...new Set(Object.values(weightMap))].sort();
    for (const s of shardNames) {
      if (s.includes('/') || s.includes('\\') || s.startsWith('.')) throw new WeightsError(`shard name ${JSON.stringify(s)} is not a plain file name`, { file: indexPath });
    }
  } else if (await exists(single)) {
    shardNames = ['model.safetensors'];
  } else {
    const hasBin = await exists(join(folder, 'pytorch_model.bin'));
    throw new WeightsError(
      hasBin
        ? 'only pytorch_model.bin here: wasmbert reads safetensors (convert it with transformers: model.save_pretrained(folder, safe_serialization=True))'
        : 'no model.safetensors or model.safetensors.index.json',
      { file: folder },
    );
  }
  const sources: WeightSource[] = [];
  const tensors = new Map<string, StTensor & { file: SafetensorsFile }>();
  try {
    for (const s of shardNames) {
      const src = fileSource(join(folder, s));
      sources.push(src);
      const st = await openSafetensors(src);
      for (const t of st.tensors.values()) {
        if (weightMap && weightMap[t.name] !== s) {
          if (weightMap[t.name] === undefined) throw new WeightsError(`tensor is in shard ${s} but not in the index`, { file: indexPath, tensor: t.name });
          continue; // the index says another shard holds it: the index wins
        }
        if (tensors.has(t.name)) throw new WeightsError(`tensor appears in two shards`, { file: src.name, tensor: t.name });
        tensors.set(t.name, { ...t, file: st });
      }
    }
    if (weightMap) {
      for (const [name, shard] of Object.entries(weightMap)) {
        if (!tensors.has(name)) throw new WeightsError(`the index puts this tensor in ${shard}, which does not hold it`, { file: indexPath, tensor: name });
      }
    }
  } catch (err) {
    await Promise.all(sources.map((s) => s.close?.()));
    throw err;
  }
  return { tensors, files: shardNames.map((s) => join(folder, s)), close: async () => void (await Promise.all(sources.map((s) => s.close?.()))) };
}
