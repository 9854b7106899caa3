// generated — do not edit: scripts/gen-kernels.mjs renders this file from its template.
// Packed-weight GEMM tiles (1x8, 2x8, 3x8, 4x8), simd128: one template, see the generator.
// Summation per output: KC = 128 products per fresh accumulator chain, chains added in k order.
import { gemm_store_row8 } from '../epilogue';

// gemm_f32_1x8__simd128: C[1×nr] (row stride ldc bytes) = epi(A[1×k] (row stride lda bytes) · panelᵀ + bias),
// 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel (gemm_pack_f32): 8 bias values, then k rows of 8 weights.
// 1×8 register tile: 2 f32x4 accumulators, A loaded by load32_splat, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function gemm_f32_1x8__simd128(nr: i32, k: i32, a: usize, lda: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let a0 = a;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let wp = w + 32;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let b0: v128, b1: v128, va: v128;
    while (q > 0) {
      b0 = v128.load(wp);
      b1 = v128.load(wp, 16);
      va = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va, b1), c0x1);
      a0 += 4;
      wp += 32;
      q -= 1;
    }
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
  }
  const bias0 = v128.load(w), bias1 = v128.load(w, 16);
  gemm_store_row8(c, nr, f32x4.add(t0x0, bias0), f32x4.add(t0x1, bias1), epi);
}

// gemm_f32_2x8__simd128: C[2×nr] (row stride ldc bytes) = epi(A[2×k] (row stride lda bytes) · panelᵀ + bias),
// 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel (gemm_pack_f32): 8 bias values, then k rows of 8 weights.
// 2×8 register tile: 4 f32x4 accumulators, A loaded by load32_splat, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function gemm_f32_2x8__simd128(nr: i32, k: i32, a: usize, lda: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let a0 = a;
  let a1 = a0 + lda;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let wp = w + 32;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    let b0: v128, b1: v128, va: v128;
    while (q > 0) {
      b0 = v128.load(wp);
      b1 = v128.load(wp, 16);
      va = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va, b1), c0x1);
      va = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va, b1), c1x1);
      a0 += 4; a1 += 4;
      wp += 32;
      q -= 1;
    }
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
  }
  const bias0 = v128.load(w), bias1 = v128.load(w, 16);
  gemm_store_row8(c, nr, f32x4.add(t0x0, bias0), f32x4.add(t0x1, bias1), epi);
  gemm_store_row8(c + 1 * ldc, nr, f32x4.add(t1x0, bias0), f32x4.add(t1x1, bias1), epi);
}

// gemm_f32_3x8__simd128: C[3×nr] (row stride ldc bytes) = epi(A[3×k] (row stride lda bytes) · panelᵀ + bias),
// 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel (gemm_pack_f32): 8 bias values, then k rows of 8 weights.
// 3×8 register tile: 6 f32x4 accumulators, A loaded by load32_splat, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function gemm_f32_3x8__simd128(nr: i32, k: i32, a: usize, lda: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let a0 = a;
  let a1 = a0 + lda;
  let a2 = a1 + lda;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let t2x0 = f32x4.splat(0), t2x1 = f32x4.splat(0);
  let wp = w + 32;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    let c2x0 = f32x4.splat(0), c2x1 = f32x4.splat(0);
    let b0: v128, b1: v128, va: v128;
    while (q > 0) {
      b0 = v128.load(wp);
      b1 = v128.load(wp, 16);
      va = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va, b1), c0x1);
      va = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va, b1), c1x1);
      va = v128.load32_splat(a2);
      c2x0 = f32x4.add(f32x4.mul(va, b0), c2x0);
      c2x1 = f32x4.add(f32x4.mul(va, b1), c2x1);
      a0 += 4; a1 += 4; a2 += 4;
      wp += 32;
      q -= 1;
    }
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
    t2x0 = f32x4.add(t2x0, c2x0); t2x1 = f32x4.add(t2x1, c2x1);
  }
  const bias0 = v128.load(w), bias1 = v128.load(w, 16);
  gemm_store_row8(c, nr, f32x4.add(t0x0, bias0), f32x4.add(t0x1, bias1), epi);
  gemm_store_row8(c + 1 * ldc, nr, f32x4.add(t1x0, bias0), f32x4.add(t1x1, bias1), epi);
  gemm_store_row8(c + 2 * ldc, nr, f32x4.add(t2x0, bias0), f32x4.add(t2x1, bias1), epi);
}

// gemm_f32_4x8__simd128: C[4×nr] (row stride ldc bytes) = epi(A[4×k] (row stride lda bytes) · panelᵀ + bias),
// 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel (gemm_pack_f32): 8 bias values, then k rows of 8 weights.
// 4×8 register tile: 8 f32x4 accumulators, A loaded by load32_splat, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function gemm_f32_4x8__simd128(nr: i32, k: i32, a: usize, lda: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let a0 = a;
  let a1 = a0 + lda;
  let a2 = a1 + lda;
  let a3 = a2 + lda;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let t2x0 = f32x4.splat(0), t2x1 = f32x4.splat(0);
  let t3x0 = f32x4.splat(0), t3x1 = f32x4.splat(0);
  let wp = w + 32;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    let c2x0 = f32x4.splat(0), c2x1 = f32x4.splat(0);
    let c3x0 = f32x4.splat(0), c3x1 = f32x4.splat(0);
    let b0: v128, b1: v128, va: v128;
    while (q > 0) {
      b0 = v128.load(wp);
      b1 = v128.load(wp, 16);
      va = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va, b1), c0x1);
      va = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va, b1), c1x1);
      va = v128.load32_splat(a2);
      c2x0 = f32x4.add(f32x4.mul(va, b0), c2x0);
      c2x1 = f32x4.add(f32x4.mul(va, b1), c2x1);
      va = v128.load32_splat(a3);
      c3x0 = f32x4.add(f32x4.mul(va, b0), c3x0);
      c3x1 = f32x4.add(f32x4.mul(va, b1), c3x1);
      a0 += 4; a1 += 4; a2 += 4; a3 += 4;
      wp += 32;
      q -= 1;
    }
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
    t2x0 = f32x4.add(t2x0, c2x0); t2x1 = f32x4.add(t2x1, c2x1);
    t3x0 = f32x4.add(t3x0, c3x0); t3x1 = f32x4.add(t3x1, c3x1);
  }
  const bias0 = v128.load(w), bias1 = v128.load(w, 16);
  gemm_store_row8(c, nr, f32x4.add(t0x0, bias0), f32x4.add(t0x1, bias1), epi);
  gemm_store_row8(c + 1 * ldc, nr, f32x4.add(t1x0, bias0), f32x4.add(t1x1, bias1), epi);
  gemm_store_row8(c + 2 * ldc, nr, f32x4.add(t2x0, bias0), f32x4.add(t2x1, bias1), epi);
  gemm_store_row8(c + 3 * ldc, nr, f32x4.add(t3x0, bias0), f32x4.add(t3x1, bias1), epi);
}

// gemm_f32_1x8__simd128_pa: C[1×nr] (row stride ldc bytes) = epi(A[1×k] · panelᵀ + bias), A one packed strip
// (gemm_pack_a_f32: k groups of 4 floats, rows 0..0 used), 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel.
// 1×8 register tile: 2 f32x4 accumulators, A splats at immediate offsets of one pointer, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function gemm_f32_1x8__simd128_pa(nr: i32, k: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let wp = w + 32;
  let ap = a;
  let kk = k;
  while (kk > 0) {
    const q = kk < 128 ? kk : 128;
    kk -= q;
    const end = ap + (<usize>q << 4);
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    do {
      const b0 = v128.load(wp);
      const b1 = v128.load(wp, 16);
      const va0 = v128.load32_splat(ap);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va0, b1), c0x1);
      ap += 16;
      wp += 32;
    } while (ap < end);
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
  }
  const bias0 = v128.load(w), bias1 = v128.load(w, 16);
  gemm_store_row8(c, nr, f32x4.add(t0x0, bias0), f32x4.add(t0x1, bias1), epi);
}

// gemm_f32_2x8__simd128_pa: C[2×nr] (row stride ldc bytes) = epi(A[2×k] · panelᵀ + bias), A one packed strip
// (gemm_pack_a_f32: k groups of 4 floats, rows 0..1 used), 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel.
// 2×8 register tile: 4 f32x4 accumulators, A splats at immediate offsets of one pointer, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function gemm_f32_2x8__simd128_pa(nr: i32, k: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let wp = w + 32;
  let ap = a;
  let kk = k;
  while (kk > 0) {
    const q = kk < 128 ? kk : 128;
    kk -= q;
    const end = ap + (<usize>q << 4);
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    do {
      const b0 = v128.load(wp);
      const b1 = v128.load(wp, 16);
      const va0 = v128.load32_splat(ap);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va0, b1), c0x1);
      const va1 = v128.load32_splat(ap, 4);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va1, b1), c1x1);
      ap += 16;
      wp += 32;
    } while (ap < end);
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
  }
  const bias0 = v128.load(w), bias1 = v128.load(w, 16);
  gemm_store_row8(c, nr, f32x4.add(t0x0, bias0), f32x4.add(t0x1, bias1), epi);
  gemm_store_row8(c + 1 * ldc, nr, f32x4.add(t1x0, bias0), f32x4.add(t1x1, bias1), epi);
}

// gemm_f32_3x8__simd128_pa: C[3×nr] (row stride ldc bytes) = epi(A[3×k] · panelᵀ + bias), A one packed strip
// (gemm_pack_a_f32: k groups of 4 floats, rows 0..2 used), 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel.
// 3×8 register tile: 6 f32x4 accumulators, A splats at immediate offsets of one pointer, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function gemm_f32_3x8__simd128_pa(nr: i32, k: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let t2x0 = f32x4.splat(0), t2x1 = f32x4.splat(0);
  let wp = w + 32;
  let ap = a;
  let kk = k;
  while (kk > 0) {
    const q = kk < 128 ? kk : 128;
    kk -= q;
    const end = ap + (<usize>q << 4);
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    let c2x0 = f32x4.splat(0), c2x1 = f32x4.splat(0);
    do {
      const b0 = v128.load(wp);
      const b1 = v128.load(wp, 16);
      const va0 = v128.load32_splat(ap);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va0, b1), c0x1);
      const va1 = v128.load32_splat(ap, 4);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va1, b1), c1x1);
      const va2 = v128.load32_splat(ap, 8);
      c2x0 = f32x4.add(f32x4.mul(va2, b0), c2x0);
      c2x1 = f32x4.add(f32x4.mul(va2, b1), c2x1);
      ap += 16;
      wp += 32;
    } while (ap < end);
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
    t2x0 = f32x4.add(t2x0, c2x0); t2x1 = f32x4.add(t2x1, c2x1);
  }
  const bias0 = v128.load(w), bias1 = v128.load(w, 16);
  gemm_store_row8(c, nr, f32x4.add(t0x0, bias0), f32x4.add(t0x1, bias1), epi);
  gemm_store_row8(c + 1 * ldc, nr, f32x4.add(t1x0, bias0), f32x4.add(t1x1, bias1), epi);
  gemm_store_row8(c + 2 * ldc, nr, f32x4.add(t2x0, bias0), f32x4.add(t2x1, bias1), epi);
}

// gemm_f32_4x8__simd128_pa: C[4×nr] (row stride ldc bytes) = epi(A[4×k] · panelᵀ + bias), A one packed strip
// (gemm_pack_a_f32: k groups of 4 floats, rows 0..3), 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel.
// 4×8 register tile: 8 f32x4 accumulators, A splats at immediate offsets of one pointer, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function gemm_f32_4x8__simd128_pa(nr: i32, k: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let t2x0 = f32x4.splat(0), t2x1 = f32x4.splat(0);
  let t3x0 = f32x4.splat(0), t3x1 = f32x4.splat(0);
  let wp = w + 32;
  let ap = a;
  let kk = k;
  while (kk > 0) {
    const q = kk < 128 ? kk : 128;
    kk -= q;
    const end = ap + (<usize>q << 4);
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    let c2x0 = f32x4.splat(0), c2x1 = f32x4.splat(0);
    let c3x0 = f32x4.splat(0), c3x1 = f32x4.splat(0);
    do {
      const b0 = v128.load(wp);
      const b1 = v128.load(wp, 16);
      const va0 = v128.load32_splat(ap);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va0, b1), c0x1);
      const va1 = v128.load32_splat(ap, 4);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va1, b1), c1x1);
      const va2 = v128.load32_splat(ap, 8);
      c2x0 = f32x4.add(f32x4.mul(va2, b0), c2x0);
      c2x1 = f32x4.add(f32x4.mul(va2, b1), c2x1);
      const va3 = v128.load32_splat(ap, 12);
      c3x0 = f32x4.add(f32x4.mul(va3, b0), c3x0);
      c3x1 = f32x4.add(f32x4.mul(va3, b1), c3x1);
      ap += 16;
      wp += 32;
    } while (ap < end);
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
    t2x0 = f32x4.add(t2x0, c2x0); t2x1 = f32x4.add(t2x1, c2x1);
    t3x0 = f32x4.add(t3x0, c3x0); t3x1 = f32x4.add(t3x1, c3x1);
  }
  const bias0 = v128.load(w), bias1 = v128.load(w, 16);
  gemm_store_row8(c, nr, f32x4.add(t0x0, bias0), f32x4.add(t0x1, bias1), epi);
  gemm_store_row8(c + 1 * ldc, nr, f32x4.add(t1x0, bias0), f32x4.add(t1x1, bias1), epi);
  gemm_store_row8(c + 2 * ldc, nr, f32x4.add(t2x0, bias0), f32x4.add(t2x1, bias1), epi);
  gemm_store_row8(c + 3 * ldc, nr, f32x4.add(t3x0, bias0), f32x4.add(t3x1, bias1), epi);
}
