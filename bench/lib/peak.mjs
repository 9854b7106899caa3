// The f32x4 peak of this CPU under this runtime, measured in the same run as what it scales: chains over a
// 32-byte operand block that JS writes first (a = 1, b = 0: the chains stay at normal numbers;
// assembly/ops/peak.ts says why the probes re-read it from memory). FLOPs = iters × peak_chains(probe) × 8.
// Best of several timed calls, not the median: noise (another process on the core, a timer interrupt) only
// ever slows a register-bound loop, so the fastest call is the closest to the hardware's rate.

/** probe 0: peak_fma_f32x4 (relaxed_madd; mul+add in the SIMD128 build), 1: peak_muladd_f32x4. GFLOP/s. */
export function measurePeak(e, arena, probe, quick = false) {
  const operands = arena.alloc(32);
  new Float32Array(arena.memory.buffer, operands, 8).set([1, 1, 1, 1, 0, 0, 0, 0]);
  const fn = probe === 0 ? e.peak_fma_f32x4 : e.peak_muladd_f32x4;
  return bestRate(fn, operands, e.peak_chains(probe) * 8, quick);
}

/** Operations per ns (= G/s) of fn(iters, operands), best of several timed calls after a tier-up. */
function bestRate(fn, operands, opsPerIter, quick) {
  for (let i = 0; i < 300; i++) fn(1000, operands); // tier up (no OSR for wasm: many short calls)
  let iters = 1 << 16;
  for (;;) {
    const t = performance.now();
    fn(iters, operands);
    if (performance.now() - t > (quick ? 5 : 20) || iters > 1 << 28) break;
    iters *= 2;
  }
  let best = Infinity;
  for (let r = 0; r < (quick ? 3 : 15); r++) {
    const t = performance.now();
    fn(iters, operands);
    best = Math.min(best, performance.now() - t);
  }
  return (iters * opsPerIter) / (best * 1e6);
}

/**
 * The integer dot peak, GOP/s (multiplies and adds counted separately): probe 0 = peak_dot_i16x8
 * (i32x4.dot_i16x8_s + add, the qd16 GEMM's ceiling), 1 = peak_dot_i8x16 (relaxed 8-bit dot on relaxed
 * builds, the qd8 GEMM's ceiling). null when the build has no such probe.
 */
export function measureDotPeak(e, arena, probe, quick = false) {
  if (typeof e.peak_dot_ops !== 'function') return null;
  const operands = arena.alloc(32);
  new Int32Array(arena.memory.buffer, operands, 8).fill(0x01010101);
  const fn = probe === 0 ? e.peak_dot_i16x8 : e.peak_dot_i8x16;
  return bestRate(fn, operands, e.peak_dot_ops(probe), quick);
}
