// Weight quantization for q8 files: symmetric int8 with one f32 scale per output channel (row of a
// PyTorch Linear weight [out, in]), what the qd16/qd8 GEMMs (assembly/gemm/q8.ts) read.
//
// Deterministic by construction: the same bytes on every machine and engine. Per row,
//   amax  = max |w|                          (exact: a max of f32 values, in any order)
//   scale = fround(amax / 127)               (one correctly rounded f64 division, then to f32)
//   q     = clamp(roundHalfEven(w / scale), −127, 127)
// where w / scale is the correctly rounded float64 quotient of two f32 values (IEEE: defined bit for bit)
// and the rounding is to nearest, ties to even (numpy's rint, onnxruntime's quantize_dynamic). No sums,
// no platform math library, no reduction whose order could matter. −128 is never produced: the range is
// symmetric, so the GEMM needs no zero point for weights and −W quantizes to −q.
// An all-zero row gets scale 0 and q = 0 (its dequantized values are exactly 0).
//
// Error: |w − q·scale| ≤ scale/2 · (1 + 2⁻²³) per element, scale ≈ max|w_row| / 127.

/** Round to nearest integer, ties to even (numpy.rint; Math.round rounds ties up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface QuantizedRows {
  /** int8 values, row-major [rows, cols] */
  q: Int8Array;
  /** one f32 scale per row */
  scale: Float32Array;
}

/**
 * Quantize a row-major [rows, cols] f32 matrix (a Linear weight [out, in]) to symmetric int8 with one
 * scale per row. Non-finite input is refused (a NaN or Inf would make the whole row's scale meaningless).
 */
export function quantizeRowsInt8(w: Float32Array, rows: number, cols: number): QuantizedRows {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows * cols !== w.length) {
    throw new RangeError(`quantizeRowsInt8: ${w.length} values are not a [${rows}, ${cols}] matrix`);
  }
  const q = new Int8Array(rows * cols);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let amax = 0;
    for (let i = 0; i < cols; i++) {
      const v = w[o + i];
      if (!Number.isFinite(v)) throw new RangeError(`quantizeRowsInt8: row ${r}, column ${i} is ${v}`);
      const a = Math.abs(v);
      if (a > amax) amax = a;
    }
    const s = Math.fround(amax / 127);
    scale[r] = s;
    if (s === 0) continue; // all zeros (or every |w| below the smallest f32 scale): q stays 0
    for (let i = 0; i < cols; i++) {
      const v = roundHalfEven(w[o + i] / s);
      q[o + i] = v > 127 ? 127 : v < -127 ? -127 : v;
    }
  }
  return { q, scale };
}
