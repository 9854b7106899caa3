// The typed surface of assembly/index.ts: what every wasm variant exports. Pointers and sizes are
// byte offsets / element counts as i32 (wasm32); all kernels are pure functions over memory.
import type { GemmExports } from './gemm-exports.js';
import type { OpsExports } from './ops-exports.js';

export interface KernelExports extends GemmExports, OpsExports {
  readonly memory: WebAssembly.Memory;
  /** First byte JavaScript may use (end of the module's static data). */
  heap_base(): number;
}
