#!/usr/bin/env node
// node bench/runtimes.mjs [--runs 5] [--rounds 3] [--threads 1] [--replace]
//
// One (1, 128) forward of synthetic-base (f32, resident) in every runtime of the runtime tier that is installed
// here: Node (this one, and .cache/node22|node24 from `npm run peers` or .ci/run), Deno and Bun. Each runs
// examples/embed.mjs --time N (the median of N forwards after a warm-up, timed inside the runtime). The
// runtimes take turns, round after round (--rounds, default 3), so a busy neighbour on a shared machine
// slows them alike; each row keeps the median of its rounds and its fastest round (neighbours only ever
// add time). A runtime that is missing is named, with why, in the report's notRun. docs/runtimes.md's table is generated from the committed report (npm run docs:numbers).
//
// Results: .cache/bench/runtimes-<cpu>-<time>.json per run; --replace writes the committed
// bench/results/runtimes-<cpu>.json instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({ options: { runs: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, threads: { type: 'string', default: '1' }, replace: { type: 'boolean' } } });
const log = (s) => process.stderr.write(`${s}\n`);

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  log('bench/runtimes.mjs: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { ensureSynthetic } = await import('../dist/weights/cache.js');
const { wbin } = await ensureSynthetic('synthetic-base', { onProgress: log });

/** A runtime's binary: the peers install (.cache/peers, WASMBERT_PEERS) first, then node_modules/.bin. */
const peerBin = (name) =>
  [join(process.env.WASMBERT_PEERS ?? join(ROOT, '.cache', 'peers'), 'node_modules', '.bin', name), join(ROOT, 'node_modules', '.bin', name)].find((p) => existsSync(p));
// Node 22/24: `npm run peers` puts them in the peers folder (scripts/peers.mjs); .cache/nodeNN is the older place
const nodeBin = (v) =>
  [join(process.env.WASMBERT_PEERS ?? join(ROOT, '.cache', 'peers'), `node${v}`, 'node_modules', '.bin', 'node'), join(ROOT, '.cache', `node${v}`, 'node_modules', '.bin', 'node')].find((p) => existsSync(p)) ??
  join(ROOT, '.cache', `node${v}`, 'node_modules', '.bin', 'node');

const example = join(ROOT, 'examples', 'embed.mjs');
const tail = ['--model', wbin, '--threads', a.threads, '--time', a.runs, 'runtime benchmark'];
const runtimes = [
  { name: `node ${process.versions.node}`, cmd: [process.execPath, example, ...tail] },
  ...[22, 24].map((v) => ({ name: `node ${v}`, cmd: existsSync(nodeBin(v)) ? [nodeBin(v), example, ...tail] : undefined, why: `${nodeBin(v)} not found (npm run peers)` })),
  { name: 'deno', cmd: peerBin('deno') && [peerBin('deno'), 'run', '-A', example, ...tail], why: 'deno not installed (npm run peers)' },
  { name: 'bun', cmd: peerBin('bun') && [peerBin('bun'), example, ...tail], why: 'bun not installed (npm run peers)' },
];

const rounds = new Map();
const notRun = {};
for (const r of runtimes) if (!r.cmd) {
  notRun[r.name] = r.why;
  log(`${r.name}: NOT RUN: ${r.why}`);
}
for (let round = 1; round <= Number(a.rounds); round++) {
  for (const r of runtimes.filter((x) => x.cmd && !notRun[x.name])) {
    log(`${r.name}, round ${round}: ${a.runs} timed forwards…`);
    const p = spawnSync(r.cmd[0], r.cmd.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } });
    const line = p.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1);
    if (p.status !== 0 || !line) {
      notRun[r.name] = `exit ${p.status}: ${p.stderr.trim().split('\n').at(-1) ?? ''}`;
      rounds.delete(r.name);
      log(`${r.name}: FAILED: ${notRun[r.name]}`);
      continue;
    }
    const out = JSON.parse(line);
    if (!rounds.has(r.name)) rounds.set(r.name, { runtime: out.runtime, variant: out.variant, residency: out.residency, threads: out.threads, roundsMs: [] });
    rounds.get(r.name).roundsMs.push(out.forward128Ms);
    log(`  ${out.runtime}: ${out.forward128Ms.toFixed(1)} ms (${out.variant})`);
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const results = [...rounds.values()].map((r) => ({ ...r, forward128Ms: median(r.roundsMs), minMs: Math.min(...r.roundsMs) }));

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
const report = { cpu, cores: os.availableParallelism?.() ?? os.cpus().length, date: new Date().toISOString(), model: 'synthetic-base f32 resident', runs: Number(a.runs), rounds: Number(a.rounds), results, notRun };
const slug = cpu.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const committed = !!a.replace;
const dir = join(ROOT, committed ? 'bench/results' : '.cache/bench');
const file = join(dir, committed ? `runtimes-${slug}.json` : `runtimes-${slug}-${report.date.replace(/[:.]/g, '-')}.json`);
mkdirSync(dir, { recursive: true });
writeFileSync(`${file}.tmp`, JSON.stringify(report, null, 2) + '\n');
renameSync(`${file}.tmp`, file);
log(`results: ${file}${committed ? ' (committed; npm run docs:numbers quotes it)' : ' (add --replace to rewrite the committed bench/results/)'}`);
