// generated — do not edit: scripts/gen-kernels.mjs renders this file from its template.
// The tiles' k-block, for the hand-written remainder paths that must sum in the same blocks.
// @ts-ignore: decorator
@inline export const KC: i32 = 128;
