#!/usr/bin/env node
// npm run bench:serve [-- --quick] [--seconds S] [--max-requests N] [--model M] [--threads T] [--soak S] [--json] [--replace]
//
// Load on `wasmbert serve` over loopback: for 1, 8 and 64 concurrent clients, each sending one short text per
// request (OpenAI /v1/embeddings) back to back, with batching on and off (--no-batching). Reports sequences/s,
// tokens/s (usage.prompt_tokens), p50/p99 latency, errors, and the server's peak RSS (VmHWM) per mode. Each
// cell is bounded in time (--seconds, default 5; --quick 2) and count (--max-requests, default 5000). Each
// server is a child process (its RSS is its own), both up at once, the cells interleaved; clients run here,
// so on a small machine they share the servers' cores — both modes pay the same. --soak S: 64 clients for S seconds with batching on, RSS sampled each second
// (--soak-only: that alone). Results: .cache/bench/serve-<cpu>-<time>.json per run; --replace writes the
// committed bench/results/serve-<cpu>.json that `npm run docs:numbers` quotes in the README.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const { values: o } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    seconds: { type: 'string' },
    'max-requests': { type: 'string' },
    model: { type: 'string', default: 'synthetic-base' },
    threads: { type: 'string' },
    clients: { type: 'string', default: '1,8,64' },
    soak: { type: 'string' },
    'soak-only': { type: 'boolean' },
    json: { type: 'boolean' },
    replace: { type: 'boolean' },
  },
});
const seconds = Number(o.seconds ?? (o.quick ? 2 : 5));
const maxRequests = Number(o['max-requests'] ?? 5000);
const clientCounts = o.clients.split(',').map(Number);
if (!existsSync(CLI)) {
  console.error('bench:serve: dist/ is missing: run `npm run build` first');
  process.exit(2);
}

// short texts, 5-12 tokens with [CLS]/[SEP]: what a search box or a chat message embeds
const TEXTS = [
  'How do I reset my password?',
  'best pizza near the station',
  'The cat sat on the mat.',
  'What is the capital of France?',
  'cheap flights to Lisbon in May',
  'BERT is a transformer encoder.',
  'weather tomorrow',
  'Is the museum open on Sundays?',
];

function start(args) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--quiet', '--model', o.model, ...(o.threads ? ['--threads', o.threads] : []), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/[^/\s]+\/)/.exec(err);
      if (m) resolve({ child, url: m[1], banner: err.trim().split('\n').pop() });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

const rssOf = (pid, field) => {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined; // not Linux
  }
};

async function load(url, clients, secs, cap) {
  const lat = [];
  let tokens = 0;
  const errors = {};
  let sent = 0;
  const t0 = performance.now();
  const deadline = t0 + secs * 1000;
  const worker = async (w) => {
    let i = w;
    while (performance.now() < deadline && sent < cap) {
      sent++;
      const input = TEXTS[i++ % TEXTS.length];
      const s = performance.now();
      try {
        const res = await fetch(`${url}v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input, model: 'm' }) });
        const body = await res.json();
        if (res.status !== 200) {
          errors[res.status] = (errors[res.status] ?? 0) + 1;
          continue;
        }
        tokens += body.usage.prompt_tokens;
        lat.push(performance.now() - s);
      } catch (e) {
        const k = e.cause?.code ?? e.code ?? e.message;
        errors[k] = (errors[k] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  const elapsed = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
  return { clients, requests: lat.length, seconds: elapsed, seqPerS: lat.length / elapsed, tokPerS: tokens / elapsed, p50: q(0.5), p99: q(0.99), errors };
}

const results = [];
const rss = {};
let banner = '';
if (!o['soak-only']) {
  // Both servers up at once and the cells interleaved (on, off, off, on, …): on a shared machine the load
  // drifts, and a ratio is only fair between cells measured side by side. An idle server costs nothing.
  const servers = { on: await start([]), off: await start(['--no-batching']) };
  banner = servers.on.banner;
  try {
    for (const mode of ['on', 'off']) await load(servers[mode].url, 8, 1, 64); // warm-up: kernels compiled, arena touched
    clientCounts.forEach((c, i) => results.push({ batching: 'on', clients: c }, { batching: 'off', clients: c }));
    for (let i = 0; i < clientCounts.length; i++) {
      const c = clientCounts[i];
      for (const mode of i % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        const r = await load(servers[mode].url, c, seconds, maxRequests);
        Object.assign(results.find((x) => x.batching === mode && x.clients === c), r);
        if (!o.json) process.stderr.write(`batching ${mode}, ${c} clients: ${r.seqPerS.toFixed(1)} seq/s\n`);
      }
    }
    for (const mode of ['on', 'off']) rss[mode] = rssOf(servers[mode].child.pid, 'VmHWM');
  } finally {
    for (const s of Object.values(servers)) s.child.kill('SIGTERM');
    await Promise.all(Object.values(servers).map((s) => new Promise((r) => (s.child.exitCode !== null ? r() : s.child.once('exit', r)))));
  }
}

let soak;
if (o.soak) {
  const server = await start([]);
  try {
    const samples = [];
    const timer = setInterval(() => samples.push(rssOf(server.child.pid, 'VmRSS')), 1000);
    const r = await load(server.url, 64, Number(o.soak), Infinity);
    clearInterval(timer);
    const s = samples.filter((x) => x !== undefined);
    // after the first 10% (warm-up), RSS should stay within 10% of where it settled
    const settled = s.slice(Math.floor(s.length / 10));
    soak = { ...r, rssFirst: settled[0], rssLast: settled.at(-1), rssMax: Math.max(...settled), rssMin: Math.min(...settled) };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
}

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const report = { cpu, cores: cpus().length, node: process.version, date: new Date().toISOString(), model: o.model, server: banner.replace(/^wasmbert serve: /, '').replace(/ on http:\S+/, ''), seconds, maxRequests, results, peakRss: rss, soak };
const slug = cpu.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const dir = join(ROOT, o.replace ? 'bench/results' : '.cache/bench');
const file = join(dir, o.replace ? `serve-${slug}.json` : `serve-${slug}-${report.date.replace(/[:.]/g, '-')}.json`);
mkdirSync(dir, { recursive: true });
writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
if (o.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const mb = (b) => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MB`);
  console.log(`\nwasmbert serve, ${o.model} f32 — ${cpu}, ${cpus().length} cores, Node ${process.version}, ${seconds} s per cell, loopback`);
  console.log(`server: ${report.server}; results: ${file}${o.replace ? ' (committed; npm run docs:numbers quotes it)' : ''}\n`);
  if (results.length) console.log('| batching | clients | requests | seq/s | tokens/s | p50 ms | p99 ms | errors |');
  if (results.length) console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const err = Object.entries(r.errors).map(([k, v]) => `${v}× ${k}`).join(', ') || '0';
    console.log(`| ${r.batching} | ${r.clients} | ${r.requests} | ${r.seqPerS.toFixed(1)} | ${r.tokPerS.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${err} |`);
  }
  if (results.length) console.log(`\npeak RSS of the server (VmHWM): batching on ${mb(rss.on)}, off ${mb(rss.off)}`);
  const at = (mode, c) => results.find((r) => r.batching === mode && r.clients === c);
  if (at('on', 64) && at('off', 64)) console.log(`64 clients: batching on / off = ${(at('on', 64).seqPerS / at('off', 64).seqPerS).toFixed(2)}× throughput (target ≥ 2×)`);
  if (at('on', 8)) console.log(`8 clients, batching on: p99 / p50 = ${(at('on', 8).p99 / at('on', 8).p50).toFixed(2)} (target ≤ 3)`);
  if (soak) {
    console.log(`\nsoak: 64 clients, ${soak.seconds.toFixed(0)} s: ${soak.requests} requests, ${soak.seqPerS.toFixed(1)} seq/s, errors ${JSON.stringify(soak.errors)}`);
    console.log(`RSS after warm-up: first ${mb(soak.rssFirst)}, last ${mb(soak.rssLast)}, min ${mb(soak.rssMin)}, max ${mb(soak.rssMax)} (spread ${(((soak.rssMax - soak.rssMin) / soak.rssMin) * 100).toFixed(1)}%, target ≤ 10%)`);
  }
}
