// Adapter to the GEMM family's exports (assembly/gemm/, written in parallel): the benchmark picks up
// whichever exist, so it runs before and after they land. Signatures (src/runtime/gemm-exports.ts):
//   gemm_pack_size(n, k) → bytes;  gemm_pack_f32(n, k, w, ldw, bias, packed)
//   gemm_f32__bias[_gelu|_gelu_tanh|_relu|_residual](m, n, k, a, lda, w_packed, c, ldc)
//   matmul_f32_nt(m, n, k, a, lda, b, ldb, c, ldc, alpha)   C = α·A·Bᵀ
//   matmul_f32_nn(m, n, k, a, lda, b, ldb, c, ldc[, alpha]) C = A·B

export function hasGemm(k) {
  return typeof k.exports.gemm_f32__bias === 'function' && typeof k.exports.gemm_pack_f32 === 'function';
}
export function hasAttention(k) {
  return typeof k.exports.matmul_f32_nt === 'function' && typeof k.exports.matmul_f32_nn === 'function';
}

/** Pack W [n, k] (PyTorch's [out, in]) and a bias [n]; returns the packed pointer. */
export function packWeights(k, arena, n, kk, w, bias) {
  const e = k.exports;
  const size = Number(e.gemm_pack_size(n, kk));
  const packed = arena.alloc(size, 'packed weights');
  e.gemm_pack_f32(n, kk, w, kk, bias, packed);
  return packed;
}

/** C[m, n] = A[m, k]·B[n, k]ᵀ·alpha with row strides (attention's Q·Kᵀ reading heads in place). */
export function matmulNT(k, m, n, kk, a, lda, b, ldb, c, ldc, alpha) {
  k.exports.matmul_f32_nt(m, n, kk, a, lda, b, ldb, c, ldc, alpha);
}
/** C[m, n] = A[m, k]·B[k, n] (attention's P·V). */
export function matmulNN(k, m, n, kk, a, lda, b, ldb, c, ldc) {
  const f = k.exports.matmul_f32_nn;
  if (f.length >= 10) f(m, n, kk, a, lda, b, ldb, c, ldc, 1);
  else f(m, n, kk, a, lda, b, ldb, c, ldc);
}
