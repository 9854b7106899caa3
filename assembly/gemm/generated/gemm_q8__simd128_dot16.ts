// generated — do not edit: scripts/gen-kernels.mjs renders this file from its template.
// Dynamically quantized GEMM tiles (1x8, 2x8, 3x8, 4x8), simd128_dot16: one template, see the generator.
// Integer sums are exact (int32, no overflow by the packers' ranges); the epilogue is q8_store_row8.
import { Q8_A_HEADER, Q8_W_HEADER, q8_store_row8 } from '../q8_epilogue';

// gemm_qd16_f32_qc8w_1x8c2__simd128_dot16: C[1×nr] (row stride ldc bytes) = epi(dequant(Aq[1×k] · Wqᵀ) + bias), 1 ≤ nr ≤ 8,
// kp = k rounded up to 4. a: one packed A strip (rows 0..0 used), w: one packed weight panel.
// A: per k pair, 4 rows × 2 int16 (16 bytes); W: per k pair, 8 columns × 2 int8 (16 bytes). 2 i32x4 accumulators.
export function gemm_qd16_f32_qc8w_1x8c2__simd128_dot16(nr: i32, kp: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let t0x0 = i32x4.splat(0), t0x1 = i32x4.splat(0);
  let ap = a + Q8_A_HEADER;
  let wp = w + Q8_W_HEADER;
  const end = ap + (<usize>kp << 3);
  while (ap < end) {
    const b0 = v128.load8x8_s(wp);
    const b1 = v128.load8x8_s(wp, 8);
    const va0 = v128.load32_splat(ap);
    t0x0 = i32x4.add(t0x0, i32x4.dot_i16x8_s(b0, va0));
    t0x1 = i32x4.add(t0x1, i32x4.dot_i16x8_s(b1, va0));
    ap += 16;
    wp += 16;
  }
  q8_store_row8(c, nr, t0x0, t0x1, a, 0, w, false, epi);
}

// gemm_qd16_f32_qc8w_2x8c2__simd128_dot16: C[2×nr] (row stride ldc bytes) = epi(dequant(Aq[2×k] · Wqᵀ) + bias), 1 ≤ nr ≤ 8,
// kp = k rounded up to 4. a: one packed A strip (rows 0..1 used), w: one packed weight panel.
// A: per k pair, 4 rows × 2 int16 (16 bytes); W: per k pair, 8 columns × 2 int8 (16 bytes). 4 i32x4 accumulators.
export function gemm_qd16_f32_qc8w_2x8c2__simd128_dot16(nr: i32, kp: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let t0x0 = i32x4.splat(0), t0x1 = i32x4.splat(0);
  let t1x0 = i32x4.splat(0), t1x1 = i32x4.splat(0);
  let ap = a + Q8_A_HEADER;
  let wp = w + Q8_W_HEADER;
  const end = ap + (<usize>kp << 3);
  while (ap < end) {
    const b0 = v128.load8x8_s(wp);
    const b1 = v128.load8x8_s(wp, 8);
    const va0 = v128.load32_splat(ap);
    t0x0 = i32x4.add(t0x0, i32x4.dot_i16x8_s(b0, va0));
    t0x1 = i32x4.add(t0x1, i32x4.dot_i16x8_s(b1, va0));
    const va1 = v128.load32_splat(ap, 4);
    t1x0 = i32x4.add(t1x0, i32x4.dot_i16x8_s(b0, va1));
    t1x1 = i32x4.add(t1x1, i32x4.dot_i16x8_s(b1, va1));
    ap += 16;
    wp += 16;
  }
  q8_store_row8(c, nr, t0x0, t0x1, a, 0, w, false, epi);
  q8_store_row8(c + 1 * ldc, nr, t1x0, t1x1, a, 1, w, false, epi);
}

// gemm_qd16_f32_qc8w_3x8c2__simd128_dot16: C[3×nr] (row stride ldc bytes) = epi(dequant(Aq[3×k] · Wqᵀ) + bias), 1 ≤ nr ≤ 8,
// kp = k rounded up to 4. a: one packed A strip (rows 0..2 used), w: one packed weight panel.
// A: per k pair, 4 rows × 2 int16 (16 bytes); W: per k pair, 8 columns × 2 int8 (16 bytes). 6 i32x4 accumulators.
export function gemm_qd16_f32_qc8w_3x8c2__simd128_dot16(nr: i32, kp: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let t0x0 = i32x4.splat(0), t0x1 = i32x4.splat(0);
  let t1x0 = i32x4.splat(0), t1x1 = i32x4.splat(0);
  let t2x0 = i32x4.splat(0), t2x1 = i32x4.splat(0);
  let ap = a + Q8_A_HEADER;
  let wp = w + Q8_W_HEADER;
  const end = ap + (<usize>kp << 3);
  while (ap < end) {
    const b0 = v128.load8x8_s(wp);
    const b1 = v128.load8x8_s(wp, 8);
    const va0 = v128.load32_splat(ap);
    t0x0 = i32x4.add(t0x0, i32x4.dot_i16x8_s(b0, va0));
    t0x1 = i32x4.add(t0x1, i32x4.dot_i16x8_s(b1, va0));
    const va1 = v128.load32_splat(ap, 4);
    t1x0 = i32x4.add(t1x0, i32x4.dot_i16x8_s(b0, va1));
    t1x1 = i32x4.add(t1x1, i32x4.dot_i16x8_s(b1, va1));
    const va2 = v128.load32_splat(ap, 8);
    t2x0 = i32x4.add(t2x0, i32x4.dot_i16x8_s(b0, va2));
    t2x1 = i32x4.add(t2x1, i32x4.dot_i16x8_s(b1, va2));
    ap += 16;
    wp += 16;
  }
  q8_store_row8(c, nr, t0x0, t0x1, a, 0, w, false, epi);
  q8_store_row8(c + 1 * ldc, nr, t1x0, t1x1, a, 1, w, false, epi);
  q8_store_row8(c + 2 * ldc, nr, t2x0, t2x1, a, 2, w, false, epi);
}

// gemm_qd16_f32_qc8w_4x8c2__simd128_dot16: C[4×nr] (row stride ldc bytes) = epi(dequant(Aq[4×k] · Wqᵀ) + bias), 1 ≤ nr ≤ 8,
// kp = k rounded up to 4. a: one packed A strip (rows 0..3), w: one packed weight panel.
// A: per k pair, 4 rows × 2 int16 (16 bytes); W: per k pair, 8 columns × 2 int8 (16 bytes). 8 i32x4 accumulators.
export function gemm_qd16_f32_qc8w_4x8c2__simd128_dot16(nr: i32, kp: i32, a: usize, w: usize, c: usize, ldc: usize, epi: i32): void {
  let t0x0 = i32x4.splat(0), t0x1 = i32x4.splat(0);
  let t1x0 = i32x4.splat(0), t1x1 = i32x4.splat(0);
  let t2x0 = i32x4.splat(0), t2x1 = i32x4.splat(0);
  let t3x0 = i32x4.splat(0), t3x1 = i32x4.splat(0);
  let ap = a + Q8_A_HEADER;
  let wp = w + Q8_W_HEADER;
  const end = ap + (<usize>kp << 3);
  while (ap < end) {
    const b0 = v128.load8x8_s(wp);
    const b1 = v128.load8x8_s(wp, 8);
    const va0 = v128.load32_splat(ap);
    t0x0 = i32x4.add(t0x0, i32x4.dot_i16x8_s(b0, va0));
    t0x1 = i32x4.add(t0x1, i32x4.dot_i16x8_s(b1, va0));
    const va1 = v128.load32_splat(ap, 4);
    t1x0 = i32x4.add(t1x0, i32x4.dot_i16x8_s(b0, va1));
    t1x1 = i32x4.add(t1x1, i32x4.dot_i16x8_s(b1, va1));
    const va2 = v128.load32_splat(ap, 8);
    t2x0 = i32x4.add(t2x0, i32x4.dot_i16x8_s(b0, va2));
    t2x1 = i32x4.add(t2x1, i32x4.dot_i16x8_s(b1, va2));
    const va3 = v128.load32_splat(ap, 12);
    t3x0 = i32x4.add(t3x0, i32x4.dot_i16x8_s(b0, va3));
    t3x1 = i32x4.add(t3x1, i32x4.dot_i16x8_s(b1, va3));
    ap += 16;
    wp += 16;
  }
  q8_store_row8(c, nr, t0x0, t0x1, a, 0, w, false, epi);
  q8_store_row8(c + 1 * ldc, nr, t1x0, t1x1, a, 1, w, false, epi);
  q8_store_row8(c + 2 * ldc, nr, t2x0, t2x1, a, 2, w, false, epi);
  q8_store_row8(c + 3 * ldc, nr, t3x0, t3x1, a, 3, w, false, epi);
}
