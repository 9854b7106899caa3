#!/usr/bin/env node
// `npm run bench:kernels:wasi [-- --variant simd|relaxed] [--quick|--smoke] [--no-save] [--no-build]`: compiles
// the kernel benchmark as a standalone WASI command (bench/wasi/main.ts, asconfig.json target "wasi",
// @assemblyscript/wasi-shim) and runs it under node:wasi. The module prints the same JSON report as
// `npm run bench:kernels -- --json` on stdout; WASI cannot read the CPU model, so this runner passes
// it (and the runtime's name and version) as arguments. Other WASI runtimes: see bench/README.md.
// Full runs save bench/results/<cpu>-node<major>-wasi-<variant>.json (compare with bench:compare).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { WASI } from 'node:wasi';
import v8 from 'node:v8';
import { cpuInfo, slug } from './lib/report.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name, dflt) => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return dflt;
  return args[i].includes('=') ? args[i].split('=')[1] : args[i + 1];
};
const say = (s) => process.stderr.write(s + '\n');

/** Path of the WASI module for a variant (build it with build()). */
export function wasiModulePath(variant) {
  return join(ROOT, 'build', `wasmbert-bench.${variant}.wasi.wasm`);
}

/**
 * Compiles bench/wasi/main.ts with asconfig.json's "wasi" target (+ relaxed SIMD for that variant).
 * `optimizeLevel` below the target's 3 builds in about half the time (the smoke test's choice).
 */
export async function build(variant, { outFile = wasiModulePath(variant), optimizeLevel } = {}) {
  const asc = (await import('assemblyscript/asc')).default;
  mkdirSync(dirname(outFile), { recursive: true });
  let err = '';
  process.chdir(ROOT); // asc resolves the config's paths (lib, entries) from the working directory
  const { error } = await asc.main(
    [
      'bench/wasi/main.ts', '--config', 'asconfig.json', '--target', 'wasi',
      '--outFile', outFile, ...(variant === 'relaxed' ? ['--enable', 'relaxed-simd'] : []),
      ...(optimizeLevel !== undefined ? ['--optimizeLevel', String(optimizeLevel)] : []),
    ],
    { stderr: { write: (s) => { err += s; return true; } }, stdout: { write: () => true } },
  );
  if (error) throw new Error(`bench:kernels:wasi: the WASI build failed (${variant}):\n${err || error.message}`);
  return outFile;
}

/**
 * Runs the module under node:wasi with `extra` arguments; returns its stdout (the JSON report).
 * stdout goes through a temporary file: node:wasi writes to real file descriptors.
 */
export async function runWasi(file, extra = []) {
  const { mkdtempSync, openSync, closeSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'wasmbert-wasi-'));
  const outPath = join(dir, 'stdout.json');
  const fd = openSync(outPath, 'w');
  try {
    const { cpu, cores, arch } = cpuInfo();
    const wasi = new WASI({
      version: 'preview1',
      args: ['wasmbert-bench', '--cpu', cpu, '--cores', String(cores), '--arch', arch,
        '--runtime', 'node-wasi', '--runtime-version', process.versions.node, ...extra],
      env: {},
      stdout: fd,
      stderr: 2,
      returnOnExit: true,
    });
    const module = await WebAssembly.compile(readFileSync(file));
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    const code = wasi.start(instance);
    if (code) throw new Error(`bench:kernels:wasi: the WASI module exited with code ${code}`);
    return readFileSync(outPath, 'utf8');
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true }); // on failure too: nothing left in the temp folder
  }
}

async function main() {
  // Node 20 has relaxed SIMD behind a V8 flag, settable at run time before the first compile (Node >= 22: on)
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    /* unknown flag on newer Node: on by default there */
  }
  const variant = option('variant', 'relaxed');
  if (!['simd', 'relaxed'].includes(variant)) {
    say(`bench:kernels:wasi: --variant must be simd or relaxed (got "${variant}")`);
    process.exit(2);
  }
  const quick = flag('quick') || flag('smoke');
  const file = flag('no-build') ? wasiModulePath(variant) : await build(variant);
  say(`bench:kernels:wasi: running ${file.slice(ROOT.length + 1)} under node:wasi (node ${process.versions.node})`);
  const out = await runWasi(file, flag('smoke') ? ['--smoke'] : quick ? ['--quick'] : []);
  const report = JSON.parse(out); // fails loudly on a malformed report
  process.stdout.write(out);
  if (!quick && !flag('no-save')) {
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const name = `${slug(report.cpu)}-node${process.versions.node.split('.')[0]}-wasi-${report.variant}.json`;
    writeFileSync(join(dir, name), JSON.stringify(report, null, 2) + '\n');
    say(`saved bench/results/${name}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
