#!/usr/bin/env node
// npm run bench [-- --json] [--shapes 1x16,1x128,8x128,1x512] [--threads 1,all] [--engines wasmbert,onnxruntime-web,onnxruntime-node]
//               [--graphs fused|plain|plain,fused] [--warmup-seconds 3] [--min-seconds 3] [--min-runs 5] [--quick]
// wasmbert side by side with onnxruntime-web (wasm) and onnxruntime-node (native) on synthetic-base, each
// engine in its own child process (so peak RSS is its own), at the same thread counts, warmed up the same
// way. Peers run through ../shared/reference/ort_peer.mjs on ../shared/onnx graphs; without ../shared they are
// skipped with one line. Results: bench/results/encoder-<cpu>.json and .md.
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { ensureSynthetic } from '../dist/weights/cache.js';
import { loadKernels } from '../dist/runtime/wasm.js';
import { Arena } from '../dist/runtime/arena.js';
import { measurePeak } from './lib/peak.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    json: { type: 'boolean' }, quick: { type: 'boolean' },
    shapes: { type: 'string', default: '1x16,1x128,8x128,1x512' }, threads: { type: 'string', default: '1,all' },
    engines: { type: 'string', default: 'wasmbert,onnxruntime-web,onnxruntime-node' }, graphs: { type: 'string', default: 'fused' },
    'warmup-seconds': { type: 'string' }, 'min-seconds': { type: 'string' }, 'min-runs': { type: 'string' },
  },
});
const log = (s) => process.stderr.write(`${s}\n`);
const cores = os.availableParallelism?.() ?? os.cpus().length;
const threadCounts = [...new Set(a.threads.split(',').map((t) => (t === 'all' ? cores : Number(t))))];
const timing = a.quick
  ? ['--warmup-seconds', '0.5', '--min-seconds', '0.5', '--min-runs', '2', '--retries', '0']
  // 5 runs and 3 s per shape (medians; ort_peer.mjs's own default is 10 runs): the whole table stays under
  // 10 minutes on 2 cores, where onnxruntime-web needs 12 s per 8×128 run.
  : ['--warmup-seconds', a['warmup-seconds'] ?? '3', '--min-seconds', a['min-seconds'] ?? '3', '--min-runs', a['min-runs'] ?? '5', '--retries', '1'];
const shapes = a.quick && a.shapes === '1x16,1x128,8x128,1x512' ? '1x16,1x128' : a.shapes;

const { folder, wbin } = await ensureSynthetic('synthetic-base', { onProgress: log });
// One thread's wasm f32x4 peak, measured in this run: "% of peak" = GFLOP/s ÷ (peak × threads). Native
// onnxruntime-node uses AVX2/AVX-512 FMA, so it can exceed 100% of the wasm SIMD128 peak.
const kern = await loadKernels();
const peakGflops = Math.round(measurePeak(kern.exports, new Arena(kern.memory, kern.exports.heap_base()), 0, a.quick) * 10) / 10;
log(`wasm f32x4 peak (${kern.variant}, one thread): ${peakGflops} GFLOP/s`);
const shared = process.env.WASMBERT_SHARED ?? join(root, '..', 'shared');
const peer = join(shared, 'reference', 'ort_peer.mjs');

function runLines(args) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    log(`  failed (exit ${r.status}): node ${args.join(' ')}`);
    return [];
  }
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

const results = [];
for (const engine of a.engines.split(',')) {
  for (const threads of threadCounts) {
    if (engine === 'wasmbert') {
      log(`wasmbert, ${threads} thread(s): ${shapes}`);
      results.push(...runLines([join(root, 'bench', 'encoder-wasmbert.mjs'), '--wbin', wbin, '--threads', String(threads), '--shapes', shapes, ...timing]));
      continue;
    }
    if (!existsSync(peer)) {
      log(`${engine}: skipped (${peer} not found: the peers' graphs live in ../shared/onnx)`);
      break;
    }
    for (const graph of a.graphs.split(',')) {
      const model = join(shared, 'onnx', graph === 'plain' ? 'synthetic-base.onnx' : 'synthetic-base.fused.onnx');
      log(`${engine} (${graph} graph), ${threads} thread(s): ${shapes}`);
      results.push(...runLines([peer, '--engine', engine, '--model', model, '--weights', join(folder, 'model.safetensors'), '--threads', String(threads), '--shapes', shapes, ...timing]));
    }
  }
}

// Each engine's faster graph per (threads, shape); ratios against wasmbert at equal threads.
const best = new Map();
for (const r of results) {
  const key = `${r.engine}|${r.threads}|${r.batch}x${r.seq}`;
  if (!best.has(key) || best.get(key).msMedian > r.msMedian) best.set(key, r);
}
const rows = [...best.values()].map((r) => ({ ...r, pctPeak: Math.round((1000 * r.gflops) / (peakGflops * r.threads)) / 10 }));
const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
const report = { cpu, cores, runtime: `node ${process.version}`, date: new Date().toISOString(), peakGflops, peakVariant: kern.variant, results: rows };
const slug = cpu.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const table = [
  // The fastest run beside the median: on a shared machine neighbours only ever add time, so the ratio of
  // the minima shows what the engines cost when undisturbed; the median is what a user sees.
  '| engine | graph | threads | batch×seq | median ms | seq/s | GFLOP/s | % of wasm peak | wasmbert speed-up (their ms ÷ ours) | min ms | speed-up at min | peak RSS MB |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    const w = best.get(`wasmbert|${r.threads}|${r.batch}x${r.seq}`);
    const ratio = w && r.engine !== 'wasmbert' ? `${(r.msMedian / w.msMedian).toFixed(2)}×` : '';
    const ratioMin = w && r.engine !== 'wasmbert' && r.msMin && w.msMin ? `${(r.msMin / w.msMin).toFixed(2)}×` : '';
    return `| ${r.engine} | ${r.graph ?? r.variant ?? ''} | ${r.threads} | ${r.batch}×${r.seq} | ${r.msMedian.toFixed(1)} | ${r.seqPerSec.toFixed(2)} | ${r.gflops.toFixed(1)} | ${r.pctPeak}% | ${ratio} | ${r.msMin?.toFixed(1) ?? ''} | ${ratioMin} | ${r.peakRssMB} |`;
  }),
].join('\n');
writeFileSync(join(root, 'bench', 'results', `encoder-${slug}.json`), JSON.stringify(report, null, 2) + '\n');
const head = `${cpu} (${cores} cores), node ${process.version}, wasm f32x4 peak ${peakGflops} GFLOP/s per thread (${kern.variant}), ${report.date}`;
writeFileSync(join(root, 'bench', 'results', `encoder-${slug}.md`), `# Encoder benchmark: ${head}\n\n${table}\n`);
if (a.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else process.stdout.write(`${head}\n\n${table}\n`);
