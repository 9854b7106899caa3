#!/usr/bin/env node
// npm run docs:numbers [-- --check] [-- --golden]
//
// Every figure in README.md, docs/ and src/tokenizer/README.md is written here, from the committed results
// files under bench/results/ (each written by its own benchmark or test), never typed by hand. A figure lives
// between two markers:
//
//   <!-- numbers:KIND:SOURCE -->…<!-- /numbers -->
//
// KIND picks the renderer below, SOURCE the results file it reads (bench/results/<SOURCE>.json). This script
// rewrites what is between the markers; --check rewrites nothing and exits 1 naming each block whose text
// differs from what its results file says (test/docs-numbers.test.ts runs the check in CI). --golden first
// reruns test/encoder-golden.test.ts with WASMBERT_GOLDEN_REPORT=bench/results/golden-errors.json, so the
// golden-error figures are refreshed from the test's own measurements.
//
// Where each results file comes from:
//   encoder-<cpu>.json        npm run bench -- --replace                      (bench/encoder.mjs)
//   <cpu>-node<N>-<variant>.json  npm run bench:kernels                        (bench/kernels.mjs)
//   tokenizer-<cpu>.json      npm run bench:tokenizer -- --replace            (bench/tokenizer.mjs)
//   runtimes-<cpu>.json       node bench/runtimes.mjs --replace               (bench/runtimes.mjs)
//   workerd-memory-<cpu>.json node bench/workerd-memory.mjs --replace         (bench/workerd-memory.mjs)
//   golden-errors.json        npm run docs:numbers -- --golden                (test/encoder-golden.test.ts)
//   serve-<cpu>.json          npm run bench:serve -- --replace                (bench/serve.mjs)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS = join(ROOT, 'bench', 'results');

/** The documents whose figures this script owns. */
export function documents() {
  const docs = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.md')) docs.push(p);
    }
  };
  walk(join(ROOT, 'docs'));
  return [join(ROOT, 'README.md'), join(ROOT, 'src', 'tokenizer', 'README.md'), ...docs.sort()];
}

const load = (source) => {
  const file = join(RESULTS, `${source}.json`);
  if (!existsSync(file)) throw new Error(`bench/results/${source}.json not found`);
  return JSON.parse(readFileSync(file, 'utf8'));
};

// ---- formatting: one place, so a figure reads the same wherever it appears -----------------------------------
const ms = (x) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1));
const times = (x) => `${x >= 10 ? Math.round(x) : x.toFixed(1)}×`;
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const sci = (x) => (x === 0 ? 'exact' : x.toExponential(1));
const day = (iso) => iso.slice(0, 10);
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

// ---- renderers: KIND → (results, SOURCE) → markdown ---------------------------------------------------------
export const RENDER = {
  /** README's inline golden-error sentence (synthetic-base, the default build and threads). */
  golden(r) {
    const run = Object.entries(r.runs).find(([k]) => k.startsWith('synthetic-base'));
    if (!run) throw new Error('golden-errors.json has no synthetic-base run');
    const w = run[1].worst;
    const lookups = Math.max(w['emb.lookup'] ?? 0, 0);
    return (
      `max abs error on synthetic-base, every golden case (${run[1].variant}, ${run[1].threads} thread${run[1].threads > 1 ? 's' : ''}): ` +
      `hidden states ${sci(w.hidden)}, attentions ${sci(w.attentions)}, Q/K/V ${sci(w.qkv)}, pooler ${sci(w.pooler)}, ` +
      `embedding sum ${sci(w['emb.sum'])}, embedding lookups ${lookups === 0 ? 'exact' : sci(lookups)}; the contract is ${sci(r.bounds.hidden)} ` +
      `(\`bench/results/golden-errors.json\`, ${day(r.date)})`
    );
  },

  /** The golden errors of every run (model, build, threads) as a table. */
  'golden-table'(r) {
    const kinds = ['hidden', 'attentions', 'qkv', 'pooler', 'emb.sum', 'emb.lookup'];
    return table(
      ['model, build, threads', ...kinds.map((k) => `${k} (bound ${sci(r.bounds[k])})`)],
      Object.entries(r.runs).map(([key, v]) => [`${key.split(',')[0]}: ${v.variant}, ${v.threads}`, ...kinds.map((k) => sci(v.worst[k] ?? 0))]),
    );
  },

  /** The tokenizer's speed-up over each peer, one call at a time: an inline phrase. */
  'tokenizer-speedup'(r) {
    const s = r.speedupOneByOne;
    return `${times(Math.min(s.tokenizers, s['transformers.js']))}–${times(Math.max(s.tokenizers, s['transformers.js']))} faster than \`tokenizers\`' Node binding (${times(s.tokenizers)}) and transformers.js (${times(s['transformers.js'])}) one call at a time (${r.cpu}, Node ${r.node.replace(/^v/, '')}, ${day(r.date)})`;
  },

  /** Linear time: what one encode of a 1 MiB string took, fastest and slowest kind of text (an inline phrase). */
  'tokenizer-long'(r) {
    const big = r.long.filter((x) => x.units === 1024 * 1024);
    const lo = big.reduce((a, x) => (x.ms < a.ms ? x : a)), hi = big.reduce((a, x) => (x.ms > a.ms ? x : a));
    const s = (x) => (x.ms / 1000).toPrecision(2);
    return `a 1 MiB string takes ${s(lo)} s (${lo.kind}) to ${s(hi)} s (${hi.kind})`;
  },

  /** The tokenizer benchmark's rows. */
  tokenizer(r) {
    return (
      `${r.corpus}, ${r.tokens.toLocaleString('en')} ids; ${r.cpu}, Node ${r.node.replace(/^v/, '')}, median of ${r.rounds} rounds, ${day(r.date)}:\n\n` +
      table(['implementation', 'call', 'tokens/s', 'median ms'], r.rows.map((x) => [x.impl, x.call, Math.round(x.tokensPerSec).toLocaleString('en'), ms(x.ms)]))
    );
  },

  /** The encoder benchmark: wasmbert beside the onnxruntime peers, median ms and wasmbert's speed-up. */
  encoder(r) {
    const key = (x) => `${x.threads}|${x.batch}x${x.seq}`;
    const ours = new Map(r.results.filter((x) => x.engine === 'wasmbert').map((x) => [key(x), x]));
    const peers = [...new Set(r.results.filter((x) => x.engine !== 'wasmbert').map((x) => x.engine))];
    const rows = [...ours.values()].map((w) => [
      String(w.threads),
      `${w.batch}×${w.seq}`,
      ms(w.msMedian),
      ...peers.flatMap((p) => {
        const o = r.results.find((x) => x.engine === p && key(x) === key(w));
        return o ? [ms(o.msMedian), `${(o.msMedian / w.msMedian).toFixed(2)}×`] : ['', ''];
      }),
    ]);
    return (
      `${r.cpu} (${r.cores} cores), ${r.runtime}, synthetic-base, median ms (${day(r.date)}; speed-up = their ms ÷ wasmbert's):\n\n` +
      table(['threads', 'batch×seq', 'wasmbert', ...peers.flatMap((p) => [p, 'speed-up'])], rows)
    );
  },

  /** The kernel benchmark: GEMMs and the main element-wise kernels. */
  kernels(r) {
    const rows = r.results
      .filter((x) => x.gflops !== undefined || x.gbs !== undefined)
      .map((x) => [`\`${x.kernel}\``, x.shape, x.ms.toFixed(3), x.gflops !== undefined ? `${x.gflops.toFixed(1)} GFLOP/s` : `${x.gbs.toFixed(1)} GB/s`, x.pctPeak !== undefined ? `${x.pctPeak.toFixed(0)}%` : x.xCopy !== undefined ? `${x.xCopy.toFixed(1)}× copy` : '']);
    return (
      `${r.cpu} (${r.cores} cores), ${r.runtime} ${r.runtimeVersion}, \`${r.variant}\` build, one thread, f32x4 peak ${r.peakGflops} GFLOP/s measured in the run (${day(r.date)}):\n\n` +
      table(['kernel', 'shape', 'median ms', 'rate', '% of peak / × copy'], rows)
    );
  },

  /** One (1, 128) forward per runtime. */
  runtimes(r) {
    const rows = r.results.map((x) => [x.runtime, x.variant, x.residency, String(x.threads), ms(x.forward128Ms), ms(x.minMs)]);
    const notRun = Object.entries(r.notRun ?? {}).map(([name, why]) => `\n- ${name}: not run (${why})`).join('');
    return (
      `${r.cpu} (${r.cores} cores), ${r.model}, one (1, 128) forward: each round the median of ${r.runs} after a warm-up, ` +
      `${r.rounds} rounds with the runtimes taking turns (${day(r.date)}; \`bench/runtimes.mjs\`):\n\n` +
      table(['runtime', 'build', 'residency', 'threads', 'median of rounds, ms', 'fastest round, ms'], rows) +
      notRun
    );
  },

  /** workerd's memory while serving, as the platform counts it and as the process does. */
  workerd(r) {
    const rows = r.results.map((x) => [
      x.dtype,
      `${x.batch}×${x.seq}`,
      mib(x.jsHeapUsed),
      mib(x.wasmBytes),
      mib(x.jsHeapUsed + x.wasmBytes),
      mib(x.rssIdle),
      mib(x.rssPeak),
      ms(x.forwardMs),
    ]);
    return (
      `${r.cpu}, workerd ${r.workerd}, synthetic-base streamed over loopback HTTP, \`maxTokens\` ${r.maxTokens}, V8 flags \`${r.v8Flags.join(' ') || '(none)'}\` (${day(r.date)}; \`bench/workerd-memory.mjs\`). ` +
      `Isolate = JS heap in use (V8's, through the inspector) + wasm memory: what a Workers isolate's 128 MB limit counts. RSS = the whole workerd process:\n\n` +
      table(['weights', 'batch×seq', 'JS heap MiB', 'wasm MiB', 'isolate MiB', 'RSS idle MiB', 'RSS peak MiB', 'request ms'], rows)
    );
  },

  /** `wasmbert serve` under load: clients × batching on/off. */
  serve(r) {
    const rows = r.results.map((x) => [x.batching, String(x.clients), String(x.requests), x.seqPerS.toFixed(1), Math.round(x.tokPerS).toLocaleString('en'), ms(x.p50), ms(x.p99), Object.entries(x.errors).map(([k, v]) => `${v}× ${k}`).join(', ') || 'none']);
    const at = (b, c) => r.results.find((x) => x.batching === b && x.clients === c);
    const lines = [];
    if (at('on', 64) && at('off', 64)) lines.push(`64 clients: batching gives ${times(at('on', 64).seqPerS / at('off', 64).seqPerS)} the throughput without it`);
    if (at('on', 8)) lines.push(`8 clients with batching: p99 is ${times(at('on', 8).p99 / at('on', 8).p50)} p50`);
    const mb = (b) => (b === undefined ? 'n/a' : `${Math.round(b / 2 ** 20)} MB`);
    lines.push(`the server's peak RSS ${mb(r.peakRss.on)} with batching, ${mb(r.peakRss.off)} without`);
    return (
      `${r.cpu} (${r.cores} cores), Node ${r.node.replace(/^v/, '')}, ${r.model} f32, server ${r.server}; each client sends one short text per request ` +
      `to \`/v1/embeddings\` over loopback, ${r.seconds} s per row (${day(r.date)}; \`npm run bench:serve\`):\n\n` +
      table(['batching', 'clients', 'requests', 'seq/s', 'tokens/s', 'p50 ms', 'p99 ms', 'errors'], rows) +
      `\n\n${lines.join('; ')}.`
    );
  },

  /** The README's one-line workerd claim. */
  'workerd-claim'(r) {
    const worst = r.results.reduce((a, x) => (x.jsHeapUsed + x.wasmBytes > a.jsHeapUsed + a.wasmBytes ? x : a));
    const f16 = r.results.filter((x) => x.dtype === 'f16');
    const f16worst = f16.reduce((a, x) => (x.jsHeapUsed + x.wasmBytes > a.jsHeapUsed + a.wasmBytes ? x : a), f16[0]);
    return (
      `bert-base streamed from an f16 file, isolate memory (JS heap + wasm) at most ${mib(f16worst.jsHeapUsed + f16worst.wasmBytes)} MiB up to ${f16worst.batch}×${f16worst.seq} ` +
      `(f32 file: ${mib(worst.jsHeapUsed + worst.wasmBytes)} MiB), under a Workers isolate's 128 MB; the workerd process's RSS peaks at ${mib(Math.max(...r.results.map((x) => x.rssPeak)))} MiB`
    );
  },
};

const BLOCK = /<!-- numbers:([\w-]+):([\w.-]+) -->([\s\S]*?)<!-- \/numbers -->/g;

/**
 * Renders every block of one document's text: the new text, the blocks found and those whose text differs.
 * `results(source)` reads bench/results/<source>.json (the tests pass their own).
 */
export function renderDocument(text, label, results = load) {
  const blocks = [];
  const changed = [];
  const out = text.replace(BLOCK, (whole, kind, source, body) => {
    const where = `${label}: numbers:${kind}:${source}`;
    const render = RENDER[kind];
    if (!render) throw new Error(`${where}: no renderer "${kind}" (scripts/docs-numbers.mjs knows ${Object.keys(RENDER).join(', ')})`);
    // a table sits on its own lines; an inline figure inside its sentence
    const rendered = render(results(source), source);
    const fresh = rendered.includes('\n') ? `\n${rendered}\n` : rendered;
    blocks.push(where);
    if (fresh !== body) changed.push(where);
    return `<!-- numbers:${kind}:${source} -->${fresh}<!-- /numbers -->`;
  });
  return { out, blocks, changed };
}

/** Renders every block of every document (writing them unless `check`); returns the blocks and those that changed. */
export function regenerate({ check = false } = {}) {
  const all = { blocks: [], changed: [] };
  for (const file of documents()) {
    const text = readFileSync(file, 'utf8');
    const { out, blocks, changed } = renderDocument(text, relative(ROOT, file));
    all.blocks.push(...blocks);
    all.changed.push(...changed);
    if (!check && out !== text) writeFileSync(file, out);
  }
  return all;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  if (args.includes('--golden')) {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/encoder-golden.test.ts'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, WASMBERT_GOLDEN_REPORT: 'bench/results/golden-errors.json' },
    });
    if (r.status !== 0) {
      console.error('docs:numbers --golden: the golden test failed; bench/results/golden-errors.json is unchanged');
      process.exit(1);
    }
  }
  const check = args.includes('--check');
  const { blocks, changed } = regenerate({ check });
  if (check && changed.length) {
    console.error(`docs:numbers --check: ${changed.length} of ${blocks.length} figure blocks disagree with their results files (run npm run docs:numbers):\n  ${changed.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`docs:numbers: ${blocks.length} figure blocks ${check ? 'agree with' : 'written from'} bench/results/${changed.length && !check ? ` (${changed.length} changed)` : ''}`);
}
