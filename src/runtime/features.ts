// WebAssembly feature probes: tiny hand-assembled modules that WebAssembly.validate accepts only when
// the engine supports the feature (the technique of wasm-feature-detect).

// (func (result v128) i32.const 0  i8x16.splat  i8x16.popcnt)  — any SIMD128 op will do
const SIMD = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);
// (func (result v128) v128.const 0 ×3, f32x4.relaxed_madd) — the exact relaxed op the GEMM uses (0xfd 0x105)
const RELAXED_MADD = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 133, 2, 11,
]);
// (memory 1 1 shared) — a shared memory declaration
const SHARED_MEMORY = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 3, 1, 1]);

export interface WasmFeatures {
  simd: boolean;
  relaxedSimd: boolean;
  /** Shared memory validates AND SharedArrayBuffer is usable here (a browser page must be cross-origin isolated). */
  threads: boolean;
}

function validate(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

export function probeFeatures(): WasmFeatures {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  const sab = typeof g.SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false;
  return {
    simd: validate(SIMD),
    relaxedSimd: validate(RELAXED_MADD),
    threads: sab && validate(SHARED_MEMORY),
  };
}

/**
 * Whether this engine computes i32x4.relaxed_dot_i8x16_i7x16_add_s right in its first tier — what the q8
 * GEMMs over 8-bit activations (gemm_qd8_*, assembly/gemm/q8.ts) need. Node 20 (V8 11.3) does not: its
 * Liftoff returns twice the dot product (a = (100, −50, 20, −127), b = (127, 0, 63, 106): 996, not 498),
 * while its TurboFan, Node 22+, Deno and Bun return 498; a function's first calls run in Liftoff, so results
 * would depend on tier-up timing. One instantiation of a 55-byte module, its first call (always Liftoff
 * where Liftoff exists); false where relaxed SIMD is missing.
 */
export async function relaxedDotIsRight(): Promise<boolean> {
  const a = [100, -50, 20, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0].map((v) => v & 255);
  const b = [127, 0, 63, 106, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  // extract_lane 0 (relaxed_dot (v128.const a) (v128.const b) (i32x4.splat 0))
  const body = [0xfd, 12, ...a, 0xfd, 12, ...b, 0x41, 0, 0xfd, 17, 0xfd, 0x93, 0x02, 0xfd, 27, 0, 0x0b];
  const bytes = new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    1, 5, 1, 0x60, 0, 1, 0x7f, // type () -> i32
    3, 2, 1, 0,
    7, 5, 1, 1, 0x66, 0, 0, // export "f"
    10, body.length + 3, 1, body.length + 1, 0, ...body,
  ]);
  try {
    const { instance } = await WebAssembly.instantiate(bytes);
    return (instance.exports.f as () => number)() === 498;
  } catch {
    return false;
  }
}
