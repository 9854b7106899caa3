#!/usr/bin/env node
// npm run bench [-- --json] [--shapes 1x16,1x128,8x128,1x512] [--threads 1,all] [--engines wasmbert,onnxruntime-web,onnxruntime-node]
//               [--graphs fused|plain|plain,fused] [--dtypes f32,q8] [--warmup-seconds 3] [--min-seconds 3] [--min-runs 5] [--quick]
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
import { convertCheckpoint } from '../dist/weights/convert.js';
import { WBIN_VERSION } from '../dist/weights/wbin.js';
import { loadKernels } from '../dist/runtime/wasm.js';
import { Arena } from '../dist/runtime/arena.js';
import { measurePeak } from './lib/peak.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    json: { type: 'boolean' }, quick: { type: 'boolean' },
    shapes: { type: 'string', default: '1x16,1x128,8x128,1x512' }, threads: { type: 'string', default: '1,all' },
    engines: { type: 'string', default: 'wasmbert,onnxruntime-web,onnxruntime-node' }, graphs: { type: 'string', default: 'fused' },
    // q8: wasmbert's int8 file (convert --dtype q8) and onnxruntime's q8 graph (quantize_dynamic, what
    // transformers.js ships), beside the f32 rows
    dtypes: { type: 'string', default: 'f32,q8' },
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
const dtypes = a.dtypes.split(',');
// wasmbert's q8 file, converted once per format version like the f32 one (deterministic bytes)
const wbinQ8 = join(folder, `model.v${WBIN_VERSION}.q8.wbin`);
if (dtypes.includes('q8') && !existsSync(wbinQ8)) {
  log(`converting synthetic-base to q8: ${wbinQ8}`);
  await convertCheckpoint(folder, wbinQ8, { dtype: 'q8' });
}
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

/** onnxruntime's q8 weights file (../shared/onnx/make_onnx_q8.py writes it beside the graph; needs python3 with onnx and numpy), or undefined. */
function ortQ8Weights() {
  const file = join(folder, 'synthetic-base.q8.safetensors');
  if (existsSync(file)) return file;
  const script = join(shared, 'onnx', 'make_onnx_q8.py');
  if (!existsSync(script)) return undefined;
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, [script, folder, folder, '--name', 'synthetic-base', '--variants', 'q8'], { encoding: 'utf8', env: { ...process.env, MAKE_ONNX_DIR: join(shared, 'reference') } });
    if (r.status === 0 && existsSync(file)) return file;
  }
  return undefined;
}

const results = [];
for (const engine of a.engines.split(',')) {
  for (const threads of threadCounts) {
    if (engine === 'wasmbert') {
      for (const dtype of dtypes) {
        log(`wasmbert ${dtype}, ${threads} thread(s): ${shapes}`);
        const rows = runLines([join(root, 'bench', 'encoder-wasmbert.mjs'), '--wbin', dtype === 'q8' ? wbinQ8 : wbin, '--threads', String(threads), '--shapes', shapes, ...timing]);
        results.push(...rows.map((r) => ({ ...r, dtype })));
      }
      continue;
    }
    if (!existsSync(peer)) {
      log(`${engine}: skipped (${peer} not found: the peers' graphs live in ../shared/onnx)`);
      break;
    }
    for (const graph of [...(dtypes.includes('f32') ? a.graphs.split(',') : []), ...(dtypes.includes('q8') ? ['q8'] : [])]) {
      let weights = join(folder, 'model.safetensors');
      if (graph === 'q8') {
        weights = ortQ8Weights();
        if (!weights) {
          log(`${engine} q8: skipped (no ${join(folder, 'synthetic-base.q8.safetensors')}, and ../shared/onnx/make_onnx_q8.py could not write it: it needs python3 with onnx and numpy)`);
          continue;
        }
      }
      const model = join(shared, 'onnx', graph === 'plain' ? 'synthetic-base.onnx' : graph === 'q8' ? 'synthetic-base.q8.onnx' : 'synthetic-base.fused.onnx');
      log(`${engine} (${graph} graph), ${threads} thread(s): ${shapes}`);
      const rows = runLines([peer, '--engine', engine, '--model', model, '--weights', weights, '--threads', String(threads), '--shapes', shapes, ...timing]);
      results.push(...rows.map((r) => ({ ...r, dtype: graph === 'q8' ? 'q8' : 'f32' })));
    }
  }
}

// Each engine's faster graph per (threads, shape); ratios against wasmbert at equal threads.
const best = new Map();
for (const r of results) {
  const key = `${r.engine}|${r.dtype}|${r.threads}|${r.batch}x${r.seq}`;
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
  // speed-ups: against wasmbert of the same dtype at equal threads, and against wasmbert q8 (the issue's
  // q8 targets: ÷ onnxruntime-web q8, ÷ wasmbert f32, ÷ onnxruntime-node f32)
  '| engine | dtype | graph | threads | batch×seq | median ms | seq/s | GFLOP/s | % of wasm peak | wasmbert speed-up (their ms ÷ ours, same dtype) | wasmbert q8 speed-up | min ms | speed-up at min | peak RSS MB |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    const w = best.get(`wasmbert|${r.dtype}|${r.threads}|${r.batch}x${r.seq}`);
    const q = best.get(`wasmbert|q8|${r.threads}|${r.batch}x${r.seq}`);
    const self = r.engine === 'wasmbert';
    const ratio = w && !self ? `${(r.msMedian / w.msMedian).toFixed(2)}×` : '';
    const ratioQ8 = q && !(self && r.dtype === 'q8') ? `${(r.msMedian / q.msMedian).toFixed(2)}×` : '';
    const ratioMin = w && !self && r.msMin && w.msMin ? `${(r.msMin / w.msMin).toFixed(2)}×` : '';
    return `| ${r.engine} | ${r.dtype} | ${r.graph ?? r.variant ?? ''} | ${r.threads} | ${r.batch}×${r.seq} | ${r.msMedian.toFixed(1)} | ${r.seqPerSec.toFixed(2)} | ${r.gflops.toFixed(1)} | ${r.pctPeak}% | ${ratio} | ${ratioQ8} | ${r.msMin?.toFixed(1) ?? ''} | ${ratioMin} | ${r.peakRssMB} |`;
  }),
].join('\n');
writeFileSync(join(root, 'bench', 'results', `encoder-${slug}.json`), JSON.stringify(report, null, 2) + '\n');
const head = `${cpu} (${cores} cores), node ${process.version}, wasm f32x4 peak ${peakGflops} GFLOP/s per thread (${kern.variant}), ${report.date}`;
writeFileSync(join(root, 'bench', 'results', `encoder-${slug}.md`), `# Encoder benchmark: ${head}\n\n${table}\n`);
if (a.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else process.stdout.write(`${head}\n\n${table}\n`);
