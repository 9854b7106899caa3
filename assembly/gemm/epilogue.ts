// Fused GEMM epilogues: what a tile does with its accumulators (sum + bias already added) on the way to C.
// Selected per call by `epi`; the branch runs once per tile row, outside the k loop, so one compiled tile
// serves every epilogue. Stores never touch C beyond column nr (a column slice's neighbours belong to
// another worker), and the residual is read with the same width.
import { gelu_erf_f32x4, gelu_tanh_f32x4 } from '../ops/math';

// @ts-ignore: decorator
@inline export const EPI_BIAS: i32 = 0;
// @ts-ignore: decorator
@inline export const EPI_GELU: i32 = 1;
// @ts-ignore: decorator
@inline export const EPI_GELU_TANH: i32 = 2;
// @ts-ignore: decorator
@inline export const EPI_RELU: i32 = 3;
/** C = (A·Wᵀ + b) + C: the residual is added last, as HF's dense(x) + input_tensor. */
// @ts-ignore: decorator
@inline export const EPI_RESIDUAL: i32 = 4;

// @ts-ignore: decorator
@inline function activate(v: v128, epi: i32): v128 {
  if (epi == EPI_GELU) return gelu_erf_f32x4(v);
  if (epi == EPI_GELU_TANH) return gelu_tanh_f32x4(v);
  // max(x, 0) as a compare-select: relu(NaN) stays NaN, relu(−0) = −0 like torch.relu
  if (epi == EPI_RELU) return v128.bitselect(f32x4.splat(0), v, f32x4.lt(v, f32x4.splat(0)));
  return v;
}

/** One row of a tile: 8 values in v0, v1 (sum + bias), the first nr (1..8) stored at c after the epilogue. */
// @ts-ignore: decorator
@inline export function gemm_store_row8(c: usize, nr: i32, v0: v128, v1: v128, epi: i32): void {
  v0 = activate(v0, epi);
  v1 = activate(v1, epi);
  const res = epi == EPI_RESIDUAL;
  if (nr == 8) {
    if (res) {
      v0 = f32x4.add(v0, v128.load(c));
      v1 = f32x4.add(v1, v128.load(c, 16));
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    return;
  }
  if (nr & 4) {
    if (res) v0 = f32x4.add(v0, v128.load(c));
    v128.store(c, v0);
    v0 = v1;
    c += 16;
  }
  if (nr & 2) {
    if (res) v0 = f32x4.add(v0, v128.load64_zero(c));
    v128.store64_lane(c, v0, 0);
    v0 = v128.shuffle<f32>(v0, v0, 2, 3, 2, 3);
    c += 8;
  }
  if (nr & 1) {
    if (res) v0 = f32x4.add(v0, v128.load32_zero(c));
    v128.store32_lane(c, v0, 0);
  }
}
