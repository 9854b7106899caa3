#!/usr/bin/env node
// Times wasmbert and onnxruntime-node side by side on real golden cases (their own ids, padding and all):
//   node bench/cases.mjs [--cases seed-1,long-512] [--threads 1] [--runs 10] [--warmup-seconds 3] [--json]
// synthetic-base, in one process, alternating engines per case so both see the same machine state.
import { parseArgs } from 'node:util';
import { readFileSync, existsSync, mkdtempSync, linkSync, copyFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bert } from '../dist/model/bert.js';
import { ensureSynthetic } from '../dist/weights/cache.js';
import { ensurePeers, importPeer } from './lib/peers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({ options: {
  cases: { type: 'string', default: 'seed-1,long-512' }, threads: { type: 'string', default: '1' },
  runs: { type: 'string', default: '10' }, 'warmup-seconds': { type: 'string', default: '3' }, json: { type: 'boolean' },
} });
const shared = process.env.WASMBERT_SHARED ?? join(root, '..', 'shared');
if (!existsSync(join(shared, 'golden', 'cases.json'))) {
  process.stderr.write(`bench/cases: ${shared}/golden/cases.json not found: nothing to time\n`);
  process.exit(0);
}
const threads = Number(a.threads);
const all = JSON.parse(readFileSync(join(shared, 'golden', 'cases.json'), 'utf8'));
const cases = a.cases.split(',').map((n) => all.find((c) => c.name === n) ?? (() => { throw new Error(`no case ${n}`); })());
const { folder, wbin } = await ensureSynthetic('synthetic-base');

const bert = await Bert.load(wbin, { threads });
// onnxruntime-node comes from `npm run peers` (.cache/peers/), run here when missing
const why = ensurePeers();
const ort = await importPeer('onnxruntime-node').catch((err) => {
  process.stderr.write(`bench/cases: onnxruntime-node unavailable (${why ?? err.message}): nothing to compare\n`);
  process.exit(1);
});
// onnxruntime-node refuses external data outside the graph's folder (symlinks included): hard-link the weights
const dir = mkdtempSync(join(tmpdir(), 'wasmbert-ort-'));
try { linkSync(join(folder, 'model.safetensors'), join(dir, 'model.safetensors')); } catch { copyFileSync(join(folder, 'model.safetensors'), join(dir, 'model.safetensors')); }
const session = await ort.InferenceSession.create(readFileSync(join(shared, 'onnx', 'synthetic-base.fused.onnx')), {
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  extra: { session: { model_external_initializers_file_folder_path: dir } },
});
const i64 = (rows) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);

const median = (xs) => { const s = [...xs].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const results = [];
for (const c of cases) {
  const enc = { inputIds: c.input_ids, tokenTypeIds: c.token_type_ids, attentionMask: c.attention_mask };
  const feeds = { input_ids: i64(c.input_ids), token_type_ids: i64(c.token_type_ids), attention_mask: i64(c.attention_mask) };
  const engines = { wasmbert: () => bert.forward(enc), 'onnxruntime-node': () => session.run(feeds) };
  for (const run of Object.values(engines)) {
    const w0 = performance.now();
    do await run(); while (performance.now() - w0 < Number(a['warmup-seconds']) * 1000);
  }
  const times = { wasmbert: [], 'onnxruntime-node': [] };
  for (let r = 0; r < Number(a.runs); r++) {
    for (const [name, run] of Object.entries(engines)) {
      const t = performance.now();
      await run();
      times[name].push(performance.now() - t);
    }
  }
  for (const [engine, ts] of Object.entries(times)) results.push({ case: c.name, shape: c.shape, engine, threads, msMedian: Math.round(median(ts) * 10) / 10, runs: ts.length });
}
await bert.dispose();
rmSync(dir, { recursive: true, force: true });
const report = { cpu: cpus()[0]?.model.trim(), node: process.version, results };
if (a.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`${report.cpu}, node ${report.node}, ${threads} thread(s), synthetic-base`);
  for (const c of cases) {
    const w = results.find((r) => r.case === c.name && r.engine === 'wasmbert');
    const o = results.find((r) => r.case === c.name && r.engine === 'onnxruntime-node');
    console.log(`${c.name.padEnd(12)} [${c.shape.join(', ')}]  wasmbert ${w.msMedian} ms   onnxruntime-node ${o.msMedian} ms   ratio ${(w.msMedian / o.msMedian).toFixed(2)}`);
  }
}
process.exit(0);
