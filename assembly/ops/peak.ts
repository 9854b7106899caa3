// Peak-throughput probes for the benchmark's "% of peak": register-only loops of CHAINS independent
// f32x4 chains, no memory traffic (the FMA probe: acc = acc·a + b; the mul+add probe: see below). 12 chains cover FMA latency × ports on
// current x86 and Arm cores (4-cycle latency × 2 ports needs ≥ 8) and still fit the 16 xmm registers
// V8 allocates (12 accumulators + a + b). FLOPs = iters × 12 chains × 8 (a multiply and an add on 4 lanes).
// The result folds every accumulator, so no chain can be removed as dead code; a and b come from the
// argument, so nothing folds at compile time.

// @ts-ignore: decorator
@inline const CHAINS = 12;

/** relaxed_madd chains (the GEMM's instruction); on the SIMD128 build this is peak_muladd's loop. */
export function peak_fma_f32x4(iters: i32): f32 {
  const a = f32x4.splat(<f32>1.0 - <f32>1e-7 * <f32>((iters & 1) | 1));
  const b = f32x4.splat(<f32>1e-7 * <f32>((iters & 3) | 1));
  let c0 = f32x4.splat(0.0), c1 = f32x4.splat(0.1), c2 = f32x4.splat(0.2), c3 = f32x4.splat(0.3);
  let c4 = f32x4.splat(0.4), c5 = f32x4.splat(0.5), c6 = f32x4.splat(0.6), c7 = f32x4.splat(0.7);
  let c8 = f32x4.splat(0.8), c9 = f32x4.splat(0.9), c10 = f32x4.splat(1.0), c11 = f32x4.splat(1.1);
  for (let i = 0; i < iters; i++) {
    if (ASC_FEATURE_RELAXED_SIMD) {
      c0 = f32x4.relaxed_madd(c0, a, b); c1 = f32x4.relaxed_madd(c1, a, b);
      c2 = f32x4.relaxed_madd(c2, a, b); c3 = f32x4.relaxed_madd(c3, a, b);
      c4 = f32x4.relaxed_madd(c4, a, b); c5 = f32x4.relaxed_madd(c5, a, b);
      c6 = f32x4.relaxed_madd(c6, a, b); c7 = f32x4.relaxed_madd(c7, a, b);
      c8 = f32x4.relaxed_madd(c8, a, b); c9 = f32x4.relaxed_madd(c9, a, b);
      c10 = f32x4.relaxed_madd(c10, a, b); c11 = f32x4.relaxed_madd(c11, a, b);
    } else {
      c0 = f32x4.add(f32x4.mul(c0, a), b); c1 = f32x4.add(f32x4.mul(c1, a), b);
      c2 = f32x4.add(f32x4.mul(c2, a), b); c3 = f32x4.add(f32x4.mul(c3, a), b);
      c4 = f32x4.add(f32x4.mul(c4, a), b); c5 = f32x4.add(f32x4.mul(c5, a), b);
      c6 = f32x4.add(f32x4.mul(c6, a), b); c7 = f32x4.add(f32x4.mul(c7, a), b);
      c8 = f32x4.add(f32x4.mul(c8, a), b); c9 = f32x4.add(f32x4.mul(c9, a), b);
      c10 = f32x4.add(f32x4.mul(c10, a), b); c11 = f32x4.add(f32x4.mul(c11, a), b);
    }
  }
  return fold(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11);
}

/**
 * mul + add (two roundings): the SIMD128 build's GEMM instruction mix. A mul→add chain has twice an
 * FMA's latency, so 12 of them would measure latency, not throughput; instead 6 multiply chains
 * x = x·a feed 6 add chains s = s + x, unrolled twice: per trip 12 f32x4.mul + 12 f32x4.add, the
 * same iters × 12 × 8 FLOPs as the FMA probe, in 12 registers + a. (On cores with separate add and
 * multiply pipes, such as AMD Zen, this reaches the FMA probe's FLOP rate, and it should: it is the
 * ceiling for a mul+add GEMM.)
 */
export function peak_muladd_f32x4(iters: i32): f32 {
  const a = f32x4.splat(<f32>1.0 - <f32>1e-7 * <f32>((iters & 1) | 1));
  let x0 = f32x4.splat(1.0), x1 = f32x4.splat(1.1), x2 = f32x4.splat(1.2);
  let x3 = f32x4.splat(1.3), x4 = f32x4.splat(1.4), x5 = f32x4.splat(1.5);
  let s0 = f32x4.splat(0.0), s1 = f32x4.splat(0.1), s2 = f32x4.splat(0.2);
  let s3 = f32x4.splat(0.3), s4 = f32x4.splat(0.4), s5 = f32x4.splat(0.5);
  for (let i = 0; i < iters; i++) {
    x0 = f32x4.mul(x0, a); x1 = f32x4.mul(x1, a); x2 = f32x4.mul(x2, a);
    x3 = f32x4.mul(x3, a); x4 = f32x4.mul(x4, a); x5 = f32x4.mul(x5, a);
    s0 = f32x4.add(s0, x0); s1 = f32x4.add(s1, x1); s2 = f32x4.add(s2, x2);
    s3 = f32x4.add(s3, x3); s4 = f32x4.add(s4, x4); s5 = f32x4.add(s5, x5);
    x0 = f32x4.mul(x0, a); x1 = f32x4.mul(x1, a); x2 = f32x4.mul(x2, a);
    x3 = f32x4.mul(x3, a); x4 = f32x4.mul(x4, a); x5 = f32x4.mul(x5, a);
    s0 = f32x4.add(s0, x0); s1 = f32x4.add(s1, x1); s2 = f32x4.add(s2, x2);
    s3 = f32x4.add(s3, x3); s4 = f32x4.add(s4, x4); s5 = f32x4.add(s5, x5);
  }
  return fold(x0, x1, x2, x3, x4, x5, s0, s1, s2, s3, s4, s5);
}

/** Number of independent chains in both probes (the benchmark's FLOP count uses it). */
export function peak_chains(): i32 {
  return CHAINS;
}

// @ts-ignore: decorator
@inline function fold(
  c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128,
  c6: v128, c7: v128, c8: v128, c9: v128, c10: v128, c11: v128,
): f32 {
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
