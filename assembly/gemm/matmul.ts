// Strided matmuls without packing or scratch: C = α·A·Bᵀ and C = A·B over any leading dimensions (ONNX
// MatMul semantics, checked against its test vectors). The model's attention ran on these until
// attention.ts: at a head's stride of 3H they reach 12–18 GFLOP/s, the packed GEMM ~45.
// Pointers are byte offsets; m, n, k and leading dimensions are in f32 elements.
import {
  matmul_nt_f32_2x4__relaxed_fma, matmul_nt_f32_1x4__relaxed_fma, matmul_nt_f32_2x1__relaxed_fma,
  matmul_nt_f32_1x1__relaxed_fma,
} from './generated/matmul_nt_f32__relaxed_fma';
import {
  matmul_nt_f32_2x4__simd128, matmul_nt_f32_1x4__simd128, matmul_nt_f32_2x1__simd128, matmul_nt_f32_1x1__simd128,
} from './generated/matmul_nt_f32__simd128';
import {
  matmul_nn_f32_1x8__relaxed_fma, matmul_nn_f32_2x8__relaxed_fma, matmul_nn_f32_3x8__relaxed_fma,
  matmul_nn_f32_4x8__relaxed_fma, matmul_nn_f32_1x4__relaxed_fma, matmul_nn_f32_2x4__relaxed_fma,
  matmul_nn_f32_3x4__relaxed_fma, matmul_nn_f32_4x4__relaxed_fma,
} from './generated/matmul_nn_f32__relaxed_fma';
import {
  matmul_nn_f32_1x8__simd128, matmul_nn_f32_2x8__simd128, matmul_nn_f32_3x8__simd128, matmul_nn_f32_4x8__simd128,
  matmul_nn_f32_1x4__simd128, matmul_nn_f32_2x4__simd128, matmul_nn_f32_3x4__simd128, matmul_nn_f32_4x4__simd128,
} from './generated/matmul_nn_f32__simd128';
import { KC } from './generated/params';

// ---------------------------------------------------------------------------------------------------
// C = alpha · A · Bᵀ: scores = Q_h·K_hᵀ/√d. Tiles of 2 rows of A × 4 rows of B, dot products along k
// in f32x4 lanes; remainder rows/columns by the 1x4, 2x1, 1x1 tiles (same per-output arithmetic).

// @ts-ignore: decorator
@inline function nt(mr: i32, nr: i32, k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, alpha: f32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (mr == 2) {
      if (nr == 4) matmul_nt_f32_2x4__relaxed_fma(k, a, lda, b, ldb, c, ldc, alpha);
      else matmul_nt_f32_2x1__relaxed_fma(k, a, lda, b, ldb, c, ldc, alpha);
    } else {
      if (nr == 4) matmul_nt_f32_1x4__relaxed_fma(k, a, lda, b, ldb, c, ldc, alpha);
      else matmul_nt_f32_1x1__relaxed_fma(k, a, lda, b, ldb, c, ldc, alpha);
    }
  } else {
    if (mr == 2) {
      if (nr == 4) matmul_nt_f32_2x4__simd128(k, a, lda, b, ldb, c, ldc, alpha);
      else matmul_nt_f32_2x1__simd128(k, a, lda, b, ldb, c, ldc, alpha);
    } else {
      if (nr == 4) matmul_nt_f32_1x4__simd128(k, a, lda, b, ldb, c, ldc, alpha);
      else matmul_nt_f32_1x1__simd128(k, a, lda, b, ldb, c, ldc, alpha);
    }
  }
}

/** C[i, j] = alpha · Σ_p A[i, p]·B[j, p] for i < m, j < n, p < k (k = 0 gives zeros). */
export function matmul_f32_nt(
  m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, alpha: f32,
): void {
  const ldaB = <usize>lda << 2;
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  for (let i = 0; i < m; i += 2) {
    const mr = min(2, m - i);
    const ai = a + <usize>i * ldaB;
    const ci = c + <usize>i * ldcB;
    let j = 0;
    for (; j + 4 <= n; j += 4) nt(mr, 4, k, ai, ldaB, b + <usize>j * ldbB, ldbB, ci + (<usize>j << 2), ldcB, alpha);
    for (; j < n; j++) nt(mr, 1, k, ai, ldaB, b + <usize>j * ldbB, ldbB, ci + (<usize>j << 2), ldcB, alpha);
  }
}

// ---------------------------------------------------------------------------------------------------
// C = A · B: context = P·V_h. Tiles of up to 4 rows × 8 (then 4) columns, B rows loaded in place;
// the last n % 4 columns by a scalar loop with the same k blocking.

// @ts-ignore: decorator
@inline function nn8(mr: i32, k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    switch (mr) {
      case 4: matmul_nn_f32_4x8__relaxed_fma(k, a, lda, b, ldb, c, ldc); break;
      case 3: matmul_nn_f32_3x8__relaxed_fma(k, a, lda, b, ldb, c, ldc); break;
      case 2: matmul_nn_f32_2x8__relaxed_fma(k, a, lda, b, ldb, c, ldc); break;
      default: matmul_nn_f32_1x8__relaxed_fma(k, a, lda, b, ldb, c, ldc);
    }
  } else {
    switch (mr) {
      case 4: matmul_nn_f32_4x8__simd128(k, a, lda, b, ldb, c, ldc); break;
      case 3: matmul_nn_f32_3x8__simd128(k, a, lda, b, ldb, c, ldc); break;
      case 2: matmul_nn_f32_2x8__simd128(k, a, lda, b, ldb, c, ldc); break;
      default: matmul_nn_f32_1x8__simd128(k, a, lda, b, ldb, c, ldc);
    }
  }
}

// @ts-ignore: decorator
@inline function nn4(mr: i32, k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    switch (mr) {
      case 4: matmul_nn_f32_4x4__relaxed_fma(k, a, lda, b, ldb, c, ldc); break;
      case 3: matmul_nn_f32_3x4__relaxed_fma(k, a, lda, b, ldb, c, ldc); break;
      case 2: matmul_nn_f32_2x4__relaxed_fma(k, a, lda, b, ldb, c, ldc); break;
      default: matmul_nn_f32_1x4__relaxed_fma(k, a, lda, b, ldb, c, ldc);
    }
  } else {
    switch (mr) {
      case 4: matmul_nn_f32_4x4__simd128(k, a, lda, b, ldb, c, ldc); break;
      case 3: matmul_nn_f32_3x4__simd128(k, a, lda, b, ldb, c, ldc); break;
      case 2: matmul_nn_f32_2x4__simd128(k, a, lda, b, ldb, c, ldc); break;
      default: matmul_nn_f32_1x4__simd128(k, a, lda, b, ldb, c, ldc);
    }
  }
}

/** One output column by scalar f32 arithmetic, summed in the tiles' KC blocks. */
function nn_column(k: i32, a: usize, b: usize, ldb: usize): f32 {
  let total: f32 = 0;
  let p = 0;
  while (p < k) {
    const end = min(k, p + KC);
    let s: f32 = 0;
    for (; p < end; p++) s += load<f32>(a + (<usize>p << 2)) * load<f32>(b + <usize>p * ldb);
    total += s;
  }
  return total;
}

/** C[i, j] = Σ_p A[i, p]·B[p, j] for i < m, j < n, p < k (k = 0 gives zeros). */
export function matmul_f32_nn(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  const ldaB = <usize>lda << 2;
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  if (k <= 0) {
    for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcB, 0, <usize>max(n, 0) << 2);
    return;
  }
  for (let i = 0; i < m; i += 4) {
    const mr = min(4, m - i);
    const ai = a + <usize>i * ldaB;
    const ci = c + <usize>i * ldcB;
    let j = 0;
    for (; j + 8 <= n; j += 8) nn8(mr, k, ai, ldaB, b + (<usize>j << 2), ldbB, ci + (<usize>j << 2), ldcB);
    if (j + 4 <= n) {
      nn4(mr, k, ai, ldaB, b + (<usize>j << 2), ldbB, ci + (<usize>j << 2), ldcB);
      j += 4;
    }
    for (; j < n; j++) {
      for (let r = 0; r < mr; r++) {
        store<f32>(ci + <usize>r * ldcB + (<usize>j << 2), nn_column(k, ai + <usize>r * ldaB, b + (<usize>j << 2), ldbB));
      }
    }
  }
}
