// wasmbert's compute core: every export is a pure kernel over raw pointers into linear memory.
// JavaScript owns the memory layout (src/runtime/arena.ts); nothing here allocates.
export * from './gemm/index';
export * from './ops/index';

/** First byte that JavaScript may use for its arena (static data of this module ends before it). */
export function heap_base(): usize {
  return __heap_base;
}
