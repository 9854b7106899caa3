// Scaled dot-product attention of one head, on the packed GEMM. BERT's two attention matmuls are GEMMs
// like any other once K and V are packed the way gemm_pack_f32 packs a weight (panels of 8 columns,
// k rows of 8 values), so they run on the same 4x8 tiles as the Linear layers. Packing costs n·d copies
// per matrix against n²·d multiply-adds, and turns the head's strided rows (stride 3H: 9 KiB for
// bert-base, which maps all of a head's rows into a few L1 sets) into contiguous streams.
//
// Query rows go in blocks of ATT_MB: a block's scores (ATT_MB × n) are computed, softmaxed and multiplied
// by V while they are still in L1/L2, instead of an n×n matrix (1 MiB at n = 512, beyond L2) making
// three trips through L3. Each output row's arithmetic does not depend on the blocking.
//
// Pointers are byte offsets; sizes and leading dimensions are in f32 elements. Nothing here allocates.
import { gemm, gemm_pack_f32, gemm_pack_size } from './gemm';
import { EPI_BIAS } from './epilogue';
import { softmax_rows } from '../ops/softmax';

// @ts-ignore: decorator
@inline const NR: i32 = 8;
/** Query rows per block (a multiple of the GEMM's 4-row tile): 32 rows of scores at n = 512 are 64 KiB. */
// @ts-ignore: decorator
@inline const ATT_MB: i32 = 32;

/** Scratch bytes attention_f32 needs for n tokens and head size d: packed K, packed V, a block of scores. */
export function attention_scratch_size(n: i32, d: i32): i32 {
  return gemm_pack_size(n, d) + gemm_pack_size(d, n) + ATT_MB * n * 4;
}

/**
 * One head: ctx[n×d] (row stride ldc) = softmax(Q·Kᵀ · scale)·V, with Q, K, V [n, d] at row stride ld
 * (the head's column slices of the [n, 3H] QKV buffer) and scale = 1/√d (HF: (Q·Kᵀ)/√d, then softmax).
 * probs ≠ 0: the probabilities are also left there, [n, n] at row stride n (output_attentions).
 * scratch: attention_scratch_size(n, d) bytes.
 */
export function attention_f32(n: i32, d: i32, q: usize, k: usize, v: usize, ld: i32, scale: f32, ctx: usize, ldc: i32, probs: usize, scratch: usize): void {
  if (n <= 0 || d <= 0) return;
  const pk = scratch;
  const pv = pk + <usize>gemm_pack_size(n, d);
  const blk = pv + <usize>gemm_pack_size(d, n);
  // K as a weight [out = n keys, in = d] with zero bias: Q·Kᵀ is then the GEMM C = A·Wᵀ.
  gemm_pack_f32(n, d, k, ld, 0, pk);
  packV(n, d, v, ld, pv);
  const ldqB = <usize>ld << 2;
  const ldcB = <usize>ldc << 2;
  for (let m0 = 0; m0 < n; m0 += ATT_MB) {
    const mb = min(ATT_MB, n - m0);
    const s = probs != 0 ? probs + ((<usize>m0 * <usize>n) << 2) : blk;
    gemm(mb, n, d, q + <usize>m0 * ldqB, ld, pk, s, n, EPI_BIAS, false);
    softmax_rows(mb, n, s, n, 0, scale, true);
    gemm(mb, d, n, s, n, pv, ctx + <usize>m0 * ldcB, ldc, EPI_BIAS, false);
  }
}

/**
 * V [n, d] (row stride ld) is the transposed weight of S·V ([k = n keys, out = d]): each row of a packed
 * panel (8 output columns at one key) is 8 contiguous values of a V row. Zero bias.
 */
// @ts-ignore: decorator
@inline function packV(n: i32, d: i32, v: usize, ld: i32, packed: usize): void {
  const ldvB = <usize>ld << 2;
  const pb = <usize>((NR + NR * n) << 2);
  for (let j0 = 0; j0 < d; j0 += NR) {
    const dst = packed + <usize>(j0 / NR) * pb;
    const cols = min(NR, d - j0);
    v128.store(dst, i32x4.splat(0));
    v128.store(dst, i32x4.splat(0), 16);
    let src = v + (<usize>j0 << 2);
    let o = dst + 32;
    if (cols == NR) {
      for (let p = 0; p < n; p++, src += ldvB, o += 32) {
        v128.store(o, v128.load(src));
        v128.store(o, v128.load(src, 16), 16);
      }
    } else {
      for (let p = 0; p < n; p++, src += ldvB, o += 32) {
        for (let j = 0; j < NR; j++) store<f32>(o + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
      }
    }
  }
}
