// Peak-throughput probes for the benchmark's "% of peak": loops of independent f32x4 chains with no
// memory traffic beyond one 32-byte operand block that stays in L1.
//
// Why the operands come from memory (p) and are re-read every iteration: with operands built inside
// the function (f32x4.splat of an argument), V8 re-materializes the splats inside the loop (Node 24) or
// spills, and the FMA probe read 25–39 GFLOP/s on a Zen 3 core whose GEMM runs at 46+; a probe that
// reads low makes a GEMM look faster than the machine (105–190% "of peak"). A v128.load per operand and
// iteration is one load µop each (three load ports on current cores, nothing else wants them here) and
// gives the engine nothing to hoist or rebuild. Nothing folds at compile time either: the values are
// whatever the caller wrote.
//
// Register budget: at most 12 live v128 in either loop (x64 V8 allocates xmm0–xmm14; the 4×8 GEMM tile
// uses 8 accumulators + 2 B vectors + a broadcast A), so neither probe can spill where the GEMM does not.
//
// Operand block at p (32 bytes, 16-byte aligned preferred): a = f32x4 at p, b = f32x4 at p + 16.
// The caller should write a = 1.0 and b = 0.0 in every lane (peak_fill in bench/): the FMA chains then
// stay at their starting values (c·1 + 0 = c), the squaring chains at 1, so nothing overflows or goes
// subnormal (subnormal arithmetic is ~100× slower on x86 and would read as a low peak).
// FLOPs: iters × peak_chains(0) × 8 (FMA probe), iters × peak_chains(1) × 8 (mul+add probe).

// @ts-ignore: decorator
@inline const FMA_CHAINS = 10;
// @ts-ignore: decorator
@inline const MULADD_PAIRS = 6;

/**
 * relaxed_madd chains (the relaxed GEMM's instruction) on the relaxed build; mul + add on SIMD128.
 * 10 chains c = c·a + b: FMA latency × ports is 4 × 2 = 8 on Zen 3/4 and Intel since Skylake, 5 × 2 on
 * Zen 2, so 10 cover all of them; 10 accumulators + a + b = 12 live. (Measured on Zen 3, Node 20 and 24:
 * 12 chains with 14 live run no faster.)
 */
export function peak_fma_f32x4(iters: i32, p: usize): f32 {
  let c0 = v128.load(p), c1 = c0, c2 = c0, c3 = c0, c4 = c0;
  let c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0;
  for (let i = 0; i < iters; i++) {
    const a = v128.load(p);
    const b = v128.load(p, 16);
    if (ASC_FEATURE_RELAXED_SIMD) {
      c0 = f32x4.relaxed_madd(c0, a, b); c1 = f32x4.relaxed_madd(c1, a, b);
      c2 = f32x4.relaxed_madd(c2, a, b); c3 = f32x4.relaxed_madd(c3, a, b);
      c4 = f32x4.relaxed_madd(c4, a, b); c5 = f32x4.relaxed_madd(c5, a, b);
      c6 = f32x4.relaxed_madd(c6, a, b); c7 = f32x4.relaxed_madd(c7, a, b);
      c8 = f32x4.relaxed_madd(c8, a, b); c9 = f32x4.relaxed_madd(c9, a, b);
    } else {
      // latency-bound as written (a mul→add chain is twice an FMA's latency): the SIMD128 build's
      // ceiling is peak_muladd_f32x4, which the benchmark uses there
      c0 = f32x4.add(f32x4.mul(c0, a), b); c1 = f32x4.add(f32x4.mul(c1, a), b);
      c2 = f32x4.add(f32x4.mul(c2, a), b); c3 = f32x4.add(f32x4.mul(c3, a), b);
      c4 = f32x4.add(f32x4.mul(c4, a), b); c5 = f32x4.add(f32x4.mul(c5, a), b);
      c6 = f32x4.add(f32x4.mul(c6, a), b); c7 = f32x4.add(f32x4.mul(c7, a), b);
      c8 = f32x4.add(f32x4.mul(c8, a), b); c9 = f32x4.add(f32x4.mul(c9, a), b);
    }
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(c8, c9),
  );
  return hsum(s);
}

/**
 * Separate multiplies and adds (two roundings): the SIMD128 build's GEMM instruction mix, where the
 * products are off the accumulator chain. 6 multiply chains x = x·x feed 6 add chains s = s + x: per
 * trip 6 f32x4.mul + 6 f32x4.add, 6 × 8 = 48 FLOPs, in exactly 12 live v128 (squaring needs no
 * operand register; the caller's a = 1.0 keeps x at 1). 6 chains per op cover latency 3 × 2 pipes (Zen's
 * separate FMUL and FADD pipes) and 4 × 2 (Intel, where both share ports 0/1 and the probe is
 * port-bound). On Zen this reaches about the FMA probe's FLOP rate, on Intel about half: either way it
 * is the ceiling of a mul+add GEMM on that core.
 */
export function peak_muladd_f32x4(iters: i32, p: usize): f32 {
  let x0 = v128.load(p), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0;
  let s0 = v128.load(p, 16), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
  for (let i = 0; i < iters; i++) {
    x0 = f32x4.mul(x0, x0); x1 = f32x4.mul(x1, x1); x2 = f32x4.mul(x2, x2);
    x3 = f32x4.mul(x3, x3); x4 = f32x4.mul(x4, x4); x5 = f32x4.mul(x5, x5);
    s0 = f32x4.add(s0, x0); s1 = f32x4.add(s1, x1); s2 = f32x4.add(s2, x2);
    s3 = f32x4.add(s3, x3); s4 = f32x4.add(s4, x4); s5 = f32x4.add(s5, x5);
  }
  const x = f32x4.add(f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)), f32x4.add(x4, x5));
  const s = f32x4.add(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), f32x4.add(s4, s5));
  return hsum(f32x4.add(x, s));
}

/**
 * Independent f32x4 multiply-add pairs per iteration of a probe: probe 0 = peak_fma_f32x4 (10 chains),
 * 1 = peak_muladd_f32x4 (6 multiplies + 6 adds). FLOPs = iters × peak_chains(probe) × 8.
 */
export function peak_chains(probe: i32): i32 {
  return probe == 0 ? FMA_CHAINS : MULADD_PAIRS;
}

// @ts-ignore: decorator
@inline function hsum(s: v128): f32 {
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

// ---- integer dot peaks (the q8 GEMMs' ceilings) -----------------------------------------------------------
// Same design as the f32 probes: independent accumulator chains, operands re-read from the caller's 32-byte
// block every iteration (nothing to hoist or fold). Each chain feeds its own value back into the dot, so no
// two dots are the same expression (with dot(a, b) on every chain TurboFan would compute it once). 12 chains:
// a chain step is the multiply's latency (pmaddwd / vpdpbusd: 5 cycles) + an add, and two multiply ports
// need 10–12 steps in flight; 12 + a + b = 14 live v128, under the 15 V8 allocates. Integer arithmetic has no
// slow path (wrapping is as fast as anything), so the operands' values do not matter.
// OPs (multiply and add counted separately, as a GEMM's GOP/s are): per trip and chain,
//   dot_i16x8_s + add:             8 multiply-adds = 16 OPs
//   relaxed_dot_i8x16_i7x16_add_s: 16 multiply-adds = 32 OPs

// @ts-ignore: decorator
@inline const DOT_CHAINS = 12;

// @ts-ignore: decorator
@inline function d16(c: v128, a: v128, b: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(c, b), a);
}

/** dot_i16x8_s + add chains (the qd16 GEMM's instructions, both builds). OPs = iters × 12 × 16. */
export function peak_dot_i16x8(iters: i32, p: usize): i32 {
  let c0 = v128.load(p), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  let c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  for (let i = 0; i < iters; i++) {
    const a = v128.load(p);
    const b = v128.load(p, 16);
    c0 = d16(c0, a, b); c1 = d16(c1, a, b); c2 = d16(c2, a, b); c3 = d16(c3, a, b);
    c4 = d16(c4, a, b); c5 = d16(c5, a, b); c6 = d16(c6, a, b); c7 = d16(c7, a, b);
    c8 = d16(c8, a, b); c9 = d16(c9, a, b); c10 = d16(c10, a, b); c11 = d16(c11, a, b);
  }
  return isum(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11);
}

/**
 * relaxed_dot_i8x16_i7x16_add_s chains (the qd8 GEMM's instruction) on relaxed builds; the SIMD128 build
 * runs the dot16 probe (the export exists everywhere). The engine's lowering decides the rate:
 * pmaddubsw + pmaddwd + paddd (V8 on x64 here), vpdpbusd (AVX-VNNI lowering), ARM's sdot.
 */
export function peak_dot_i8x16(iters: i32, p: usize): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    let c0 = v128.load(p), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    let c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
    for (let i = 0; i < iters; i++) {
      const a = v128.load(p);
      const b = v128.load(p, 16);
      c0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c0); c1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c1);
      c2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c2); c3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c3);
      c4 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c4); c5 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c5);
      c6 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c6); c7 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c7);
      c8 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c8); c9 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c9);
      c10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c10); c11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c11);
    }
    return isum(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11);
  }
  return peak_dot_i16x8(iters, p);
}

/** Integer OPs per iteration of a dot probe: 0 = peak_dot_i16x8, 1 = peak_dot_i8x16 (on this build). */
export function peak_dot_ops(probe: i32): i32 {
  return probe == 1 && ASC_FEATURE_RELAXED_SIMD ? DOT_CHAINS * 32 : DOT_CHAINS * 16;
}

// @ts-ignore: decorator
@inline function isum(c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128, c8: v128, c9: v128, c10: v128, c11: v128): i32 {
  const s = i32x4.add(
    i32x4.add(i32x4.add(i32x4.add(c0, c1), i32x4.add(c2, c3)), i32x4.add(i32x4.add(c4, c5), i32x4.add(c6, c7))),
    i32x4.add(i32x4.add(c8, c9), i32x4.add(c10, c11)),
  );
  return i32x4.extract_lane(s, 0);
}
