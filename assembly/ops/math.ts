// Vector (f32x4) and scalar elementary functions for the kernels and the GEMM's fused epilogues.
// Every function is @inline: a call inside a hot loop becomes straight-line SIMD with the constants
// folded into v128.const. Each scalar twin (suffix _f32x1) evaluates the same polynomial in the same order as its
// vector version, so a remainder element gets (up to FMA contraction) the lane's result.
//
// Error bounds below are contracts that test/kernels-ops.test.ts checks on both builds against float64
// on dense grids (measured there, simd / relaxed: exp 1.25 / 1.22 ulp, tanh 1.10 ulp, erf 7.8e-8 /
// 6.7e-8 on [-10, 10], GELU 9.5e-8·max(1,|x|), GELU-tanh 0.95 ulp):
//   exp_f32x4       ≤ 2 ulp relative on [-87.3, 88.7]; 0 below, +inf above (Cephes expf polynomial)
//   tanh_f32x4      ≤ 3 ulp relative (Cephes tanhf polynomial below 0.625, 1 − 2/(e^{2|x|}+1) above)
//   erf_f32x4       ≤ 1.2e-7 absolute on all of R (own minimax fit, see ERF below)
//   gelu_erf_f32x4  ≤ 1.2e-7·max(1,|x|) absolute, computed as x·Φ(x) with Φ from erfc in the lower tail
//   gelu_tanh_f32x4 ≤ 4 ulp of the result scale, computed as x·σ(2u) (no cancellation for x < 0)
// Both builds: FMA (f32x4.relaxed_madd) where ASC_FEATURE_RELAXED_SIMD is set, mul+add otherwise;
// the results differ between builds only in the last bit or two.

// ---------------------------------------------------------------------------------------------------
// a·b + c: fused (one rounding) on the relaxed build where the CPU has FMA, two roundings otherwise.
// @ts-ignore: decorator
@inline export function madd_f32x4(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// ---------------------------------------------------------------------------------------------------
// exp. Cephes expf (S. L. Moshier, Cephes Math Library 2.2, expf.c): x = n·ln2 + r with |r| ≤ ln2/2,
// ln2 split in two (C1 exact in 9 bits, so n·C1 is exact), e^r = 1 + r + r²·P(r) with P degree 5;
// Cephes states 1.7e-7 peak relative error (≈ 1.5 ulp). 2^n is added straight into the exponent bits.
// Cheap on x86: the clamp uses pmin/pmax (one minps/maxps; wasm's min/max cost ~7 instructions for
// their NaN/−0 rules) and n = round(x·log2e) comes from adding 1.5·2^23 (the "magic number" rounding:
// the sum's low mantissa bits then hold n in two's complement, so n << 23 is its bits shifted, with no
// nearest/trunc_sat, which V8 lowers to long sequences). The input is clamped so that n ∈ [−126, 128]:
// below EXP_LO the result is 0 (e^x < FLT_MIN: flushing loses < 1.2e-38 absolute), above EXP_HI +inf
// (selected: the exponent-field add would give a NaN pattern there). NaN propagates.
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -87.33654; // ln(FLT_MIN)
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 88.72283; // ln(FLT_MAX): n = 128 with p < 1 there, still finite
// @ts-ignore: decorator
@inline const EXP_MAGIC: f32 = 12582912.0; // 1.5·2^23
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// @ts-ignore: decorator
@inline const EXP_C1: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const EXP_C2: f32 = -2.12194440e-4;
// @ts-ignore: decorator
@inline const EXP_P0: f32 = 1.9875691500e-4;
// @ts-ignore: decorator
@inline const EXP_P1: f32 = 1.3981999507e-3;
// @ts-ignore: decorator
@inline const EXP_P2: f32 = 8.3334519073e-3;
// @ts-ignore: decorator
@inline const EXP_P3: f32 = 4.1665795894e-2;
// @ts-ignore: decorator
@inline const EXP_P4: f32 = 1.6666665459e-1;
// @ts-ignore: decorator
@inline const EXP_P5: f32 = 5.0000001201e-1;

// @ts-ignore: decorator
@inline export function exp_f32x4(x: v128): v128 {
  // pmax(x, LO) = x < LO ? LO : x and pmin(·, HI) = HI < · ? HI : ·: a NaN x passes through both
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const t = madd_f32x4(xc, f32x4.splat(LOG2E), f32x4.splat(EXP_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(EXP_MAGIC));
  let r = madd_f32x4(n, f32x4.splat(-EXP_C1), xc);
  r = madd_f32x4(n, f32x4.splat(-EXP_C2), r);
  let p = madd_f32x4(f32x4.splat(EXP_P0), r, f32x4.splat(EXP_P1));
  p = madd_f32x4(p, r, f32x4.splat(EXP_P2));
  p = madd_f32x4(p, r, f32x4.splat(EXP_P3));
  p = madd_f32x4(p, r, f32x4.splat(EXP_P4));
  p = madd_f32x4(p, r, f32x4.splat(EXP_P5));
  p = madd_f32x4(p, f32x4.mul(r, r), f32x4.add(r, f32x4.splat(1.0)));
  // p ∈ [0.7, 1.42]; t's bits << 23 = n << 23 (1.5·2^23's own mantissa bit shifts out)
  const y = v128.andnot(i32x4.add(p, i32x4.shl(t, 23)), f32x4.lt(x, f32x4.splat(EXP_LO)));
  return v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(EXP_HI)));
}

// @ts-ignore: decorator
@inline export function exp_f32x1(x: f32): f32 {
  if (x < EXP_LO) return 0;
  if (x > EXP_HI) return Infinity;
  const t = x * LOG2E + EXP_MAGIC;
  const n = t - EXP_MAGIC;
  let r = x - n * EXP_C1;
  r = r - n * EXP_C2;
  let p = EXP_P0 * r + EXP_P1;
  p = p * r + EXP_P2;
  p = p * r + EXP_P3;
  p = p * r + EXP_P4;
  p = p * r + EXP_P5;
  p = p * (r * r) + (r + 1.0);
  return reinterpret<f32>(reinterpret<i32>(p) + (reinterpret<i32>(t) << 23));
}

// ---------------------------------------------------------------------------------------------------
// tanh. |x| < 0.625: Cephes tanhf odd polynomial x + x³·P(x²) (Moshier, tanhf.c; 1.3e-7 peak relative).
// |x| ≥ 0.625: 1 − 2/(e^{2|x|} + 1) with the sign put back; there tanh ≥ 0.55 so the subtraction
// loses at most one bit, and e^{2|x|} → +inf for |x| > 44 gives exactly ±1. Both branches are computed
// and blended (branch-free SIMD).
// @ts-ignore: decorator
@inline const TANH_T0: f32 = -5.70498872745e-3;
// @ts-ignore: decorator
@inline const TANH_T1: f32 = 2.06390887954e-2;
// @ts-ignore: decorator
@inline const TANH_T2: f32 = -5.37397155531e-2;
// @ts-ignore: decorator
@inline const TANH_T3: f32 = 1.33314422036e-1;
// @ts-ignore: decorator
@inline const TANH_T4: f32 = -3.33332819422e-1;

// @ts-ignore: decorator
@inline export function tanh_f32x4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = madd_f32x4(f32x4.splat(TANH_T0), z, f32x4.splat(TANH_T1));
  p = madd_f32x4(p, z, f32x4.splat(TANH_T2));
  p = madd_f32x4(p, z, f32x4.splat(TANH_T3));
  p = madd_f32x4(p, z, f32x4.splat(TANH_T4));
  const small = madd_f32x4(f32x4.mul(p, z), x, x);
  const e = exp_f32x4(f32x4.add(ax, ax));
  const big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const mag = v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.625)));
  // copysign(mag, x): the sign bit from x (big is built from |x|; this also keeps tanh(−0) = −0)
  return v128.bitselect(x, mag, i32x4.splat(0x80000000));
}

// @ts-ignore: decorator
@inline export function tanh_f32x1(x: f32): f32 {
  const ax = abs<f32>(x);
  if (ax < 0.625) {
    const z = x * x;
    let p = TANH_T0 * z + TANH_T1;
    p = p * z + TANH_T2;
    p = p * z + TANH_T3;
    p = p * z + TANH_T4;
    return copysign<f32>((p * z) * x + x, x);
  }
  const e = exp_f32x1(ax + ax);
  return copysign<f32>(1.0 - 2.0 / (e + 1.0), x);
}

// ---------------------------------------------------------------------------------------------------
// erf / erfc of t = |x|. Own fit (numpy polyfit on Chebyshev nodes against mpmath at 30 digits,
// coefficients rounded to f32, error then measured in f32 arithmetic). scripts/fit-erf.mjs redoes the fit
// and measures these constants (`--check` holds them to the bounds below; figures simd / relaxed build):
//   t < 0.921875      erf(t)  = t + t·(c0 + t²·P(t²)), P degree 5, c0 = 2/√π − 1 (the "t +" keeps the
//                     leading 2/√π exact, as glibc's s_erf does): ≤ 6.7e-8 / 5.3e-8 absolute (≈ 1 ulp)
//   0.921875 ≤ t < 6  erfc(t) = exp(Q(t)), Q degree 9 fitted to ln erfc: ≤ 7.7e-6 / 5.8e-6 relative
//                     (exp's own error apart; the worst where erfc is tiny), ≤ 4.8e-8 / 3.8e-8 absolute
//                     on erfc, so on erf = 1 − erfc
//   t ≥ 6             erfc(t) = 0 (erfc(6) = 2.2e-17, far below half an ulp of 1)
// so |erf_f32x4 − erf| ≤ 1.2e-7 everywhere, with exp's error included. For comparison the
// Eigen/XLA 13/6 rational (clamped to ±4) is 4.2e-7 off near |x| = 3.6, and Abramowitz & Stegun 7.1.26
// is 1.5e-7. The erfc branch also gives GELU its lower tail without cancellation (gelu_erf below).
// @ts-ignore: decorator
@inline const ERF_T0: f32 = 0.921875;
// @ts-ignore: decorator
@inline const ERF_T1: f32 = 6.0;
// @ts-ignore: decorator
@inline const ERF_S0: f32 = 8.895473001757637e-5;
// @ts-ignore: decorator
@inline const ERF_S1: f32 = -0.0008270343532785773;
// @ts-ignore: decorator
@inline const ERF_S2: f32 = 0.005212503485381603;
// @ts-ignore: decorator
@inline const ERF_S3: f32 = -0.026864053681492805;
// @ts-ignore: decorator
@inline const ERF_S4: f32 = 0.1128377839922905;
// @ts-ignore: decorator
@inline const ERF_S5: f32 = -0.37612637877464294;
// @ts-ignore: decorator
@inline const ERF_C0: f32 = 0.12837916612625122; // 2/√π − 1
// @ts-ignore: decorator
@inline const ERF_L0: f32 = -8.500907000552616e-8;
// @ts-ignore: decorator
@inline const ERF_L1: f32 = 3.392193548279465e-6;
// @ts-ignore: decorator
@inline const ERF_L2: f32 = -6.137281161500141e-5;
// @ts-ignore: decorator
@inline const ERF_L3: f32 = 0.0006700032972730696;
// @ts-ignore: decorator
@inline const ERF_L4: f32 = -0.004966537468135357;
// @ts-ignore: decorator
@inline const ERF_L5: f32 = 0.026766782626509666;
// @ts-ignore: decorator
@inline const ERF_L6: f32 = -0.1103915125131607;
// @ts-ignore: decorator
@inline const ERF_L7: f32 = -0.6317283511161804;
// @ts-ignore: decorator
@inline const ERF_L8: f32 = -1.1301865577697754;
// @ts-ignore: decorator
@inline const ERF_L9: f32 = 0.00028876852593384683;

/** erf(t) for t ≥ 0 on [0, ERF_T0) (small branch, vector). */
// @ts-ignore: decorator
@inline function erf_small_f32x4(t: v128): v128 {
  const z = f32x4.mul(t, t);
  let p = madd_f32x4(f32x4.splat(ERF_S0), z, f32x4.splat(ERF_S1));
  p = madd_f32x4(p, z, f32x4.splat(ERF_S2));
  p = madd_f32x4(p, z, f32x4.splat(ERF_S3));
  p = madd_f32x4(p, z, f32x4.splat(ERF_S4));
  p = madd_f32x4(p, z, f32x4.splat(ERF_S5));
  p = madd_f32x4(p, z, f32x4.splat(ERF_C0));
  return madd_f32x4(t, p, t);
}

/** erfc(t) for t ≥ ERF_T0 (large branch, vector); exactly 0 from ERF_T1 on. */
// @ts-ignore: decorator
@inline function erfc_large_f32x4(t: v128): v128 {
  let q = madd_f32x4(f32x4.splat(ERF_L0), t, f32x4.splat(ERF_L1));
  q = madd_f32x4(q, t, f32x4.splat(ERF_L2));
  q = madd_f32x4(q, t, f32x4.splat(ERF_L3));
  q = madd_f32x4(q, t, f32x4.splat(ERF_L4));
  q = madd_f32x4(q, t, f32x4.splat(ERF_L5));
  q = madd_f32x4(q, t, f32x4.splat(ERF_L6));
  q = madd_f32x4(q, t, f32x4.splat(ERF_L7));
  q = madd_f32x4(q, t, f32x4.splat(ERF_L8));
  q = madd_f32x4(q, t, f32x4.splat(ERF_L9));
  // f32x4.ge is false for NaN: a NaN input keeps its NaN through exp
  return v128.andnot(exp_f32x4(q), f32x4.ge(t, f32x4.splat(ERF_T1)));
}

// @ts-ignore: decorator
@inline export function erf_f32x4(x: v128): v128 {
  const t = f32x4.abs(x);
  const small = erf_small_f32x4(t);
  const big = f32x4.sub(f32x4.splat(1.0), erfc_large_f32x4(t));
  const mag = v128.bitselect(small, big, f32x4.lt(t, f32x4.splat(ERF_T0)));
  return v128.bitselect(x, mag, i32x4.splat(0x80000000));
}

// @ts-ignore: decorator
@inline function erf_small_f32x1(t: f32): f32 {
  const z = t * t;
  let p = ERF_S0 * z + ERF_S1;
  p = p * z + ERF_S2;
  p = p * z + ERF_S3;
  p = p * z + ERF_S4;
  p = p * z + ERF_S5;
  p = p * z + ERF_C0;
  return t * p + t;
}

// @ts-ignore: decorator
@inline function erfc_large_f32x1(t: f32): f32 {
  if (t >= ERF_T1) return 0;
  let q = ERF_L0 * t + ERF_L1;
  q = q * t + ERF_L2;
  q = q * t + ERF_L3;
  q = q * t + ERF_L4;
  q = q * t + ERF_L5;
  q = q * t + ERF_L6;
  q = q * t + ERF_L7;
  q = q * t + ERF_L8;
  q = q * t + ERF_L9;
  return exp_f32x1(q);
}

// @ts-ignore: decorator
@inline export function erf_f32x1(x: f32): f32 {
  const t = abs<f32>(x);
  const m = t < ERF_T0 ? erf_small_f32x1(t) : <f32>1.0 - erfc_large_f32x1(t);
  return copysign<f32>(m, x);
}

// ---------------------------------------------------------------------------------------------------
// GELU, exact (Hugging Face "gelu", torch.nn.GELU()): x·Φ(x), Φ(x) = ½(1 + erf(x/√2)) = ½·erfc(−x/√2).
// PyTorch evaluates ½x(1 + erf(x/√2)) in f32, so for x < 0 it cancels (1 + erf → multiples of 6e-8;
// exactly 0 below x ≈ −5.5). Here the lower tail takes ½·erfc(|x|/√2) directly: the result is closer to
// the true value than PyTorch's and differs from it by at most PyTorch's own rounding (≈ 3e-8·|x|).
// @ts-ignore: decorator
@inline const SQRT1_2: f32 = 0.70710678118654752;

// @ts-ignore: decorator
@inline export function gelu_erf_f32x4(x: v128): v128 {
  const t = f32x4.abs(f32x4.mul(x, f32x4.splat(SQRT1_2)));
  const inSmall = f32x4.lt(t, f32x4.splat(ERF_T0));
  const half_erf = f32x4.mul(erf_small_f32x4(t), f32x4.splat(0.5)); // ½erf(t), small branch
  const half_erfc = f32x4.mul(erfc_large_f32x4(t), f32x4.splat(0.5)); // ½erfc(t), large branch
  // Φ(−|x|) = ½ − ½erf(t) = ½erfc(t);  Φ(|x|) = ½ + ½erf(t) = 1 − ½erfc(t)
  const lower = v128.bitselect(f32x4.sub(f32x4.splat(0.5), half_erf), half_erfc, inSmall);
  const upper = v128.bitselect(f32x4.add(f32x4.splat(0.5), half_erf), f32x4.sub(f32x4.splat(1.0), half_erfc), inSmall);
  const phi = v128.bitselect(lower, upper, f32x4.lt(x, f32x4.splat(0)));
  return f32x4.mul(x, phi);
}

// @ts-ignore: decorator
@inline export function gelu_erf_f32x1(x: f32): f32 {
  const t = abs<f32>(x * SQRT1_2);
  let lower: f32, upper: f32;
  if (t < ERF_T0) {
    const h = erf_small_f32x1(t) * 0.5;
    lower = 0.5 - h;
    upper = 0.5 + h;
  } else {
    const h = erfc_large_f32x1(t) * 0.5;
    lower = h;
    upper = 1.0 - h;
  }
  return x * (x < 0 ? lower : upper);
}

// ---------------------------------------------------------------------------------------------------
// GELU, tanh approximation (HF "gelu_new" / "gelu_pytorch_tanh"): ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³).
// ½(1 + tanh(u)) = 1/(1 + e^{−2u}), so this computes x/(1 + e^{−2u}): one exp, no cancellation for x < 0;
// e^{−2u} = +inf for very negative x gives x/inf = −0, and e^{−2u} = 0 for large x gives x.
// @ts-ignore: decorator
@inline const GELU_K: f32 = 0.7978845608028654; // √(2/π)
// @ts-ignore: decorator
@inline const GELU_C: f32 = 0.044715;

// @ts-ignore: decorator
@inline export function gelu_tanh_f32x4(x: v128): v128 {
  const x2 = f32x4.mul(x, x);
  // −2u = x·(−2√(2/π))·(1 + 0.044715x²)
  const inner = madd_f32x4(x2, f32x4.splat(GELU_C), f32x4.splat(1.0));
  const m2u = f32x4.mul(f32x4.mul(x, f32x4.splat(-2.0 * GELU_K)), inner);
  return f32x4.div(x, f32x4.add(f32x4.splat(1.0), exp_f32x4(m2u)));
}

// @ts-ignore: decorator
@inline export function gelu_tanh_f32x1(x: f32): f32 {
  const inner = (x * x) * GELU_C + 1.0;
  const m2u = (x * (-2.0 * GELU_K)) * inner;
  return x / (<f32>1.0 + exp_f32x1(m2u));
}
