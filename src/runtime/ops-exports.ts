// Typed signatures of assembly/ops/ exports. Pointers are byte offsets into the kernels' memory (from
// Arena.alloc); sizes and leading dimensions (ld*) are element counts. In-place use is allowed only
// where noted.
export interface OpsExports {
  /** Row-wise softmax in place over m rows of n (stride ldx), after adding bias ([n] row; 0 = none). */
  softmax_f32(m: number, n: number, x: number, ldx: number, bias: number): void;
  /** y = (x − mean)/sqrt(var + eps)·γ + β per row (biased variance, two-pass); y may equal x. */
  layernorm_f32(
    m: number, n: number, x: number, ldx: number, gamma: number, beta: number, eps: number, y: number, ldy: number,
  ): void;
  /** y = LayerNorm(x + r), x + r rounded to f32 first; y may equal x or r. */
  add_layernorm_f32(
    m: number, n: number, x: number, ldx: number, r: number, ldr: number,
    gamma: number, beta: number, eps: number, y: number, ldy: number,
  ): void;
  /** Exact GELU (HF "gelu"): x·Φ(x); y may equal x. */
  gelu_f32(n: number, x: number, y: number): void;
  /** tanh-approximated GELU (HF "gelu_new" / "gelu_pytorch_tanh"); y may equal x. */
  gelu_tanh_f32(n: number, x: number, y: number): void;
  tanh_f32(n: number, x: number, y: number): void;
  erf_f32(n: number, x: number, y: number): void;
  exp_f32(n: number, x: number, y: number): void;
  relu_f32(n: number, x: number, y: number): void;
  /** y = a + b; y may equal a or b. */
  add_f32(n: number, a: number, b: number, y: number): void;
  /** x[r, :] += bias for m rows of n (stride ldx), in place. */
  bias_add_f32(m: number, n: number, x: number, ldx: number, bias: number): void;
  /** y = x (memmove semantics). */
  copy_f32(n: number, x: number, y: number): void;
  /**
   * Peak probe: 10 independent f32x4 relaxed_madd chains (mul+add on the SIMD128 build) over the
   * operands a = f32x4 at p, b = f32x4 at p + 16 (32 bytes; write a = 1, b = 0). Register-only apart
   * from re-reading those 32 bytes each iteration. FLOPs = iters·peak_chains(0)·8.
   */
  peak_fma_f32x4(iters: number, p: number): number;
  /** Peak probe: 6 f32x4 multiply chains feeding 6 add chains, x0 = a at p; FLOPs = iters·peak_chains(1)·8. */
  peak_muladd_f32x4(iters: number, p: number): number;
  /** Multiply-add pairs per iteration: probe 0 = peak_fma_f32x4 (10), 1 = peak_muladd_f32x4 (6). */
  peak_chains(probe: number): number;
}
