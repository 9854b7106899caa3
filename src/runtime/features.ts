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
