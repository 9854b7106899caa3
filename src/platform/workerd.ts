// The 'workerd' entry of wasmbert (Cloudflare Workers, workerd): the universal entry, plus the kernels as
// WebAssembly.Module imports. Workers refuse to compile wasm from bytes at run time ("Wasm code generation
// disallowed by embedder"); a .wasm import is compiled by the host when the worker is deployed, and
// wrangler (or any bundler that keeps .wasm imports as modules) ships build/*.wasm beside the script.
// Only the single-threaded builds: a worker has no threads.
import relaxed from '../../build/wasmbert.relaxed.wasm';
import simd from '../../build/wasmbert.simd.wasm';
import { provideModules } from '../runtime/wasm.js';

provideModules({ relaxed, simd });

export * from '../index.js';
