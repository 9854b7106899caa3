#!/usr/bin/env node
// `npm run bench:compare A.json B.json`: two kernel-benchmark reports (bench/kernels.mjs --json, or the
// files it saves under bench/results/) side by side. Rows match on kernel + shape; % of peak is each
// report's own (its CPU's measured f32x4 peak), which is what makes different machines comparable.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fmt, table } from './lib/report.mjs';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length !== 2) {
  process.stderr.write('usage: npm run bench:compare -- A.json B.json\n');
  process.exit(2);
}
const load = (f) => {
  try {
    const r = JSON.parse(readFileSync(f, 'utf8'));
    if (!Array.isArray(r.results)) throw new Error('no "results" array');
    return r;
  } catch (err) {
    process.stderr.write(`bench:compare: ${f}: not a kernel benchmark report (${err.message})\n`);
    process.exit(1);
  }
};
const [a, b] = files.map(load);
for (const [name, r] of [[basename(files[0]), a], [basename(files[1]), b]]) {
  process.stdout.write(
    `${name}: ${r.cpu} (${r.cores} cores), ${r.runtime} ${r.runtimeVersion}, "${r.variant}", peak ${fmt(r.peakGflops)} GFLOP/s\n`,
  );
}
const key = (r) => `${r.kernel} ${r.shape}`;
const byKey = new Map(b.results.map((r) => [key(r), r]));
const keys = [...a.results.map(key), ...b.results.map(key).filter((k) => !a.results.some((r) => key(r) === k))];
const rows = keys.map((k) => {
  const ra = a.results.find((r) => key(r) === k);
  const rb = byKey.get(k);
  const rate = (r) => (r ? (r.gflops !== undefined ? `${fmt(r.gflops)} GF/s` : r.gbs !== undefined ? `${fmt(r.gbs)} GB/s` : '') : '');
  return [
    ra?.kernel ?? rb.kernel, ra?.shape ?? rb.shape,
    ra ? fmt(ra.ms, 3) : '', rate(ra), ra?.pctPeak !== undefined ? fmt(ra.pctPeak, 1) : '',
    rb ? fmt(rb.ms, 3) : '', rate(rb), rb?.pctPeak !== undefined ? fmt(rb.pctPeak, 1) : '',
    ra && rb ? `${fmt(ra.ms / rb.ms)}×` : '',
  ];
});
process.stdout.write('\n' + table(['kernel', 'shape', 'A ms', 'A rate', 'A %pk', 'B ms', 'B rate', 'B %pk', 'A/B time'], rows) + '\n');
