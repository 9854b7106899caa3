#!/usr/bin/env node
// Times wasmbert on synthetic-base exactly as ../shared/reference/ort_peer.mjs times onnxruntime (same
// inputs, warm-up, run counts, foreign-CPU retries, JSON line schema), one JSON line per shape. Run by
// bench/encoder.mjs in a child process per engine so each engine's peak RSS is its own.
//   node bench/encoder-wasmbert.mjs --wbin <file> [--threads 1] [--shapes 1x16,...] [--warmup-seconds 3]
//        [--min-runs 10 --min-seconds 3] [--residency resident|streamed] [--simd auto|simd]
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import { Bert } from '../dist/model/bert.js';

const { values: a } = parseArgs({
  options: {
    wbin: { type: 'string' }, threads: { type: 'string', default: '1' }, shapes: { type: 'string', default: '1x16,1x128,8x128,1x512' },
    'warmup-seconds': { type: 'string', default: '3' }, 'min-seconds': { type: 'string', default: '3' }, 'min-runs': { type: 'string', default: '10' },
    'max-foreign-cpu': { type: 'string', default: '0.25' }, retries: { type: 'string', default: '2' },
    residency: { type: 'string', default: 'resident' }, simd: { type: 'string', default: 'auto' },
  },
});
const threads = Number(a.threads);
const shapes = a.shapes.split(',').map((s) => s.split('x').map(Number));
const t0 = performance.now();
const bert = await Bert.load(a.wbin, { threads, residency: a.residency, simd: a.simd });
const loadMs = performance.now() - t0;
const { vocab_size: vocab, hidden_size: H, intermediate_size: I, num_hidden_layers: N } = bert.config;

// ort_peer.mjs's inputs: [CLS] w … [SEP], one segment, no padding, the same LCG
function seedInputs(B, L) {
  const ids = []; let s = 12345; const lo = vocab > 2000 ? 1000 : 3;
  for (let b = 0; b < B; b++) {
    const row = [];
    for (let p = 0; p < L; p++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      row.push(p === 0 ? Math.min(101, vocab - 1) : p === L - 1 ? Math.min(102, vocab - 1) : lo + (s % (vocab - lo)));
    }
    ids.push(row);
  }
  return { inputIds: ids, tokenTypeIds: ids.map((r) => r.map(() => 0)), attentionMask: ids.map((r) => r.map(() => 1)) };
}
// ort_peer.mjs's effective FLOPs: dense layers, QKᵀ and PV, pooler
const matmulFlops = (B, L) => 2 * B * L * (4 * H * H + 2 * H * I) * N + 4 * B * L * L * H * N + 2 * B * H * H;
const machineBusy = () => {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100;
  } catch { return null; }
};
const r3 = (x) => Math.round(x * 1000) / 1000;

async function measure(f) {
  const times = [];
  const c0 = process.cpuUsage(); const m0 = machineBusy(); const r0 = performance.now();
  for (;;) {
    const s = performance.now();
    await bert.forward(f);
    times.push(performance.now() - s);
    if (times.length >= Number(a['min-runs']) && performance.now() - r0 >= Number(a['min-seconds']) * 1000) break;
  }
  const wall = (performance.now() - r0) / 1000; const cpu = process.cpuUsage(c0); const m1 = machineBusy();
  const ownCpu = (cpu.user + cpu.system) / 1e6;
  times.sort((x, y) => x - y);
  const n = times.length;
  return {
    med: n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2, min: times[0], max: times[n - 1], n,
    cpuPerWall: ownCpu / wall, foreignCpu: m0 === null ? null : Math.max(0, m1 - m0 - ownCpu) / wall,
  };
}

for (const [B, L] of shapes) {
  const f = seedInputs(B, L);
  // V8 tiers wasm up in the background while it runs (no OSR): warm up by time, with whole forwards.
  const w0 = performance.now();
  do { await bert.forward(f); } while (performance.now() - w0 < Number(a['warmup-seconds']) * 1000);
  let m = await measure(f); let attempts = 1;
  while (m.foreignCpu !== null && m.foreignCpu > Number(a['max-foreign-cpu']) && attempts <= Number(a.retries)) {
    const again = await measure(f); attempts++;
    if (again.foreignCpu < m.foreignCpu) m = again;
  }
  console.log(JSON.stringify({
    engine: 'wasmbert', version: JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version,
    variant: bert.variant, residency: a.residency, threads, batch: B, seq: L,
    msMedian: r3(m.med), msMin: r3(m.min), msMax: r3(m.max), seqPerSec: r3(B / (m.med / 1000)),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), gflops: r3(matmulFlops(B, L) / 1e9 / (m.med / 1000)),
    runs: m.n, cpuPerWall: r3(m.cpuPerWall), foreignCpu: m.foreignCpu === null ? null : r3(m.foreignCpu), attempts,
    cpus: os.cpus().length, loadMs: Math.round(loadMs), node: process.version,
  }));
}
await bert.dispose();
process.exit(0);
