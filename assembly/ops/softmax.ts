// Row-wise softmax, in place: x[r, :] = softmax(x[r, :] + bias) for m rows of n elements, row stride
// ldx elements. bias = 0: none; otherwise an [n] additive row (BERT's attention mask: 0 or a large
// negative per key) added before the max, as PyTorch does (scores + mask, then softmax).
// Three passes over the row (which sits in L1 for every BERT shape): max; e = exp(x − max) stored in
// place while summing; scale by 1/Σ. Max-subtraction keeps exp ≤ 1 so nothing overflows; a row that is
// all equal large negatives (a fully masked row) becomes uniform, as in PyTorch.
// Error: exp ≤ 2 ulp; Σ over four f32x4 accumulators (relative error ≲ n/16·2^-24); 1/Σ then one
// multiply: ≤ ~4 ulp per element for n ≤ 3072 (measured in test/kernels-ops.test.ts).
import { exp_f32x4, exp_f32x1 } from './math';

export function softmax_f32(m: i32, n: i32, x: usize, ldx: i32, bias: usize): void {
  softmax_rows(m, n, x, ldx, bias, 1, false);
}

/**
 * The rows' loop. `scaled` (a compile-time constant at each call site): x[r, :] = softmax(scale·x[r, :])
 * instead, the attention's scores/√d multiplied in a first pass over the row while it is hot (one
 * rounding, the same as scaling the stored scores first; bias must be 0).
 */
// @ts-ignore: decorator
@inline export function softmax_rows(m: i32, n: i32, x: usize, ldx: i32, bias: usize, scale: f32, scaled: bool): void {
  const n4 = n & ~3;
  for (let r = 0; r < m; r++) {
    const row = x + ((<usize>r * <usize>ldx) << 2);
    if (scaled) {
      const vs = f32x4.splat(scale);
      let i = 0;
      for (; i < n4; i += 4) {
        const o = <usize>i << 2;
        v128.store(row + o, f32x4.mul(v128.load(row + o), vs));
      }
      for (; i < n; i++) {
        const o = <usize>i << 2;
        store<f32>(row + o, load<f32>(row + o) * scale);
      }
    }
    if (bias != 0) {
      let i = 0;
      for (; i < n4; i += 4) {
        const o = <usize>i << 2;
        v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
      }
      for (; i < n; i++) {
        const o = <usize>i << 2;
        store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
      }
    }
    // pass 1: max (four accumulators hide pmax's latency; pmax is one maxps, wasm max is ~7 instructions)
    let mx0 = f32x4.splat(-Infinity);
    let mx1 = mx0, mx2 = mx0, mx3 = mx0;
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const o = <usize>i << 2;
      mx0 = f32x4.pmax(mx0, v128.load(row + o));
      mx1 = f32x4.pmax(mx1, v128.load(row + o, 16));
      mx2 = f32x4.pmax(mx2, v128.load(row + o, 32));
      mx3 = f32x4.pmax(mx3, v128.load(row + o, 48));
    }
    for (; i < n4; i += 4) mx0 = f32x4.pmax(mx0, v128.load(row + (<usize>i << 2)));
    mx0 = f32x4.pmax(f32x4.pmax(mx0, mx1), f32x4.pmax(mx2, mx3));
    let mx = max<f32>(
      max<f32>(f32x4.extract_lane(mx0, 0), f32x4.extract_lane(mx0, 1)),
      max<f32>(f32x4.extract_lane(mx0, 2), f32x4.extract_lane(mx0, 3)),
    );
    for (; i < n; i++) mx = max<f32>(mx, load<f32>(row + (<usize>i << 2)));

    // pass 2: e = exp(x − max) in place, Σe. Four vectors per trip: one exp is a ~45-cycle dependency
    // chain, and V8 emits each inlined exp as one straight run, so the core overlaps only as many of
    // them as its scheduler window holds; more independent exps per trip keep both FMA pipes busy.
    const vmx = f32x4.splat(mx);
    let s0 = f32x4.splat(0);
    let s1 = s0, s2 = s0, s3 = s0;
    i = 0;
    for (; i + 16 <= n; i += 16) {
      const o = <usize>i << 2;
      const e0 = exp_f32x4(f32x4.sub(v128.load(row + o), vmx));
      const e1 = exp_f32x4(f32x4.sub(v128.load(row + o, 16), vmx));
      const e2 = exp_f32x4(f32x4.sub(v128.load(row + o, 32), vmx));
      const e3 = exp_f32x4(f32x4.sub(v128.load(row + o, 48), vmx));
      v128.store(row + o, e0);
      v128.store(row + o, e1, 16);
      v128.store(row + o, e2, 32);
      v128.store(row + o, e3, 48);
      s0 = f32x4.add(s0, e0);
      s1 = f32x4.add(s1, e1);
      s2 = f32x4.add(s2, e2);
      s3 = f32x4.add(s3, e3);
    }
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      const e0 = exp_f32x4(f32x4.sub(v128.load(row + o), vmx));
      v128.store(row + o, e0);
      s0 = f32x4.add(s0, e0);
    }
    s0 = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
    let sum = (f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1)) +
      (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3));
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const e = exp_f32x1(load<f32>(row + o) - mx);
      store<f32>(row + o, e);
      sum += e;
    }

    // pass 3: scale
    const inv: f32 = <f32>1.0 / sum;
    const vinv = f32x4.splat(inv);
    i = 0;
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(row + o, f32x4.mul(v128.load(row + o), vinv));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(row + o, load<f32>(row + o) * inv);
    }
  }
}
