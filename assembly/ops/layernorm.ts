// Row-wise LayerNorm (torch.nn.LayerNorm / HF BertLayerNorm semantics):
//   y = (x − mean) / sqrt(var + eps) · γ + β,  var the biased variance (÷ n),
// for m rows of n elements, row strides ldx / ldy elements; y may equal x. Two passes for the
// statistics (mean, then Σ(x − mean)²: no cancellation, unlike E[x²] − mean²), a third to write.
// Sums run over four f32x4 accumulators (16 partial sums), so for n = 768 each partial adds 48 terms.
import { madd_f32x4 } from './math';

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Normalize one row of n elements from src into dst (dst may equal src). */
// @ts-ignore: decorator
@inline function normalize_row(n: i32, src: usize, gamma: usize, beta: usize, eps: f32, dst: usize): void {
  const n4 = n & ~3;
  // mean: four f32x4 accumulators (16 partial sums): an f32x4.add has 3–4 cycles of latency and two
  // pipes, so two chains leave the adders half idle
  let a0 = f32x4.splat(0);
  let a1 = a0, a2 = a0, a3 = a0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    a0 = f32x4.add(a0, v128.load(src + o));
    a1 = f32x4.add(a1, v128.load(src + o, 16));
    a2 = f32x4.add(a2, v128.load(src + o, 32));
    a3 = f32x4.add(a3, v128.load(src + o, 48));
  }
  for (; i < n4; i += 4) a0 = f32x4.add(a0, v128.load(src + (<usize>i << 2)));
  let sum = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; i < n; i++) sum += load<f32>(src + (<usize>i << 2));
  const mean: f32 = sum / <f32>n;

  // biased variance
  const vmean = f32x4.splat(mean);
  a0 = f32x4.splat(0);
  a1 = a0; a2 = a0; a3 = a0;
  i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const d0 = f32x4.sub(v128.load(src + o), vmean);
    const d1 = f32x4.sub(v128.load(src + o, 16), vmean);
    const d2 = f32x4.sub(v128.load(src + o, 32), vmean);
    const d3 = f32x4.sub(v128.load(src + o, 48), vmean);
    a0 = madd_f32x4(d0, d0, a0);
    a1 = madd_f32x4(d1, d1, a1);
    a2 = madd_f32x4(d2, d2, a2);
    a3 = madd_f32x4(d3, d3, a3);
  }
  for (; i < n4; i += 4) {
    const d0 = f32x4.sub(v128.load(src + (<usize>i << 2)), vmean);
    a0 = madd_f32x4(d0, d0, a0);
  }
  let ss = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; i < n; i++) {
    const d = load<f32>(src + (<usize>i << 2)) - mean;
    ss += d * d;
  }
  const rstd: f32 = <f32>1.0 / sqrt<f32>(ss / <f32>n + eps);

  // y = (x − mean)·rstd·γ + β, two vectors per trip (independent, so the stores never wait on a chain)
  const vr = f32x4.splat(rstd);
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const xn0 = f32x4.mul(f32x4.sub(v128.load(src + o), vmean), vr);
    const xn1 = f32x4.mul(f32x4.sub(v128.load(src + o, 16), vmean), vr);
    v128.store(dst + o, madd_f32x4(xn0, v128.load(gamma + o), v128.load(beta + o)));
    v128.store(dst + o, madd_f32x4(xn1, v128.load(gamma + o, 16), v128.load(beta + o, 16)), 16);
  }
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const xn = f32x4.mul(f32x4.sub(v128.load(src + o), vmean), vr);
    v128.store(dst + o, madd_f32x4(xn, v128.load(gamma + o), v128.load(beta + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, (load<f32>(src + o) - mean) * rstd * load<f32>(gamma + o) + load<f32>(beta + o));
  }
}

export function layernorm_f32(
  m: i32, n: i32, x: usize, ldx: i32, gamma: usize, beta: usize, eps: f32, y: usize, ldy: i32,
): void {
  for (let r = 0; r < m; r++) {
    normalize_row(n, x + ((<usize>r * <usize>ldx) << 2), gamma, beta, eps, y + ((<usize>r * <usize>ldy) << 2));
  }
}

/**
 * y = LayerNorm(x + r): BERT's "add & norm" (HF BertSelfOutput / BertOutput: LayerNorm(hidden + input)).
 * x + r is rounded to f32 first (as PyTorch does), written to y, then normalized in place there;
 * y may equal x or r.
 */
export function add_layernorm_f32(
  m: i32, n: i32, x: usize, ldx: i32, r: usize, ldr: i32,
  gamma: usize, beta: usize, eps: f32, y: usize, ldy: i32,
): void {
  const n4 = n & ~3;
  for (let row = 0; row < m; row++) {
    const xr = x + ((<usize>row * <usize>ldx) << 2);
    const rr = r + ((<usize>row * <usize>ldr) << 2);
    const yr = y + ((<usize>row * <usize>ldy) << 2);
    let i = 0;
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(yr + o, f32x4.add(v128.load(xr + o), v128.load(rr + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(yr + o, load<f32>(xr + o) + load<f32>(rr + o));
    }
    normalize_row(n, yr, gamma, beta, eps, yr);
  }
}
