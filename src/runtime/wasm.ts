// Loads the kernels: picks one of the four builds of assembly/ (scripts/build-wasm.mjs) from feature
// probes, warns once (never silently) when it has to fall back, and instantiates it with
// @assemblyscript/loader.
import * as loader from '@assemblyscript/loader';
import { RuntimeError } from '../errors.js';
import { probeFeatures, type WasmFeatures } from './features.js';
import type { KernelExports } from './exports.js';

export type Variant = 'simd' | 'relaxed' | 'simd-mt' | 'relaxed-mt';
export const VARIANTS: readonly Variant[] = ['simd', 'relaxed', 'simd-mt', 'relaxed-mt'];

export interface KernelLoadOptions {
  /**
   * 'auto' (default) takes relaxed SIMD where the engine has it. 'simd' forces the deterministic build:
   * relaxed_madd may fuse (one rounding) or not depending on the CPU, so results can differ in the last
   * bit between machines; plain SIMD128 gives the same bits everywhere.
   */
  simd?: 'auto' | 'relaxed' | 'simd';
  /** Build with an imported shared memory and atomics (needed by the worker pool). */
  shared?: boolean;
  /** Memory to import (shared builds); one is created when absent. */
  memory?: WebAssembly.Memory;
  /** Where the .wasm files are (default: the package's build/ folder). */
  baseUrl?: URL;
  /** Compiled module cache: workers instantiate the module their parent compiled. */
  module?: WebAssembly.Module;
}

export interface Kernels {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly variant: Variant;
  readonly module: WebAssembly.Module;
  readonly features: WasmFeatures;
}

const warned = new Set<string>();
/** One line per distinct fallback, per process. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`wasmbert: ${message}`);
}

let relaxedFlagTried = false;
/**
 * Node 20 ships relaxed SIMD behind a V8 flag that must be set before the first compile, and refuses it
 * in NODE_OPTIONS / worker execArgv; setting it at run time works. Node >= 22 has it on.
 */
async function enableRelaxedSimdOnNode20(): Promise<void> {
  if (relaxedFlagTried) return;
  relaxedFlagTried = true;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (!node || Number(node.split('.')[0]) >= 22) return;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    /* not Node after all, or the flag is gone: the probe decides */
  }
}

export function chooseVariant(features: WasmFeatures, options: KernelLoadOptions = {}): Variant {
  if (!features.simd) {
    throw new RuntimeError(
      'this JavaScript engine has no WebAssembly SIMD128, which wasmbert requires ' +
        '(Node >= 16.4, Deno >= 1.9, Bun, Chrome >= 91, Firefox >= 89, Safari >= 16.4)',
    );
  }
  const wantRelaxed = (options.simd ?? 'auto') !== 'simd';
  if (options.simd === 'relaxed' && !features.relaxedSimd) {
    throw new RuntimeError('relaxed SIMD was asked for, but this engine does not support f32x4.relaxed_madd');
  }
  const relaxed = wantRelaxed && features.relaxedSimd;
  if (wantRelaxed && !relaxed) {
    warnOnce('relaxed SIMD is not available here: using the SIMD128 build (about 20% slower GEMMs)');
  }
  if (options.shared) {
    if (!features.threads) {
      throw new RuntimeError(
        'a shared-memory build was asked for, but SharedArrayBuffer or shared WebAssembly memory is unavailable ' +
          '(a browser page must be cross-origin isolated: COOP same-origin + COEP require-corp)',
      );
    }
    return relaxed ? 'relaxed-mt' : 'simd-mt';
  }
  return relaxed ? 'relaxed' : 'simd';
}

export function wasmUrl(variant: Variant, baseUrl?: URL): URL {
  // src/runtime/ and dist/runtime/ both sit two levels below the package root, where build/ is.
  return new URL(`wasmbert.${variant}.wasm`, baseUrl ?? new URL('../../build/', import.meta.url));
}

async function readBytes(url: URL): Promise<ArrayBuffer | Uint8Array> {
  if (url.protocol === 'file:') {
    const fs = await import('node:fs/promises');
    try {
      return await fs.readFile(url);
    } catch (cause) {
      throw new RuntimeError(
        `cannot read ${url.pathname}: the wasm kernels are not built (run \`npm run build\`)`,
        { cause },
      );
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new RuntimeError(`cannot fetch ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

const moduleCache = new Map<string, Promise<WebAssembly.Module>>();
const provided = new Map<Variant, WebAssembly.Module>();

/**
 * Kernels compiled by the host, for runtimes that forbid compiling wasm from bytes (workerd, Cloudflare
 * Workers: "Wasm code generation disallowed by embedder"), where .wasm files arrive as module imports.
 * The 'workerd' entry (src/platform/workerd.ts) calls it; they take precedence over fetching build/.
 */
export function provideModules(modules: Partial<Record<Variant, WebAssembly.Module>>): void {
  for (const [variant, module] of Object.entries(modules)) if (module) provided.set(variant as Variant, module);
}

export async function compileVariant(variant: Variant, baseUrl?: URL): Promise<WebAssembly.Module> {
  const given = provided.get(variant);
  if (given) return given;
  const url = wasmUrl(variant, baseUrl);
  let p = moduleCache.get(url.href);
  if (!p) {
    p = readBytes(url).then((bytes) => WebAssembly.compile(bytes as BufferSource));
    moduleCache.set(url.href, p);
    p.catch(() => moduleCache.delete(url.href));
  }
  return p;
}

/** The largest wasm32 memory: 65536 pages of 64 KiB = 4 GiB. */
export const MAX_PAGES = 65536;

export async function loadKernels(options: KernelLoadOptions = {}): Promise<Kernels> {
  await enableRelaxedSimdOnNode20();
  const features = probeFeatures();
  const variant = chooseVariant(features, options);
  const module = options.module ?? (await compileVariant(variant, options.baseUrl));
  const shared = variant.endsWith('-mt');
  const memory = shared
    ? options.memory ?? new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
    : undefined;
  const imports: Record<string, Record<string, unknown>> = {
    env: {
      ...(memory ? { memory } : {}),
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new RuntimeError(`wasm kernel aborted at ${line}:${col}`);
      },
    },
  };
  const instance = await loader.instantiate<Record<string, unknown>>(module, imports as loader.Imports);
  const exports = instance.exports as unknown as KernelExports;
  return { exports, memory: memory ?? exports.memory, variant, module, features };
}
