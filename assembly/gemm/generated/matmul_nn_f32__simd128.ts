// generated — do not edit: scripts/gen-kernels.mjs renders this file from its template.
// Strided C = A·B tiles (1x8, 1x4, 2x8, 2x4, 3x8, 3x4, 4x8, 4x4), simd128: one template, see the generator.
// Summation per output: KC = 128 products per fresh accumulator chain, chains added in k order.


// matmul_nn_f32_1x8__simd128: C[1×8] (row stride ldc bytes) = A[1×k] (row stride lda bytes) · B[k×8] (row stride ldb bytes),
// k ≥ 1, B read in place (no packing). 1×8 register tile: 2 f32x4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nn_f32_1x8__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let a0 = a;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let bp = b;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    do {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      const va0 = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va0, b1), c0x1);
      a0 += 4;
      bp += ldb;
      q -= 1;
    } while (q > 0);
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
  }
  v128.store(c, t0x0);
  v128.store(c, t0x1, 16);
}

// matmul_nn_f32_1x4__simd128: C[1×4] (row stride ldc bytes) = A[1×k] (row stride lda bytes) · B[k×4] (row stride ldb bytes),
// k ≥ 1, B read in place (no packing). 1×4 register tile: 1 f32x4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nn_f32_1x4__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let a0 = a;
  let t0x0 = f32x4.splat(0);
  let bp = b;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0);
    do {
      const b0 = v128.load(bp);
      const va0 = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      a0 += 4;
      bp += ldb;
      q -= 1;
    } while (q > 0);
    t0x0 = f32x4.add(t0x0, c0x0);
  }
  v128.store(c, t0x0);
}

// matmul_nn_f32_2x8__simd128: C[2×8] (row stride ldc bytes) = A[2×k] (row stride lda bytes) · B[k×8] (row stride ldb bytes),
// k ≥ 1, B read in place (no packing). 2×8 register tile: 4 f32x4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nn_f32_2x8__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let a0 = a;
  let a1 = a0 + lda;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let bp = b;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    do {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      const va0 = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va0, b1), c0x1);
      const va1 = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va1, b1), c1x1);
      a0 += 4; a1 += 4;
      bp += ldb;
      q -= 1;
    } while (q > 0);
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
  }
  v128.store(c, t0x0);
  v128.store(c, t0x1, 16);
  v128.store(c + 1 * ldc, t1x0);
  v128.store(c + 1 * ldc, t1x1, 16);
}

// matmul_nn_f32_2x4__simd128: C[2×4] (row stride ldc bytes) = A[2×k] (row stride lda bytes) · B[k×4] (row stride ldb bytes),
// k ≥ 1, B read in place (no packing). 2×4 register tile: 2 f32x4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nn_f32_2x4__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let a0 = a;
  let a1 = a0 + lda;
  let t0x0 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0);
  let bp = b;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0);
    do {
      const b0 = v128.load(bp);
      const va0 = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      const va1 = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      a0 += 4; a1 += 4;
      bp += ldb;
      q -= 1;
    } while (q > 0);
    t0x0 = f32x4.add(t0x0, c0x0);
    t1x0 = f32x4.add(t1x0, c1x0);
  }
  v128.store(c, t0x0);
  v128.store(c + 1 * ldc, t1x0);
}

// matmul_nn_f32_3x8__simd128: C[3×8] (row stride ldc bytes) = A[3×k] (row stride lda bytes) · B[k×8] (row stride ldb bytes),
// k ≥ 1, B read in place (no packing). 3×8 register tile: 6 f32x4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nn_f32_3x8__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let a0 = a;
  let a1 = a0 + lda;
  let a2 = a1 + lda;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let t2x0 = f32x4.splat(0), t2x1 = f32x4.splat(0);
  let bp = b;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    let c2x0 = f32x4.splat(0), c2x1 = f32x4.splat(0);
    do {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      const va0 = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va0, b1), c0x1);
      const va1 = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va1, b1), c1x1);
      const va2 = v128.load32_splat(a2);
      c2x0 = f32x4.add(f32x4.mul(va2, b0), c2x0);
      c2x1 = f32x4.add(f32x4.mul(va2, b1), c2x1);
      a0 += 4; a1 += 4; a2 += 4;
      bp += ldb;
      q -= 1;
    } while (q > 0);
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
    t2x0 = f32x4.add(t2x0, c2x0); t2x1 = f32x4.add(t2x1, c2x1);
  }
  v128.store(c, t0x0);
  v128.store(c, t0x1, 16);
  v128.store(c + 1 * ldc, t1x0);
  v128.store(c + 1 * ldc, t1x1, 16);
  v128.store(c + 2 * ldc, t2x0);
  v128.store(c + 2 * ldc, t2x1, 16);
}

// matmul_nn_f32_3x4__simd128: C[3×4] (row stride ldc bytes) = A[3×k] (row stride lda bytes) · B[k×4] (row stride ldb bytes),
// k ≥ 1, B read in place (no packing). 3×4 register tile: 3 f32x4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nn_f32_3x4__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let a0 = a;
  let a1 = a0 + lda;
  let a2 = a1 + lda;
  let t0x0 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0);
  let t2x0 = f32x4.splat(0);
  let bp = b;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0);
    let c2x0 = f32x4.splat(0);
    do {
      const b0 = v128.load(bp);
      const va0 = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      const va1 = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      const va2 = v128.load32_splat(a2);
      c2x0 = f32x4.add(f32x4.mul(va2, b0), c2x0);
      a0 += 4; a1 += 4; a2 += 4;
      bp += ldb;
      q -= 1;
    } while (q > 0);
    t0x0 = f32x4.add(t0x0, c0x0);
    t1x0 = f32x4.add(t1x0, c1x0);
    t2x0 = f32x4.add(t2x0, c2x0);
  }
  v128.store(c, t0x0);
  v128.store(c + 1 * ldc, t1x0);
  v128.store(c + 2 * ldc, t2x0);
}

// matmul_nn_f32_4x8__simd128: C[4×8] (row stride ldc bytes) = A[4×k] (row stride lda bytes) · B[k×8] (row stride ldb bytes),
// k ≥ 1, B read in place (no packing). 4×8 register tile: 8 f32x4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nn_f32_4x8__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let a0 = a;
  let a1 = a0 + lda;
  let a2 = a1 + lda;
  let a3 = a2 + lda;
  let t0x0 = f32x4.splat(0), t0x1 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0), t1x1 = f32x4.splat(0);
  let t2x0 = f32x4.splat(0), t2x1 = f32x4.splat(0);
  let t3x0 = f32x4.splat(0), t3x1 = f32x4.splat(0);
  let bp = b;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0), c0x1 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0), c1x1 = f32x4.splat(0);
    let c2x0 = f32x4.splat(0), c2x1 = f32x4.splat(0);
    let c3x0 = f32x4.splat(0), c3x1 = f32x4.splat(0);
    do {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      const va0 = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      c0x1 = f32x4.add(f32x4.mul(va0, b1), c0x1);
      const va1 = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      c1x1 = f32x4.add(f32x4.mul(va1, b1), c1x1);
      const va2 = v128.load32_splat(a2);
      c2x0 = f32x4.add(f32x4.mul(va2, b0), c2x0);
      c2x1 = f32x4.add(f32x4.mul(va2, b1), c2x1);
      const va3 = v128.load32_splat(a3);
      c3x0 = f32x4.add(f32x4.mul(va3, b0), c3x0);
      c3x1 = f32x4.add(f32x4.mul(va3, b1), c3x1);
      a0 += 4; a1 += 4; a2 += 4; a3 += 4;
      bp += ldb;
      q -= 1;
    } while (q > 0);
    t0x0 = f32x4.add(t0x0, c0x0); t0x1 = f32x4.add(t0x1, c0x1);
    t1x0 = f32x4.add(t1x0, c1x0); t1x1 = f32x4.add(t1x1, c1x1);
    t2x0 = f32x4.add(t2x0, c2x0); t2x1 = f32x4.add(t2x1, c2x1);
    t3x0 = f32x4.add(t3x0, c3x0); t3x1 = f32x4.add(t3x1, c3x1);
  }
  v128.store(c, t0x0);
  v128.store(c, t0x1, 16);
  v128.store(c + 1 * ldc, t1x0);
  v128.store(c + 1 * ldc, t1x1, 16);
  v128.store(c + 2 * ldc, t2x0);
  v128.store(c + 2 * ldc, t2x1, 16);
  v128.store(c + 3 * ldc, t3x0);
  v128.store(c + 3 * ldc, t3x1, 16);
}

// matmul_nn_f32_4x4__simd128: C[4×4] (row stride ldc bytes) = A[4×k] (row stride lda bytes) · B[k×4] (row stride ldb bytes),
// k ≥ 1, B read in place (no packing). 4×4 register tile: 4 f32x4 accumulators, f32x4.mul + f32x4.add (two roundings, same bits on every CPU).
export function matmul_nn_f32_4x4__simd128(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  let a0 = a;
  let a1 = a0 + lda;
  let a2 = a1 + lda;
  let a3 = a2 + lda;
  let t0x0 = f32x4.splat(0);
  let t1x0 = f32x4.splat(0);
  let t2x0 = f32x4.splat(0);
  let t3x0 = f32x4.splat(0);
  let bp = b;
  let kk = k;
  while (kk > 0) {
    let q = kk < 128 ? kk : 128;
    kk -= q;
    let c0x0 = f32x4.splat(0);
    let c1x0 = f32x4.splat(0);
    let c2x0 = f32x4.splat(0);
    let c3x0 = f32x4.splat(0);
    do {
      const b0 = v128.load(bp);
      const va0 = v128.load32_splat(a0);
      c0x0 = f32x4.add(f32x4.mul(va0, b0), c0x0);
      const va1 = v128.load32_splat(a1);
      c1x0 = f32x4.add(f32x4.mul(va1, b0), c1x0);
      const va2 = v128.load32_splat(a2);
      c2x0 = f32x4.add(f32x4.mul(va2, b0), c2x0);
      const va3 = v128.load32_splat(a3);
      c3x0 = f32x4.add(f32x4.mul(va3, b0), c3x0);
      a0 += 4; a1 += 4; a2 += 4; a3 += 4;
      bp += ldb;
      q -= 1;
    } while (q > 0);
    t0x0 = f32x4.add(t0x0, c0x0);
    t1x0 = f32x4.add(t1x0, c1x0);
    t2x0 = f32x4.add(t2x0, c2x0);
    t3x0 = f32x4.add(t3x0, c3x0);
  }
  v128.store(c, t0x0);
  v128.store(c + 1 * ldc, t1x0);
  v128.store(c + 2 * ldc, t2x0);
  v128.store(c + 3 * ldc, t3x0);
}
