// Row-wise and element-wise ops: softmax, layernorm, GELU, tanh, add; peak probes. (owned by the ops work)
// Pointers are byte offsets into linear memory; sizes and leading dimensions are in elements.
// math.ts (exp/tanh/erf/GELU on f32x4 with scalar twins) is imported directly by the GEMM epilogues.
export { softmax_f32 } from './softmax';
export { layernorm_f32, add_layernorm_f32 } from './layernorm';
export {
  gelu_f32, gelu_tanh_f32, tanh_f32, erf_f32, exp_f32, relu_f32, add_f32, bias_add_f32, copy_f32,
} from './elementwise';
export { peak_fma_f32x4, peak_muladd_f32x4, peak_chains, peak_dot_i16x8, peak_dot_i8x16, peak_dot_ops } from './peak';
