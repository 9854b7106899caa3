// wasmbert: the full BERT encoder as WebAssembly SIMD kernels, driven from TypeScript.
export * from './errors.js';
export { loadKernels, chooseVariant, type Variant, type Kernels, type LoadOptions } from './runtime/wasm.js';
export { probeFeatures, type WasmFeatures } from './runtime/features.js';
