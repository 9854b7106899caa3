// Reading ONNX's own operator test vectors (Debian's libonnx-testdata: `apt-get install libonnx-testdata`):
// a minimal protobuf reader for float TensorProtos and a test model's single node. Used by the kernel
// tests as an independent check of the semantics; skipped where the package is absent, except under CI's flags.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ONNX_NODE = '/usr/share/libonnx-testdata/data/node';
export const HAVE_ONNX = existsSync(ONNX_NODE);

/**
 * Whether the ONNX vectors are here. They are an oracle like ../shared, so WASMBERT_REQUIRE_SHARED=1 (set by
 * .ci/run) requires them too: missing, the test file fails instead of skipping.
 */
export function onnxAvailable(): boolean {
  if (HAVE_ONNX) return true;
  if (process.env.WASMBERT_REQUIRE_SHARED === '1') {
    throw new Error(`WASMBERT_REQUIRE_SHARED=1 but ${ONNX_NODE} is missing (apt-get install libonnx-testdata): the ONNX operator vectors cannot run`);
  }
  return false;
}

/** The fields of one protobuf message: [field number, value] (varint → bigint, 32-bit → 4 bytes, bytes). */
export function protoFields(buf: Uint8Array): [number, bigint | Uint8Array][] {
  const out: [number, bigint | Uint8Array][] = [];
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[p++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (p < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    switch (key & 7) {
      case 0: out.push([field, BigInt.asIntN(64, varint())]); break;
      case 1: out.push([field, buf.subarray(p, p + 8)]); p += 8; break;
      case 2: { const n = Number(varint()); out.push([field, buf.subarray(p, p + n)]); p += n; break; }
      case 5: out.push([field, buf.subarray(p, p + 4)]); p += 4; break;
      default: throw new Error(`protobuf: wire type ${key & 7} at byte ${p}`);
    }
  }
  return out;
}

/** A float TensorProto (dims = 1, data_type = 2, float_data = 4 packed, raw_data = 9). */
export function readTensor(file: string): { dims: number[]; data: Float32Array } {
  const dims: number[] = [];
  let data: Float32Array | undefined;
  for (const [f, v] of protoFields(new Uint8Array(readFileSync(file)))) {
    if (f === 1) {
      if (typeof v === 'bigint') dims.push(Number(v));
      else for (const [, d] of protoFields(withKeys(v))) dims.push(Number(d));
    } else if (f === 2 && v !== 1n) throw new Error(`${file}: not a float tensor (data_type ${v})`);
    else if ((f === 9 || f === 4) && v instanceof Uint8Array) data = new Float32Array(v.slice().buffer);
  }
  const count = dims.reduce((a, d) => a * d, 1);
  if (!data || data.length !== count) throw new Error(`${file}: expected ${count} floats, read ${data?.length ?? 0}`);
  return { dims, data };
}
/** Packed repeated varints have no keys: give each one the key of field 1 so protoFields can read them. */
function withKeys(packed: Uint8Array): Uint8Array {
  const out: number[] = [];
  let start = true;
  for (const b of packed) {
    if (start) out.push(0x08);
    out.push(b);
    start = b < 0x80;
  }
  return new Uint8Array(out);
}

/** The single node of a test model: its attributes (ints and floats) and the default-domain opset. */
export function readNode(dir: string): { opset: number; attrs: Map<string, number> } {
  const attrs = new Map<string, number>();
  let opset = 0;
  for (const [f, v] of protoFields(new Uint8Array(readFileSync(join(dir, 'model.onnx'))))) {
    if (f === 8 && v instanceof Uint8Array) {
      let domain = '';
      let version = 0;
      for (const [g, w] of protoFields(v)) {
        if (g === 1 && w instanceof Uint8Array) domain = new TextDecoder().decode(w);
        if (g === 2) version = Number(w);
      }
      if (domain === '' || domain === 'ai.onnx') opset = version;
    }
    if (f !== 7 || !(v instanceof Uint8Array)) continue;
    for (const [g, node] of protoFields(v)) {
      if (g !== 1 || !(node instanceof Uint8Array)) continue;
      for (const [h, attr] of protoFields(node)) {
        if (h !== 5 || !(attr instanceof Uint8Array)) continue;
        let name = '';
        let value = NaN;
        for (const [a, av] of protoFields(attr)) {
          if (a === 1 && av instanceof Uint8Array) name = new TextDecoder().decode(av);
          if (a === 2 && av instanceof Uint8Array) value = new DataView(av.buffer, av.byteOffset, 4).getFloat32(0, true);
          if (a === 3 && typeof av === 'bigint') value = Number(av);
        }
        attrs.set(name, value);
      }
    }
  }
  return { opset, attrs };
}
