#!/usr/bin/env node
// Kernel benchmark: `npm run bench:kernels [-- --json] [--quick] [--variant simd|relaxed|auto] [--no-save]`.
// Per kernel and shape: median time, GFLOP/s (matmuls) or GB/s (element-wise, bytes read + written),
// and % of the f32x4 peak measured in this same run (register-only FMA and mul+add chains), so reports
// from different CPUs compare fairly. Beside them: a memory copy (the element-wise yardstick), a naive
// JS matmul and @tensorflow/tfjs-backend-wasm's matMul (XNNPACK) in the same harness, on one thread.
// Full runs save bench/results/<cpu>-<runtime>.json; `npm run bench:compare A.json B.json` compares two.
//
// Warm-up matters: V8 compiles wasm with Liftoff first and tiers a function up to TurboFan only on a
// later call (no on-stack replacement), so each kernel is called many times on its own shape before
// anything is timed.
import { measurePeak } from './lib/peak.mjs';
import { importPeer, peerDir } from './lib/peers.mjs';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Bench } from 'tinybench';
import { cpuInfo, fmt, runtimeInfo, slug, table } from './lib/report.mjs';
import { hasAttention, hasGemm, matmulNN, matmulNT, packWeights } from './lib/gemm.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name, dflt) => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return dflt;
  return args[i].includes('=') ? args[i].split('=')[1] : args[i + 1];
};
const JSON_OUT = flag('json');
const QUICK = flag('quick');
const VARIANT = option('variant', 'auto');
if (!['auto', 'simd', 'relaxed'].includes(VARIANT)) {
  process.stderr.write(`bench: --variant must be simd, relaxed or auto (got "${VARIANT}")\n`);
  process.exit(2);
}
// With --json, stdout carries only the report: everything chatty (tfjs prints on load) goes to stderr.
const say = (s) => process.stderr.write(s + '\n');
if (JSON_OUT) console.log = (...a) => say(a.join(' '));

if (!existsSync(join(ROOT, 'dist', 'runtime', 'wasm.js'))) {
  say('bench: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { loadKernels } = await import('../dist/runtime/wasm.js');
const { Arena } = await import('../dist/runtime/arena.js');

const k = await loadKernels({ simd: VARIANT });
const e = k.exports;
const arena = new Arena(k.memory, e.heap_base());
const f32 = (p, n) => new Float32Array(k.memory.buffer, p, n); // re-made after every alloc (memory may grow)

let seed = 1;
function random(n, lo = -1, hi = 1) {
  const p = arena.alloc(n * 4);
  const a = f32(p, n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = lo + ((hi - lo) * seed) / 4294967296;
  }
  return p;
}

// Peak (bench/lib/peak.mjs): measured before and after the kernels and the higher taken, so a core that
// clocks up under sustained load is not measured cold.
let peakFma = measurePeak(e, arena, 0, QUICK);
let peakMulAdd = measurePeak(e, arena, 1, QUICK);
// The relaxed build's GEMM issues relaxed_madd: its ceiling is the FMA peak; SIMD128 does mul+add.
const relaxed = k.variant.startsWith('relaxed');

// ---------------------------------------------------------------------------------------------------
const results = [];
const bench = new Bench({
  time: QUICK ? 30 : 300,
  iterations: QUICK ? 2 : 5,
  warmupTime: QUICK ? 10 : 100,
  warmupIterations: QUICK ? 5 : 20,
  throws: true,
});
const meta = new Map();
/** Register a task: `fn` runs one kernel call; `warm` (default fn) is called many times first. */
function task(kernel, shape, fn, { flops, bytes, warmCalls = QUICK ? 5 : 30, group } = {}) {
  const name = `${kernel} ${shape}`;
  meta.set(name, { kernel, shape, flops, bytes, group, fn, warmCalls });
  bench.add(name, fn);
}

// Element-wise and row-wise on 128×3072 (BERT's FFN width, 1.5 MB per buffer: cache-resident, L3 here)
// and on 2048×4096 (32 MB per buffer: past any L2/L3 a core owns, so memory-bound kernels run at DRAM
// speed), each beside a memory copy of the same size (its "× copy" yardstick). The 32 MB rows are
// skipped with --quick.
for (const [m, n] of QUICK ? [[128, 3072]] : [[128, 3072], [2048, 4096]]) {
  const len = m * n;
  const x = random(len, -6, 6);
  const y = arena.alloc(len * 4);
  const gamma = random(n, 0.5, 1.5), beta = random(n, -0.5, 0.5);
  const bytes = 2 * 4 * len; // read + write, f32
  const shape = `${m}x${n}`;
  const big = len > 1 << 22;
  const warmCalls = big ? 3 : QUICK ? 5 : 30;
  task('copy_f32', shape, () => e.copy_f32(len, x, y), { bytes, group: 'mem', warmCalls });
  task('gelu_f32', shape, () => e.gelu_f32(len, x, y), { bytes, group: 'mem', warmCalls });
  task('gelu_tanh_f32', shape, () => e.gelu_tanh_f32(len, x, y), { bytes, group: 'mem', warmCalls });
  if (!big) task('tanh_f32', shape, () => e.tanh_f32(len, x, y), { bytes, group: 'mem', warmCalls });
  task('add_f32', shape, () => e.add_f32(len, x, x, y), { bytes: 3 * 4 * len, group: 'mem', warmCalls });
  // softmax runs in place on y (refilled from x by the copy each call would distort the timing;
  // softmax of a softmax output is as much work as of fresh logits)
  e.copy_f32(len, x, y);
  task('softmax_f32', shape, () => e.softmax_f32(m, n, y, n, 0), { bytes, group: 'mem', warmCalls });
  task('layernorm_f32', shape, () => e.layernorm_f32(m, n, x, n, gamma, beta, 1e-12, y, n), { bytes, group: 'mem', warmCalls });
}
// BERT-shaped row-wise ops: add & LayerNorm on 128×768, attention softmax 12 heads × 128×128 with a mask.
{
  const x = random(128 * 768), r = random(128 * 768), y = arena.alloc(128 * 768 * 4);
  const gamma = random(768, 0.5, 1.5), beta = random(768, -0.5, 0.5);
  task('add_layernorm_f32', '128x768', () => e.add_layernorm_f32(128, 768, x, 768, r, 768, gamma, beta, 1e-12, y, 768), {
    bytes: 3 * 4 * 128 * 768, group: 'mem',
  });
  const s = random(12 * 128 * 128, -8, 8), mask = random(128, -1, 0);
  task('softmax_f32', '12x128x128', () => e.softmax_f32(12 * 128, 128, s, 128, mask), { bytes: 2 * 4 * 12 * 128 * 128, group: 'mem' });
}

// GEMMs: C[M, N] = A[M, K]·W[N, K]ᵀ + bias, W prepacked once (BERT's projections and FFN, squares).
const GEMMS = [
  [128, 768, 768, 'bias'], [128, 3072, 768, 'bias_gelu'], [128, 3072, 768, 'bias'], [128, 768, 3072, 'bias'],
  [512, 768, 768, 'bias'], [256, 256, 256, 'bias'], [512, 512, 512, 'bias'], [1024, 1024, 1024, 'bias'],
];
if (hasGemm(k)) {
  for (const [M, N, K, epi] of GEMMS) {
    const fn = e[`gemm_f32__${epi}`];
    if (typeof fn !== 'function') continue;
    const mark = arena.used;
    const a = random(M * K), w = random(N * K, -0.05, 0.05), bias = random(N);
    const packed = packWeights(k, arena, N, K, w, bias);
    const c = arena.alloc(M * N * 4);
    void mark;
    const warmCalls = QUICK ? 3 : Math.max(5, Math.round(2e9 / (2 * M * N * K)));
    task(`gemm_f32__${epi}`, `${M}x${N}x${K}`, () => fn(M, N, K, a, K, packed, c, N), { flops: 2 * M * N * K, group: 'gemm', warmCalls });
    // What the encoder runs: A packed into 4-row strips first (the packing is inside the timing)
    const pfn = e[`gemm_f32_pa__${epi}`];
    if (typeof pfn === 'function') {
      const pa = arena.alloc(e.gemm_pack_a_size(M, K));
      task(`pack_a + gemm_f32_pa__${epi}`, `${M}x${N}x${K}`, () => {
        e.gemm_pack_a_f32(M, K, a, K, pa);
        pfn(M, N, K, pa, K, packed, c, N);
      }, { flops: 2 * M * N * K, group: 'gemm', warmCalls });
    }
  }
} else {
  say('bench: the GEMM exports (gemm_f32__bias, gemm_pack_f32) are not in this build yet: GEMM rows skipped');
}

// Attention, 12 heads × (S = 128, d = 64), heads read in place from [128, 768]: the model's kernel
// (attention_f32: K and V packed, both products on the packed GEMM, scores blocked in cache), then the
// strided matmuls it replaced (S_h = Q_h·K_hᵀ/√d, softmax with a mask, O_h = P_h·V_h) for comparison.
if (hasAttention(k)) {
  const S = 128, H = 12, D = 64, W = H * D;
  const q = random(S * W), kk = random(S * W), v = random(S * W), o = arena.alloc(S * W * 4);
  const p = arena.alloc(H * S * S * 4), mask = random(S, -1, 0);
  const flops = H * (2 * S * S * D * 2);
  if (typeof e.attention_f32 === 'function') {
    const scratch = arena.alloc(e.attention_scratch_size(S, D));
    task('attention_f32', `12x${S}x${D}x${S}`, () => {
      for (let h = 0; h < H; h++) e.attention_f32(S, D, q + h * D * 4, kk + h * D * 4, v + h * D * 4, W, 1 / Math.sqrt(D), o + h * D * 4, W, 0, scratch);
    }, { flops, group: 'gemm' });
  }
  task('attention (matmul_f32_nt, softmax, matmul_f32_nn)', `12x${S}x${D}x${S}`, () => {
    for (let h = 0; h < H; h++) {
      const ph = p + h * S * S * 4;
      matmulNT(k, S, S, D, q + h * D * 4, W, kk + h * D * 4, W, ph, S, 1 / Math.sqrt(D));
      e.softmax_f32(S, S, ph, S, mask);
      matmulNN(k, S, D, S, ph, S, v + h * D * 4, W, o + h * D * 4, W);
    }
  }, { flops, group: 'gemm' });
  task('matmul_f32_nt', `${S}x${S}x${D}`, () => matmulNT(k, S, S, D, q, W, kk, W, p, S, 0.125), { flops: 2 * S * S * D, group: 'gemm' });
  task('matmul_f32_nn', `${S}x${D}x${S}`, () => matmulNN(k, S, D, S, p, S, v, W, o, W), { flops: 2 * S * S * D, group: 'gemm' });
} else {
  say('bench: matmul_f32_nt / matmul_f32_nn are not in this build yet: attention rows skipped');
}

// Scale: a naive JS matmul (triple loop, C = A·Wᵀ with both operands read along rows).
{
  const M = QUICK ? 32 : 128, N = 768, K = 768;
  const A = new Float32Array(M * K).map(() => Math.random() - 0.5);
  const Wt = new Float32Array(N * K).map(() => Math.random() - 0.5);
  const C = new Float32Array(M * N);
  const naive = () => {
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let l = 0, ai = i * K, wj = j * K; l < K; l++) s += A[ai + l] * Wt[wj + l];
        C[i * N + j] = s;
      }
  };
  task('naive_js_matmul', `${M}x${N}x${K}`, naive, { flops: 2 * M * N * K, group: 'gemm', warmCalls: 2 });
}

// The competitor: tfjs-backend-wasm (XNNPACK, SIMD), one thread, B given as [K, N] (its fast path).
let tfjsVersion;
try {
  // from `npm run peers` (.cache/peers/): the clone's node_modules holds only what build and test need
  const tf = await importPeer('@tensorflow/tfjs-core');
  const wasm = await importPeer('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(join(peerDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/');
  wasm.setThreadsCount?.(1);
  await tf.setBackend('wasm');
  await tf.ready();
  tfjsVersion = wasm.version_wasm ?? tf.version_core;
  for (const [M, N, K] of [[128, 768, 768], [128, 3072, 768], [512, 512, 512]]) {
    const a = tf.randomUniform([M, K]);
    const b = tf.randomUniform([K, N]);
    const run = () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    };
    task('tfjs_wasm_matmul', `${M}x${N}x${K}`, run, { flops: 2 * M * N * K, group: 'gemm' });
  }
} catch (err) {
  say(`bench: @tensorflow/tfjs-backend-wasm unavailable (${err.message.split('\n')[0]}): competitor rows skipped`);
}

// ---------------------------------------------------------------------------------------------------
const t0 = performance.now();
for (const { fn, warmCalls } of meta.values()) for (let i = 0; i < warmCalls; i++) fn();
await bench.run();
peakFma = Math.max(peakFma, measurePeak(e, arena, 0, QUICK));
peakMulAdd = Math.max(peakMulAdd, measurePeak(e, arena, 1, QUICK));
const peakGflops = relaxed ? peakFma : peakMulAdd;

const copyMs = new Map(); // shape → copy_f32 median
for (const t of bench.tasks) {
  const m = meta.get(t.name);
  const ms = t.result.latency.p50;
  const row = { kernel: m.kernel, shape: m.shape, ms: +ms.toFixed(4) };
  if (m.flops) {
    row.gflops = +(m.flops / (ms * 1e6)).toFixed(2);
    row.pctPeak = +((100 * row.gflops) / peakGflops).toFixed(1);
  }
  if (m.bytes) row.gbs = +(m.bytes / (ms * 1e6)).toFixed(2);
  if (m.kernel === 'copy_f32') copyMs.set(m.shape, ms);
  results.push(row);
}
// × copy: time over the same-sized copy's (the target: softmax, layernorm, GELU within 2×)
for (const r of results) if (r.gbs !== undefined && copyMs.has(r.shape)) r.xCopy = +(r.ms / copyMs.get(r.shape)).toFixed(2);

const { runtime, version } = runtimeInfo();
const { cpu, cores, arch } = cpuInfo();
const report = {
  cpu, cores, arch, runtime, runtimeVersion: version, variant: k.variant,
  date: new Date().toISOString(), quick: QUICK,
  peakGflops: +peakGflops.toFixed(2),
  peak: { fmaGflops: +peakFma.toFixed(2), mulAddGflops: +peakMulAdd.toFixed(2), fmaIsFused: relaxed },
  competitor: tfjsVersion ? `@tensorflow/tfjs-backend-wasm ${tfjsVersion}` : null,
  seconds: +((performance.now() - t0) / 1000).toFixed(1),
  results,
};

if (JSON_OUT) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else {
  say(`${cpu} (${cores} cores, ${arch}), ${runtime} ${version}, wasm build "${k.variant}", one thread`);
  say(`peak f32x4: ${fmt(peakFma)} GFLOP/s ${relaxed ? 'FMA (relaxed_madd)' : 'FMA probe (SIMD128 build: mul+add, no relaxed_madd)'}, ${fmt(peakMulAdd)} GFLOP/s mul+add; % of peak uses ${relaxed ? 'FMA' : 'mul+add'}\n`);
  process.stdout.write(
    table(
      ['kernel', 'shape', 'median ms', 'GFLOP/s', '% peak', 'GB/s', '× copy'],
      results.map((r) => [r.kernel, r.shape, fmt(r.ms, 3), fmt(r.gflops), fmt(r.pctPeak, 1), fmt(r.gbs), fmt(r.xCopy)]),
    ) + '\n',
  );
}
if (!QUICK && !flag('no-save')) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${slug(cpu)}-${runtime}${version.split('.')[0]}-${k.variant}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  say(`saved ${file.slice(ROOT.length + 1)}`);
}
