#!/usr/bin/env node
// The GEMM tile generator: every register-blocked micro-kernel in assembly/gemm/generated/ comes from
// ONE template per op below, instantiated per tile shape (MR rows × NR columns) and ISA, the way XNNPACK
// generates its ukernels from .c.in templates. AssemblyScript has no numeric generics, and a tile's
// accumulators must be named scalars (v128 locals) for V8 to keep them in registers, so the unrolled
// source is written out here instead of by the compiler.
//
// Output is committed (so a reader can see the exact kernel) and stamped "generated — do not edit";
// scripts/build-wasm.mjs calls generate() before every build, and test/kernels-gemm.test.ts checks that
// the committed files equal a fresh render().
//
//   node scripts/gen-kernels.mjs          write assembly/gemm/generated/*.ts (only files that changed)
//   node scripts/gen-kernels.mjs --check  exit 1 if the committed files are stale
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = join(root, 'assembly', 'gemm', 'generated');

/**
 * K block of the in-register blocked summation: each tile accumulates KC products per lane in a fresh
 * chain, then adds the chain into a running total. A length-k dot product then carries rounding error
 * ≈ (KC + k/KC)·u instead of k·u (k = 3072: 152 vs 3072 worst case; ~√ of that typically). The totals
 * are touched once per KC steps, so the engine keeps them in stack slots, off the hot loop's registers.
 * test/reference/gemm.ts mirrors it for the error bound.
 */
export const KC = 128;

/** ISAs: how one a·b + c is written. relaxed_madd fuses where the CPU has FMA (one rounding). */
const ISAS = {
  relaxed_fma: {
    madd: (a, b, c) => `f32x4.relaxed_madd(${a}, ${b}, ${c})`,
    note: 'f32x4.relaxed_madd (FMA where the CPU has it: one rounding per step)',
  },
  simd128: {
    madd: (a, b, c) => `f32x4.add(f32x4.mul(${a}, ${b}), ${c})`,
    note: 'f32x4.mul + f32x4.add (two roundings, same bits on every CPU)',
  },
};

/**
 * The tiles each ISA gets: 4x8 and its 1..3-row remainders on both. Register budget (x64 has 16 xmm, V8
 * allocates 15): TurboFan schedules a k-step's loads ahead of its arithmetic, so a tile needs its
 * accumulators AND one step's loads live at once: 4x8 = 8 accumulators + 2 B vectors + 4 A splats = 14
 * (+1 product temp for simd128's mul+add); 6x8 (12 + 2 + 6) spills and measured 2x slower
 * (assembly/gemm/gemm.ts, MR). Smaller MR tiles take the m % 4 remainder rows at full speed per row.
 */
const GEMM_TILES = { relaxed_fma: [1, 2, 3, 4], simd128: [1, 2, 3, 4] };
/** A·Bᵀ tiles (rows of A × rows of B): 2x4 = 8 accumulators + 6 loads per step, all live at once. */
const NT_TILES = [[2, 4], [1, 4], [2, 1], [1, 1]];
const NN_TILES = { relaxed_fma: [1, 2, 3, 4], simd128: [1, 2, 3, 4] };

const STAMP = '// generated — do not edit: scripts/gen-kernels.mjs renders this file from its template.\n';

const range = (n) => Array.from({ length: n }, (_, i) => i);

function packedGemmTile(mr, isaName) {
  const isa = ISAS[isaName];
  const name = `gemm_f32_${mr}x8__${isaName}`;
  const R = range(mr);
  const L = [];
  L.push(`// ${name}: C[${mr}×nr] (row stride ldc bytes) = epi(A[${mr}×k] (row stride lda bytes) · panelᵀ + bias),`);
  L.push(`// 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel (gemm_pack_f32): 8 bias values, then k rows of 8 weights.`);
  L.push(`// ${mr}×8 register tile: ${2 * mr} f32x4 accumulators, A loaded by load32_splat, ${isa.note}.`);
  L.push(`export function ${name}(nr: i32, k: i32, a: usize, lda: usize, w: usize, c: usize, ldc: usize, epi: i32): void {`);
  for (const i of R) L.push(`  let a${i} = ${i === 0 ? 'a' : `a${i - 1} + lda`};`);
  for (const i of R) L.push(`  let t${i}x0 = f32x4.splat(0), t${i}x1 = f32x4.splat(0);`);
  L.push(`  let wp = w + 32;`);
  L.push(`  let kk = k;`);
  L.push(`  while (kk > 0) {`);
  L.push(`    let q = kk < ${KC} ? kk : ${KC};`);
  L.push(`    kk -= q;`);
  for (const i of R) L.push(`    let c${i}x0 = f32x4.splat(0), c${i}x1 = f32x4.splat(0);`);
  const step = (ind, u) => {
    const off = (x) => (x === 0 ? '' : `, ${x}`);
    L.push(`${ind}b0 = v128.load(wp${off(32 * u)});`);
    L.push(`${ind}b1 = v128.load(wp${off(32 * u + 16)});`);
    for (const i of R) {
      L.push(`${ind}va = v128.load32_splat(a${i}${off(4 * u)});`);
      L.push(`${ind}c${i}x0 = ${isa.madd('va', 'b0', `c${i}x0`)};`);
      L.push(`${ind}c${i}x1 = ${isa.madd('va', 'b1', `c${i}x1`)};`);
    }
  };
  L.push(`    let b0: v128, b1: v128, va: v128;`);
  L.push(`    while (q > 0) {`);
  step('      ', 0);
  L.push(`      ${R.map((i) => `a${i} += 4;`).join(' ')}`);
  L.push(`      wp += 32;`);
  L.push(`      q -= 1;`);
  L.push(`    }`);
  for (const i of R) L.push(`    t${i}x0 = f32x4.add(t${i}x0, c${i}x0); t${i}x1 = f32x4.add(t${i}x1, c${i}x1);`);
  L.push(`  }`);
  L.push(`  const bias0 = v128.load(w), bias1 = v128.load(w, 16);`);
  for (const i of R) {
    L.push(`  gemm_store_row8(c${i === 0 ? '' : ` + ${i} * ldc`}, nr, f32x4.add(t${i}x0, bias0), f32x4.add(t${i}x1, bias1), epi);`);
  }
  L.push(`}`);
  return L.join('\n');
}

/**
 * The same tile over PACKED A (gemm_pack_a_f32: strips of 4 rows interleaved, element (r, p) of a strip at
 * byte 16·p + 4·r): one pointer, the rows' splats at immediate offsets, and an end-pointer loop — 3 scalar
 * ops per k-step instead of 7 (4 row pointers, a counter), which is what limits the row-pointer tile on x64:
 * measured here 7–17% faster at BERT's shapes, same operations in the same order, so the same bits.
 */
function packedAGemmTile(mr, isaName) {
  const isa = ISAS[isaName];
  const name = `gemm_f32_${mr}x8__${isaName}_pa`;
  const R = range(mr);
  const L = [];
  L.push(`// ${name}: C[${mr}×nr] (row stride ldc bytes) = epi(A[${mr}×k] · panelᵀ + bias), A one packed strip`);
  L.push(`// (gemm_pack_a_f32: k groups of 4 floats, rows ${mr < 4 ? `0..${mr - 1} used` : '0..3'}), 1 ≤ nr ≤ 8, k ≥ 1. w is one packed panel.`);
  L.push(`// ${mr}×8 register tile: ${2 * mr} f32x4 accumulators, A splats at immediate offsets of one pointer, ${isa.note}.`);
  L.push(`export function ${name}(nr: i32, k: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {`);
  for (const i of R) L.push(`  let t${i}x0 = f32x4.splat(0), t${i}x1 = f32x4.splat(0);`);
  L.push(`  let wp = w + 32;`);
  L.push(`  let ap = a;`);
  L.push(`  let kk = k;`);
  L.push(`  while (kk > 0) {`);
  L.push(`    const q = kk < ${KC} ? kk : ${KC};`);
  L.push(`    kk -= q;`);
  L.push(`    const end = ap + (<usize>q << 4);`);
  for (const i of R) L.push(`    let c${i}x0 = f32x4.splat(0), c${i}x1 = f32x4.splat(0);`);
  L.push(`    do {`);
  L.push(`      const b0 = v128.load(wp);`);
  L.push(`      const b1 = v128.load(wp, 16);`);
  for (const i of R) {
    L.push(`      const va${i} = v128.load32_splat(ap${i ? `, ${4 * i}` : ''});`);
    L.push(`      c${i}x0 = ${isa.madd(`va${i}`, 'b0', `c${i}x0`)};`);
    L.push(`      c${i}x1 = ${isa.madd(`va${i}`, 'b1', `c${i}x1`)};`);
  }
  L.push(`      ap += 16;`);
  L.push(`      wp += 32;`);
  L.push(`    } while (ap < end);`);
  for (const i of R) L.push(`    t${i}x0 = f32x4.add(t${i}x0, c${i}x0); t${i}x1 = f32x4.add(t${i}x1, c${i}x1);`);
  L.push(`  }`);
  L.push(`  const bias0 = v128.load(w), bias1 = v128.load(w, 16);`);
  for (const i of R) {
    L.push(`  gemm_store_row8(c${i === 0 ? '' : ` + ${i} * ldc`}, nr, f32x4.add(t${i}x0, bias0), f32x4.add(t${i}x1, bias1), epi);`);
  }
  L.push(`}`);
  return L.join('\n');
}

function nnTile(mr, nv, isaName) {
  const isa = ISAS[isaName];
  const nr = 4 * nv;
  const name = `matmul_nn_f32_${mr}x${nr}__${isaName}`;
  const R = range(mr);
  const V = range(nv);
  const L = [];
  L.push(`// ${name}: C[${mr}×${nr}] (row stride ldc bytes) = A[${mr}×k] (row stride lda bytes) · B[k×${nr}] (row stride ldb bytes),`);
  L.push(`// k ≥ 1, B read in place (no packing). ${mr}×${nr} register tile: ${mr * nv} f32x4 accumulators, ${isa.note}.`);
  L.push(`export function ${name}(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {`);
  for (const i of R) L.push(`  let a${i} = ${i === 0 ? 'a' : `a${i - 1} + lda`};`);
  for (const i of R) L.push(`  let ${V.map((v) => `t${i}x${v} = f32x4.splat(0)`).join(', ')};`);
  L.push(`  let bp = b;`);
  L.push(`  let kk = k;`);
  L.push(`  while (kk > 0) {`);
  L.push(`    let q = kk < ${KC} ? kk : ${KC};`);
  L.push(`    kk -= q;`);
  for (const i of R) L.push(`    let ${V.map((v) => `c${i}x${v} = f32x4.splat(0)`).join(', ')};`);
  L.push(`    do {`);
  for (const v of V) L.push(`      const b${v} = v128.load(bp${v ? `, ${16 * v}` : ''});`);
  for (const i of R) {
    L.push(`      const va${i} = v128.load32_splat(a${i});`);
    for (const v of V) L.push(`      c${i}x${v} = ${isa.madd(`va${i}`, `b${v}`, `c${i}x${v}`)};`);
  }
  L.push(`      ${R.map((i) => `a${i} += 4;`).join(' ')}`);
  L.push(`      bp += ldb;`);
  L.push(`      q -= 1;`);
  L.push(`    } while (q > 0);`);
  for (const i of R) L.push(`    ${V.map((v) => `t${i}x${v} = f32x4.add(t${i}x${v}, c${i}x${v});`).join(' ')}`);
  L.push(`  }`);
  for (const i of R) {
    const ci = `c${i === 0 ? '' : ` + ${i} * ldc`}`;
    for (const v of V) L.push(`  v128.store(${ci}, t${i}x${v}${v ? `, ${16 * v}` : ''});`);
  }
  L.push(`}`);
  return L.join('\n');
}

function ntTile(mr, nr, isaName) {
  const isa = ISAS[isaName];
  const name = `matmul_nt_f32_${mr}x${nr}__${isaName}`;
  const R = range(mr);
  const J = range(nr);
  const L = [];
  L.push(`// ${name}: C[${mr}×${nr}] (row stride ldc bytes) = alpha · A[${mr}×k] · B[${nr}×k]ᵀ (row strides lda, ldb bytes),`);
  L.push(`// k ≥ 0. Dot products along k in 4 lanes (lane l sums p ≡ l mod 4), reduced at the end as (l0 + l2) + (l1 + l3);`);
  L.push(`// the k % 4 tail enters lane 0 through zero-extended loads. ${mr * nr} accumulators, ${isa.note}.`);
  L.push(`export function ${name}(k: i32, a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, alpha: f32): void {`);
  for (const i of R) L.push(`  let a${i} = ${i === 0 ? 'a' : `a${i - 1} + lda`};`);
  for (const j of J) L.push(`  let b${j} = ${j === 0 ? 'b' : `b${j - 1} + ldb`};`);
  for (const i of R) L.push(`  let ${J.map((j) => `t${i}x${j} = f32x4.splat(0)`).join(', ')};`);
  L.push(`  let kk = k;`);
  L.push(`  while (kk > 0) {`);
  L.push(`    let q = kk < ${KC} ? kk : ${KC};`);
  L.push(`    kk -= q;`);
  for (const i of R) L.push(`    let ${J.map((j) => `c${i}x${j} = f32x4.splat(0)`).join(', ')};`);
  const body = (ind, load, step) => {
    for (const i of R) L.push(`${ind}const va${i} = ${load}(a${i});`);
    for (const j of J) {
      L.push(`${ind}const vb${j} = ${load}(b${j});`);
      for (const i of R) L.push(`${ind}c${i}x${j} = ${isa.madd(`va${i}`, `vb${j}`, `c${i}x${j}`)};`);
    }
    L.push(`${ind}${[...R.map((i) => `a${i} += ${step};`), ...J.map((j) => `b${j} += ${step};`)].join(' ')}`);
  };
  L.push(`    while (q >= 4) {`);
  body('      ', 'v128.load', 16);
  L.push(`      q -= 4;`);
  L.push(`    }`);
  L.push(`    while (q > 0) {`);
  body('      ', 'v128.load32_zero', 4);
  L.push(`      q -= 1;`);
  L.push(`    }`);
  for (const i of R) L.push(`    ${J.map((j) => `t${i}x${j} = f32x4.add(t${i}x${j}, c${i}x${j});`).join(' ')}`);
  L.push(`  }`);
  for (const i of R) {
    const ci = `c${i === 0 ? '' : ` + ${i} * ldc`}`;
    if (nr === 4) {
      L.push(`  v128.store(${ci}, f32x4.mul(nt_reduce4(t${i}x0, t${i}x1, t${i}x2, t${i}x3), f32x4.splat(alpha)));`);
    } else {
      L.push(`  store<f32>(${ci}, nt_reduce1(t${i}x0) * alpha);`);
    }
  }
  L.push(`}`);
  return L.join('\n');
}

/**
 * Dynamically quantized GEMM tiles, XNNPACK's qd8-f32-qc8w family: A quantized per row while it is
 * packed (assembly/gemm/q8.ts), int8 weights with one f32 scale per output column, int32 accumulators
 * (exact: no rounding until the epilogue), f32 output through the f32 GEMM's epilogues.
 *
 *   qd16 · simd128_dot16   A as int16 in [-4095, 4095] (13 bits, symmetric per row), weights packed c2
 *                          (per k pair: 8 columns × 2 int8 = 16 bytes), sign-extended to i16x8 in the
 *                          tile (2 extends per 16 weights, shared by the tile's rows), i32x4.dot_i16x8_s
 *                          + i32x4.add. Never overflows: |Σ| ≤ 4095 · 127 · k < 2³¹ for k ≤ 4096.
 *   qd8  · relaxed_dot     A as uint7 in [0, 127] with a zero point (asymmetric per row), weights packed
 *                          c4 (per 4 k: 8 columns × 4 int8 = 32 bytes), i32x4.relaxed_dot_i8x16_i7x16_add_s
 *                          with the weights as the signed operand. A in [0, 127] is what makes the relaxed
 *                          dot deterministic (assembly/gemm/q8.ts: what V8 emits for it).
 *
 * Shape contract of every tile: C[mr×nr] (row stride ldc bytes) = epi(dequant(Aq[mr×k] · Wqᵀ) + bias),
 * 1 ≤ nr ≤ 8, kp = k rounded up to a multiple of 4 (≥ 4), a = one packed A strip (its header of 4 row
 * scales and 4 zero points, then the data), w = one packed weight panel (bias, scales, column sums, data).
 */
const Q_KINDS = {
  simd128_dot16: {
    name: (mr) => `gemm_qd16_f32_qc8w_${mr}x8c2__simd128_dot16`,
    layout: 'A: per k pair, 4 rows × 2 int16 (16 bytes); W: per k pair, 8 columns × 2 int8 (16 bytes)',
    aBytesPerKp: 3, // A data bytes = kp << 3 (kp/2 pairs × 16 bytes)
    zeroPoint: false,
    step(L, R) {
      // sign-extending loads (pmovsxbw from memory: a load and one shuffle µop each) instead of a load
      // and two extends (V8 builds extend_high from an unpack and a shift: two ALU µops)
      L.push(`    const b0 = v128.load8x8_s(wp);`);
      L.push(`    const b1 = v128.load8x8_s(wp, 8);`);
      for (const i of R) {
        L.push(`    const va${i} = v128.load32_splat(ap${i ? `, ${4 * i}` : ''});`);
        L.push(`    t${i}x0 = i32x4.add(t${i}x0, i32x4.dot_i16x8_s(b0, va${i}));`);
        L.push(`    t${i}x1 = i32x4.add(t${i}x1, i32x4.dot_i16x8_s(b1, va${i}));`);
      }
      L.push(`    ap += 16;`);
      L.push(`    wp += 16;`);
    },
  },
  relaxed_dot: {
    name: (mr) => `gemm_qd8_f32_qc8w_${mr}x8c4__relaxed_dot`,
    layout: 'A: per 4 k, 4 rows × 4 uint7 (16 bytes); W: per 4 k, 8 columns × 4 int8 (32 bytes)',
    aBytesPerKp: 2, // A data bytes = kp << 2 (kp/4 groups × 16 bytes)
    zeroPoint: true,
    step(L, R) {
      L.push(`    const b0 = v128.load(wp);`);
      L.push(`    const b1 = v128.load(wp, 16);`);
      for (const i of R) {
        L.push(`    const va${i} = v128.load32_splat(ap${i ? `, ${4 * i}` : ''});`);
        L.push(`    t${i}x0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b0, va${i}, t${i}x0);`);
        L.push(`    t${i}x1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b1, va${i}, t${i}x1);`);
      }
      L.push(`    ap += 16;`);
      L.push(`    wp += 32;`);
    },
  },
};
/** Rows per tile for the q8 GEMMs: 8 i32x4 accumulators at 4 rows, as the f32 tile. */
const Q_TILES = [1, 2, 3, 4];

function qTile(mr, kindName) {
  const kind = Q_KINDS[kindName];
  const name = kind.name(mr);
  const R = range(mr);
  const L = [];
  L.push(`// ${name}: C[${mr}×nr] (row stride ldc bytes) = epi(dequant(Aq[${mr}×k] · Wqᵀ) + bias), 1 ≤ nr ≤ 8,`);
  L.push(`// kp = k rounded up to 4. a: one packed A strip (rows ${mr < 4 ? `0..${mr - 1} used` : '0..3'}), w: one packed weight panel.`);
  L.push(`// ${kind.layout}. ${2 * mr} i32x4 accumulators.`);
  L.push(`export function ${name}(nr: i32, kp: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {`);
  for (const i of R) L.push(`  let t${i}x0 = i32x4.splat(0), t${i}x1 = i32x4.splat(0);`);
  L.push(`  let ap = a + Q8_A_HEADER;`);
  L.push(`  let wp = w + Q8_W_HEADER;`);
  L.push(`  const end = ap + (<usize>kp << ${kind.aBytesPerKp});`);
  L.push(`  while (ap < end) {`);
  kind.step(L, R);
  L.push(`  }`);
  for (const i of R) {
    L.push(`  q8_store_row8(c${i === 0 ? '' : ` + ${i} * ldc`}, nr, t${i}x0, t${i}x1, a, ${i}, w, ${kind.zeroPoint}, epi);`);
  }
  L.push(`}`);
  return L.join('\n');
}

function file(header, imports, bodies) {
  return `${STAMP}${header}\n${imports}\n\n${bodies.join('\n\n')}\n`;
}

/** Every generated file: { [file name]: content }. */
export function render() {
  const out = {};
  out['params.ts'] =
    `${STAMP}// The tiles' k-block, for the hand-written remainder paths that must sum in the same blocks.\n` +
    `// @ts-ignore: decorator\n@inline export const KC: i32 = ${KC};\n`;
  for (const isa of Object.keys(ISAS)) {
    out[`gemm_f32__${isa}.ts`] = file(
      `// Packed-weight GEMM tiles (${GEMM_TILES[isa].map((m) => `${m}x8`).join(', ')}), ${isa}: one template, see the generator.\n` +
        `// Summation per output: KC = ${KC} products per fresh accumulator chain, chains added in k order.`,
      `import { gemm_store_row8 } from '../epilogue';`,
      [...GEMM_TILES[isa].map((mr) => packedGemmTile(mr, isa)), ...GEMM_TILES[isa].map((mr) => packedAGemmTile(mr, isa))],
    );
    out[`matmul_nn_f32__${isa}.ts`] = file(
      `// Strided C = A·B tiles (${NN_TILES[isa].flatMap((m) => [`${m}x8`, `${m}x4`]).join(', ')}), ${isa}: one template, see the generator.\n` +
        `// Summation per output: KC = ${KC} products per fresh accumulator chain, chains added in k order.`,
      ``,
      NN_TILES[isa].flatMap((mr) => [nnTile(mr, 2, isa), nnTile(mr, 1, isa)]),
    );
    out[`matmul_nt_f32__${isa}.ts`] = file(
      `// Strided C = alpha·A·Bᵀ tiles (${NT_TILES.map(([m, n]) => `${m}x${n}`).join(', ')}), ${isa}: one template, see the generator.\n` +
        `// Summation per output: KC = ${KC} products per fresh accumulator block, blocks added in k order.`,
      `import { nt_reduce1, nt_reduce4 } from '../reduce';`,
      NT_TILES.map(([m, n]) => ntTile(m, n, isa)),
    );
  }
  for (const kind of Object.keys(Q_KINDS)) {
    out[`gemm_q8__${kind}.ts`] = file(
      `// Dynamically quantized GEMM tiles (${Q_TILES.map((m) => `${m}x8`).join(', ')}), ${kind}: one template, see the generator.\n` +
        `// Integer sums are exact (int32, no overflow by the packers' ranges); the epilogue is q8_store_row8.`,
      `import { Q8_A_HEADER, Q8_W_HEADER, q8_store_row8 } from '../q8_epilogue';`,
      Q_TILES.map((mr) => qTile(mr, kind)),
    );
  }
  return out;
}

/** Write the generated files; only files whose content changed are touched. Returns the names written. */
export function generate() {
  mkdirSync(OUT_DIR, { recursive: true });
  const written = [];
  for (const [name, text] of Object.entries(render())) {
    const path = join(OUT_DIR, name);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    writeFileSync(path, text);
    written.push(name);
  }
  return written;
}

/** Names of committed files that differ from a fresh render (or are missing / extra). */
export function stale() {
  const want = render();
  const bad = Object.keys(want).filter((n) => !existsSync(join(OUT_DIR, n)) || readFileSync(join(OUT_DIR, n), 'utf8') !== want[n]);
  const extra = existsSync(OUT_DIR) ? readdirSync(OUT_DIR).filter((n) => !(n in want)) : [];
  return [...bad, ...extra];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const s = stale();
    if (s.length) {
      process.stderr.write(`gen-kernels: stale generated kernels: ${s.join(', ')} (run node scripts/gen-kernels.mjs)\n`);
      process.exit(1);
    }
  } else {
    const w = generate();
    process.stdout.write(w.length ? `gen-kernels: wrote ${w.join(', ')}\n` : 'gen-kernels: up to date\n');
  }
}
