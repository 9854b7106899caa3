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
  /** Register-only f32x4 FMA chains (mul+add on the SIMD128 build); FLOPs = iters·peak_chains()·8. */
  peak_fma_f32x4(iters: number): number;
  /** Register-only f32x4 mul+add chains; FLOPs = iters·peak_chains()·8. */
  peak_muladd_f32x4(iters: number): number;
  /** Independent accumulator chains in the peak probes (12). */
  peak_chains(): number;
}
