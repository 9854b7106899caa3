// Dynamically quantized GEMMs (XNNPACK's qd8-f32-qc8w family): C[m×n] = epi(A[m×k] · Wᵀ + b) with
// W int8, one f32 scale per output column (symmetric, src/weights/quantize.ts), and A quantized per row
// while it is packed. Pointers are byte offsets; m, n, k and ldc are elements (f32). Nothing allocates.
//
// Two families, same panels (gemm_qc8w_pack_size / _offset), same driver and epilogues:
//
//   qd16: A symmetric per row to int16 in [-4095, 4095] (13 bits), i32x4.dot_i16x8_s. Both builds. What
//         the model runs: scripts/q8-accuracy-study.py measured on synthetic-base (float64, all 11 golden
//         cases) that 13-bit activations add nothing measurable to the weights' own rounding (rel L2 1.38%
//         → 1.38%), while int8 activations per row cost 3.4% and uint7 5.0% (targets: ≤ 2%).
//   qd8:  A asymmetric per row to uint7 in [0, 127] with a zero point, i32x4.relaxed_dot_i8x16_i7x16_add_s
//         (relaxed build only). Twice the MACs per instruction where the engine has a native 8-bit dot;
//         not accurate enough for BERT's activations on its own (above), kept for the benchmark and for
//         models that tolerate it.
//
// What V8 emits for i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c) on x64 (node --print-wasm-code, Node 20
// / V8 11.3, Intel Xeon with AVX-VNNI): `vpmaddubsw t, b, a` (b unsigned × a signed, adjacent pairs summed
// with signed 16-bit SATURATION), `vpmaddwd t, t, ones`, `vpaddd c, c, t`: three µops, not `vpdpbusd`, on
// this CPU too. With b (the i7 operand) in [0, 127] and a in [-127, 127] a pair sum is at most
// 2·127·127 = 32258 < 32767: it never saturates, so every lowering (pmaddubsw, VNNI's vpdpbusd, ARM's
// sdot, the scalar fallback) gives the same int32. That is why A is the uint7 operand and W the signed
// one, and why the packer clamps A to [0, 127] rather than [0, 255]. Three µops per 16 MACs is the same
// multiply-port cost as dot_i16x8_s (one pmaddwd per 8 MACs): without a native 8-bit dot, qd8 buys no
// speed over qd16; with one (vpdpbusd, sdot) it is up to 2×. Deno 2.9 (V8 15.0) on the same CPU measures
// the relaxed dot at twice dot16's rate (peak probe 149 vs 75 GOP/s; qd8 GEMM 2.0× qd16 at 16×768×768):
// that is the vpdpbusd lowering (its release build prints no disassembly to show it).
// Node 20's Liftoff (first tier) computes relaxed_dot_i8x16_i7x16_add_s as TWICE the dot product (probe:
// 996 for 498; TurboFan, Deno and Bun: 498), so qd8 results on Node 20 depend on tier-up timing: never
// run qd8 there (test/kernels-q8.test.ts checks the engine first).
//
// Measured and dropped: 13-bit activations through the relaxed dot, stored as u = q + 4096 = 128·hi + lo
// (hi, lo ∈ [0, 127]: deterministic) with two dots per product, gives qd16's bits exactly, but ran 1.05×
// qd16 on Deno 2.9 (V8 lowers the dot to vpdpbusd here: 149 GOP/s against dot16's ~75) and 0.3–0.4× on
// Node 20 (three µops per dot): two vpdpbusd per 16 MACs load the multiply ports as much as two pmaddwd
// per 16 MACs do. Only 8-bit activations (qd8) get the 2× of a native 8-bit dot, and they are too coarse.
//
// Weight panels (8 columns, gemm_qc8w_pack_size bytes for all; header: assembly/gemm/q8_epilogue.ts):
//   c2 (qd16): per k pair P: 16 bytes, column j's W[j, 2P], W[j, 2P+1] at 2j, 2j+1
//   c4 (qd8):  per k group G of 4: 32 bytes, column j's W[j, 4G..4G+3] at 4j..4j+3
// k is padded with zero weights to kp = k rounded up to 4, so both are 96 + 8·kp bytes per panel.
// Packed A (strips of 4 rows, the last zero-padded; header: q8_epilogue.ts):
//   qd16: 32 + 8·kp bytes per strip; per k pair P: 16 bytes, row r's Aq[r, 2P], Aq[r, 2P+1] (i16) at 4r
//   qd8:  32 + 4·kp bytes per strip; per k group G: 16 bytes, row r's Aq[r, 4G..4G+3] (u8) at 4r
//
// Splitting for threads: a column slice [n0, n1) (n0 a multiple of 8) is (w + gemm_qc8w_pack_offset(n0, k),
// c + 4·n0, n = n1 − n0); a row slice from m0 (a multiple of 4) is (a + gemm_pack_a_qd16_size(m0, k), …).
// Every output is computed by the same integer sum and the same f32 epilogue in any slice: same bits.
//
// Quantizing a row (deterministic: only IEEE f32 mul/div, f32.nearest = round half to even, and
// max/min, whose result does not depend on order):
//   qd16: amax = max|x|; inv = 4095 / amax, scale = amax / 4095 (0 and 0 for an all-zero row);
//         q = nearest(x · inv)                                       |q| ≤ 4095 (x · inv ≤ 4095·(1 + 2⁻²⁴))
//   qd8:  lo = min(0, min x), hi = max(0, max x); inv = 127 / (hi − lo), scale = (hi − lo) / 127;
//         zp = nearest(−lo · inv); q = clamp(nearest(x · inv) + zp, 0, 127)
// Overflow: qd16 |Σ| ≤ 4095 · 127 · kp < 2³¹ for k ≤ 4096 (BERT-large's intermediate size); qd8
// |Σ| ≤ 127 · 127 · kp and |zp · colsum| ≤ 127 · 127 · kp, fine for k < 66,000.
import {
  gemm_qd16_f32_qc8w_1x8c2__simd128_dot16, gemm_qd16_f32_qc8w_2x8c2__simd128_dot16,
  gemm_qd16_f32_qc8w_3x8c2__simd128_dot16, gemm_qd16_f32_qc8w_4x8c2__simd128_dot16,
} from './generated/gemm_q8__simd128_dot16';
import {
  gemm_qd8_f32_qc8w_1x8c4__relaxed_dot, gemm_qd8_f32_qc8w_2x8c4__relaxed_dot,
  gemm_qd8_f32_qc8w_3x8c4__relaxed_dot, gemm_qd8_f32_qc8w_4x8c4__relaxed_dot,
} from './generated/gemm_q8__relaxed_dot';
import { EPI_BIAS, EPI_GELU, EPI_GELU_TANH, EPI_RELU, EPI_RESIDUAL, epi_deferred, gemm_activate_rows } from './epilogue';
import { Q8_A_HEADER, Q8_W_HEADER } from './q8_epilogue';

// @ts-ignore: decorator
@inline const NR: i32 = 8;
// @ts-ignore: decorator
@inline const MR: i32 = 4;
/** Largest k for which qd16's int32 sums cannot overflow (4095 · 127 · 4096 < 2³¹). */
// @ts-ignore: decorator
@inline const QD16_MAX_K: i32 = 4096;
/** Panels of one column block within this many bytes (as the f32 GEMM: they stay in L2). */
// @ts-ignore: decorator
@inline const L2_PANEL_BYTES: i32 = 192 << 10;

// @ts-ignore: decorator
@inline function kpad(k: i32): i32 {
  return (k + 3) & ~3;
}
// @ts-ignore: decorator
@inline function panelBytes(k: i32): i32 {
  return <i32>Q8_W_HEADER + 8 * kpad(k);
}

/** Bytes of a packed int8 [n, k] weight (either layout), header included. */
export function gemm_qc8w_pack_size(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * panelBytes(k);
}

/** Byte offset of the panel holding column n0 (a multiple of 8) in a packed int8 [·, k] weight. */
export function gemm_qc8w_pack_offset(n0: i32, k: i32): i32 {
  return (n0 / NR) * panelBytes(k);
}

/** Largest k the qd16 GEMMs accept (their int32 sums cannot overflow below it). */
export function gemm_qd16_max_k(): i32 {
  return QD16_MAX_K;
}

/**
 * Pack Wq [n, k] (int8, row stride ldw bytes), its scales [n] (f32) and bias [n] (f32, 0 = none) into
 * gemm_qc8w_pack_size(n, k) bytes at `packed`. c4 = 0: the qd16 layout (c2); 1: the qd8 layout (c4).
 */
function pack_qc8w(n: i32, k: i32, w: usize, ldw: i32, scale: usize, bias: usize, packed: usize, c4: bool): void {
  const pb = <usize>panelBytes(k);
  const kp = kpad(k);
  for (let n0 = 0; n0 < n; n0 += NR) {
    const dst = packed + <usize>(n0 / NR) * pb;
    const cols = min(NR, n - n0);
    for (let j = 0; j < NR; j++) {
      const live = j < cols;
      const src = w + <usize>(n0 + j) * <usize>ldw;
      store<f32>(dst + (<usize>j << 2), live && bias != 0 ? load<f32>(bias + (<usize>(n0 + j) << 2)) : 0);
      store<f32>(dst + 32 + (<usize>j << 2), live ? load<f32>(scale + (<usize>(n0 + j) << 2)) : 0);
      let sum = 0;
      for (let p = 0; p < kp; p++) {
        const v: i32 = live && p < k ? <i32>load<i8>(src + <usize>p) : 0;
        sum += v;
        const at = c4 ? ((p >> 2) << 5) + (j << 2) + (p & 3) : ((p >> 1) << 4) + (j << 1) + (p & 1);
        store<i8>(dst + Q8_W_HEADER + <usize>at, <i8>v);
      }
      store<i32>(dst + 64 + (<usize>j << 2), sum);
    }
  }
}

/** Pack an int8 weight for the qd16 GEMMs (c2 layout). */
export function gemm_pack_qc8w_c2(n: i32, k: i32, w: usize, ldw: i32, scale: usize, bias: usize, packed: usize): void {
  pack_qc8w(n, k, w, ldw, scale, bias, packed, false);
}
/** Pack an int8 weight for the qd8 GEMMs (c4 layout). */
export function gemm_pack_qc8w_c4(n: i32, k: i32, w: usize, ldw: i32, scale: usize, bias: usize, packed: usize): void {
  pack_qc8w(n, k, w, ldw, scale, bias, packed, true);
}

// ---- A: quantized while packed ------------------------------------------------------------------------

/** Bytes gemm_pack_a_qd16 writes for an [m, k] A (whole 4-row strips). Also the offset of row m0 = 4i. */
export function gemm_pack_a_qd16_size(m: i32, k: i32): i32 {
  return ((m + MR - 1) / MR) * (<i32>Q8_A_HEADER + 8 * kpad(k));
}
/** Bytes gemm_pack_a_qd8 writes for an [m, k] A (whole 4-row strips). Also the offset of row m0 = 4i. */
export function gemm_pack_a_qd8_size(m: i32, k: i32): i32 {
  return ((m + MR - 1) / MR) * (<i32>Q8_A_HEADER + 4 * kpad(k));
}

// @ts-ignore: decorator
@inline function absmax(row: usize, k: i32): f32 {
  let v = f32x4.splat(0);
  let p = 0;
  for (; p + 4 <= k; p += 4) v = f32x4.max(v, f32x4.abs(v128.load(row + (<usize>p << 2))));
  let m = max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  for (; p < k; p++) m = max(m, abs(load<f32>(row + (<usize>p << 2))));
  return m;
}

/** 4×4 transpose of i32 lanes: out j = (r0[j], r1[j], r2[j], r3[j]), stored at d + 16j. */
// @ts-ignore: decorator
@inline function store_transposed(d: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(d, i64x2.shuffle(t0, t1, 1, 3), 16);
  v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 32);
  v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 48);
}

/** f32 → i32, saturating, NaN → 0: what i32x4.trunc_sat_f32x4_s does per lane (never traps). */
// @ts-ignore: decorator
@inline function sat_i32(x: f32): i32 {
  return i32x4.extract_lane(i32x4.trunc_sat_f32x4_s(f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline function q16x8(row: usize, p: i32, inv: v128): v128 {
  const o = <usize>p << 2;
  const q0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(row + o), inv)));
  const q1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(row + o, 16), inv)));
  return i16x8.narrow_i32x4_s(q0, q1);
}

/**
 * Quantize A [m, k] (f32, row stride lda elements) per row to int16 in [-4095, 4095] and pack it into
 * strips of 4 rows at `pa` (gemm_pack_a_qd16_size(m, k) bytes) for the gemm_qd16_* GEMMs.
 */
export function gemm_pack_a_qd16(m: i32, k: i32, a: usize, lda: i32, pa: usize): void {
  const kp = kpad(k);
  const sb = <usize>(<i32>Q8_A_HEADER + 8 * kp);
  const ldaB = <usize>lda << 2;
  for (let m0 = 0; m0 < m; m0 += MR) {
    const strip = pa + <usize>(m0 / MR) * sb;
    const rows = min(MR, m - m0);
    const a0 = a + <usize>m0 * ldaB;
    let i0: f32 = 0, i1: f32 = 0, i2: f32 = 0, i3: f32 = 0;
    for (let r = 0; r < MR; r++) {
      let s: f32 = 0, iv: f32 = 0;
      if (r < rows) {
        const mx = absmax(a0 + <usize>r * ldaB, k);
        if (mx > 0) {
          iv = <f32>4095 / mx;
          s = mx / <f32>4095;
        }
      }
      store<f32>(strip + (<usize>r << 2), s);
      store<i32>(strip + 16 + (<usize>r << 2), 0);
      if (r == 0) i0 = iv; else if (r == 1) i1 = iv; else if (r == 2) i2 = iv; else i3 = iv;
    }
    const data = strip + Q8_A_HEADER;
    let p = 0;
    if (rows == MR) {
      const a1 = a0 + ldaB, a2 = a1 + ldaB, a3 = a2 + ldaB;
      const v0 = f32x4.splat(i0), v1 = f32x4.splat(i1), v2 = f32x4.splat(i2), v3 = f32x4.splat(i3);
      for (; p + 8 <= k; p += 8) {
        store_transposed(data + (<usize>p << 3), q16x8(a0, p, v0), q16x8(a1, p, v1), q16x8(a2, p, v2), q16x8(a3, p, v3));
      }
    }
    // the rest (k mod 8 columns, the padding to kp, the rows of a partial strip): one element at a time,
    // the same f32 arithmetic
    for (; p < kp; p++) {
      const d = data + (<usize>(p >> 1) << 4) + <usize>((p & 1) << 1);
      for (let r = 0; r < MR; r++) {
        const iv = r == 0 ? i0 : r == 1 ? i1 : r == 2 ? i2 : i3;
        const q: i32 = r < rows && p < k ? sat_i32(nearest<f32>(load<f32>(a0 + <usize>r * ldaB + (<usize>p << 2)) * iv)) : 0;
        store<i16>(d + (<usize>r << 2), <i16>min(32767, max(-32768, q)));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function q8x16(row: usize, p: i32, inv: v128, zp: v128): v128 {
  const o = <usize>p << 2;
  const q0 = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(row + o), inv))), zp);
  const q1 = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(row + o, 16), inv))), zp);
  const q2 = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(row + o, 32), inv))), zp);
  const q3 = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(row + o, 48), inv))), zp);
  // i32 → i16 (signed saturation) → u8 (unsigned saturation: negatives to 0), then ≤ 127
  const b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3));
  return i8x16.min_u(b, i8x16.splat(127));
}

/**
 * Quantize A [m, k] (f32, row stride lda elements) per row to uint7 in [0, 127] with a zero point and pack
 * it into strips of 4 rows at `pa` (gemm_pack_a_qd8_size(m, k) bytes) for the gemm_qd8_* GEMMs.
 */
export function gemm_pack_a_qd8(m: i32, k: i32, a: usize, lda: i32, pa: usize): void {
  const kp = kpad(k);
  const sb = <usize>(<i32>Q8_A_HEADER + 4 * kp);
  const ldaB = <usize>lda << 2;
  for (let m0 = 0; m0 < m; m0 += MR) {
    const strip = pa + <usize>(m0 / MR) * sb;
    const rows = min(MR, m - m0);
    const a0 = a + <usize>m0 * ldaB;
    let i0: f32 = 0, i1: f32 = 0, i2: f32 = 0, i3: f32 = 0;
    let z0 = 0, z1 = 0, z2 = 0, z3 = 0;
    for (let r = 0; r < MR; r++) {
      let s: f32 = 0, iv: f32 = 0, zp = 0;
      if (r < rows) {
        const row = a0 + <usize>r * ldaB;
        let lo = f32x4.splat(0), hi = f32x4.splat(0);
        let p = 0;
        for (; p + 4 <= k; p += 4) {
          const x = v128.load(row + (<usize>p << 2));
          lo = f32x4.min(lo, x);
          hi = f32x4.max(hi, x);
        }
        let l = min(min(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
        let h = max(max(f32x4.extract_lane(hi, 0), f32x4.extract_lane(hi, 1)), max(f32x4.extract_lane(hi, 2), f32x4.extract_lane(hi, 3)));
        for (; p < k; p++) {
          const x = load<f32>(row + (<usize>p << 2));
          l = min(l, x);
          h = max(h, x);
        }
        const range = h - l;
        if (range > 0) {
          iv = <f32>127 / range;
          s = range / <f32>127;
          zp = min(127, max(0, sat_i32(nearest<f32>(-l * iv))));
        }
      }
      store<f32>(strip + (<usize>r << 2), s);
      store<i32>(strip + 16 + (<usize>r << 2), zp);
      if (r == 0) { i0 = iv; z0 = zp; } else if (r == 1) { i1 = iv; z1 = zp; } else if (r == 2) { i2 = iv; z2 = zp; } else { i3 = iv; z3 = zp; }
    }
    const data = strip + Q8_A_HEADER;
    let p = 0;
    if (rows == MR) {
      const a1 = a0 + ldaB, a2 = a1 + ldaB, a3 = a2 + ldaB;
      const v0 = f32x4.splat(i0), v1 = f32x4.splat(i1), v2 = f32x4.splat(i2), v3 = f32x4.splat(i3);
      const zz0 = i32x4.splat(z0), zz1 = i32x4.splat(z1), zz2 = i32x4.splat(z2), zz3 = i32x4.splat(z3);
      for (; p + 16 <= k; p += 16) {
        store_transposed(data + (<usize>p << 2), q8x16(a0, p, v0, zz0), q8x16(a1, p, v1, zz1), q8x16(a2, p, v2, zz2), q8x16(a3, p, v3, zz3));
      }
    }
    for (; p < kp; p++) {
      const d = data + (<usize>(p >> 2) << 4) + <usize>(p & 3);
      for (let r = 0; r < MR; r++) {
        const iv = r == 0 ? i0 : r == 1 ? i1 : r == 2 ? i2 : i3;
        const zp = r == 0 ? z0 : r == 1 ? z1 : r == 2 ? z2 : z3;
        // the padding (p ≥ k, rows past m) is 0: its weights are 0 too, and colsum covers only real k
        const q: i32 = r < rows && p < k ? min(127, max(0, sat_i32(nearest<f32>(load<f32>(a0 + <usize>r * ldaB + (<usize>p << 2)) * iv)) + zp)) : 0;
        store<u8>(d + (<usize>r << 2), <u8>q);
      }
    }
  }
}

// ---- the driver -------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function tile16(mr: i32, nr: i32, kp: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  switch (mr) {
    case 4: gemm_qd16_f32_qc8w_4x8c2__simd128_dot16(nr, kp, a, w, c, ldc, epi); break;
    case 3: gemm_qd16_f32_qc8w_3x8c2__simd128_dot16(nr, kp, a, w, c, ldc, epi); break;
    case 2: gemm_qd16_f32_qc8w_2x8c2__simd128_dot16(nr, kp, a, w, c, ldc, epi); break;
    default: gemm_qd16_f32_qc8w_1x8c2__simd128_dot16(nr, kp, a, w, c, ldc, epi);
  }
}

// @ts-ignore: decorator
@inline function tile8(mr: i32, nr: i32, kp: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  if (ASC_FEATURE_RELAXED_SIMD) {
    switch (mr) {
      case 4: gemm_qd8_f32_qc8w_4x8c4__relaxed_dot(nr, kp, a, w, c, ldc, epi); break;
      case 3: gemm_qd8_f32_qc8w_3x8c4__relaxed_dot(nr, kp, a, w, c, ldc, epi); break;
      case 2: gemm_qd8_f32_qc8w_2x8c4__relaxed_dot(nr, kp, a, w, c, ldc, epi); break;
      default: gemm_qd8_f32_qc8w_1x8c4__relaxed_dot(nr, kp, a, w, c, ldc, epi);
    }
  } else {
    unreachable(); // the SIMD128 build has no qd8 GEMM: gemm_qd8_available() says so
  }
}

/**
 * The q8 driver: the f32 GEMM's loops (column blocks whose panels fit L2, 4-row tiles, deferred GELU)
 * over packed quantized A (`qd8`: the uint7 strips, else int16) and packed int8 panels.
 */
// @ts-ignore: decorator
@inline function q8gemm(m: i32, n: i32, k: i32, a: usize, w: usize, c: usize, ldc: i32, epi: i32, qd8: bool): void {
  if (m <= 0 || n <= 0) return;
  const kp = kpad(k);
  const pb = <usize>panelBytes(k);
  const sb = <usize>(<i32>Q8_A_HEADER + (qd8 ? 4 : 8) * kp);
  const ldcB = <usize>ldc << 2;
  const nc = max(NR, (L2_PANEL_BYTES / <i32>pb) * NR);
  const te = epi_deferred(epi) ? EPI_BIAS : epi;
  for (let nb = 0; nb < n; nb += nc) {
    const ne = min(n, nb + nc);
    for (let m0 = 0; m0 < m; m0 += MR) {
      const mr = min(MR, m - m0);
      const am = a + <usize>(m0 / MR) * sb;
      const cm = c + <usize>m0 * ldcB;
      for (let n0 = nb; n0 < ne; n0 += NR) {
        const wp = w + <usize>(n0 / NR) * pb;
        if (qd8) tile8(mr, min(NR, n - n0), kp, am, wp, cm + (<usize>n0 << 2), ldcB, te);
        else tile16(mr, min(NR, n - n0), kp, am, wp, cm + (<usize>n0 << 2), ldcB, te);
      }
      if (epi_deferred(epi)) gemm_activate_rows(mr, ne - nb, cm + (<usize>nb << 2), ldcB, epi);
    }
  }
}

// Uniform GEMM signature (m, n, k, a, lda, w, c, ldc): `a` is the packed quantized A (lda unused: strips
// carry their own layout), `w` the packed int8 weight. k ≤ gemm_qd16_max_k() for the qd16 ones.

/** C = A·Wᵀ + b (A: gemm_pack_a_qd16, W: gemm_pack_qc8w_c2). */
export function gemm_qd16_f32_qc8w__bias(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_BIAS, false);
}
/** C = GELU(A·Wᵀ + b), exact erf GELU. */
export function gemm_qd16_f32_qc8w__bias_gelu(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_GELU, false);
}
/** C = GELU_tanh(A·Wᵀ + b). */
export function gemm_qd16_f32_qc8w__bias_gelu_tanh(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_GELU_TANH, false);
}
/** C = max(A·Wᵀ + b, 0). */
export function gemm_qd16_f32_qc8w__bias_relu(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_RELU, false);
}
/** C = (A·Wᵀ + b) + C. */
export function gemm_qd16_f32_qc8w__bias_residual(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_RESIDUAL, false);
}

/** Whether this build has the qd8 (relaxed dot) GEMMs: the relaxed builds only. */
export function gemm_qd8_available(): bool {
  return ASC_FEATURE_RELAXED_SIMD;
}
/** C = A·Wᵀ + b (A: gemm_pack_a_qd8, W: gemm_pack_qc8w_c4). Relaxed builds only. */
export function gemm_qd8_f32_qc8w__bias(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_BIAS, true);
}
/** C = GELU(A·Wᵀ + b). Relaxed builds only. */
export function gemm_qd8_f32_qc8w__bias_gelu(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_GELU, true);
}
/** C = GELU_tanh(A·Wᵀ + b). Relaxed builds only. */
export function gemm_qd8_f32_qc8w__bias_gelu_tanh(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_GELU_TANH, true);
}
/** C = max(A·Wᵀ + b, 0). Relaxed builds only. */
export function gemm_qd8_f32_qc8w__bias_relu(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_RELU, true);
}
/** C = (A·Wᵀ + b) + C. Relaxed builds only. */
export function gemm_qd8_f32_qc8w__bias_residual(m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, c: usize, ldc: i32): void {
  q8gemm(m, n, k, a, w, c, ldc, EPI_RESIDUAL, true);
}
