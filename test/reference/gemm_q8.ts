// Scalar references for the q8 GEMMs (assembly/gemm/q8.ts): the same quantization of A and the same
// integer sum and f32 epilogue, written out with Math.fround, so a kernel must agree BIT FOR BIT (the
// kernels' contract is exact: integer sums, then a fixed sequence of IEEE f32 operations). The GELU
// epilogues are the one exception (the f32 GELU has its own contract, checked against float64).
import { roundHalfEven } from '../../src/weights/quantize.js';

const f = Math.fround;

export type QFormat = 'qd16' | 'qd8';

export interface QuantRow {
  scale: number; // f32
  zp: number;
  q: Int32Array;
}

/** One row quantized as gemm_pack_a_qd16 / gemm_pack_a_qd8 do (q8.ts header comment). */
export function quantizeRow(x: ArrayLike<number>, fmt: QFormat): QuantRow {
  const k = x.length;
  const q = new Int32Array(k);
  if (fmt === 'qd16') {
    let amax = 0;
    for (let p = 0; p < k; p++) amax = Math.max(amax, Math.abs(x[p]));
    if (!(amax > 0)) return { scale: 0, zp: 0, q };
    const inv = f(4095 / amax);
    for (let p = 0; p < k; p++) q[p] = roundHalfEven(f(x[p] * inv));
    return { scale: f(amax / 4095), zp: 0, q };
  }
  let lo = 0, hi = 0;
  for (let p = 0; p < k; p++) {
    lo = Math.min(lo, x[p]);
    hi = Math.max(hi, x[p]);
  }
  const range = f(hi - lo);
  if (!(range > 0)) return { scale: 0, zp: 0, q };
  const inv = f(127 / range);
  const zp = Math.min(127, Math.max(0, roundHalfEven(f(-lo * inv))));
  for (let p = 0; p < k; p++) q[p] = Math.min(127, Math.max(0, roundHalfEven(f(x[p] * inv)) + zp));
  return { scale: f(range / 127), zp, q };
}

/**
 * C before any activation, as the kernel computes it: y = fl(fl(f32(S − zp·colsum) · fl(sa·sw)) + bias),
 * S = Σ_p Aq·Wq exact. A [m, k] (lda), Wq [n, k] int8, sw [n], bias [n] or null. Dense [m, n] f32 values.
 */
export function gemmQ8Ref(
  m: number, n: number, k: number, a: ArrayLike<number>, lda: number,
  wq: Int8Array, sw: Float32Array, bias: ArrayLike<number> | null, fmt: QFormat,
): Float32Array {
  const colsum = new Int32Array(n);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) colsum[j] += wq[j * k + p];
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = quantizeRow(Array.prototype.slice.call(a, i * lda, i * lda + k) as number[], fmt);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += row.q[p] * wq[j * k + p];
      const y = f(f(f(s - row.zp * colsum[j]) * f(row.scale * sw[j])) + (bias ? bias[j] : 0));
      out[i * n + j] = y;
    }
  }
  return out;
}
