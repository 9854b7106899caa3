// Typed signatures of assembly/gemm/ exports. Pointers are byte offsets into the kernels' memory (from
// Arena.alloc); m, n, k and leading dimensions (ld*) are f32 element counts. No kernel allocates.
//
// Packed weights (XNNPACK layout): a PyTorch Linear weight W [n, k] (= [out, in]) and its bias are packed
// once into panels of gemm_nr() = 8 columns: 8 bias values then k rows of 8 weights, the last panel
// zero-padded. A column slice [n0, n1) (n0 a multiple of gemm_nr()) of any GEMM below is computed by
// passing w + gemm_pack_offset(n0, k), c + 4·n0 and n = n1 − n0, with bit-identical results.
//
// Every GEMM: C[m×n] (row stride ldc) from A[m×k] (row stride lda) and the packed W, for any m, n, k ≥ 0.
// Summation: per output, chains of 128 products (f32, FMA on the relaxed build) added in k order, then
// the bias, then the epilogue. In-place use: C must not overlap A (C may be the residual, see below).

/** (m, n, k, a, lda, w, c, ldc): the uniform signature of the GEMM entry points. */
export type GemmFn = (m: number, n: number, k: number, a: number, lda: number, w: number, c: number, ldc: number) => void;

export interface GemmExports {
  /** Columns per packed panel (8): column slices start at multiples of it. */
  gemm_nr(): number;
  /** Rows per register tile (4), and of gemm_pack_a_f32's strips: packed-A row slices start at multiples of it. */
  gemm_mr(): number;
  /** Bytes of the packed form of an [n, k] weight, bias included. */
  gemm_pack_size(n: number, k: number): number;
  /** Byte offset, in a packed [·, k] weight, of the panel starting at column n0 (a multiple of gemm_nr()). */
  gemm_pack_offset(n0: number, k: number): number;
  /** Pack W [n, k] (row stride ldw) and bias [n] (0 = no bias) into `packed` (gemm_pack_size(n, k) bytes). */
  gemm_pack_f32(n: number, k: number, w: number, ldw: number, bias: number, packed: number): void;
  /** C = A·Wᵀ + b. */
  gemm_f32__bias: GemmFn;
  /** C = GELU(A·Wᵀ + b), exact erf GELU (HF "gelu"). */
  gemm_f32__bias_gelu: GemmFn;
  /** C = GELU_tanh(A·Wᵀ + b) (HF "gelu_new" / "gelu_pytorch_tanh"). */
  gemm_f32__bias_gelu_tanh: GemmFn;
  /** C = max(A·Wᵀ + b, 0) (relu(−0) = −0, relu(NaN) = NaN). */
  gemm_f32__bias_relu: GemmFn;
  /** C = (A·Wᵀ + b) + C: C holds the residual on entry (HF's dense(x) + input_tensor). */
  gemm_f32__bias_residual: GemmFn;
  /** Bytes gemm_pack_a_f32 writes for an [m, k] A: whole strips of 4 rows, the last zero-padded. */
  gemm_pack_a_size(m: number, k: number): number;
  /**
   * Pack A [m, k] (row stride lda) into strips of 4 rows interleaved per k (row r at k = p: float 4p + r of
   * its strip) at `pa`. The gemm_f32_pa__* entry points then take (a = pa, lda = k): same bits as the plain
   * GEMM, one A pointer per tile instead of four. A row slice from m0 (a multiple of 4) is pa + 4·m0·k.
   */
  gemm_pack_a_f32(m: number, k: number, a: number, lda: number, pa: number): void;
  gemm_f32_pa__bias: GemmFn;
  gemm_f32_pa__bias_gelu: GemmFn;
  gemm_f32_pa__bias_gelu_tanh: GemmFn;
  gemm_f32_pa__bias_relu: GemmFn;
  gemm_f32_pa__bias_residual: GemmFn;
  /**
   * C[i, j] = alpha · Σ_p A[i, p]·B[j, p], any strides, no scratch (ONNX MatMul with B transposed). The
   * model's attention uses attention_f32 instead; k = 0 gives zeros.
   */
  matmul_f32_nt(
    m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, alpha: number,
  ): void;
  /** C[i, j] = Σ_p A[i, p]·B[p, j], any strides, no scratch (ONNX MatMul). k = 0 gives zeros. */
  matmul_f32_nn(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number): void;
  /** Scratch bytes attention_f32 needs for n tokens, head size d (packed K and V, one block of scores). */
  attention_scratch_size(n: number, d: number): number;
  /**
   * One head: ctx[n×d] (row stride ldc) = softmax(Q·Kᵀ·scale)·V, Q, K, V [n, d] at row stride ld (a head's
   * slices of the [n, 3H] QKV buffer). K and V are packed into `scratch` and both products run on the
   * packed GEMM, query rows in blocks whose scores stay in cache. probs ≠ 0: the probabilities [n, n] are
   * left there too (output_attentions).
   */
  attention_f32(
    n: number, d: number, q: number, k: number, v: number, ld: number, scale: number, ctx: number, ldc: number, probs: number, scratch: number,
  ): void;
}
