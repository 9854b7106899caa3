#!/usr/bin/env node
// Compiles assembly/ into every wasm variant of asconfig.json (one source, four feature sets):
//   simd        SIMD128 only: every runtime with wasm SIMD (Safari included)
//   relaxed     + relaxed SIMD (f32x4.relaxed_madd): Node >= 22, Chrome; Node 20 behind a V8 flag
//   simd-mt     SIMD128 with an imported shared memory + atomics: the worker pool's build
//   relaxed-mt  both
// The kernel sources branch on ASC_FEATURE_RELAXED_SIMD at compile time, so each variant carries only
// its own code; the -mt variants are the same code over an imported shared memory (asconfig.json's
// importMemory/sharedMemory): no kernel branches on threads. Outputs go to build/ (git-ignored).
import asc from 'assemblyscript/asc';
import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const config = JSON.parse(readFileSync('asconfig.json', 'utf8'));
const only = process.argv.slice(2);
// The `wasi` target is the standalone kernel benchmark (bench/wasi-run.mjs builds it on demand): not a library build.
const targets = Object.keys(config.targets).filter((t) => (only.length === 0 ? t !== 'wasi' : only.includes(t)));

// Generated kernels are committed; regenerate first so a template edit can never ship stale tiles.
const gen = join(root, 'scripts', 'gen-kernels.mjs');
if (existsSync(gen)) await import(gen).then((m) => m.generate?.());

mkdirSync('build', { recursive: true });
const t0 = performance.now();
const results = await Promise.all(
  targets.map(async (target) => {
    let err = '';
    const { error } = await asc.main(['--config', 'asconfig.json', '--target', target], {
      stderr: { write: (s) => { err += s; return true; } },
      stdout: { write: () => true },
    });
    return { target, error, err };
  }),
);
let failed = false;
for (const { target, error, err } of results) {
  if (error) {
    failed = true;
    process.stderr.write(`wasm build failed for target "${target}":\n${err || error.message}\n`);
  }
}
if (failed) process.exit(1);
process.stdout.write(`wasm: built ${targets.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
