// The q8 GEMM tiles' epilogue: int32 sums → f32, then the f32 GEMM's epilogues (gemm_store_row8).
//
// Packed weight panel (gemm_pack_qc8w_c2 / _c4), 8 output columns:
//   [0, 32)   bias, 8 × f32 (zeros when none)
//   [32, 64)  weight scale per column, 8 × f32 (W[j, p] ≈ scale[j] · Wq[j, p])
//   [64, 96)  column sums Σ_p Wq[j, p], 8 × i32 (the zero-point correction of asymmetric A)
//   [96, …)   the int8 weights, layout per kernel family (assembly/gemm/q8.ts)
// Packed A strip (gemm_pack_a_qd16 / _qd8), 4 rows:
//   [0, 16)   row scale, 4 × f32 (A[r, p] ≈ scale[r] · (Aq[r, p] − zp[r]))
//   [16, 32)  row zero point, 4 × i32 (0 for the symmetric int16 format)
//   [32, …)   the quantized rows, layout per kernel family
//
// Numeric contract of one output (both families, any CPU, any engine): the integer sum S = Σ_p Aq·Wq is
// exact (int32, ranges chosen so it cannot overflow); then, in f32 with round-to-nearest-even,
//   y = fl(fl(f32(S − zp·colsum) · fl(scale_a · scale_w)) + bias), followed by the epilogue.
// test/reference/gemm_q8.ts computes exactly this with Math.fround: tests compare bits.
import { gemm_store_row8 } from './epilogue';

// @ts-ignore: decorator
@inline export const Q8_W_HEADER: usize = 96;
// @ts-ignore: decorator
@inline export const Q8_A_HEADER: usize = 32;

/** One row of a q8 tile: 8 int32 sums in acc0, acc1 → the first nr (1..8) outputs at c. */
// @ts-ignore: decorator
@inline export function q8_store_row8(c: usize, nr: i32, acc0: v128, acc1: v128, a: usize, row: i32, w: usize, zeroPoint: bool, epi: i32): void {
  if (zeroPoint) {
    const zp = i32x4.splat(load<i32>(a + 16 + (<usize>row << 2)));
    acc0 = i32x4.sub(acc0, i32x4.mul(zp, v128.load(w, 64)));
    acc1 = i32x4.sub(acc1, i32x4.mul(zp, v128.load(w, 80)));
  }
  const sa = f32x4.splat(load<f32>(a + (<usize>row << 2)));
  const v0 = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc0), f32x4.mul(sa, v128.load(w, 32))), v128.load(w));
  const v1 = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc1), f32x4.mul(sa, v128.load(w, 48))), v128.load(w, 16));
  gemm_store_row8(c, nr, v0, v1, epi);
}
