// The GEMM family (assembly/gemm/) against float64 references (test/reference/gemm.ts), on both wasm
// builds: SIMD128 (mul+add: same bits on every CPU) and relaxed SIMD (FMA where the CPU has it).
//
// Error bound (all kernels): |kernel − exact| ≤ γ_d · S per output, where S = Σ_p |a_p·w_p| (+ |bias|,
// + |residual|) and γ_d = d·u/(1 − d·u) (Higham §3.1) with d the longest chain of roundings any term
// goes through in the kernels' summation order: KC = 128 products per block chain, ⌈k/KC⌉ block sums,
// then bias and residual (dotErrorBound). That is the worst case for ANY inputs, so it holds on random
// data without fudge factors, and a wrong index, a missed remainder row/column or a stale tile gives an
// O(S) error that fails it. Activation epilogues add their own contract (assembly/ops/math.ts) and
// multiply the sum's error by at most max|act'| (GELU: 1.13).
//
// Shapes: 1, 3, 7, 13, 64, 65, 768, 3072 each appear in m, n and k (a table, not the full cross
// product), plus non-multiples of the 4x8 tile and leading dimensions larger than the row.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernels, type Kernels } from '../src/runtime/wasm.js';
import { Arena } from '../src/runtime/arena.js';
import { ROOT } from './shared.js';
import { activation64, attention64, dotErrorBound, gemm64, KC, matmulNN64, matmulNT64, U32, type Activation } from './reference/gemm.js';
import { HAVE_ONNX, ONNX_NODE, onnxAvailable, readNode, readTensor } from './reference/onnx.js';
import { randomF32, rng } from './random.js';


interface Ctx {
  k: Kernels;
  arena: Arena;
  put(a: ArrayLike<number>): number;
  get(ptr: number, n: number): Float32Array;
  /** run fn and give back everything it allocated */
  scoped<T>(fn: () => T): T;
}
function context(k: Kernels): Ctx {
  const arena = new Arena(k.memory, k.exports.heap_base());
  const c: Ctx = {
    k,
    arena,
    put(a) {
      const p = arena.alloc(Math.max(1, a.length) * 4);
      arena.f32(p, a.length).set(a);
      return p;
    },
    get: (ptr, n) => arena.f32(ptr, n).slice(),
    scoped(fn) {
      const mark = arena.used;
      try {
        return fn();
      } finally {
        arena.release(mark);
      }
    },
  };
  return c;
}

const EPILOGUES = [
  ['gemm_f32__bias', 'none', false],
  ['gemm_f32__bias_gelu', 'gelu', false],
  ['gemm_f32__bias_gelu_tanh', 'gelu_tanh', false],
  ['gemm_f32__bias_relu', 'relu', false],
  ['gemm_f32__bias_residual', 'none', true],
] as const;
type GemmName = (typeof EPILOGUES)[number][0];
type GemmFnT = (m: number, n: number, k: number, a: number, lda: number, w: number, c: number, ldc: number) => void;

/**
 * Allowed |error| for one output: the summation bound, times the activation's Lipschitz constant, plus
 * the activation's own contract at the pre-activation value x (math.ts: GELU ≤ 1.2e-7·max(1,|x|);
 * GELU-tanh ≤ 4 ulp of the result scale ≤ 4·2⁻²³·max(1,|x|)), plus half an ulp of the stored result.
 */
function allowed(act: Activation, k: number, scale: number, x: number, y: number): number {
  const sum = dotErrorBound(k) * scale;
  const half = U32 * Math.abs(y) + 2 ** -149;
  switch (act) {
    case 'gelu':
      return 1.13 * sum + 1.2e-7 * Math.max(1, Math.abs(x)) + half;
    case 'gelu_tanh':
      return 1.13 * sum + 4 * 2 ** -23 * Math.max(1, Math.abs(x)) + half;
    default:
      return sum + half;
  }
}

/** GEMM shape table: [m, n, k, lda pad, ldc pad] — every size in every dimension, non-multiples of 4x8. */
const GEMM_SHAPES: [number, number, number, number, number][] = [
  [1, 1, 1, 0, 0],
  [3, 7, 13, 0, 0],
  [7, 13, 3, 5, 3],
  [13, 3, 7, 0, 1],
  [64, 64, 64, 0, 0],
  [65, 65, 65, 7, 9],
  [64, 65, 768, 0, 0],
  [65, 768, 64, 3, 0],
  [768, 7, 65, 0, 5],
  [3, 3072, 13, 1, 0],
  [3072, 3, 7, 0, 0],
  [7, 64, 3072, 0, 0],
  [13, 13, 3072, 2, 2],
  [1, 768, 768, 0, 0],
  [6, 769, 129, 0, 0],
];

/** Everything one GEMM case needs, computed once and shared by both builds. */
interface GemmCase {
  m: number; n: number; k: number; lda: number; ldc: number;
  a: Float32Array; w: Float32Array; bias: Float32Array; res: Float32Array;
  ref: { pre: Float64Array; scale: Float64Array };
}
const gemmCases = new Map<string, GemmCase>();
function gemmCase(m: number, n: number, k: number, padA: number, padC: number): GemmCase {
  const key = `${m}x${n}x${k}+${padA},${padC}`;
  let g = gemmCases.get(key);
  if (!g) {
    const lda = k + padA;
    const ldc = n + padC;
    const seed = m * 1_000_003 + n * 1009 + k;
    // activations ~ U(−2, 2), weights ~ U(−0.1, 0.1): pre-activations of order 1 over the GELU's bend
    const a = randomF32(m * lda, seed, -2, 2);
    const w = randomF32(n * k, seed + 1, -0.1, 0.1);
    const bias = randomF32(n, seed + 2, -1, 1);
    const res = randomF32(m * ldc, seed + 3, -3, 3);
    const r = gemm64(m, n, k, a, lda, w, k, bias);
    g = { m, n, k, lda, ldc, a, w, bias, res, ref: { pre: r.pre, scale: r.scale } };
    gemmCases.set(key, g);
  }
  return g;
}

function packed(c: Ctx, g: { n: number; k: number; w: Float32Array; bias: Float32Array | null }): number {
  const e = c.k.exports;
  const pw = c.arena.alloc(e.gemm_pack_size(g.n, g.k));
  const wp = c.put(g.w);
  e.gemm_pack_f32(g.n, g.k, wp, g.k, g.bias ? c.put(g.bias) : 0, pw);
  return pw;
}

const SENTINEL = 1234.5;

for (const simd of ['simd', 'relaxed'] as const) {
  describe(`GEMM kernels, ${simd} build`, () => {
    let c: Ctx;
    beforeAll(async () => {
      c = context(await loadKernels({ simd }));
      expect(c.k.variant).toBe(simd);
    });

    it('packs XNNPACK-style: per 8-column panel, 8 bias values then k rows of 8 weights, zero-padded', () => {
      const e = c.k.exports;
      expect(e.gemm_nr()).toBe(8);
      expect(e.gemm_pack_size(13, 5)).toBe(2 * (8 + 8 * 5) * 4);
      expect(e.gemm_pack_size(16, 5)).toBe(2 * (8 + 8 * 5) * 4);
      expect(e.gemm_pack_offset(8, 5)).toBe((8 + 8 * 5) * 4);
      expect(e.gemm_pack_offset(24, 768)).toBe(3 * (8 + 8 * 768) * 4);
      c.scoped(() => {
        const n = 13, k = 5;
        const w = Float32Array.from({ length: n * k }, (_, i) => i + 1);
        const bias = Float32Array.from({ length: n }, (_, j) => -(j + 1));
        const pw = packed(c, { n, k, w, bias });
        const got = c.get(pw, e.gemm_pack_size(n, k) / 4);
        const want: number[] = [];
        for (let n0 = 0; n0 < n; n0 += 8) {
          for (let j = 0; j < 8; j++) want.push(n0 + j < n ? bias[n0 + j] : 0);
          for (let p = 0; p < k; p++) for (let j = 0; j < 8; j++) want.push(n0 + j < n ? w[(n0 + j) * k + p] : 0);
        }
        expect(Array.from(got)).toEqual(want);
        // bias = 0 (no bias) packs zeros
        const pz = c.arena.alloc(e.gemm_pack_size(n, k));
        e.gemm_pack_f32(n, k, c.put(w), k, 0, pz);
        expect(Array.from(c.get(pz, 8))).toEqual(new Array(8).fill(0));
      });
    });

    it.each(GEMM_SHAPES)('m=%i n=%i k=%i (lda pad %i, ldc pad %i): every epilogue within its bound', (m, n, k, padA, padC) => {
      const g = gemmCase(m, n, k, padA, padC);
      const e = c.k.exports;
      const worst: string[] = [];
      c.scoped(() => {
        const pa = c.put(g.a);
        const pw = packed(c, g);
        for (const [name, act, residual] of EPILOGUES) {
          // C starts as the residual (read only by the residual epilogue); the ldc padding and one row
          // past the end hold a sentinel that no kernel may touch
          const init = new Float32Array(g.m * g.ldc + g.ldc).fill(SENTINEL);
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) init[i * g.ldc + j] = g.res[i * g.ldc + j];
          const pc = c.put(init);
          e[name as GemmName](m, n, k, pa, g.lda, pw, pc, g.ldc);
          const out = c.get(pc, init.length);
          let err = 0;
          let ratio = 0;
          let bad = '';
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              const x = g.ref.pre[i * n + j];
              const r = residual ? g.res[i * g.ldc + j] : 0;
              const want = activation64(x, act) + r;
              const y = out[i * g.ldc + j];
              const d = Math.abs(y - want);
              const bound = allowed(act, k, g.ref.scale[i * n + j] + Math.abs(r), x, want);
              if (!(d <= bound) && !bad) bad = `${name} C[${i},${j}] = ${y}, want ${want} (|err| ${d.toExponential(2)} > ${bound.toExponential(2)})`;
              err = Math.max(err, d);
              ratio = Math.max(ratio, d / bound);
            }
            for (let j = n; j < g.ldc; j++) if (out[i * g.ldc + j] !== SENTINEL && !bad) bad = `${name} wrote C[${i},${j}] in the ldc padding`;
          }
          for (let j = 0; j < g.ldc; j++) if (out[m * g.ldc + j] !== SENTINEL && !bad) bad = `${name} wrote past row m`;
          expect(bad).toBe('');
          worst.push(`${name.replace('gemm_f32__', '')} ${err.toExponential(1)} (${(100 * ratio).toFixed(0)}% of bound)`);
        }
      });
      if (m * n * k >= 1e6) console.log(`[${simd}] ${m}x${n}x${k}: max |err| ${worst.join(', ')}`);
    });

    it('blocked summation: k = 3072 all-positive products stay ≤ 8e-7 relative (one serial chain: 2.7e-6)', () => {
      // All terms positive is the worst case for error growth; the relative error is then |err| / S.
      // KC-blocking keeps the chains short: expected ≈ u·(√(KC/3) + √(k/KC/3)) ≈ 0.55e-6 at most lanes;
      // a single 3072-long chain has ≈ u·√(k/3) ≈ 1.9e-6 (measured here with KC = ∞: 2.7e-6, and this
      // test fails; with KC = 128: 2.5e-7 relaxed, 2.9e-7 simd).
      const m = 16, n = 64, k = 3072;
      const a = randomF32(m * k, 7, 0.5, 1.5);
      const w = randomF32(n * k, 8, 0.5, 1.5);
      const ref = gemm64(m, n, k, a, k, w, k, null);
      c.scoped(() => {
        const pc = c.arena.alloc(m * n * 4);
        c.k.exports.gemm_f32__bias(m, n, k, c.put(a), k, packed(c, { n, k, w, bias: null }), pc, n);
        const out = c.get(pc, m * n);
        let rel = 0;
        for (let i = 0; i < m * n; i++) rel = Math.max(rel, Math.abs(out[i] - ref.c[i]) / ref.scale[i]);
        console.log(`[${simd}] k=3072 positive terms: max relative error ${rel.toExponential(2)}`);
        expect(rel).toBeLessThan(8e-7);
      });
    });

    it('a column slice [n0, n1) through gemm_pack_offset gives the same bits as the full GEMM', () => {
      const m = 13, n = 65, k = 768;
      const g = gemmCase(m, n, k, 0, 0);
      const e = c.k.exports;
      c.scoped(() => {
        const pa = c.put(g.a);
        const pw = packed(c, g);
        for (const [name] of EPILOGUES) {
          const full = c.put(g.res.subarray(0, m * n));
          e[name as GemmName](m, n, k, pa, k, pw, full, n);
          const sliced = c.put(g.res.subarray(0, m * n));
          // slices as a worker pool would cut them: multiples of gemm_nr(), the last one ragged
          for (const [n0, n1] of [[0, 8], [8, 32], [32, 40], [40, 65]]) {
            e[name as GemmName](m, n1 - n0, k, pa, k, pw + e.gemm_pack_offset(n0, k), sliced + 4 * n0, n);
          }
          // also row slices (a tile boundary moves): rows 0..5 and 5..13
          const rows = c.put(g.res.subarray(0, m * n));
          e[name as GemmName](5, n, k, pa, k, pw, rows, n);
          e[name as GemmName](m - 5, n, k, pa + 4 * 5 * k, k, pw, rows + 4 * 5 * n, n);
          expect(c.get(sliced, m * n)).toEqual(c.get(full, m * n));
          expect(c.get(rows, m * n)).toEqual(c.get(full, m * n));
        }
      });
    });

    it('C may end at the last byte of memory: no epilogue reads or writes past column n', () => {
      // n = 13 and 5: the GELU pass's tail (5 columns) and a tile's partial panel end exactly at the end
      for (const n of [13, 5]) {
        const m = 3, k = 7;
        const g = gemmCase(m, n, k, 0, 0);
        const e = c.k.exports;
        c.scoped(() => {
          const pa = c.put(g.a);
          const pw = packed(c, g);
          if (c.k.memory.buffer.byteLength - 4 * m * n < c.arena.used + 64) c.k.memory.grow(1);
          const last = c.k.memory.buffer.byteLength - 4 * m * n; // free memory past the arena, nobody else's
          for (const [name] of EPILOGUES) {
            const here = c.put(g.res.subarray(0, m * n));
            e[name as GemmName](m, n, k, pa, k, pw, here, n);
            new Float32Array(c.k.memory.buffer, last, m * n).set(g.res.subarray(0, m * n));
            e[name as GemmName](m, n, k, pa, k, pw, last, n);
            expect(new Float32Array(c.k.memory.buffer, last, m * n)).toEqual(c.get(here, m * n));
          }
        });
      }
    });

    it('packed A (gemm_pack_a_f32 + gemm_f32_pa__*): the same bits as plain A on every table shape, epilogue and row slice', () => {
      // The packed path reorders no arithmetic (one pointer with immediate offsets instead of four row
      // pointers), so anything but exact equality is a packing or indexing bug.
      const e = c.k.exports;
      for (const [m, n, k, padA, padC] of GEMM_SHAPES) {
        const g = gemmCase(m, n, k, padA, padC);
        c.scoped(() => {
          const a = c.put(g.a);
          const pw = packed(c, g);
          const pa = c.arena.alloc(e.gemm_pack_a_size(m, k) + 64);
          const guard = pa + e.gemm_pack_a_size(m, k);
          c.arena.f32(guard, 16).fill(SENTINEL);
          e.gemm_pack_a_f32(m, k, a, g.lda, pa);
          expect(c.get(guard, 16).every((v) => v === SENTINEL), 'pack_a wrote past its size').toBe(true);
          for (const [name] of EPILOGUES) {
            const plain = c.put(g.res);
            e[name as GemmName](m, n, k, a, g.lda, pw, plain, g.ldc);
            const viaPacked = c.put(g.res);
            const pname = name.replace('gemm_f32__', 'gemm_f32_pa__') as keyof typeof e;
            if (m > 4) {
              // two row slices at a strip boundary, as the worker pool cuts them: pa + 4·m0·k
              const m0 = 4 * Math.floor(m / 8);
              (e[pname] as GemmFnT)(m0, n, k, pa, k, pw, viaPacked, g.ldc);
              (e[pname] as GemmFnT)(m - m0, n, k, pa + 4 * m0 * k, k, pw, viaPacked + 4 * m0 * g.ldc, g.ldc);
            } else (e[pname] as GemmFnT)(m, n, k, pa, k, pw, viaPacked, g.ldc);
            expect(new Uint32Array(c.get(viaPacked, m * g.ldc).buffer), `${name} ${m}x${n}x${k}`).toEqual(new Uint32Array(c.get(plain, m * g.ldc).buffer));
          }
        });
      }
    });

    it('k = 0 gives act(bias) (+ residual); m = 0 or n = 0 writes nothing', () => {
      const e = c.k.exports;
      c.scoped(() => {
        const n = 11;
        const bias = randomF32(n, 3, -2, 2);
        const pw = packed(c, { n, k: 0, w: new Float32Array(0), bias });
        const pc = c.put(new Float32Array(2 * n).fill(1));
        e.gemm_f32__bias_relu(2, n, 0, 0, 0, pw, pc, n);
        expect(Array.from(c.get(pc, n))).toEqual(Array.from(bias, (b) => Math.max(b, 0)));
        const px = c.put(new Float32Array(4).fill(SENTINEL));
        e.gemm_f32__bias(0, n, 0, 0, 0, pw, px, n);
        e.gemm_f32__bias(2, 0, 0, 0, 0, pw, px, n);
        expect(Array.from(c.get(px, 4))).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
      });
    });

    // Attention: Q_h, K_h, V_h are column slices of an [L, 3H] buffer: leading dimensions ≫ k.
    const NT_SHAPES: [number, number, number, number, number][] = [
      // m, n, k, lda, ldb
      [1, 1, 1, 1, 1],
      [3, 7, 13, 13, 20],
      [7, 3, 65, 70, 65],
      [13, 13, 64, 2304, 2304],
      [64, 65, 3, 9, 3],
      [65, 64, 7, 7, 8],
      [128, 128, 64, 2304, 2304],
      [768, 13, 1, 3, 1],
      [3072, 3, 3, 3, 5],
      [3, 768, 768, 768, 768],
      [7, 3072, 13, 13, 13],
      [5, 6, 3072, 3072, 3073],
    ];
    it.each(NT_SHAPES)('matmul_f32_nt m=%i n=%i k=%i (lda %i, ldb %i) within the bound', (m, n, k, lda, ldb) => {
      const a = randomF32(m * lda, m + 7 * k, -2, 2);
      const b = randomF32(n * ldb, n + 11 * k, -2, 2);
      const alpha = 1 / Math.sqrt(Math.max(1, k)); // 1/√d, as the scores use
      const ref = matmulNT64(m, n, k, a, lda, b, ldb, Math.fround(alpha));
      const ldc = n + 3;
      c.scoped(() => {
        const pc = c.put(new Float32Array(m * ldc).fill(SENTINEL));
        c.k.exports.matmul_f32_nt(m, n, k, c.put(a), lda, c.put(b), ldb, pc, ldc, alpha);
        const out = c.get(pc, m * ldc);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const want = ref.c[i * n + j];
            // + one rounding for the alpha multiply
            const bound = dotErrorBound(k) * ref.scale[i * n + j] + U32 * Math.abs(want) + 2 ** -149;
            const d = Math.abs(out[i * ldc + j] - want);
            if (!(d <= bound)) expect.fail(`C[${i},${j}] = ${out[i * ldc + j]}, want ${want}: |err| ${d} > ${bound}`);
          }
          for (let j = n; j < ldc; j++) expect(out[i * ldc + j]).toBe(SENTINEL);
        }
      });
    });

    const NN_SHAPES: [number, number, number, number][] = [
      // m, n, k, ldb
      [1, 1, 1, 1],
      [3, 7, 13, 7],
      [7, 13, 3, 2304],
      [13, 3, 7, 5],
      [64, 64, 128, 2304],
      [65, 65, 65, 65],
      [128, 64, 128, 2304],
      [768, 13, 7, 13],
      [3, 768, 64, 768],
      [7, 3072, 3, 3072],
      [3072, 7, 1, 9],
      [5, 15, 3072, 16],
    ];
    it.each(NN_SHAPES)('matmul_f32_nn m=%i n=%i k=%i (ldb %i) within the bound', (m, n, k, ldb) => {
      const lda = k + 1;
      const a = randomF32(m * lda, m + 5 * k, 0, 1); // probabilities, as P·V
      const b = randomF32(k * ldb, n + 3 * k, -2, 2);
      const ref = matmulNN64(m, n, k, a, lda, b, ldb);
      const ldc = n + 2;
      c.scoped(() => {
        const pc = c.put(new Float32Array(m * ldc).fill(SENTINEL));
        c.k.exports.matmul_f32_nn(m, n, k, c.put(a), lda, c.put(b), ldb, pc, ldc);
        const out = c.get(pc, m * ldc);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const want = ref.c[i * n + j];
            const bound = dotErrorBound(k) * ref.scale[i * n + j] + 2 ** -149;
            const d = Math.abs(out[i * ldc + j] - want);
            if (!(d <= bound)) expect.fail(`C[${i},${j}] = ${out[i * ldc + j]}, want ${want}: |err| ${d} > ${bound}`);
          }
          for (let j = n; j < ldc; j++) expect(out[i * ldc + j]).toBe(SENTINEL);
        }
      });
    });

    // attention_f32, one head: n across the 32-row query blocks (31, 32, 33, 65) and the 4x8 tiles; d not a
    // multiple of the 8-column panels (12, 20); heads read in place from a [n, 3H] buffer (ld = 3H).
    // Bound: the scores carry the GEMM's error Δ ≤ γ_d·Σ|q·k|·scale (+ u|s| for the scale multiply);
    // softmax turns an absolute error Δ in the scores into a relative error ≤ 2Δ in each probability, plus
    // its own (exp ≤ 2 ulp, the sum ≲ n/16 u, the 1/Σ multiply: ≤ (8 + n/8)·u here); P·V then adds
    // γ_n·Σ p|v|. All of it scales with Σ_j p_j·|v_j|; a wrong row, column, scale or block is O(that).
    const ATT_SHAPES: [number, number, number][] = [
      // n, d, ld
      [1, 1, 3],
      [1, 64, 2304],
      [3, 8, 24],
      [13, 64, 2304],
      [31, 12, 36],
      [32, 64, 192],
      [33, 20, 60],
      [65, 64, 2304],
      [128, 64, 2304],
      [200, 32, 96],
      [512, 64, 2304],
    ];
    it.each(ATT_SHAPES)('attention_f32 n=%i d=%i (ld %i) within the bound, probs on request', (n, d, ld) => {
      const qkv = randomF32(n * ld, n * 31 + d, -2, 2);
      const scale = Math.fround(1 / Math.sqrt(d));
      const [q, k, v] = [0, 1, 2].map((i) => qkv.subarray(i * d)); // Q | K | V side by side in each row
      const ref = attention64(n, d, q, k, v, ld, scale);
      const ldc = d + 3;
      c.scoped(() => {
        const e = c.k.exports;
        const p = c.put(qkv);
        const scratch = c.arena.alloc(e.attention_scratch_size(n, d));
        const ctx = c.put(new Float32Array(n * ldc).fill(SENTINEL));
        const ctx2 = c.put(new Float32Array(n * ldc).fill(SENTINEL));
        const probs = c.arena.alloc(4 * n * n);
        e.attention_f32(n, d, p, p + 4 * d, p + 8 * d, ld, scale, ctx, ldc, 0, scratch);
        e.attention_f32(n, d, p, p + 4 * d, p + 8 * d, ld, scale, ctx2, ldc, probs, scratch);
        const out = c.get(ctx, n * ldc);
        // asking for the probabilities changes where they are kept, not one bit of the result
        expect(new Uint32Array(c.get(ctx2, n * ldc).buffer)).toEqual(new Uint32Array(out.buffer));
        const pr = c.get(probs, n * n);
        for (let i = 0; i < n; i++) {
          const delta = dotErrorBound(d) * ref.scoreScale[i] + U32 * ref.scoreScale[i];
          const eps = 2 * delta + (8 + n / 8) * U32;
          for (let j = 0; j < n; j++) {
            const want = ref.probs[i * n + j];
            const dp = Math.abs(pr[i * n + j] - want);
            if (!(dp <= eps * want + 2 ** -149)) expect.fail(`P[${i},${j}] = ${pr[i * n + j]}, want ${want}: |err| ${dp}`);
          }
          for (let col = 0; col < d; col++) {
            const want = ref.ctx[i * d + col];
            const bound = (dotErrorBound(n) + eps) * ref.ctxScale[i * d + col] + 2 ** -149;
            const diff = Math.abs(out[i * ldc + col] - want);
            if (!(diff <= bound)) expect.fail(`ctx[${i},${col}] = ${out[i * ldc + col]}, want ${want}: |err| ${diff} > ${bound}`);
          }
          for (let col = d; col < ldc; col++) expect(out[i * ldc + col]).toBe(SENTINEL);
        }
      });
    });

    it('attention matmuls: a head read in place equals the same head copied out (same bits)', () => {
      // scores for head 5 of a [L, 3H] QKV buffer vs. the contiguous copy: in-place reading is exact
      const L = 37, H = 96, d = 16, h = 5;
      const qkv = randomF32(L * 3 * H, 99, -1, 1);
      const q = new Float32Array(L * d), kk = new Float32Array(L * d);
      for (let i = 0; i < L; i++) {
        q.set(qkv.subarray(i * 3 * H + h * d, i * 3 * H + h * d + d), i * d);
        kk.set(qkv.subarray(i * 3 * H + H + h * d, i * 3 * H + H + h * d + d), i * d);
      }
      c.scoped(() => {
        const pqkv = c.put(qkv);
        const s1 = c.arena.alloc(L * L * 4), s2 = c.arena.alloc(L * L * 4);
        c.k.exports.matmul_f32_nt(L, L, d, pqkv + 4 * h * d, 3 * H, pqkv + 4 * (H + h * d), 3 * H, s1, L, 0.25);
        c.k.exports.matmul_f32_nt(L, L, d, c.put(q), d, c.put(kk), d, s2, L, 0.25);
        expect(c.get(s1, L * L)).toEqual(c.get(s2, L * L));
      });
    });
  });
}

describe('generated tile kernels', () => {
  it('the committed assembly/gemm/generated/ equals a fresh render of scripts/gen-kernels.mjs', async () => {
    const gen = (await import(join(ROOT, 'scripts', 'gen-kernels.mjs') as string)) as {
      render(): Record<string, string>;
      OUT_DIR: string;
      KC: number;
    };
    const want = gen.render();
    const have = readdirSync(gen.OUT_DIR).sort();
    expect(have).toEqual(Object.keys(want).sort());
    for (const [name, text] of Object.entries(want)) {
      expect(readFileSync(join(gen.OUT_DIR, name), 'utf8'), `${name} is stale: run node scripts/gen-kernels.mjs`).toBe(text);
      expect(text.startsWith('// generated — do not edit')).toBe(true);
    }
    // the reference's error bound assumes the generator's k-block
    expect(gen.KC).toBe(KC);
  });
});

// ---------------------------------------------------------------------------------------------------
// ONNX's own operator test vectors (Debian's libonnx-testdata, `apt-get install libonnx-testdata`):
// Gemm (alpha, beta, transA, transB, every bias broadcast) through the packed GEMM, MatMul 2d/3d/4d
// through both attention matmuls. An independent check of the semantics. Skipped where the package is
// absent (test/global-setup.ts says so once for the run), except under CI's flags (onnxAvailable()), where it fails.

/** The int and float attributes of the single node of an ONNX test model. */
const onnxAttrs = (dir: string) => readNode(dir).attrs;

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
}

const onnxDirs = (prefix: string): string[] =>
  HAVE_ONNX ? readdirSync(ONNX_NODE).filter((d) => d.startsWith(prefix) && !d.endsWith('_expanded')).sort() : [];

describe.skipIf(!onnxAvailable())('ONNX Gemm / MatMul test vectors (libonnx-testdata)', () => {
  let c: Ctx;
  beforeAll(async () => {
    c = context(await loadKernels({ simd: 'simd' }));
  });
  // ONNX computes the expected outputs with numpy (float32 inputs, sums of ≤ 6 products of order 1):
  // its rounding and ours are both ≤ a few ulp, far inside 1e-5·(1 + |want|); a wrong transpose,
  // broadcast or alpha/beta is O(1) off.
  const close = (got: Float32Array, want: Float32Array) => {
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])))) expect.fail(`[${i}] = ${got[i]}, want ${want[i]}`);
    }
  };

  it('finds the vectors', () => {
    expect(onnxDirs('test_gemm_').length).toBeGreaterThanOrEqual(8);
    expect(onnxDirs('test_matmul_').length).toBeGreaterThanOrEqual(3);
  });

  it('the vector folders are there (an empty list would make the cases below vanish, not fail)', () => {
    // counts in Debian 12's libonnx-testdata 1.12
    expect(onnxDirs('test_gemm_').length).toBeGreaterThanOrEqual(11);
    expect(onnxDirs('test_matmul_').length).toBeGreaterThanOrEqual(3);
  });

  it.each(onnxDirs('test_gemm_'))('%s', (name) => {
    // Y = alpha·A'·B' + beta·C, A' = transA ? Aᵀ : A [M, K], B' = transB ? Bᵀ : B [K, N]. Ours: W = B'ᵀ
    // [N, K] packed with bias = beta·C when C broadcasts along rows, else C as the residual.
    const dir = join(ONNX_NODE, name, 'test_data_set_0');
    const attrs = onnxAttrs(join(ONNX_NODE, name));
    const alpha = attrs.get('alpha') ?? 1, beta = attrs.get('beta') ?? 1;
    const A = readTensor(join(dir, 'input_0.pb'));
    const B = readTensor(join(dir, 'input_1.pb'));
    const Cpath = join(dir, 'input_2.pb');
    const C = existsSync(Cpath) ? readTensor(Cpath) : null;
    const Y = readTensor(join(dir, 'output_0.pb'));
    const [M, N] = Y.dims;
    const K = A.data.length / M;
    let a = attrs.get('transA') ? transpose(A.data, K, M) : A.data;
    if (alpha !== 1) a = a.map((v) => v * alpha);
    const w = attrs.get('transB') ? B.data : transpose(B.data, K, N);
    const cRows = C ? (C.dims.length === 2 ? C.dims[0] : 1) : 1;
    const cCols = C ? (C.dims.length === 0 ? 1 : C.dims[C.dims.length - 1]) : 1;
    const cAt = (i: number, j: number) => (C ? beta * C.data[(cRows === 1 ? 0 : i) * cCols + (cCols === 1 ? 0 : j)] : 0);
    c.scoped(() => {
      const rowBias = cRows === 1;
      const bias = rowBias ? Float32Array.from({ length: N }, (_, j) => cAt(0, j)) : null;
      const res = new Float32Array(M * N);
      if (!rowBias) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) res[i * N + j] = cAt(i, j);
      const pw = packed(c, { n: N, k: K, w, bias });
      const pc = c.put(res);
      c.k.exports[rowBias ? 'gemm_f32__bias' : 'gemm_f32__bias_residual'](M, N, K, c.put(a), K, pw, pc, N);
      close(c.get(pc, M * N), Y.data);
    });
  });

  it.each(onnxDirs('test_matmul_'))('%s (matmul_f32_nn, and matmul_f32_nt on Bᵀ)', (name) => {
    // numpy matmul semantics for equal batch dims: [..., M, K] · [..., K, N]
    const dir = join(ONNX_NODE, name, 'test_data_set_0');
    const A = readTensor(join(dir, 'input_0.pb'));
    const B = readTensor(join(dir, 'input_1.pb'));
    const Y = readTensor(join(dir, 'output_0.pb'));
    const [M, K] = A.dims.slice(-2);
    const N = B.dims[B.dims.length - 1];
    expect(B.dims.slice(0, -2)).toEqual(A.dims.slice(0, -2));
    const batch = A.data.length / (M * K);
    c.scoped(() => {
      const nn = new Float32Array(batch * M * N);
      const nt = new Float32Array(batch * M * N);
      for (let b = 0; b < batch; b++) {
        const a = A.data.subarray(b * M * K, (b + 1) * M * K);
        const bm = B.data.subarray(b * K * N, (b + 1) * K * N);
        const pa = c.put(a), pc = c.arena.alloc(M * N * 4);
        c.k.exports.matmul_f32_nn(M, N, K, pa, K, c.put(bm), N, pc, N);
        nn.set(c.get(pc, M * N), b * M * N);
        c.k.exports.matmul_f32_nt(M, N, K, pa, K, c.put(transpose(bm, K, N)), K, pc, N, 1);
        nt.set(c.get(pc, M * N), b * M * N);
      }
      close(nn, Y.data);
      close(nt, Y.data);
    });
  });
});
