// Fused GEMM epilogues: what a tile does with its accumulators (sum + bias already added) on the way to C.
// Selected per call by `epi`; the branch runs once per tile row, outside the k loop, so one compiled tile
// serves every epilogue. The two GELUs are the exception: the driver applies them to each block of rows
// right after its tiles (gemm_activate_rows, below), same function, same bits, half the cost. Nothing
// here reads or writes C beyond column nr (a column slice's neighbours belong to another worker, and the
// last row may end at the end of memory).
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

/** The activation done inside the tile: ReLU (one compare-select). The GELUs: gemm_activate_rows. */
// @ts-ignore: decorator
@inline function activate_in_tile(v: v128, epi: i32): v128 {
  // max(x, 0) as a compare-select: relu(NaN) stays NaN, relu(−0) = −0 like torch.relu
  if (epi == EPI_RELU) return v128.bitselect(f32x4.splat(0), v, f32x4.lt(v, f32x4.splat(0)));
  return v;
}

// @ts-ignore: decorator
@inline function gelu(v: v128, epi: i32): v128 {
  return epi == EPI_GELU ? gelu_erf_f32x4(v) : gelu_tanh_f32x4(v);
}

/**
 * One row of a tile: 8 values in v0, v1 (sum + bias), the first nr (1..8) stored at c after the epilogue
 * (bias, ReLU or residual; a GELU epi stores sum + bias for gemm_activate_rows to finish).
 */
// @ts-ignore: decorator
@inline export function gemm_store_row8(c: usize, nr: i32, v0: v128, v1: v128, epi: i32): void {
  v0 = activate_in_tile(v0, epi);
  v1 = activate_in_tile(v1, epi);
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

/** Whether an epilogue is applied by gemm_activate_rows after the tiles instead of inside them. */
// @ts-ignore: decorator
@inline export function epi_deferred(epi: i32): bool {
  return epi == EPI_GELU || epi == EPI_GELU_TANH;
}

/**
 * The GELU epilogues, applied in place to rows the tiles have just stored (sum + bias), while they are
 * still in L1: C[r, 0..n) = act(C[r, 0..n)) for r < m, row stride ldc bytes.
 * Why not inside the tile: a GELU is ~50 vector operations on ~45 constants, and V8 builds each v128
 * constant from immediates (three instructions) and spills around the tile's live accumulators; inlined
 * after the k loop, the 8 GELUs of a 4x8 tile measured ~18% of a 128×3072×768 GEMM. In a loop of its own
 * the same arithmetic costs about half as much. Every element goes through the same f32x4 function as in
 * the tile (the last n mod 4 on a partial vector, stored lane by lane): the same bits.
 */
export function gemm_activate_rows(m: i32, n: i32, c: usize, ldc: usize, epi: i32): void {
  // epi: EPI_GELU or EPI_GELU_TANH (epi_deferred)
  for (let r = 0; r < m; r++) {
    const row = c + <usize>r * ldc;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const o = <usize>j << 2;
      const a = v128.load(row + o);
      const b = v128.load(row + o, 16);
      v128.store(row + o, gelu(a, epi));
      v128.store(row + o, gelu(b, epi), 16);
    }
    if (j < n) {
      // the last 1..7 columns, read lane by lane (not a whole vector past column n)
      const o = <usize>j << 2;
      const rem = n - j;
      let a = v128.load32_zero(row + o);
      if (rem > 1) a = v128.load32_lane(row + o, a, 1, 4);
      if (rem > 2) a = v128.load32_lane(row + o, a, 2, 8);
      if (rem > 3) a = v128.load32_lane(row + o, a, 3, 12);
      let b = i32x4.splat(0);
      if (rem > 4) b = v128.load32_lane(row + o, b, 0, 16);
      if (rem > 5) b = v128.load32_lane(row + o, b, 1, 20);
      if (rem > 6) b = v128.load32_lane(row + o, b, 2, 24);
      gemm_store_row8(row + o, rem, gelu(a, epi), gelu(b, epi), EPI_BIAS);
    }
  }
}
