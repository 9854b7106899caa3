// Plain scalar references for the ops kernels, in float64 (so each kernel's f32 error is measured
// against the exact value, not against another f32 rounding). Row-major arrays with explicit strides.

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erfc(t) for t ≥ 0 to ~1e-15 relative: below 2 from the series
 *   erf(t) = 2/√π · e^{−t²} · Σ_{k≥0} 2^k t^{2k+1} / (1·3·…·(2k+1))
 * (all terms positive: no cancellation), above 2 from the continued fraction
 *   erfc(t) = e^{−t²}/√π · 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + …)))), evaluated bottom-up, 80 levels.
 */
export function erfc64(t: number): number {
  if (t < 0) return 2 - erfc64(-t);
  if (t < 2) return 1 - erfSeries(t);
  let f = t;
  for (let k = 80; k >= 1; k--) f = t + k / 2 / f;
  return Math.exp(-t * t) / SQRT_PI / f;
}

function erfSeries(t: number): number {
  const t2 = 2 * t * t;
  let term = t;
  let sum = t;
  for (let k = 1; k < 200; k++) {
    term *= t2 / (2 * k + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / SQRT_PI) * Math.exp(-t * t) * sum;
}

export function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const t = Math.abs(x);
  const e = t < 2 ? erfSeries(t) : 1 - erfc64(t);
  return x < 0 ? -e : e;
}

/** Exact GELU x·Φ(x), Φ(x) = ½erfc(−x/√2) (no cancellation in the lower tail). */
export function gelu64(x: number): number {
  return x * 0.5 * erfc64(-x / Math.SQRT2);
}

/** HF "gelu_new": ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluTanh64(x: number): number {
  const u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1 + Math.tanh(u));
}

/** softmax(x[r, :] + bias) per row, in float64; returns a dense [m, n] array. */
export function softmax64(m: number, n: number, x: Float32Array, ldx: number, bias?: Float32Array): Float64Array {
  const y = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    let mx = -Infinity;
    const v = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      // the kernel adds the mask in f32 (as PyTorch does): reproduce that rounding, then go exact
      v[j] = bias ? Math.fround(x[r * ldx + j] + bias[j]) : x[r * ldx + j];
      mx = Math.max(mx, v[j]);
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += (v[j] = Math.exp(v[j] - mx));
    for (let j = 0; j < n; j++) y[r * n + j] = v[j] / s;
  }
  return y;
}

/** (x − mean)/sqrt(var + eps)·γ + β per row, biased variance, float64; returns a dense [m, n] array. */
export function layernorm64(
  m: number, n: number, x: ArrayLike<number>, ldx: number, gamma: Float32Array, beta: Float32Array, eps: number,
): Float64Array {
  const y = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    let mean = 0;
    for (let j = 0; j < n; j++) mean += x[r * ldx + j];
    mean /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x[r * ldx + j] - mean) ** 2;
    const rstd = 1 / Math.sqrt(v / n + eps);
    for (let j = 0; j < n; j++) y[r * n + j] = (x[r * ldx + j] - mean) * rstd * gamma[j] + beta[j];
  }
  return y;
}

/** LayerNorm(x + r) with x + r rounded to f32 first, as the kernel and PyTorch do. */
export function addLayernorm64(
  m: number, n: number, x: Float32Array, ldx: number, res: Float32Array, ldr: number,
  gamma: Float32Array, beta: Float32Array, eps: number,
): Float64Array {
  const s = new Float32Array(m * n);
  for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) s[r * n + j] = x[r * ldx + j] + res[r * ldr + j];
  return layernorm64(m, n, s, n, gamma, beta, eps);
}
