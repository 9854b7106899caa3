// Horizontal sums for the A·Bᵀ tiles: lane l of an accumulator holds the products p ≡ l (mod 4). Every
// output is reduced in the same order, (l0 + l2) + (l1 + l3), whichever tile computes it.

/** [Σa, Σb, Σc, Σd] from four accumulators. */
// @ts-ignore: decorator
@inline export function nt_reduce4(a: v128, b: v128, c: v128, d: v128): v128 {
  // [a0+a2, b0+b2, a1+a3, b1+b3], [c0+c2, d0+d2, c1+c3, d1+d3]
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/** Σ of one accumulator's lanes, in nt_reduce4's order. */
// @ts-ignore: decorator
@inline export function nt_reduce1(a: v128): f32 {
  return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 2)) + (f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 3));
}
