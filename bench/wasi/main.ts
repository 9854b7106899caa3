// The kernel benchmark as a standalone WASI command (issue #8): the same kernels, shapes and JSON report
// schema as bench/kernels.mjs, with no JavaScript host, so CPUs can be compared under any WASI runtime
// (node:wasi via bench/wasi-run.mjs, wasmtime, wasmer). Built by `npm run bench:kernels:wasi` with
// asconfig.json's "wasi" target (@assemblyscript/wasi-shim maps performance.now() to WASI
// clock_time_get(MONOTONIC) and process.stdout / argv / env to fd_write / args_get / environ_get).
//
// Arguments (all optional): --quick  --cpu <model>  --cores <n>  --arch <arch>  --runtime <name>
// --runtime-version <v>. WASI cannot read the CPU model: a host passes it, otherwise "unknown".
//
// Timing: every timed call is one call of an exported kernel from this driver. Engines that tier up
// (V8: Liftoff first, TurboFan for hot functions, no on-stack replacement) switch a function to optimized
// code only on a later call, so each kernel is first called many times on a small shape, then on its
// own shape, before anything is timed. Medians of per-call times; the peak is the best call (noise only
// slows a register-bound loop), measured before and after the kernels, the higher one kept.
import {
  gemm_pack_size, gemm_pack_f32, gemm_f32__bias, gemm_f32__bias_gelu, matmul_f32_nt, matmul_f32_nn,
  attention_scratch_size, attention_f32,
} from '../../assembly/gemm/index';
import {
  softmax_f32, layernorm_f32, add_layernorm_f32, gelu_f32, gelu_tanh_f32, tanh_f32, add_f32, copy_f32,
  peak_fma_f32x4, peak_muladd_f32x4, peak_chains,
} from '../../assembly/ops/index';

// ---------------------------------------------------------------------------------------------------
// arguments
const argv = process.argv;
function option(name: string, dflt: string): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] == '--' + name && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith('--' + name + '=')) return argv[i].slice(name.length + 3);
  }
  return dflt;
}
function flag(name: string): bool {
  for (let i = 0; i < argv.length; i++) if (argv[i] == '--' + name) return true;
  return false;
}
// --smoke: one tiny shape per family and millisecond budgets (the test that the module builds and runs)
const SMOKE = flag('smoke');
const QUICK = SMOKE || flag('quick');
const RELAXED: bool = ASC_FEATURE_RELAXED_SIMD;

// ---------------------------------------------------------------------------------------------------
// memory: 64-byte aligned blocks from the stub runtime's heap (never freed: one run, then exit)
function alloc(bytes: usize): usize {
  return (heap.alloc(bytes + 64) + 63) & ~(<usize>63);
}
let seed: u32 = 1;
function random(n: i32, lo: f32, hi: f32): usize {
  const p = alloc(<usize>n << 2);
  for (let i = 0; i < n; i++) {
    seed = seed * 1103515245 + 12345;
    store<f32>(p + (<usize>i << 2), lo + (hi - lo) * <f32>(<f64>seed / 4294967296.0));
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------
// the operation under test: no closures in AssemblyScript, so one dispatcher over module globals
const OP_COPY = 0, OP_GELU = 1, OP_GELU_TANH = 2, OP_TANH = 3, OP_ADD = 4, OP_SOFTMAX = 5, OP_LAYERNORM = 6;
const OP_ADD_LAYERNORM = 7, OP_SOFTMAX_MASK = 8, OP_GEMM = 9, OP_GEMM_GELU = 10, OP_ATTENTION = 11;
const OP_NT = 12, OP_NN = 13, OP_NAIVE = 14;
let gM = 0, gN = 0, gK = 0;
let pX: usize = 0, pY: usize = 0, pR: usize = 0, pG: usize = 0, pB: usize = 0, pW: usize = 0, pMask: usize = 0;
let pQ: usize = 0, pKk: usize = 0, pV: usize = 0, pO: usize = 0, pP: usize = 0, pS: usize = 0;

function run(op: i32): void {
  const len = gM * gN;
  switch (op) {
    case OP_COPY: copy_f32(len, pX, pY); break;
    case OP_GELU: gelu_f32(len, pX, pY); break;
    case OP_GELU_TANH: gelu_tanh_f32(len, pX, pY); break;
    case OP_TANH: tanh_f32(len, pX, pY); break;
    case OP_ADD: add_f32(len, pX, pX, pY); break;
    case OP_SOFTMAX: softmax_f32(gM, gN, pY, gN, 0); break;
    case OP_LAYERNORM: layernorm_f32(gM, gN, pX, gN, pG, pB, 1e-12, pY, gN); break;
    case OP_ADD_LAYERNORM: add_layernorm_f32(gM, gN, pX, gN, pR, gN, pG, pB, 1e-12, pY, gN); break;
    case OP_SOFTMAX_MASK: softmax_f32(gM, gN, pY, gN, pMask); break;
    case OP_GEMM: gemm_f32__bias(gM, gN, gK, pX, gK, pW, pY, gN); break;
    case OP_GEMM_GELU: gemm_f32__bias_gelu(gM, gN, gK, pX, gK, pW, pY, gN); break;
    case OP_ATTENTION: {
      // 12 heads of (S = gM, d = gK), heads in place: the model's attention_f32 (pS: its scratch)
      const S = gM, D = gK, W = 12 * D;
      for (let h = 0; h < 12; h++) {
        const o = <usize>(h * D) * 4;
        attention_f32(S, D, pQ + o, pKk + o, pV + o, W, <f32>(1.0 / Math.sqrt(<f64>D)), pO + o, W, 0, pS);
      }
      break;
    }
    case OP_NT: matmul_f32_nt(gM, gN, gK, pQ, 12 * 64, pKk, 12 * 64, pP, gN, 0.125); break;
    case OP_NN: matmul_f32_nn(gM, gN, gK, pP, gK, pV, 12 * 64, pO, 12 * 64); break;
    case OP_NAIVE: naive(gM, gN, gK, pX, pR, pY); break;
    default: unreachable();
  }
}

/** Scalar triple loop, C = A·Bᵀ with both read along rows: the scale row (as bench's naive JS matmul). */
function naive(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      const ai = a + <usize>(i * k) * 4, bj = b + <usize>(j * k) * 4;
      for (let l = 0; l < k; l++) s += load<f32>(ai + (<usize>l << 2)) * load<f32>(bj + (<usize>l << 2));
      store<f32>(c + <usize>(i * n + j) * 4, s);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// timing
const rows = new Array<string>();
let peakGflops: f64 = 0;

function round(x: f64, digits: i32): f64 {
  const s = Math.pow(10, digits);
  return Math.round(x * s) / s;
}
function str(s: string): string {
  // JSON string: the values here are ASCII names, the CPU model from the host; escape what JSON needs
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34 || c == 92) out += '\\' + String.fromCharCode(c);
    else if (c < 32) out += ' ';
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

/** Median ms of one call of `op`, after warm-up calls; flops (matmuls) or bytes (element-wise) per call. */
function bench(kernel: string, shape: string, op: i32, flops: f64, bytes: f64): void {
  const budget: f64 = SMOKE ? 2 : QUICK ? 30 : 300;
  // warm-up: at least 5 calls and about a third of the budget
  let t0 = performance.now();
  let calls = 0;
  while (calls < 5 || (performance.now() - t0 < budget / 3 && calls < 200)) {
    run(op);
    calls++;
  }
  const per = (performance.now() - t0) / <f64>calls;
  let n = <i32>Math.min(Math.max(budget / Math.max(per, 1e-3), QUICK ? 3 : 5), 2000);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    run(op);
    times[i] = performance.now() - t;
  }
  times.sort();
  const ms = times[n >> 1];
  let row = '{"kernel":' + str(kernel) + ',"shape":' + str(shape) + ',"ms":' + round(ms, 4).toString();
  if (flops > 0) {
    const g = flops / (ms * 1e6);
    row += ',"gflops":' + round(g, 2).toString() + ',"pctPeak":@' + g.toString() + '@';
  }
  if (bytes > 0) row += ',"gbs":' + round(bytes / (ms * 1e6), 2).toString();
  if (kernel == 'copy_f32') copyMs.set(shape, ms);
  if (bytes > 0 && copyMs.has(shape)) row += ',"xCopy":' + round(ms / copyMs.get(shape), 2).toString();
  rows.push(row + '}');
}
const copyMs = new Map<string, f64>();

/** Best GFLOP/s of a probe (0 FMA, 1 mul+add) over calls of ~20 ms. */
function peak(probe: i32, p: usize): f64 {
  const flopsPerIter = <f64>(peak_chains(probe) * 8);
  for (let i = 0; i < 300; i++) probeCall(probe, 1000, p); // tier up: many short calls
  let iters = 1 << 16;
  for (;;) {
    const t = performance.now();
    probeCall(probe, iters, p);
    if (performance.now() - t > (SMOKE ? 1 : QUICK ? 5 : 20) || iters > 1 << 28) break;
    iters *= 2;
  }
  let best: f64 = Infinity;
  const repeats = QUICK ? 3 : 15;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    probeCall(probe, iters, p);
    best = Math.min(best, performance.now() - t);
  }
  return (<f64>iters * flopsPerIter) / (best * 1e6);
}
let sink: f32 = 0;
function probeCall(probe: i32, iters: i32, p: usize): void {
  sink += probe == 0 ? peak_fma_f32x4(iters, p) : peak_muladd_f32x4(iters, p);
}

// ---------------------------------------------------------------------------------------------------
const tStart = performance.now();
const operands = alloc(32);
for (let i = 0; i < 4; i++) {
  store<f32>(operands + (<usize>i << 2), 1.0);
  store<f32>(operands + 16 + (<usize>i << 2), 0.0);
}
let peakFma = peak(0, operands);
let peakMulAdd = peak(1, operands);

// Tier-up pre-pass: every kernel many times on a tiny shape (cheap), so no timed call runs baseline code.
{
  const T = 16;
  gM = T; gN = T; gK = T;
  pX = random(T * T * 16, -1, 1); pY = alloc(T * T * 64); pR = random(T * T * 16, -1, 1);
  pG = random(T * 16, 0.5, 1.5); pB = random(T * 16, -0.5, 0.5); pMask = random(T * 16, -1, 0);
  pW = alloc(<usize>gemm_pack_size(T, T)); gemm_pack_f32(T, T, pR, T, pB, pW);
  pQ = random(16 * 768, -1, 1); pKk = random(16 * 768, -1, 1); pV = random(16 * 768, -1, 1);
  pO = alloc(16 * 768 * 4); pP = alloc(12 * 16 * 16 * 4); pS = alloc(<usize>attention_scratch_size(128, 64));
  const warm = SMOKE ? 20 : 400;
  for (let i = 0; i < warm; i++) for (let op = 0; op <= OP_NAIVE; op++) if (op != OP_NT && op != OP_NN) run(op);
  gM = 16; gN = 16; gK = 16;
  for (let i = 0; i < warm; i++) { run(OP_NT); run(OP_NN); }
}

// element-wise and row-wise: 128×3072 (cache-resident) and 2048×4096 (32 MB, memory-bound)
const EW_M: i32[] = QUICK ? [4] : [128, 2048];
const EW_N: i32[] = QUICK ? [3072] : [3072, 4096];
for (let s = 0; s < EW_M.length; s++) {
  gM = EW_M[s]; gN = EW_N[s];
  const len = gM * gN;
  pX = random(len, -6, 6); pY = alloc(<usize>len << 2);
  pG = random(gN, 0.5, 1.5); pB = random(gN, -0.5, 0.5);
  const shape = gM.toString() + 'x' + gN.toString();
  const bytes = <f64>(8 * len);
  bench('copy_f32', shape, OP_COPY, 0, bytes);
  bench('gelu_f32', shape, OP_GELU, 0, bytes);
  bench('gelu_tanh_f32', shape, OP_GELU_TANH, 0, bytes);
  if (len <= 1 << 22) bench('tanh_f32', shape, OP_TANH, 0, bytes);
  bench('add_f32', shape, OP_ADD, 0, <f64>(12 * len));
  copy_f32(len, pX, pY);
  bench('softmax_f32', shape, OP_SOFTMAX, 0, bytes);
  bench('layernorm_f32', shape, OP_LAYERNORM, 0, bytes);
}
if (!QUICK) {
  gM = 128; gN = 768;
  pX = random(128 * 768, -1, 1); pR = random(128 * 768, -1, 1); pY = alloc(128 * 768 * 4);
  pG = random(768, 0.5, 1.5); pB = random(768, -0.5, 0.5);
  bench('add_layernorm_f32', '128x768', OP_ADD_LAYERNORM, 0, <f64>(12 * 128 * 768));
  gM = 12 * 128; gN = 128;
  pY = random(12 * 128 * 128, -8, 8); pMask = random(128, -1, 0);
  bench('softmax_f32', '12x128x128', OP_SOFTMAX_MASK, 0, <f64>(8 * 12 * 128 * 128));
}

// GEMMs: C[M, N] = A[M, K]·W[N, K]ᵀ + bias, W prepacked once
const G_M: i32[] = QUICK ? [16] : [128, 128, 128, 128, 512, 256, 512, 1024];
const G_N: i32[] = QUICK ? [64] : [768, 3072, 3072, 768, 768, 256, 512, 1024];
const G_K: i32[] = QUICK ? [64] : [768, 768, 768, 3072, 768, 256, 512, 1024];
const G_GELU: bool[] = QUICK ? [false] : [false, true, false, false, false, false, false, false];
for (let g = 0; g < G_M.length; g++) {
  gM = G_M[g]; gN = G_N[g]; gK = G_K[g];
  pX = random(gM * gK, -1, 1);
  const w = random(gN * gK, -0.05, 0.05), bias = random(gN, -1, 1);
  pW = alloc(<usize>gemm_pack_size(gN, gK));
  gemm_pack_f32(gN, gK, w, gK, bias, pW);
  pY = alloc(<usize>(gM * gN) << 2);
  const shape = gM.toString() + 'x' + gN.toString() + 'x' + gK.toString();
  const flops = 2.0 * <f64>gM * <f64>gN * <f64>gK;
  if (G_GELU[g]) bench('gemm_f32__bias_gelu', shape, OP_GEMM_GELU, flops, 0);
  else bench('gemm_f32__bias', shape, OP_GEMM, flops, 0);
}

// attention, 12 heads × (S = 128, d = 64), and its two matmuls alone
{
  const S = QUICK ? 16 : 128, D = 64, W = 12 * D;
  pQ = random(S * W, -1, 1); pKk = random(S * W, -1, 1); pV = random(S * W, -1, 1);
  pO = alloc(<usize>(S * W) << 2); pP = alloc(<usize>(12 * S * S) << 2); pMask = random(S, -1, 0);
  gM = S; gK = D;
  bench('attention_f32', '12x' + S.toString() + 'x' + D.toString() + 'x' + S.toString(), OP_ATTENTION, 12.0 * 4.0 * <f64>(S * S * D), 0);
  gM = S; gN = S; gK = D;
  bench('matmul_f32_nt', S.toString() + 'x' + S.toString() + 'x' + D.toString(), OP_NT, 2.0 * <f64>(S * S * D), 0);
  gM = S; gN = D; gK = S;
  bench('matmul_f32_nn', S.toString() + 'x' + D.toString() + 'x' + S.toString(), OP_NN, 2.0 * <f64>(S * S * D), 0);
}

// scale: a naive scalar matmul (the bench:kernels naive JS row's counterpart)
{
  gM = SMOKE ? 1 : QUICK ? 8 : 32; gN = 768; gK = 768;
  pX = random(gM * gK, -1, 1); pR = random(gN * gK, -1, 1); pY = alloc(<usize>(gM * gN) << 2);
  bench('naive_scalar_matmul', gM.toString() + 'x768x768', OP_NAIVE, 2.0 * <f64>gM * 768.0 * 768.0, 0);
}

peakFma = Math.max(peakFma, peak(0, operands));
peakMulAdd = Math.max(peakMulAdd, peak(1, operands));
peakGflops = RELAXED ? peakFma : peakMulAdd;

// ---------------------------------------------------------------------------------------------------
// report: bench/kernels.mjs's schema (competitor null: no tfjs without a JS host)
let results = '';
for (let i = 0; i < rows.length; i++) {
  let r = rows[i];
  const a = r.indexOf('@');
  if (a >= 0) {
    const b = r.indexOf('@', a + 1);
    const g = parseFloat(r.slice(a + 1, b));
    r = r.slice(0, a) + round((100 * g) / peakGflops, 1).toString() + r.slice(b + 1);
  }
  results += (i > 0 ? ',\n    ' : '    ') + r;
}
const out =
  '{\n' +
  '  "cpu": ' + str(option('cpu', 'unknown')) + ',\n' +
  '  "cores": ' + (option('cores', '') == '' ? 'null' : I32.parseInt(option('cores', '0')).toString()) + ',\n' +
  '  "arch": ' + str(option('arch', 'unknown')) + ',\n' +
  '  "runtime": ' + str(option('runtime', 'wasi')) + ',\n' +
  '  "runtimeVersion": ' + str(option('runtime-version', 'unknown')) + ',\n' +
  '  "variant": ' + str(RELAXED ? 'relaxed' : 'simd') + ',\n' +
  '  "date": ' + str(new Date(Date.now()).toISOString()) + ',\n' +
  '  "quick": ' + (QUICK ? 'true' : 'false') + ',\n' +
  '  "peakGflops": ' + round(peakGflops, 2).toString() + ',\n' +
  '  "peak": {"fmaGflops": ' + round(peakFma, 2).toString() + ', "mulAddGflops": ' + round(peakMulAdd, 2).toString() +
  ', "fmaIsFused": ' + (RELAXED ? 'true' : 'false') + '},\n' +
  '  "competitor": null,\n' +
  '  "host": "wasi",\n' +
  '  "seconds": ' + round((performance.now() - tStart) / 1000, 1).toString() + ',\n' +
  '  "results": [\n' + results + '\n  ]\n}\n';
process.stdout.write(out);
if (sink == 12345.678) process.stdout.write(' '); // keeps the probes' results live
