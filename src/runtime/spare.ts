// What dispose() does with a model's wasm memory. JavaScript cannot free a WebAssembly.Memory: only the
// garbage collector can, and V8 collects one lazily (external memory is a weak hint), so a loop that loads
// and disposes a bert-base-sized model swung RSS between 0.5 and 2.25 GB (issue #13). Instead the disposed
// model's kernels (instance + memory, and its compiled module) are kept as the one spare of their build,
// and the next load of the same build takes them: memory reused, never a second copy alive. A spare is
// zeroed before reuse, so a model never sees the bytes of the one before.
import { probeFeatures } from './features.js';
import { chooseVariant, loadKernels, type KernelLoadOptions, type Kernels } from './wasm.js';

/** one spare per build (variant) */
const spares = new Map<string, Kernels>();

/**
 * Kernels for a load: the spare of the build these options pick (zeroed above the kernels' static data),
 * or freshly loaded ones. The build is chosen exactly as loadKernels chooses it (same probes, warnings
 * and errors), so a spare never stands in for a build the engine would not get now.
 */
export async function takeKernels(options: Pick<KernelLoadOptions, 'simd' | 'shared'>): Promise<Kernels> {
  if (spares.size > 0) {
    // a spare exists, so loadKernels ran before: Node 20's relaxed-SIMD flag is already set for the probe
    const variant = chooseVariant(probeFeatures(), options);
    const k = spares.get(variant);
    if (k) {
      spares.delete(variant);
      new Uint8Array(k.memory.buffer).fill(0, k.exports.heap_base());
      return k;
    }
  }
  return loadKernels(options);
}

/**
 * Keeps `k` as the spare of its build (replacing an older spare, which the collector may then take). The
 * caller guarantees nothing uses `k` any more: no model, no worker.
 */
export function giveSpare(k: Kernels): void {
  spares.set(k.variant, k);
}

/** Drops every spare (their memory goes whenever the collector runs). */
export function dropSpares(): void {
  spares.clear();
}
