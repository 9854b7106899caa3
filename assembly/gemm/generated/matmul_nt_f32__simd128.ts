// generated — do not edit: scripts/gen-kernels.mjs renders this file from its template.
// Strided C = alpha·A·Bᵀ tiles (2x4, 1x4, 2x1, 1x1), simd128: one template, see the generator.
// Summation per output: KC = 128 products per fresh accumulator block, blocks added in k order.
import { nt_reduce1, nt_reduce4 } from '../reduce';

// matmul_nt_f32_2x4__simd128: C[2×4] (row stride ldc bytes) = alpha · A[2×k] · B[4×k]ᵀ (row strides lda, ldb bytes),
// k ≥ 0. Dot products along k in 4 lanes (lane l sums p ≡ l mod 4), reduced at the end as (l0 + l2) + (l1 + l3);
// the k % 4 tail enters lane 0 through zero-extended loads. 8 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nt_f32_2x4__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, alpha: f32): void {
  let a0 = a;
  let a1 = a0 + lda;
  let b0 = b;
  let b1 = b0 + ldb;
  let b2 = b1 + ldb;
  let b3 = b2 + ldb;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0), t0x2 = f32x4.splat(0), t0x3 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0), t1x2 = f32x4.splat(0), t1x3 = f32x4.splat(0);
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0), c0x2 = f32x4.splat(0), c0x3 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0), c1x2 = f32x4.splat(0), c1x3 = f32x4.splat(0);
    while (q >= 4) {
      const va0 = v128.load(a0);
      const va1 = v128.load(a1);
      const vb0 = v128.load(b0);
      c0x0 = f32x4.add(f32x4.mul(va0, vb0), c0x0);
      c1x0 = f32x4.add(f32x4.mul(va1, vb0), c1x0);
      const vb1 = v128.load(b1);
      c0x1 = f32x4.add(f32x4.mul(va0, vb1), c0x1);
      c1x1 = f32x4.add(f32x4.mul(va1, vb1), c1x1);
      const vb2 = v128.load(b2);
      c0x2 = f32x4.add(f32x4.mul(va0, vb2), c0x2);
      c1x2 = f32x4.add(f32x4.mul(va1, vb2), c1x2);
      const vb3 = v128.load(b3);
      c0x3 = f32x4.add(f32x4.mul(va0, vb3), c0x3);
      c1x3 = f32x4.add(f32x4.mul(va1, vb3), c1x3);
      a0 += 16; a1 += 16; b0 += 16; b1 += 16; b2 += 16; b3 += 16;
      q -= 4;
    }
    while (q > 0) {
      const va0 = v128.load32_zero(a0);
      const va1 = v128.load32_zero(a1);
      const vb0 = v128.load32_zero(b0);
      c0x0 = f32x4.add(f32x4.mul(va0, vb0), c0x0);
      c1x0 = f32x4.add(f32x4.mul(va1, vb0), c1x0);
      const vb1 = v128.load32_zero(b1);
      c0x1 = f32x4.add(f32x4.mul(va0, vb1), c0x1);
      c1x1 = f32x4.add(f32x4.mul(va1, vb1), c1x1);
      const vb2 = v128.load32_zero(b2);
      c0x2 = f32x4.add(f32x4.mul(va0, vb2), c0x2);
      c1x2 = f32x4.add(f32x4.mul(va1, vb2), c1x2);
      const vb3 = v128.load32_zero(b3);
      c0x3 = f32x4.add(f32x4.mul(va0, vb3), c0x3);
      c1x3 = f32x4.add(f32x4.mul(va1, vb3), c1x3);
      a0 += 4; a1 += 4; b0 += 4; b1 += 4; b2 += 4; b3 += 4;
      q -= 1;
    }
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1); t0x2 = f32x4.add(t0x2, c0x2); t0x3 = f32x4.add(t0x3, c0x3);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1); t1x2 = f32x4.add(t1x2, c1x2); t1x3 = f32x4.add(t1x3, c1x3);
  }
  v128.store(c, f32x4.mul(nt_reduce4(t0x0, t0x1, t0x2, t0x3), f32x4.splat(alpha)));
  v128.store(c + 1 * ldc, f32x4.mul(nt_reduce4(t1x0, t1x1, t1x2, t1x3), f32x4.splat(alpha)));
}

// matmul_nt_f32_1x4__simd128: C[1×4] (row stride ldc bytes) = alpha · A[1×k] · B[4×k]ᵀ (row strides lda, ldb bytes),
// k ≥ 0. Dot products along k in 4 lanes (lane l sums p ≡ l mod 4), reduced at the end as (l0 + l2) + (l1 + l3);
// the k % 4 tail enters lane 0 through zero-extended loads. 4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nt_f32_1x4__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, alpha: f32): void {
  let a0 = a;
  let b0 = b;
  let b1 = b0 + ldb;
  let b2 = b1 + ldb;
  let b3 = b2 + ldb;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0), t0x2 = f32x4.splat(0), t0x3 = f32x4.splat(0);
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0), c0x2 = f32x4.splat(0), c0x3 = f32x4.splat(0);
    while (q >= 4) {
      const va0 = v128.load(a0);
      const vb0 = v128.load(b0);
      c0x0 = f32x4.add(f32x4.mul(va0, vb0), c0x0);
      const vb1 = v128.load(b1);
      c0x1 = f32x4.add(f32x4.mul(va0, vb1), c0x1);
      const vb2 = v128.load(b2);
      c0x2 = f32x4.add(f32x4.mul(va0, vb2), c0x2);
      const vb3 = v128.load(b3);
      c0x3 = f32x4.add(f32x4.mul(va0, vb3), c0x3);
      a0 += 16; b0 += 16; b1 += 16; b2 += 16; b3 += 16;
      q -= 4;
    }
    while (q > 0) {
      const va0 = v128.load32_zero(a0);
      const vb0 = v128.load32_zero(b0);
      c0x0 = f32x4.add(f32x4.mul(va0, vb0), c0x0);
      const vb1 = v128.load32_zero(b1);
      c0x1 = f32x4.add(f32x4.mul(va0, vb1), c0x1);
      const vb2 = v128.load32_zero(b2);
      c0x2 = f32x4.add(f32x4.mul(va0, vb2), c0x2);
      const vb3 = v128.load32_zero(b3);
      c0x3 = f32x4.add(f32x4.mul(va0, vb3), c0x3);
      a0 += 4; b0 += 4; b1 += 4; b2 += 4; b3 += 4;
      q -= 1;
    }
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1); t0x2 = f32x4.add(t0x2, c0x2); t0x3 = f32x4.add(t0x3, c0x3);
  }
  v128.store(c, f32x4.mul(nt_reduce4(t0x0, t0x1, t0x2, t0x3), f32x4.splat(alpha)));
}

// matmul_nt_f32_2x1__simd128: C[2×1] (row stride ldc bytes) = alpha · A[2×k] · B[1×k]ᵀ (row strides lda, ldb bytes),
// k ≥ 0. Dot products along k in 4 lanes (lane l sums p ≡ l mod 4), reduced at the end as (l0 + l2) + (l1 + l3);
// the k % 4 tail enters lane 0 through zero-extended loads. 2 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nt_f32_2x1__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, alpha: f32): void {
  let a0 = a;
  let a1 = a0 + lda;
  let b0 = b;
  let t0x0 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0);
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0);
    while (q >= 4) {
      const va0 = v128.load(a0);
      const va1 = v128.load(a1);
      const vb0 = v128.load(b0);
      c0x0 = f32x4.add(f32x4.mul(va0, vb0), c0x0);
      c1x0 = f32x4.add(f32x4.mul(va1, vb0), c1x0);
      a0 += 16; a1 += 16; b0 += 16;
      q -= 4;
    }
    while (q > 0) {
      const va0 = v128.load32_zero(a0);
      const va1 = v128.load32_zero(a1);
      const vb0 = v128.load32_zero(b0);
      c0x0 = f32x4.add(f32x4.mul(va0, vb0), c0x0);
      c1x0 = f32x4.add(f32x4.mul(va1, vb0), c1x0);
      a0 += 4; a1 += 4; b0 += 4;
      q -= 1;
    }
    t0x0 = f32x4.add(t0x0, c0x0);
    t1x0 = f32x4.add(t1x0, c1x0);
  }
  store<f32>(c, nt_reduce1(t0x0) * alpha);
  store<f32>(c + 1 * ldc, nt_reduce1(t1x0) * alpha);
}

// matmul_nt_f32_1x1__simd128: C[1×1] (row stride ldc bytes) = alpha · A[1×k] · B[1×k]ᵀ (row strides lda, ldb bytes),
// k ≥ 0. Dot products along k in 4 lanes (lane l sums p ≡ l mod 4), reduced at the end as (l0 + l2) + (l1 + l3);
// the k % 4 tail enters lane 0 through zero-extended loads. 1 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nt_f32_1x1__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, alpha: f32): void {
  let a0 = a;
  let b0 = b;
  let t0x0 = f32x4.splat(0);
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0);
    while (q >= 4) {
      const va0 = v128.load(a0);
      const vb0 = v128.load(b0);
      c0x0 = f32x4.add(f32x4.mul(va0, vb0), c0x0);
      a0 += 16; b0 += 16;
      q -= 4;
    }
    while (q > 0) {
      const va0 = v128.load32_zero(a0);
      const vb0 = v128.load32_zero(b0);
      c0x0 = f32x4.add(f32x4.mul(va0, vb0), c0x0);
      a0 += 4; b0 += 4;
      q -= 1;
    }
    t0x0 = f32x4.add(t0x0, c0x0);
  }
  store<f32>(c, nt_reduce1(t0x0) * alpha);
}
