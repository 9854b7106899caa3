// Element-wise kernels over n contiguous f32: y[i] = f(x[i]) (y may equal x: each element is read
// before its own slot is written, and never read again). Pointers are byte offsets, n is elements.
// Body: two f32x4 per iteration (independent chains for the out-of-order core), then one f32x4, then
// the scalar twin for the last n mod 4 elements, so any n and any 4-byte alignment works.
import {
  exp_f32x4, exp_f32x1, tanh_f32x4, tanh_f32x1, erf_f32x4, erf_f32x1,
  gelu_erf_f32x4, gelu_erf_f32x1, gelu_tanh_f32x4, gelu_tanh_f32x1,
} from './math';


/** GELU, exact (HF "gelu"): x·Φ(x), math.ts gelu_erf_f32x4 (≤ 1.2e-7·max(1,|x|) absolute). */
export function gelu_f32(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    const b = v128.load(x + o, 16);
    v128.store(y + o, gelu_erf_f32x4(a));
    v128.store(y + o, gelu_erf_f32x4(b), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    v128.store(y + o, gelu_erf_f32x4(a));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, gelu_erf_f32x1(load<f32>(x + o)));
  }
}

/** GELU, tanh approximation (HF "gelu_new", "gelu_pytorch_tanh"), math.ts gelu_tanh_f32x4. */
export function gelu_tanh_f32(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    const b = v128.load(x + o, 16);
    v128.store(y + o, gelu_tanh_f32x4(a));
    v128.store(y + o, gelu_tanh_f32x4(b), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    v128.store(y + o, gelu_tanh_f32x4(a));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, gelu_tanh_f32x1(load<f32>(x + o)));
  }
}

/** tanh (the pooler's activation), math.ts tanh_f32x4 (≤ 3 ulp). */
export function tanh_f32(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    const b = v128.load(x + o, 16);
    v128.store(y + o, tanh_f32x4(a));
    v128.store(y + o, tanh_f32x4(b), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    v128.store(y + o, tanh_f32x4(a));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, tanh_f32x1(load<f32>(x + o)));
  }
}

/** erf, math.ts erf_f32x4 (≤ 1.2e-7 absolute): exported for the tests and ONNX's Erf vectors. */
export function erf_f32(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    const b = v128.load(x + o, 16);
    v128.store(y + o, erf_f32x4(a));
    v128.store(y + o, erf_f32x4(b), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    v128.store(y + o, erf_f32x4(a));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, erf_f32x1(load<f32>(x + o)));
  }
}

/** exp, math.ts exp_f32x4 (≤ 2 ulp): exported for the tests. */
export function exp_f32(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    const b = v128.load(x + o, 16);
    v128.store(y + o, exp_f32x4(a));
    v128.store(y + o, exp_f32x4(b), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    v128.store(y + o, exp_f32x4(a));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, exp_f32x1(load<f32>(x + o)));
  }
}

/** ReLU: x < 0 ? 0 : x (f32x4.pmax: one maxps; NaN stays NaN, as with torch.relu). */
export function relu_f32(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    const b = v128.load(x + o, 16);
    v128.store(y + o, f32x4.pmax(a, f32x4.splat(0)));
    v128.store(y + o, f32x4.pmax(b, f32x4.splat(0)), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const a = v128.load(x + o);
    v128.store(y + o, f32x4.pmax(a, f32x4.splat(0)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, max<f32>(load<f32>(x + o), 0));
  }
}

/** y = a + b (residual add); y may equal a or b. */
export function add_f32(n: i32, a: usize, b: usize, y: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const s0 = f32x4.add(v128.load(a + o), v128.load(b + o));
    const s1 = f32x4.add(v128.load(a + o, 16), v128.load(b + o, 16));
    v128.store(y + o, s0);
    v128.store(y + o, s1, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** x[r, :] += bias for each of m rows of n elements, row stride ldx elements (in place). */
export function bias_add_f32(m: i32, n: i32, x: usize, ldx: i32, bias: usize): void {
  for (let r = 0; r < m; r++) {
    const row = x + ((<usize>r * <usize>ldx) << 2);
    add_f32(n, row, bias, row);
  }
}

/**
 * y = x, n elements (the benchmark's memory-speed yardstick). memory.copy is the engine's memmove, the
 * fastest copy wasm can express; overlapping ranges are handled as memmove does.
 */
export function copy_f32(n: i32, x: usize, y: usize): void {
  memory.copy(y, x, <usize>n << 2);
}
