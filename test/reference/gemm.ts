// Plain scalar references for the GEMM family (assembly/gemm/), in float64.
//
// Why float64: the tests measure the kernels' rounding error against the exact result and bound it
// (Higham's γ bounds for the kernels' summation order, see gemmErrorBound). An f32 reference would carry
// rounding errors of the same size as the kernel's, so a comparison could not tell a correct kernel
// from a subtly wrong one; in float64 the reference's own error (≤ k·2⁻⁵³ relative) is negligible.
// Inputs are f32 values (exactly representable in f64); A, B, W are given as dense row-major arrays
// with their own leading dimensions, like the kernels.

import { gelu64, geluTanh64 } from './ops.js';

export type Activation = 'none' | 'gelu' | 'gelu_tanh' | 'relu';

export function activation64(x: number, act: Activation): number {
  switch (act) {
    case 'gelu':
      return gelu64(x);
    case 'gelu_tanh':
      return geluTanh64(x);
    case 'relu':
      return Math.max(x, 0);
    default:
      return x;
  }
}

/**
 * C = act(A·Wᵀ + bias) (+ residual), A [m, k] (lda), W [n, k] (ldw), bias [n] or null,
 * residual [m, n] (ldr) or null; returns dense [m, n] float64 and, per output, Σ_p |A·W| + |b|
 * (+ |residual|): the scale that rounding errors are proportional to.
 */
export function gemm64(
  m: number, n: number, k: number,
  a: ArrayLike<number>, lda: number,
  w: ArrayLike<number>, ldw: number,
  bias: ArrayLike<number> | null,
  act: Activation = 'none',
  residual: ArrayLike<number> | null = null, ldr = n,
): { c: Float64Array; pre: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const pre = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const v = a[i * lda + p] * w[j * ldw + p];
        s += v;
        abs += Math.abs(v);
      }
      if (bias) {
        s += bias[j];
        abs += Math.abs(bias[j]);
      }
      pre[i * n + j] = s;
      let y = activation64(s, act);
      if (residual) {
        y += residual[i * ldr + j];
        abs += Math.abs(residual[i * ldr + j]);
      }
      c[i * n + j] = y;
      scale[i * n + j] = abs;
    }
  }
  return { c, pre, scale };
}

/** C = alpha · A·Bᵀ, A [m, k] (lda), B [n, k] (ldb); dense [m, n] float64 and Σ|alpha·A·B| per output. */
export function matmulNT64(
  m: number, n: number, k: number, a: ArrayLike<number>, lda: number, b: ArrayLike<number>, ldb: number, alpha: number,
): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const v = a[i * lda + p] * b[j * ldb + p];
        s += v;
        abs += Math.abs(v);
      }
      c[i * n + j] = alpha * s;
      scale[i * n + j] = Math.abs(alpha) * abs;
    }
  }
  return { c, scale };
}

/** C = A·B, A [m, k] (lda), B [k, n] (ldb); dense [m, n] float64 and Σ|A·B| per output. */
export function matmulNN64(
  m: number, n: number, k: number, a: ArrayLike<number>, lda: number, b: ArrayLike<number>, ldb: number,
): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const v = a[i * lda + p] * b[p * ldb + j];
        s += v;
        abs += Math.abs(v);
      }
      c[i * n + j] = s;
      scale[i * n + j] = abs;
    }
  }
  return { c, scale };
}

/** Unit roundoff of f32 (half an ulp of 1). */
export const U32 = 2 ** -24;
/** The kernels' k-block (scripts/gen-kernels.mjs KC). */
export const KC = 128;

/**
 * Worst-case relative rounding error of the kernels' dot product, as a multiple of Σ|terms|
 * (Higham, Accuracy and Stability of Numerical Algorithms, §3.1: a recursive sum of n terms has
 * |error| ≤ γ_{n}·Σ|terms|, γ_n = n·u/(1 − n·u)). The kernels sum each KC block in one chain (≤ KC
 * roundings per term, mul + add: one more), add the ⌈k/KC⌉ block sums in a chain, then the bias
 * (and the residual: one more): depth = KC + ⌈k/KC⌉ + 3. For A·Bᵀ the lanes split a block 4 ways and
 * the reduction adds 2 levels: depth ≤ KC/4 + ⌈k/KC⌉ + 4 < the GEMM's, so one bound serves both.
 */
export function dotErrorBound(k: number): number {
  const depth = Math.min(k, KC) + Math.ceil(k / KC) + 3;
  return (depth * U32) / (1 - depth * U32);
}

/**
 * One attention head in float64: P = softmax(scale·Q·Kᵀ) row-wise, ctx = P·V, with Q, K, V [n, d] at row
 * stride ld. Also per output Σ_j p_j·|v_j| (the scale of ctx's rounding error) and per query row the
 * largest Σ_p |q·k|·scale over the keys (the scale of the scores' error).
 */
export function attention64(
  n: number, d: number, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, ld: number, scale: number,
): { ctx: Float64Array; ctxScale: Float64Array; probs: Float64Array; scoreScale: Float64Array } {
  const probs = new Float64Array(n * n);
  const scoreScale = new Float64Array(n);
  const ctx = new Float64Array(n * d);
  const ctxScale = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let p = 0; p < d; p++) {
        const t = q[i * ld + p] * k[j * ld + p];
        s += t;
        abs += Math.abs(t);
      }
      probs[i * n + j] = s * scale;
      scoreScale[i] = Math.max(scoreScale[i], abs * Math.abs(scale));
      mx = Math.max(mx, s * scale);
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += probs[i * n + j] = Math.exp(probs[i * n + j] - mx);
    for (let j = 0; j < n; j++) probs[i * n + j] /= sum;
    for (let c = 0; c < d; c++) {
      let s = 0;
      let abs = 0;
      for (let j = 0; j < n; j++) {
        s += probs[i * n + j] * v[j * ld + c];
        abs += probs[i * n + j] * Math.abs(v[j * ld + c]);
      }
      ctx[i * d + c] = s;
      ctxScale[i * d + c] = abs;
    }
  }
  return { ctx, ctxScale, probs, scoreScale };
}
