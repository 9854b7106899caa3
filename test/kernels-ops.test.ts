// The ops kernels (assembly/ops/) against float64 references (test/reference/ops.ts), on both wasm
// builds: SIMD128 (mul+add, same bits everywhere) and relaxed SIMD (FMA where the CPU has it).
// Shapes sweep 1, 3, 7, 13, 64, 65, 768, 3072: below one f32x4, the scalar tails (n mod 4 = 1, 3),
// the two-vector body (64, 65) and BERT's widths. Bounds are stated per kernel with the reason.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernels, type Kernels } from '../src/runtime/wasm.js';
import { Arena } from '../src/runtime/arena.js';
import {
  addLayernorm64, erf64, erfc64, gelu64, geluTanh64, layernorm64, softmax64,
} from './reference/ops.js';
import { HAVE_ONNX, ONNX_NODE, onnxAvailable, readNode, readTensor } from './reference/onnx.js';
import { randomF32, rng } from './random.js';

const SIZES = [1, 3, 7, 13, 64, 65, 768, 3072];


/** One f32 ulp at |v| (the spacing of f32 numbers there; 2^-149 at 0). */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

interface Ctx {
  k: Kernels;
  arena: Arena;
  /** copy `a` into fresh wasm memory; returns the byte offset */
  put(a: Float32Array, extra?: number): number;
  get(ptr: number, n: number): Float32Array;
}

function context(k: Kernels): Ctx {
  const arena = new Arena(k.memory, k.exports.heap_base());
  return {
    k,
    arena,
    put(a, extra = 0) {
      const p = arena.alloc((a.length + extra) * 4);
      arena.f32(p, a.length).set(a);
      return p;
    },
    get(ptr, n) {
      return arena.f32(ptr, n).slice();
    },
  };
}

/** Apply a unary kernel to `x` through wasm memory (out of place). */
function unary(c: Ctx, name: 'gelu_f32' | 'gelu_tanh_f32' | 'tanh_f32' | 'erf_f32' | 'exp_f32' | 'relu_f32', x: Float32Array): Float32Array {
  const mark = c.arena.used;
  const px = c.put(x);
  const py = c.arena.alloc(x.length * 4);
  c.k.exports[name](x.length, px, py);
  const y = c.get(py, x.length);
  c.arena.release(mark);
  return y;
}

/** Max over i of |y − ref| / scale(i). */
function maxErr(y: ArrayLike<number>, ref: ArrayLike<number>, scale: (i: number) => number = () => 1): { err: number; at: number } {
  let err = 0;
  let at = -1;
  for (let i = 0; i < y.length; i++) {
    const e = Math.abs(y[i] - ref[i]) / scale(i);
    if (!(e <= err)) {
      err = e;
      at = i;
    }
  }
  return { err, at };
}

/** Dense grid on [lo, hi] with the given step, as f32. */
function grid(lo: number, hi: number, step: number): Float32Array {
  const n = Math.round((hi - lo) / step) + 1;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + i * step;
  return a;
}

describe('float64 references', () => {
  it('erf/erfc agree with published values (A&S Table 7.1, 15+ digits)', () => {
    // the reference must be right before it can judge the kernels: 1e-15 relative
    const cases: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
    ];
    for (const [x, e] of cases) expect(Math.abs(erf64(x) - e)).toBeLessThan(1e-15);
    expect(Math.abs(erfc64(3) / 2.209049699858544e-5 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(erfc64(5) / 1.5374597944280349e-12 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(erfc64(10) / 2.088487583762545e-45 - 1)).toBeLessThan(1e-13);
  });
});

for (const simd of ['simd', 'relaxed'] as const) {
  describe(`ops kernels, ${simd} build`, () => {
    let c: Ctx;
    beforeAll(async () => {
      c = context(await loadKernels({ simd }));
      expect(c.k.variant).toBe(simd);
    });

    it('erf: dense grid on [-10, 10] (step 1e-4) within 1.2e-7 of float64', () => {
      // math.ts contract: own fit ≤ 6.2e-8 (small branch) / ≤ 5e-8 (erfc branch) + exp's 2 ulp;
      // 1.2e-7 is two f32 ulps at 1 — the A&S 7.1.26 bound is 1.5e-7, Eigen's rational 4.2e-7.
      const x = grid(-10, 10, 1e-4);
      const y = unary(c, 'erf_f32', x);
      const { err, at } = maxErr(y, Array.from(x, erf64));
      console.log(`[${simd}] erf max abs error on [-10, 10]: ${err.toExponential(2)} at x = ${x[at]}`);
      expect(err).toBeLessThan(1.2e-7);
      expect(unary(c, 'erf_f32', new Float32Array([0, -0, Infinity, -Infinity]))).toEqual(new Float32Array([0, -0, 1, -1]));
      expect(unary(c, 'erf_f32', new Float32Array([NaN]))[0]).toBeNaN();
    });

    it('GELU (exact): dense grid on [-10, 10] within 1.2e-7·max(1, |x|) of float64', () => {
      // x·Φ(x): Φ's absolute error ≤ ½·erf's (6e-8), times |x|, plus the final multiply's half ulp.
      // (PyTorch's own ½x(1 + erf) in f32 is off by up to ≈ 3e-8·|x| from float64: same order.)
      const x = grid(-10, 10, 1e-4);
      const y = unary(c, 'gelu_f32', x);
      const { err, at } = maxErr(y, Array.from(x, gelu64), (i) => Math.max(1, Math.abs(x[i])));
      const abs = maxErr(y, Array.from(x, gelu64));
      console.log(`[${simd}] GELU max abs error on [-10, 10]: ${abs.err.toExponential(2)} at x = ${x[abs.at]}; scaled ${err.toExponential(2)} at ${x[at]}`);
      expect(err).toBeLessThan(1.2e-7);
      // the negative tail is computed from erfc, not 1 + erf: relative accuracy holds down to x = −8
      const tail = grid(-8, -3, 1e-3);
      const yt = unary(c, 'gelu_f32', tail);
      const rel = maxErr(yt, Array.from(tail, gelu64), (i) => Math.abs(gelu64(tail[i])));
      console.log(`[${simd}] GELU relative error on [-8, -3]: ${rel.err.toExponential(2)}`);
      expect(rel.err).toBeLessThan(1e-4); // erfc's 7e-6 fit error + exp's argument error growing with t²
    });

    it('GELU (tanh): grid on [-10, 10] within 4 ulp of the result scale', () => {
      // x/(1 + e^{−2u}): exp 2 ulp, add/div 1 ulp, u's rounding ≈ 2u·ulp: ≤ 4 ulp of max(|y|, ulp(1)·|x|)
      const x = grid(-10, 10, 1e-3);
      const y = unary(c, 'gelu_tanh_f32', x);
      const ref = Array.from(x, geluTanh64);
      const { err } = maxErr(y, ref, (i) => Math.max(ulp(ref[i]), 2 ** -23 * Math.abs(x[i]), 2 ** -149));
      console.log(`[${simd}] GELU-tanh max error: ${err.toFixed(2)} ulp`);
      expect(err).toBeLessThan(4);
    });

    it('tanh: grid on [-12, 12] within 3 ulp', () => {
      // Cephes polynomial below 0.625 (≤ 1.3e-7 rel); 1 − 2/(e^{2|x|}+1) above, where tanh ≥ 0.55
      const x = grid(-12, 12, 1e-3);
      const y = unary(c, 'tanh_f32', x);
      const ref = Array.from(x, Math.tanh);
      const { err } = maxErr(y, ref, (i) => ulp(ref[i]));
      console.log(`[${simd}] tanh max error: ${err.toFixed(2)} ulp`);
      expect(err).toBeLessThan(3);
      expect(unary(c, 'tanh_f32', new Float32Array([Infinity, -Infinity, 0, -0]))).toEqual(new Float32Array([1, -1, 0, -0]));
    });

    it('exp: grid on [-87, 88] within 2 ulp; underflow to 0, overflow to inf', () => {
      const x = grid(-87, 88, 1e-3);
      const y = unary(c, 'exp_f32', x);
      const ref = Array.from(x, Math.exp);
      const { err } = maxErr(y, ref, (i) => ulp(ref[i]));
      console.log(`[${simd}] exp max error: ${err.toFixed(2)} ulp`);
      expect(err).toBeLessThan(2);
      expect(unary(c, 'exp_f32', new Float32Array([-100, -Infinity, 89, Infinity, 0]))).toEqual(
        new Float32Array([0, 0, Infinity, Infinity, 1]),
      );
    });

    it.each(SIZES)('element-wise kernels, n = %i (vector body and scalar tail agree)', (n) => {
      const x = randomF32(n, n, -6, 6);
      const b = randomF32(n, n + 1, -6, 6);
      // GELU / tanh bounds as on the grids above, now through every loop of the kernel
      const g = unary(c, 'gelu_f32', x);
      expect(maxErr(g, Array.from(x, gelu64), (i) => Math.max(1, Math.abs(x[i]))).err).toBeLessThan(1.2e-7);
      const th = unary(c, 'tanh_f32', x);
      expect(maxErr(th, Array.from(x, Math.tanh), (i) => ulp(Math.tanh(x[i]))).err).toBeLessThan(3);
      // relu, add, copy, bias_add are exact: one IEEE op (or none) per element
      expect(unary(c, 'relu_f32', x)).toEqual(x.map((v) => Math.max(v, 0)));
      const mark = c.arena.used;
      const pa = c.put(x);
      const pb = c.put(b);
      const py = c.arena.alloc(n * 4 + 4);
      c.arena.f32(py, n + 1)[n] = 12345; // guard element: nothing may write past n
      c.k.exports.add_f32(n, pa, pb, py);
      expect(c.get(py, n)).toEqual(x.map((v, i) => Math.fround(v + b[i])));
      c.k.exports.copy_f32(n, pb, py);
      expect(c.get(py, n)).toEqual(b);
      expect(c.get(py, n + 1)[n]).toBe(12345);
      // in place (y = x) gives the same bits as out of place
      c.k.exports.gelu_f32(n, pa, pa);
      expect(c.get(pa, n)).toEqual(g);
      c.arena.release(mark);
    });

    it.each([
      [1, 1], [3, 7], [13, 64], [7, 65], [2, 768], [3, 3072], [128, 128], [64, 13],
    ])('bias_add, m = %i, n = %i, strided rows', (m, n) => {
      const ld = n + 3; // padding between rows must stay untouched
      const x = randomF32(m * ld, m * 7 + n, -2, 2);
      const bias = randomF32(n, n, -1, 1);
      const mark = c.arena.used;
      const px = c.put(x);
      const pb = c.put(bias);
      c.k.exports.bias_add_f32(m, n, px, ld, pb);
      const want = x.slice();
      for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) want[r * ld + j] = Math.fround(x[r * ld + j] + bias[j]);
      expect(c.get(px, m * ld)).toEqual(want); // exact: one f32 add each
      c.arena.release(mark);
    });

    it.each(SIZES.flatMap((n) => [[1, n], [5, n]]))('softmax, m = %i, n = %i, with and without a mask', (m, n) => {
      const ld = n + 5;
      const x = randomF32(m * ld, m * 31 + n, -8, 8);
      // HF's extended attention mask: 0 for tokens, finfo(f32).min for padding (the last quarter)
      const mask = new Float32Array(n);
      for (let j = Math.ceil((3 * n) / 4); j < n; j++) mask[j] = -3.4028234663852886e38;
      for (const bias of [undefined, mask]) {
        const mark = c.arena.used;
        const px = c.put(x);
        const pm = bias ? c.put(bias) : 0;
        c.k.exports.softmax_f32(m, n, px, ld, pm);
        const y = c.get(px, m * ld);
        const ref = softmax64(m, n, x, ld, bias);
        // per element: exp 2 ulp + x−max rounding (|x−max| ≤ 16: ≤ 16·2^-24 relative) + Σ's rounding
        // (≤ n/8·2^-24 over 8 partial sums) + the scale: 4e-6 relative covers n = 3072 with margin;
        // an off-by-one row, a missed tail element or a wrong max is off by orders more.
        let worst = 0;
        for (let r = 0; r < m; r++) {
          for (let j = 0; j < n; j++) {
            const want = ref[r * n + j];
            const got = y[r * ld + j];
            worst = Math.max(worst, Math.abs(got - want) / Math.max(want, 1e-30));
            if (bias && bias[j] !== 0) expect(got).toBe(0); // masked keys get exactly zero weight
          }
          for (let j = n; j < ld && r < m - 1; j++) expect(y[r * ld + j]).toBe(x[r * ld + j]); // padding untouched
        }
        expect(worst).toBeLessThan(4e-6);
        c.arena.release(mark);
      }
    });

    it('softmax: a fully masked row is uniform, large logits do not overflow', () => {
      const n = 13;
      const mark = c.arena.used;
      const px = c.put(new Float32Array(n).fill(-3.4e38));
      c.k.exports.softmax_f32(1, n, px, n, 0);
      for (const v of c.get(px, n)) expect(v).toBeCloseTo(1 / n, 7);
      const big = Float32Array.from({ length: n }, (_, i) => 1e4 + i);
      const pb = c.put(big);
      c.k.exports.softmax_f32(1, n, pb, n, 0);
      const y = c.get(pb, n);
      const ref = softmax64(1, n, big, n);
      expect(maxErr(y, ref).err).toBeLessThan(1e-6);
      c.arena.release(mark);
    });

    it.each(SIZES.flatMap((n) => [[1, n], [4, n]]))('layernorm and add+layernorm, m = %i, n = %i', (m, n) => {
      const ldx = n + 2;
      const ldy = n + 6;
      const x = randomF32(m * ldx, m * 17 + n, -3, 5); // non-zero mean, as BERT's residual stream has
      const r = randomF32(m * ldx, m * 19 + n, -1, 1);
      const gamma = randomF32(n, n + 3, 0.5, 1.5);
      const beta = randomF32(n, n + 4, -0.5, 0.5);
      const eps = 1e-12; // BERT's layer_norm_eps
      const mark = c.arena.used;
      const px = c.put(x);
      const pr = c.put(r);
      const pg = c.put(gamma);
      const pbt = c.put(beta);
      const py = c.arena.alloc(m * ldy * 4);
      // |x̂| ≤ √n; mean and variance carry ≈ n/8·2^-24 relative rounding, x − mean is exact-ish, so the
      // error is ≈ a few ulp of |x̂·γ| + |β|; 2e-6·(|x̂γ| + |β| + 1) holds at n = 3072 with margin.
      const check = (got: Float32Array, ld: number, ref: Float64Array) => {
        let worst = 0;
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            const w = ref[i * n + j];
            worst = Math.max(worst, Math.abs(got[i * ld + j] - w) / (Math.abs(w) + 1));
          }
        return worst;
      };
      c.k.exports.layernorm_f32(m, n, px, ldx, pg, pbt, eps, py, ldy);
      const ln = check(c.get(py, m * ldy), ldy, layernorm64(m, n, x, ldx, gamma, beta, eps));
      expect(ln).toBeLessThan(2e-6);
      c.k.exports.add_layernorm_f32(m, n, px, ldx, pr, ldx, pg, pbt, eps, py, ldy);
      const aln = check(c.get(py, m * ldy), ldy, addLayernorm64(m, n, x, ldx, r, ldx, gamma, beta, eps));
      expect(aln).toBeLessThan(2e-6);
      // in place: y = x gives the same bits as out of place
      const outOfPlace = c.get(py, m * ldy);
      c.k.exports.add_layernorm_f32(m, n, px, ldx, pr, ldx, pg, pbt, eps, px, ldx);
      const inPlace = c.get(px, m * ldx);
      for (let i = 0; i < m; i++)
        expect(inPlace.subarray(i * ldx, i * ldx + n)).toEqual(outOfPlace.subarray(i * ldy, i * ldy + n));
      c.arena.release(mark);
    });

    it('layernorm: a constant row maps to β (variance 0, eps keeps it finite)', () => {
      const n = 65;
      const mark = c.arena.used;
      const px = c.put(new Float32Array(n).fill(3.25));
      const gamma = randomF32(n, 1, 0.5, 1.5);
      const beta = randomF32(n, 2, -1, 1);
      c.k.exports.layernorm_f32(1, n, px, n, c.put(gamma), c.put(beta), 1e-12, px, n);
      expect(c.get(px, n)).toEqual(beta);
      c.arena.release(mark);
    });

    it('peak probes: chain counts and per-iteration work are what the benchmark\'s FLOP count assumes', () => {
      // FLOPs = iters × peak_chains(probe) × 8 in bench/: the results below are exact in f32 (halving
      // and squaring powers of two), so a probe with fewer chains, a skipped iteration or an operand
      // not re-read from p gives a different number, not a slightly different one.
      expect(c.k.exports.peak_chains(0)).toBe(10);
      expect(c.k.exports.peak_chains(1)).toBe(6);
      const mark = c.arena.used;
      const p = c.put(new Float32Array([0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1]));
      // FMA probe: c starts at a, then c = c·a + b: 0.5 → 1.25 → 1.625 → 1.8125 (all exact, fused or not)
      expect(c.k.exports.peak_fma_f32x4(0, p)).toBe(10 * 4 * 0.5);
      expect(c.k.exports.peak_fma_f32x4(3, p)).toBe(10 * 4 * 1.8125);
      // mul+add probe: x starts at a, s at b; x = x², s += x: x = 2^-8, s = 1 + 2^-2 + 2^-4 + 2^-8
      expect(c.k.exports.peak_muladd_f32x4(0, p)).toBe(6 * 4 * 1.5);
      expect(c.k.exports.peak_muladd_f32x4(3, p)).toBe(6 * 4 * (2 ** -8 + 1 + 2 ** -2 + 2 ** -4 + 2 ** -8));
      // operands are read from p, not captured once: new values, new result
      c.arena.f32(p, 8).set([1, 1, 1, 1, 0, 0, 0, 0]);
      expect(c.k.exports.peak_fma_f32x4(1000, p)).toBe(40); // the benchmark's a = 1, b = 0: fixed point
      expect(c.k.exports.peak_muladd_f32x4(1000, p)).toBe(6 * 4 * (1 + 0 + 1000));
      c.arena.release(mark);
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// ONNX's own operator test vectors (Debian's libonnx-testdata: `apt-get install libonnx-testdata`):
// an independent check of the semantics (LayerNormalization's axis/epsilon, Softmax's axis, Erf, Tanh,
// Relu). Skipped where the package is absent (test/global-setup.ts says so once for the run), except under
// CI's flags (onnxAvailable()), where it fails.


const onnxCases = (prefix: string): string[] =>
  HAVE_ONNX
    ? readdirSync(ONNX_NODE).filter((d) => d.startsWith(prefix) && !d.endsWith('_expanded')).sort()
    : [];

describe.skipIf(!onnxAvailable())('ONNX operator test vectors (libonnx-testdata)', () => {
  let c: Ctx;
  beforeAll(async () => {
    c = context(await loadKernels({ simd: 'simd' }));
  });

  const run = (fn: (mark: number) => void) => {
    const mark = c.arena.used;
    try {
      fn(mark);
    } finally {
      c.arena.release(mark);
    }
  };

  it('the vector folders are there (an empty list would make the cases below vanish, not fail)', () => {
    // counts in Debian 12's libonnx-testdata 1.12
    expect(onnxCases('test_layer_normalization_').length).toBeGreaterThanOrEqual(19);
    expect(onnxCases('test_softmax_').length).toBeGreaterThanOrEqual(7);
  });

  it.each(onnxCases('test_layer_normalization_'))('%s', (name) => {
    // LayerNormalization(X, Scale, B, axis, epsilon) normalizes over dims[axis:]: m × n rows for us.
    const dir = join(ONNX_NODE, name);
    const { attrs } = readNode(dir);
    const x = readTensor(join(dir, 'test_data_set_0', 'input_0.pb'));
    const g = readTensor(join(dir, 'test_data_set_0', 'input_1.pb'));
    const bPath = join(dir, 'test_data_set_0', 'input_2.pb');
    const b = existsSync(bPath) ? readTensor(bPath).data : new Float32Array(g.data.length);
    const want = readTensor(join(dir, 'test_data_set_0', 'output_0.pb'));
    const rank = x.dims.length;
    const axis = ((attrs.get('axis') ?? -1) + rank) % rank;
    const n = x.dims.slice(axis).reduce((a, d) => a * d, 1);
    const m = x.data.length / n;
    run(() => {
      const px = c.put(x.data);
      c.k.exports.layernorm_f32(m, n, px, n, c.put(g.data), c.put(b), attrs.get('epsilon') ?? 1e-5, px, n);
      // ONNX computes its expected output in float32 numpy: a few ulp apart from ours
      const { err } = maxErr(c.get(px, m * n), want.data, (i) => Math.abs(want.data[i]) + 1);
      expect(err).toBeLessThan(1e-5);
    });
  });

  it.each(onnxCases('test_softmax_'))('%s', (name) => {
    // opset ≥ 13: softmax along one axis (only the last axis is row-wise for us); opset < 13: along the
    // flattened dims[axis:], which is row-wise for every axis.
    const dir = join(ONNX_NODE, name);
    const { opset, attrs } = readNode(dir);
    const x = readTensor(join(dir, 'test_data_set_0', 'input_0.pb'));
    const want = readTensor(join(dir, 'test_data_set_0', 'output_0.pb'));
    const rank = x.dims.length;
    const axis = ((attrs.get('axis') ?? (opset >= 13 ? -1 : 1)) + rank) % rank;
    if (opset >= 13 && axis !== rank - 1) {
      // a column softmax: the kernel is row-wise; the encoder never needs it
      expect(axis).toBeLessThan(rank - 1);
      return;
    }
    const n = x.dims.slice(axis).reduce((a, d) => a * d, 1);
    const m = x.data.length / n;
    run(() => {
      const px = c.put(x.data);
      c.k.exports.softmax_f32(m, n, px, n, 0);
      expect(maxErr(c.get(px, m * n), want.data).err).toBeLessThan(1e-6); // probabilities ≤ 1: 8 ulp at 1
    });
  });

  it.each([
    ['test_erf', 'erf_f32', 1.2e-7], // erf's contract
    ['test_tanh', 'tanh_f32', 3e-7], // 3 ulp at |tanh| ≤ 1
    ['test_tanh_example', 'tanh_f32', 3e-7],
    ['test_relu', 'relu_f32', 0], // exact
  ] as const)('%s', (name, kernel, bound) => {
    const dir = join(ONNX_NODE, name);
    // every vector named here ships in libonnx-testdata: a missing one is a failure, not a pass
    expect(existsSync(dir), `${dir} is missing`).toBe(true);
    const x = readTensor(join(dir, 'test_data_set_0', 'input_0.pb'));
    const want = readTensor(join(dir, 'test_data_set_0', 'output_0.pb'));
    expect(want.data.length).toBe(x.data.length);
    expect(maxErr(unary(c, kernel, x.data), want.data).err).toBeLessThanOrEqual(bound);
  });
});
