// The q8 GEMMs (assembly/gemm/q8.ts) against their scalar reference (test/reference/gemm_q8.ts), on both
// wasm builds: qd16 (int16 activations, dot_i16x8_s) on both, qd8 (uint7 activations, relaxed dot) on the
// relaxed build.
//
// Bounds: the kernels' arithmetic is integer sums (exact) and then a fixed sequence of IEEE f32 operations,
// so packed A, bias/ReLU/residual outputs must equal the reference BIT FOR BIT on every CPU; a wrong index,
// a missed remainder row or column, an overflow or a saturating dot would all change bits. The GELU
// epilogues are the f32 GELU of the same pre-activation, so they are held to the GELU's own contract
// (assembly/ops/math.ts: 1.2e-7·max(1,|x|) for erf, 4·2⁻²³·max(1,|x|) for tanh) plus half an ulp.
// Separately, against the exact float64 product of the unquantized A and W, each output must be within
// the quantization bound: Σ_p (|a_p|·δw_j + |ŵ_jp|·δa_i) + |bias|-free f32 slack, δ = half a step
// (qd16: sa/2 with sa = max|a_i|/4095; qd8: sa/2 with sa = range/127; δw_j = sw_j/2), so a kernel that
// rounds correctly but dequantizes with the wrong scale fails even where it matches its own reference.
//
// Shapes: 1, 3, 4, 7, 13, 64, 65, 768, 3072 each appear in m, n and k (a table, not the full cross
// product), including non-multiples of the 4-row strips, the 8-column panels and the 4-deep k groups.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernels, type Kernels } from '../src/runtime/wasm.js';
import { Arena } from '../src/runtime/arena.js';
import { relaxedDotIsRight } from '../src/runtime/features.js';
import { quantizeRowsInt8 } from '../src/weights/quantize.js';
import { gemmQ8Ref, quantizeRow, type QFormat } from './reference/gemm_q8.js';
import { activation64, U32, type Activation } from './reference/gemm.js';
import { randomF32, rng } from './random.js';


/** [m, n, k, lda pad, ldc pad] */
const SHAPES: [number, number, number, number, number][] = [
  [1, 1, 1, 0, 0],
  [3, 7, 13, 0, 0],
  [4, 8, 4, 0, 0],
  [7, 13, 3, 5, 3],
  [13, 3, 7, 0, 1],
  [64, 64, 64, 0, 0],
  [65, 65, 65, 7, 9],
  [65, 768, 64, 3, 0],
  [768, 7, 65, 0, 5],
  [3, 3072, 13, 1, 0],
  [7, 64, 3072, 0, 0],
  [13, 13, 3072, 2, 2],
  [1, 768, 768, 0, 0],
  [6, 769, 129, 0, 0],
];

const EPILOGUES = [
  ['bias', 'none', false],
  ['bias_gelu', 'gelu', false],
  ['bias_gelu_tanh', 'gelu_tanh', false],
  ['bias_relu', 'relu', false],
  ['bias_residual', 'none', true],
] as const;

const SENTINEL = 1234.5;

interface Case {
  m: number; n: number; k: number; lda: number; ldc: number;
  a: Float32Array; w: Float32Array; wq: Int8Array; sw: Float32Array; bias: Float32Array; res: Float32Array;
  ref: Map<QFormat, Float32Array>;
}
const cases = new Map<string, Case>();
function getCase(m: number, n: number, k: number, padA: number, padC: number): Case {
  const key = `${m}x${n}x${k}+${padA},${padC}`;
  let g = cases.get(key);
  if (!g) {
    const lda = k + padA, ldc = n + padC;
    const seed = m * 1_000_003 + n * 1009 + k;
    // activations with an outlier column (as BERT's): U(−2, 2) and every 17th value ×8; weights U(−0.1, 0.1)
    const a = randomF32(m * lda, seed, -2, 2).map((v, i) => (i % 17 === 5 ? 8 * v : v));
    const w = randomF32(n * k, seed + 1, -0.1, 0.1);
    const { q, scale } = quantizeRowsInt8(w, n, k);
    const bias = randomF32(n, seed + 2, -1, 1);
    const res = randomF32(m * ldc, seed + 3, -3, 3);
    g = { m, n, k, lda, ldc, a, w, wq: q, sw: scale, bias, res, ref: new Map() };
    cases.set(key, g);
  }
  return g;
}
function refOf(g: Case, fmt: QFormat): Float32Array {
  let r = g.ref.get(fmt);
  if (!r) g.ref.set(fmt, (r = gemmQ8Ref(g.m, g.n, g.k, g.a, g.lda, g.wq, g.sw, g.bias, fmt)));
  return r;
}

for (const simd of ['simd', 'relaxed'] as const) {
  describe(`q8 GEMM kernels, ${simd} build`, () => {
    let k: Kernels;
    let arena: Arena;
    const e = () => k.exports as unknown as Record<string, (...a: number[]) => number>;
    const put = (a: Float32Array | Int8Array) => {
      const p = arena.alloc(Math.max(16, a.byteLength));
      new Uint8Array(k.memory.buffer, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return p;
    };
    const scoped = <T>(fn: () => T): T => {
      const mark = arena.used;
      try {
        return fn();
      } finally {
        arena.release(mark);
      }
    };
    let dotOk = true;
    beforeAll(async () => {
      k = await loadKernels({ simd });
      arena = new Arena(k.memory, k.exports.heap_base());
      if (simd === 'relaxed') dotOk = await relaxedDotIsRight();
    });
    const formats: QFormat[] = simd === 'relaxed' ? ['qd16', 'qd8'] : ['qd16'];

    if (simd === 'relaxed') {
      it('the relaxed dot is right on this engine, or this is Node 20 (whose Liftoff doubles it)', () => {
        const node = Number(process.versions.node?.split('.')[0]);
        if (!dotOk) {
          expect(node, 'relaxed_dot_i8x16_i7x16_add_s is wrong on an engine other than Node 20').toBe(20);
          process.stderr.write('kernels-q8: Node 20 Liftoff computes relaxed_dot_i8x16_i7x16_add_s wrong: qd8 kernel checks skipped\n');
        }
      });
    }

    it('sizes: panels of 96 + 8·kp bytes, strips of 32 + 8·kp (qd16) / 32 + 4·kp (qd8) bytes', () => {
      const x = e();
      expect(x.gemm_qc8w_pack_size(13, 5)).toBe(2 * (96 + 8 * 8));
      expect(x.gemm_qc8w_pack_offset(16, 768)).toBe(2 * (96 + 8 * 768));
      expect(x.gemm_pack_a_qd16_size(5, 5)).toBe(2 * (32 + 8 * 8));
      expect(x.gemm_pack_a_qd8_size(5, 5)).toBe(2 * (32 + 4 * 8));
      expect(x.gemm_qd16_max_k()).toBe(4096);
      expect(!!x.gemm_qd8_available()).toBe(simd === 'relaxed');
    });

    for (const fmt of formats) {
      /** qd8 GEMM checks need a relaxed dot that is right in every tier (see relaxedDotIsRight). */
      const gemmOk = () => fmt !== 'qd8' || dotOk;
      const packW = (g: Case) => {
        const x = e();
        const pw = arena.alloc(x.gemm_qc8w_pack_size(g.n, g.k));
        x[fmt === 'qd16' ? 'gemm_pack_qc8w_c2' : 'gemm_pack_qc8w_c4'](g.n, g.k, put(g.wq), g.k, put(g.sw), put(g.bias), pw);
        return pw;
      };
      const packA = (g: Case) => {
        const x = e();
        const pa = arena.alloc(x[`gemm_pack_a_${fmt}_size`](g.m, g.k));
        x[`gemm_pack_a_${fmt}`](g.m, g.k, put(g.a), g.lda, pa);
        return pa;
      };

      it(`${fmt}: packed A = the reference quantization, byte for byte (header, layout, zero padding)`, () => {
        for (const [m, , kk, padA] of SHAPES.filter(([m, , kk]) => m * kk < 200_000)) {
          const g = getCase(m, 1, kk, padA, 0);
          scoped(() => {
            const pa = packA(g);
            const kp = (kk + 3) & ~3;
            const sb = fmt === 'qd16' ? 32 + 8 * kp : 32 + 4 * kp;
            const mem = new DataView(k.memory.buffer);
            for (let i = 0; i < ((m + 3) & ~3); i++) {
              const strip = pa + (i >> 2) * sb, r = i & 3;
              const want = i < m ? quantizeRow(g.a.subarray(i * g.lda, i * g.lda + kk), fmt) : { scale: 0, zp: 0, q: new Int32Array(kk) };
              expect(mem.getFloat32(strip + 4 * r, true), `scale row ${i}`).toBe(want.scale);
              expect(mem.getInt32(strip + 16 + 4 * r, true), `zp row ${i}`).toBe(want.zp);
              for (let p = 0; p < kp; p++) {
                const got = fmt === 'qd16'
                  ? mem.getInt16(strip + 32 + 16 * (p >> 1) + 4 * r + 2 * (p & 1), true)
                  : mem.getUint8(strip + 32 + 16 * (p >> 2) + 4 * r + (p & 3));
                const q = p < kk ? want.q[p] : 0;
                if (got !== q) expect(got, `${m}x${kk} row ${i} k ${p}`).toBe(q);
              }
            }
          });
        }
      });

      it.each(SHAPES)(`${fmt}: m=%i n=%i k=%i (lda pad %i, ldc pad %i): every epilogue = the reference`, (m, n, kk, padA, padC) => {
        if (!gemmOk()) return;
        const g = getCase(m, n, kk, padA, padC);
        const ref = refOf(g, fmt);
        scoped(() => {
          const pw = packW(g), pa = packA(g);
          for (const [epi, act, residual] of EPILOGUES) {
            const len = m * g.ldc + g.ldc;
            const init = new Float32Array(len).fill(SENTINEL);
            for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) init[i * g.ldc + j] = g.res[i * g.ldc + j];
            const c = put(init);
            e()[`gemm_${fmt}_f32_qc8w__${epi}`](m, n, kk, pa, kk, pw, c, g.ldc);
            const got = new Float32Array(k.memory.buffer, c, len).slice();
            let bad = '';
            for (let i = 0; i < m && !bad; i++) {
              for (let j = 0; j < g.ldc && !bad; j++) {
                const o = i * g.ldc + j;
                if (j >= n) {
                  if (got[o] !== SENTINEL) bad = `${epi}: wrote ldc padding at ${i},${j}`;
                  continue;
                }
                const y = ref[i * n + j];
                let want: number;
                if (act === 'relu') want = y < 0 ? 0 : y;
                else if (residual) want = Math.fround(y + g.res[o]);
                else want = y;
                if (act === 'gelu' || act === 'gelu_tanh') {
                  const exact = activation64(y, act as Activation);
                  const tol = (act === 'gelu' ? 1.2e-7 : 4 * 2 ** -23) * Math.max(1, Math.abs(y)) + U32 * Math.abs(exact) + 2 ** -149;
                  if (!(Math.abs(got[o] - exact) <= tol)) bad = `${epi} at ${i},${j}: ${got[o]} vs ${exact} (± ${tol})`;
                } else if (!Object.is(got[o], want)) bad = `${epi} at ${i},${j}: ${got[o]} !== ${want}`;
              }
            }
            for (let j = 0; j < g.ldc && !bad; j++) if (got[m * g.ldc + j] !== SENTINEL) bad = `${epi}: wrote past the last row`;
            expect(bad).toBe('');
          }
        });
      });

      // (of the reference, which the kernels equal bit for bit above: the bound holds for the kernels)
      it(`${fmt}: within the quantization bound of the exact float64 A·Wᵀ + b`, () => {
        for (const [m, n, kk, padA, padC] of SHAPES) {
          const g = getCase(m, n, kk, padA, padC);
          const ref = refOf(g, fmt);
          let worst = 0;
          for (let i = 0; i < m; i++) {
            const row = g.a.subarray(i * g.lda, i * g.lda + kk);
            const qr = quantizeRow(row, fmt);
            const da = qr.scale / 2;
            for (let j = 0; j < n; j++) {
              let exact = g.bias[j], bound = 0;
              for (let p = 0; p < kk; p++) {
                const w = g.w[j * kk + p];
                exact += row[p] * w;
                // |a·w − â·ŵ| ≤ |a|·|w − ŵ| + |ŵ|·|a − â|
                bound += Math.abs(row[p]) * (g.sw[j] / 2) * (1 + 2 ** -22) + Math.abs(g.wq[j * kk + p] * g.sw[j]) * da * (1 + 2 ** -22);
              }
              const y = ref[i * n + j];
              const err = Math.abs(y - exact);
              // plus the f32 epilogue: three roundings of values ≤ |y| + bound
              const allowed = bound + 4 * U32 * (Math.abs(y) + bound) + 2 ** -140;
              if (!(err <= allowed)) expect(err, `${m}x${n}x${kk} at ${i},${j}`).toBeLessThanOrEqual(allowed);
              worst = Math.max(worst, err / (allowed || 1));
            }
          }
          // the bound is a worst case: typical rounding lands well inside it, but not at zero
          expect(worst).toBeGreaterThan(0);
        }
      });

      it(`${fmt}: column and row slices (the threads' split) give the same bits as one call`, () => {
        if (!gemmOk()) return;
        const g = getCase(65, 65, 65, 7, 9);
        scoped(() => {
          const x = e();
          const pw = packW(g), pa = packA(g);
          const whole = put(new Float32Array(g.m * g.ldc)), split = put(new Float32Array(g.m * g.ldc));
          x[`gemm_${fmt}_f32_qc8w__bias_gelu`](g.m, g.n, g.k, pa, g.k, pw, whole, g.ldc);
          const n0 = 24, m0 = 32;
          const aOff = x[`gemm_pack_a_${fmt}_size`](m0, g.k);
          const wOff = x.gemm_qc8w_pack_offset(n0, g.k);
          const f = x[`gemm_${fmt}_f32_qc8w__bias_gelu`];
          f(m0, n0, g.k, pa, g.k, pw, split, g.ldc);
          f(m0, g.n - n0, g.k, pa, g.k, pw + wOff, split + 4 * n0, g.ldc);
          f(g.m - m0, n0, g.k, pa + aOff, g.k, pw, split + 4 * m0 * g.ldc, g.ldc);
          f(g.m - m0, g.n - n0, g.k, pa + aOff, g.k, pw + wOff, split + 4 * (m0 * g.ldc + n0), g.ldc);
          const A = new Uint32Array(k.memory.buffer, whole, g.m * g.ldc), B = new Uint32Array(k.memory.buffer, split, g.m * g.ldc);
          expect(Array.from(B)).toEqual(Array.from(A));
        });
      });
    }

    it('qd16 cannot overflow: k = 4096, every |Aq| = 4095 and every Wq = ±127 (one sign per column)', () => {
      const m = 4, n = 8, kk = 4096;
      const a = new Float32Array(m * kk).map((_, i) => ((i >> 12) & 1 ? -1 : 1) * 3.5);
      const w = new Float32Array(n * kk).map((_, i) => ((i / kk) | 0) % 2 ? -0.5 : 0.5);
      const { q, scale } = quantizeRowsInt8(w, n, kk);
      const ref = gemmQ8Ref(m, n, kk, a, kk, q, scale, null, 'qd16');
      scoped(() => {
        const x = e();
        const pw = arena.alloc(x.gemm_qc8w_pack_size(n, kk));
        x.gemm_pack_qc8w_c2(n, kk, put(q), kk, put(scale), 0, pw);
        const pa = arena.alloc(x.gemm_pack_a_qd16_size(m, kk));
        x.gemm_pack_a_qd16(m, kk, put(a), kk, pa);
        const c = put(new Float32Array(m * n));
        x.gemm_qd16_f32_qc8w__bias(m, n, kk, pa, kk, pw, c, n);
        const got = Array.from(new Float32Array(k.memory.buffer, c, m * n));
        expect(got).toEqual(Array.from(ref));
        // = ±3.5 · 0.5 · 4096 up to the scales' rounding: the i32 sum 4095·127·4096 = 2,130,014,208 did not wrap
        expect(Math.abs(got[0] - 7168)).toBeLessThan(1e-2);
      });
    });
  });
}
