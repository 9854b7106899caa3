#!/usr/bin/env node
// npm run bench [-- --json] [--shapes 1x16,1x128,8x128,1x512] [--threads 1,all] [--engines wasmbert,onnxruntime-web,onnxruntime-node]
//               [--graphs fused|plain|plain,fused] [--warmup-seconds 3] [--min-seconds 3] [--min-runs 5] [--quick]
//               [--replace] [--no-install] [--out-dir <folder>]
// wasmbert side by side with onnxruntime-web (wasm) and onnxruntime-node (native) on synthetic-base, each
// engine in its own child process (so peak RSS is its own), at the same thread counts, warmed up the same
// way. The peers are installed by `npm run peers` into .cache/peers/ (run here first unless --no-install) and
// run through ../shared/reference/ort_peer.mjs on ../shared/onnx graphs. An engine that cannot run is named
// with the reason, at the start and in the summary. Results go to a new file,
// .cache/bench/encoder-<cpu>-<time>.{json,md} (or --out-dir); only --replace rewrites the committed
// bench/results/encoder-<cpu>.{json,md}, and it refuses to when an engine asked for cannot run (the committed
// table would silently lose its peers).
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { ensureSynthetic } from '../dist/weights/cache.js';
import { loadKernels } from '../dist/runtime/wasm.js';
import { Arena } from '../dist/runtime/arena.js';
import { measurePeak } from './lib/peak.mjs';
import { ensurePeers, peerDir, PEERS } from './lib/peers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    json: { type: 'boolean' }, quick: { type: 'boolean' },
    shapes: { type: 'string', default: '1x16,1x128,8x128,1x512' }, threads: { type: 'string', default: '1,all' },
    engines: { type: 'string', default: 'wasmbert,onnxruntime-web,onnxruntime-node' }, graphs: { type: 'string', default: 'fused' },
    'warmup-seconds': { type: 'string' }, 'min-seconds': { type: 'string' }, 'min-runs': { type: 'string' },
    replace: { type: 'boolean' }, 'no-install': { type: 'boolean' }, 'out-dir': { type: 'string' },
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

const engines = a.engines.split(',');
const shared = process.env.WASMBERT_SHARED ?? join(root, '..', 'shared');
const peer = join(shared, 'reference', 'ort_peer.mjs');
const graphFile = (graph) => join(shared, 'onnx', graph === 'plain' ? 'synthetic-base.onnx' : 'synthetic-base.fused.onnx');
// Why each peer cannot run, decided before any timing: said up front, in the summary and in the report.
// The runner and graphs are checked first: without them, installing the peers (about 1 GB) would be for nothing.
const notRun = new Map();
const peerEngines = engines.filter((e) => e !== 'wasmbert');
for (const engine of peerEngines) {
  const missing = a.graphs.split(',').map(graphFile).filter((f) => !existsSync(f));
  if (!['onnxruntime-web', 'onnxruntime-node'].includes(engine)) notRun.set(engine, 'unknown engine (wasmbert, onnxruntime-web, onnxruntime-node)');
  else if (!existsSync(peer)) notRun.set(engine, `${peer} not found (the peer runner and its graphs live in ../shared; set WASMBERT_SHARED)`);
  else if (missing.length) notRun.set(engine, `${missing.join(', ')} not found`);
}
const toInstall = peerEngines.filter((e) => !notRun.has(e) && !peerDir(e));
const installFailed = toInstall.length && !a['no-install'] ? ensurePeers(log) : null;
for (const engine of toInstall) {
  if (!peerDir(engine)) notRun.set(engine, `not installed in ${PEERS}: ${installFailed ?? 'run `npm run peers`'}`);
}
for (const [engine, why] of notRun) log(`${engine}: NOT RUN: ${why}`);
if (a.replace && notRun.size) {
  log(`--replace: refusing to overwrite the committed results with a table missing ${[...notRun.keys()].join(', ')}`);
  process.exit(1);
}

const { folder, wbin } = await ensureSynthetic('synthetic-base', { onProgress: log });
// One thread's wasm f32x4 peak, measured in this run: "% of peak" = GFLOP/s ÷ (peak × threads). Native
// onnxruntime-node uses AVX2/AVX-512 FMA, so it can exceed 100% of the wasm SIMD128 peak.
const kern = await loadKernels();
const peakGflops = Math.round(measurePeak(kern.exports, new Arena(kern.memory, kern.exports.heap_base()), 0, a.quick) * 10) / 10;
log(`wasm f32x4 peak (${kern.variant}, one thread): ${peakGflops} GFLOP/s`);

function runLines(engine, args) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    log(`  failed (exit ${r.status}): node ${args.join(' ')}`);
    notRun.set(engine, `${notRun.has(engine) ? `${notRun.get(engine)}; ` : ''}a run failed (exit ${r.status}, output above)`);
    return [];
  }
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

const results = [];
for (const engine of engines) {
  if (notRun.has(engine)) continue;
  for (const threads of threadCounts) {
    if (engine === 'wasmbert') {
      log(`wasmbert, ${threads} thread(s): ${shapes}`);
      results.push(...runLines(engine, [join(root, 'bench', 'encoder-wasmbert.mjs'), '--wbin', wbin, '--threads', String(threads), '--shapes', shapes, ...timing]));
      continue;
    }
    for (const graph of a.graphs.split(',')) {
      log(`${engine} (${graph} graph), ${threads} thread(s): ${shapes}`);
      // --modules: ort_peer.mjs imports the engine from that folder's node_modules (the peers install)
      results.push(...runLines(engine, [peer, '--engine', engine, '--modules', PEERS, '--model', graphFile(graph), '--weights', join(folder, 'model.safetensors'), '--threads', String(threads), '--shapes', shapes, ...timing]));
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
const report = { cpu, cores, runtime: `node ${process.version}`, date: new Date().toISOString(), peakGflops, peakVariant: kern.variant, results: rows, notRun: Object.fromEntries(notRun) };
const slug = cpu.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
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
const notRunLines = [...notRun].map(([engine, why]) => `- ${engine}: not run: ${why}`).join('\n');
if (a.replace && notRun.size) {
  log(`--replace: not overwriting the committed results: ${[...notRun.keys()].join(', ')} did not run`);
  process.exitCode = 1;
}
// The committed results change only when asked (--replace): a run on another machine, or one missing a peer,
// must not quietly rewrite the numbers the docs quote. Otherwise: a new file per run, under .cache/bench/.
const outDir = a.replace && !notRun.size ? join(root, 'bench', 'results') : (a['out-dir'] ?? join(root, '.cache', 'bench'));
const base = a.replace && !notRun.size ? `encoder-${slug}` : `encoder-${slug}-${report.date.replace(/[:.]/g, '-')}`;
mkdirSync(outDir, { recursive: true });
const head = `${cpu} (${cores} cores), node ${process.version}, wasm f32x4 peak ${peakGflops} GFLOP/s per thread (${kern.variant}), ${report.date}`;
const md = `# Encoder benchmark: ${head}\n\n${table}\n${notRunLines ? `\n${notRunLines}\n` : ''}`;
// Written beside, then renamed: an interrupted write never leaves a half file where results are read.
for (const [ext, text] of [['json', JSON.stringify(report, null, 2) + '\n'], ['md', md]]) {
  const file = join(outDir, `${base}.${ext}`);
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}
if (a.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else process.stdout.write(`${head}\n\n${table}\n${notRunLines ? `\n${notRunLines}\n` : ''}`);
log(`results: ${join(outDir, base)}.{json,md}${outDir.endsWith('results') ? ' (the committed ones, replaced)' : ' (add --replace to rewrite the committed bench/results/)'}`);
