// src/weights/quantize.ts: symmetric int8 per output channel. Determinism is the contract (a q8 file must
// have the same bytes on every machine), so the tests pin exact values, including the ties.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { quantizeRowsInt8, roundHalfEven } from '../src/weights/quantize.js';

describe('quantizeRowsInt8', () => {
  it('rounds half to even, like numpy.rint and onnxruntime', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999999, 3.5000001, -3.5].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 4, -4]);
  });

  it('one scale per row = max|w| / 127 rounded to f32; values in [-127, 127]; max|w| maps to ±127', () => {
    const w = new Float32Array([
      0.5, -1, 0.25, 0, // row 0: amax 1
      3, 1.5, -0.75, 0.01, // row 1: amax 3
      0, 0, 0, 0, // row 2: zeros
    ]);
    const { q, scale } = quantizeRowsInt8(w, 3, 4);
    expect(Array.from(scale)).toEqual([Math.fround(1 / 127), Math.fround(3 / 127), 0]);
    // 0.5 / (1/127) = 63.5 → 64 (tie to even), 0.25 → 31.75 → 32; 1.5 / (3/127) = 63.5 → 64; 0.01·127/3 = 0.42 → 0
    expect(Array.from(q.subarray(0, 4))).toEqual([roundHalfEven(0.5 / scale[0]), -127, roundHalfEven(0.25 / scale[0]), 0]);
    expect(Array.from(q.subarray(4, 8))).toEqual([127, roundHalfEven(1.5 / scale[1]), roundHalfEven(-0.75 / scale[1]), 0]);
    expect(Array.from(q.subarray(8))).toEqual([0, 0, 0, 0]);
  });

  it('the error per element is at most half a step (plus the scale rounding)', () => {
    const rows = 16, cols = 257;
    let s = 1;
    const w = new Float32Array(rows * cols).map(() => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s / 2 ** 32 - 0.5) * 0.2;
    });
    const { q, scale } = quantizeRowsInt8(w, rows, cols);
    let worst = 0;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < cols; i++) {
        const err = Math.abs(w[r * cols + i] - q[r * cols + i] * scale[r]);
        worst = Math.max(worst, err / scale[r]);
        expect(err).toBeLessThanOrEqual((scale[r] / 2) * (1 + 2 ** -22));
      }
    }
    expect(worst).toBeGreaterThan(0.45); // the bound is reached, not vacuous
  });

  it('is deterministic: pinned digest of a fixed matrix (same bytes on every machine and runtime)', () => {
    const rows = 64, cols = 100;
    // values with many exact ties: k/8 for k in [-1000, 1000], scaled by a row factor that is a power of 2
    const w = new Float32Array(rows * cols).map((_, i) => ((((i * 7919) % 2001) - 1000) / 8) * 2 ** -((i / cols) % 5 | 0));
    const { q, scale } = quantizeRowsInt8(w, rows, cols);
    const h = createHash('sha256').update(new Uint8Array(q.buffer)).update(new Uint8Array(scale.buffer)).digest('hex');
    expect(q.every((v) => v >= -127 && v <= 127)).toBe(true);
    expect(h).toBe(DIGEST);
  });

  it('refuses a wrong shape and non-finite values, naming where', () => {
    expect(() => quantizeRowsInt8(new Float32Array(5), 2, 3)).toThrow(/not a \[2, 3\] matrix/);
    expect(() => quantizeRowsInt8(new Float32Array([1, NaN, 2, 3]), 2, 2)).toThrow(/row 0, column 1 is NaN/);
  });
});

// numpy reproduces it: s = float32(amax / 127); q = clip(rint(float64(w) / float64(s)), -127, 127) per row
const DIGEST = '2f385e0b294149bfdac5aa9019988f0825a68ee59955804d33493f6e7b540efa';
