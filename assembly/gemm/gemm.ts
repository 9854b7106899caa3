// Packed-weight GEMM with fused epilogues: C[m×n] = epi(A[m×k] · Wᵀ + b), W a PyTorch Linear weight
// [n, k] (= [out, in]) prepacked once by gemm_pack_f32. Pointers are byte offsets; m, n, k and the
// leading dimensions lda, ldc are in f32 elements. Nothing here allocates.
//
// Packed layout (XNNPACK's): panels of NR = 8 output columns, each = 8 bias values then k rows of 8
// weights (packed[8 + 8p + j] = W[n0 + j, p]); the last panel zero-padded. Panel j starts at
// gemm_pack_offset(8j, k), so a worker computes the column slice [n0, n1) of the same GEMM with
// (w + gemm_pack_offset(n0, k), c + 4·n0, n = n1 − n0) and gets the same bits: every output's sum is
// computed by the same sequence of operations whichever tile, row block or column block it falls in.
import {
  gemm_f32_1x8__relaxed_fma, gemm_f32_2x8__relaxed_fma, gemm_f32_3x8__relaxed_fma,
  gemm_f32_4x8__relaxed_fma,
  gemm_f32_1x8__relaxed_fma_pa, gemm_f32_2x8__relaxed_fma_pa, gemm_f32_3x8__relaxed_fma_pa,
  gemm_f32_4x8__relaxed_fma_pa,
} from './generated/gemm_f32__relaxed_fma';
import {
  gemm_f32_1x8__simd128, gemm_f32_2x8__simd128, gemm_f32_3x8__simd128, gemm_f32_4x8__simd128,
  gemm_f32_1x8__simd128_pa, gemm_f32_2x8__simd128_pa, gemm_f32_3x8__simd128_pa, gemm_f32_4x8__simd128_pa,
} from './generated/gemm_f32__simd128';
import { EPI_BIAS, EPI_GELU, EPI_GELU_TANH, EPI_RELU, EPI_RESIDUAL, epi_deferred, gemm_activate_rows } from './epilogue';

// @ts-ignore: decorator
@inline const NR: i32 = 8;

/**
 * Rows per register tile: 4x8 on both builds. V8's TurboFan schedules a loop body's loads ahead of the
 * arithmetic, so a tile needs registers for all its accumulators AND all one k-step's loads at once:
 * 4x8 = 8 accumulators + 2 B + 4 A splats = 14 of the 15 xmm V8 allocates; 6x8 (12 + 2 + 6 = 20)
 * spills and measured 2x slower here, 5x8 likewise. Unrolling k for the same reason is not done.
 */
// @ts-ignore: decorator
@inline const MR: i32 = 4;

/**
 * L2 cache blocking: the columns of one block have their packed panels (NC·k·4 bytes) use at most
 * about 192 KiB, so they stay in L2 (512 KiB per core on Zen 3, 1-2 MiB on newer x86, 4+ MiB
 * shared on Apple) while every row tile of A sweeps across them; a 4-row A tile (4·k·4 bytes)
 * stays in L1 across the block's panels.
 */
// @ts-ignore: decorator
@inline const L2_PANEL_BYTES: i32 = 192 << 10;

/** Columns per packed panel (the GEMM's NR): column slices must start at a multiple of it. */
export function gemm_nr(): i32 {
  return NR;
}

/** Rows per register tile (the GEMM's MR, also gemm_pack_a_f32's strip height): row slices of a packed A start at a multiple of it. */
export function gemm_mr(): i32 {
  return MR;
}

// @ts-ignore: decorator
@inline function panelBytes(k: i32): i32 {
  return (NR + NR * k) << 2;
}

/** Bytes of the packed form of an [n, k] weight, bias included. */
export function gemm_pack_size(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * panelBytes(k);
}

/** Byte offset of the panel holding column n0 (a multiple of gemm_nr()) in a packed [·, k] weight. */
export function gemm_pack_offset(n0: i32, k: i32): i32 {
  return (n0 / NR) * panelBytes(k);
}

/**
 * Pack W [n, k] (row stride ldw elements) and bias [n] (0 = none: zeros) into `packed`
 * (gemm_pack_size(n, k) bytes). Run once per weight at load time.
 */
export function gemm_pack_f32(n: i32, k: i32, w: usize, ldw: i32, bias: usize, packed: usize): void {
  const pb = <usize>panelBytes(k);
  const ldwB = <usize>ldw << 2;
  for (let n0 = 0; n0 < n; n0 += NR) {
    const dst = packed + <usize>(n0 / NR) * pb;
    const cols = min(NR, n - n0);
    for (let j = 0; j < NR; j++) {
      store<f32>(dst + (<usize>j << 2), bias != 0 && j < cols ? load<f32>(bias + (<usize>(n0 + j) << 2)) : 0);
    }
    for (let j = 0; j < NR; j++) {
      const src = w + <usize>(n0 + j) * ldwB;
      let d = dst + 32 + (<usize>j << 2);
      if (j < cols) {
        for (let p = 0; p < k; p++, d += 32) store<f32>(d, load<f32>(src + (<usize>p << 2)));
      } else {
        for (let p = 0; p < k; p++, d += 32) store<f32>(d, 0);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function tile(mr: i32, nr: i32, k: i32, a: usize, lda: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    switch (mr) {
      case 4: gemm_f32_4x8__relaxed_fma(nr, k, a, lda, w, c, ldc, epi); break;
      case 3: gemm_f32_3x8__relaxed_fma(nr, k, a, lda, w, c, ldc, epi); break;
      case 2: gemm_f32_2x8__relaxed_fma(nr, k, a, lda, w, c, ldc, epi); break;
      default: gemm_f32_1x8__relaxed_fma(nr, k, a, lda, w, c, ldc, epi);
    }
  } else {
    switch (mr) {
      case 4: gemm_f32_4x8__simd128(nr, k, a, lda, w, c, ldc, epi); break;
      case 3: gemm_f32_3x8__simd128(nr, k, a, lda, w, c, ldc, epi); break;
      case 2: gemm_f32_2x8__simd128(nr, k, a, lda, w, c, ldc, epi); break;
      default: gemm_f32_1x8__simd128(nr, k, a, lda, w, c, ldc, epi);
    }
  }
}

// @ts-ignore: decorator
@inline function tilePA(mr: i32, nr: i32, k: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    switch (mr) {
      case 4: gemm_f32_4x8__relaxed_fma_pa(nr, k, a, w, c, ldc, epi); break;
      case 3: gemm_f32_3x8__relaxed_fma_pa(nr, k, a, w, c, ldc, epi); break;
      case 2: gemm_f32_2x8__relaxed_fma_pa(nr, k, a, w, c, ldc, epi); break;
      default: gemm_f32_1x8__relaxed_fma_pa(nr, k, a, w, c, ldc, epi);
    }
  } else {
    switch (mr) {
      case 4: gemm_f32_4x8__simd128_pa(nr, k, a, w, c, ldc, epi); break;
      case 3: gemm_f32_3x8__simd128_pa(nr, k, a, w, c, ldc, epi); break;
      case 2: gemm_f32_2x8__simd128_pa(nr, k, a, w, c, ldc, epi); break;
      default: gemm_f32_1x8__simd128_pa(nr, k, a, w, c, ldc, epi);
    }
  }
}

/**
 * The driver of every GEMM entry point. `packedA`: `a` is gemm_pack_a_f32's strips (row stride lda = k,
 * so the strip of row m0 starts at a + 4·m0·lda as a plain row would) and the tiles read it through one
 * pointer; otherwise `a` is plain row-major A. Same loops, same tiles' arithmetic: the same bits.
 */
// @ts-ignore: decorator
@inline export function gemm(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32, epi: i32, packedA: bool): void {
  if (m <= 0 || n <= 0) return;
  const pb = <usize>panelBytes(k);
  const ldaB = <usize>lda << 2;
  const ldcB = <usize>ldc << 2;
  // N blocks of NC columns (a multiple of NR) whose panels fit the L2 budget; inside a block every
  // row tile of A sweeps across the block's panels.
  const nc = max(NR, (L2_PANEL_BYTES / max(1, k << 5)) << 3);
  // GELU runs on each block's rows after its tiles (see gemm_activate_rows), the rest inside them
  const te = epi_deferred(epi) ? EPI_BIAS : epi;
  for (let nb = 0; nb < n; nb += nc) {
    const ne = min(n, nb + nc);
    for (let m0 = 0; m0 < m; m0 += MR) {
      const mr = min(MR, m - m0);
      const am = a + <usize>m0 * ldaB;
      const cm = c + <usize>m0 * ldcB;
      for (let n0 = nb; n0 < ne; n0 += NR) {
        const wp = w + <usize>(n0 / NR) * pb;
        if (packedA) tilePA(mr, min(NR, n - n0), k, am, wp, cm + (<usize>n0 << 2), ldcB, te);
        else tile(mr, min(NR, n - n0), k, am, ldaB, wp, cm + (<usize>n0 << 2), ldcB, te);
      }
      if (epi_deferred(epi)) gemm_activate_rows(mr, ne - nb, cm + (<usize>nb << 2), ldcB, epi);
    }
  }
}

/** C = A·Wᵀ + b. */
export function gemm_f32__bias(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_BIAS, false);
}
/** C = GELU(A·Wᵀ + b), exact erf GELU (HF "gelu"). */
export function gemm_f32__bias_gelu(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_GELU, false);
}
/** C = GELU_tanh(A·Wᵀ + b) (HF "gelu_new" / "gelu_pytorch_tanh"). */
export function gemm_f32__bias_gelu_tanh(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_GELU_TANH, false);
}
/** C = max(A·Wᵀ + b, 0). */
export function gemm_f32__bias_relu(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_RELU, false);
}
/** C = (A·Wᵀ + b) + C: C holds the residual on entry (HF: dense(x) + input_tensor). */
export function gemm_f32__bias_residual(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_RESIDUAL, false);
}

// ---- packed A -----------------------------------------------------------------------------------------
// The same GEMMs over A packed by gemm_pack_a_f32 (strips of MR = 4 rows, interleaved per k: row r of a
// strip at k = p sits at float 4p + r): the tile then reads A through one pointer at immediate offsets
// (see the generator). Same operations in the same order as the row-pointer path: the same bits.
// Uniform signature: `a` is the packed A and `lda` its packed row stride, k (a row slice starting at
// m0, a multiple of 4, is a + 4·m0·lda, as for plain A).

/** Bytes gemm_pack_a_f32 writes for an [m, k] A: whole 4-row strips (the last one zero-padded). */
export function gemm_pack_a_size(m: i32, k: i32): i32 {
  return ((m + MR - 1) / MR) * MR * k * 4;
}

/** Pack A [m, k] (row stride lda elements) into 4-row interleaved strips at pa (gemm_pack_a_size bytes). */
export function gemm_pack_a_f32(m: i32, k: i32, a: usize, lda: i32, pa: usize): void {
  const ldaB = <usize>lda << 2;
  for (let m0 = 0; m0 < m; m0 += MR) {
    const strip = pa + <usize>m0 * <usize>k * 4;
    const rows = min(MR, m - m0);
    const a0 = a + <usize>m0 * ldaB;
    if (rows == MR) {
      // 4×4 blocks: four row loads, a 4×4 transpose by shuffles, four stores
      const a1 = a0 + ldaB, a2 = a1 + ldaB, a3 = a2 + ldaB;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const o = <usize>p << 2;
        const r0 = v128.load(a0 + o), r1 = v128.load(a1 + o), r2 = v128.load(a2 + o), r3 = v128.load(a3 + o);
        const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        const d = strip + (<usize>p << 4);
        v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(d, i64x2.shuffle(t0, t1, 1, 3), 16);
        v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 32);
        v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 48);
      }
      for (; p < k; p++) {
        const d = strip + (<usize>p << 4);
        const o = <usize>p << 2;
        store<f32>(d, load<f32>(a0 + o));
        store<f32>(d, load<f32>(a1 + o), 4);
        store<f32>(d, load<f32>(a2 + o), 8);
        store<f32>(d, load<f32>(a3 + o), 12);
      }
    } else {
      for (let p = 0; p < k; p++) {
        const d = strip + (<usize>p << 4);
        for (let r = 0; r < MR; r++) {
          store<f32>(d + (<usize>r << 2), r < rows ? load<f32>(a0 + <usize>r * ldaB + (<usize>p << 2)) : 0);
        }
      }
    }
  }
}

/** C = A·Wᵀ + b, A packed. */
export function gemm_f32_pa__bias(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_BIAS, true);
}
/** C = GELU(A·Wᵀ + b), A packed. */
export function gemm_f32_pa__bias_gelu(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_GELU, true);
}
/** C = GELU_tanh(A·Wᵀ + b), A packed. */
export function gemm_f32_pa__bias_gelu_tanh(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_GELU_TANH, true);
}
/** C = max(A·Wᵀ + b, 0), A packed. */
export function gemm_f32_pa__bias_relu(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_RELU, true);
}
/** C = (A·Wᵀ + b) + C, A packed. */
export function gemm_f32_pa__bias_residual(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  gemm(m, n, k, a, lda, w, c, ldc, EPI_RESIDUAL, true);
}
