#!/usr/bin/env node
// npm run bench:tokenizer [-- --json] [-- --rounds N] [-- --replace]
//
// Tokens per second, single-threaded, of wasmbert's tokenizer side by side with Hugging Face's two JavaScript-
// callable tokenizers in one process: the `tokenizers` npm package (the Rust library behind BertTokenizerFast, via
// N-API) and @huggingface/transformers' BertTokenizer (pure JS). Each implementation encodes the whole corpus one
// text at a time and batched; 1 warm-up + N rounds (default 7), the median round is reported. Tokens are counted
// as output ids including [CLS]/[SEP] (the same count for every implementation: wasmbert's).
//
// Corpus: ../shared/golden/tokenizer/golden.jsonl (3,283 real multilingual texts) when present, else text made
// from the repo's vocabulary. Then the long strings: time for 256 K, 512 K and 1 M UTF-16 units of prose, of one giant
// word, of CJK and of accented letters with combining marks (time per MB must stay flat: linear time). A full
// garbage collection runs before each long-string timing so that earlier garbage does not land on one size. What
// still varies between sizes is V8 collecting the result itself (a 1 MB text gives up to a million [start, end]
// offset arrays); the tokenizer's own work is a single pass.
//
// Single-threaded: the Rust side is pinned with TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1 (set before it
// loads). The machine may be shared: compare the ratios of one run, not absolute numbers across runs.
//
// Results: a JSON report per run under .cache/bench/tokenizer-<cpu>-<time>.json; --replace writes the committed
// bench/results/tokenizer-<cpu>.json instead (refused when a peer did not run: the ratios need both), the file
// `npm run docs:numbers` quotes.
process.env.TOKENIZERS_PARALLELISM = 'false';
process.env.RAYON_NUM_THREADS = '1';

import { existsSync, readFileSync, mkdtempSync, mkdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = process.env.WASMBERT_SHARED ?? join(ROOT, '..', 'shared');
const GOLDEN = join(SHARED, 'golden', 'tokenizer');
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const roundsArg = args.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 7;
const say = asJson ? () => {} : (s = '') => process.stdout.write(s + '\n');

if (!existsSync(join(ROOT, 'dist', 'tokenizer', 'index.js'))) {
  console.error('bench/tokenizer.mjs: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { BertTokenizer } = await import('../dist/tokenizer/index.js');
const { importPeer, peerVersion } = await import('./lib/peers.mjs');
const require = createRequire(import.meta.url);

// ---- corpus and tokenizer files -------------------------------------------------------------------------------
const vocabText = readFileSync(join(ROOT, 'vocab', 'bert-base-uncased-vocab.txt'), 'utf8');
const vocab = vocabText.split('\n');
if (vocab[vocab.length - 1] === '') vocab.pop();
let texts, corpusName, tokenizerJson, tokenizerConfig;
if (existsSync(join(GOLDEN, 'golden.jsonl'))) {
  texts = readFileSync(join(GOLDEN, 'golden.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text);
  corpusName = `golden.jsonl (${texts.length} texts)`;
  tokenizerJson = readFileSync(join(GOLDEN, 'tokenizer.json'), 'utf8');
  tokenizerConfig = readFileSync(join(GOLDEN, 'tokenizer_config.json'), 'utf8');
} else {
  // No ../shared: sentences drawn from the vocabulary with a fixed seed, and a tokenizer.json built from it.
  let seed = 1;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const words = vocab.filter((t) => /^[a-z]+$/.test(t));
  texts = Array.from({ length: 3000 }, () => {
    const n = 3 + Math.floor(rnd() * 40);
    return Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ') + '.';
  });
  corpusName = `vocabulary sentences (${texts.length} texts; ../shared absent)`;
  const v = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const sp = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  tokenizerJson = JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: sp.map((content) => ({ id: v[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: v },
  });
  tokenizerConfig = JSON.stringify({ do_lower_case: true, model_max_length: 512, tokenizer_class: 'BertTokenizer' });
}

const ours = BertTokenizer.fromVocab(vocabText);
let tokens = 0;
for (const t of texts) tokens += ours.encode(t).inputIds.length;
const chars = texts.reduce((n, t) => n + t.length, 0);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- long strings: linear time (measured first, before the peers load and fill the heap) -------------------------
const prose = texts.join(' ');
const make = (unit, bytes) => {
  let s = unit;
  while (s.length < bytes) s += s;
  return s.slice(0, bytes);
};
const kinds = {
  prose: (n) => make(prose + ' ', n),
  'one word (no spaces)': (n) => make('abcdefghij', n),
  'CJK ideographs': (n) => make('一丁七万丈三上下不与', n),
  'accents + marks': (n) => make('e\u0301a\u0308\u0316 ', n),
};
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const long = [];
for (const [kind, gen] of Object.entries(kinds)) {
  for (const size of [256 * 1024, 512 * 1024, 1024 * 1024]) {
    const s = gen(size);
    ours.encode(s); // warm-up
    const times = [];
    let n = 0;
    for (let r = 0; r < 3; r++) {
      gc();
      const t0 = performance.now();
      n = ours.encode(s).inputIds.length;
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    long.push({ kind, units: s.length, ids: n, ms, msPerMB: ms / (s.length / (1024 * 1024)) });
  }
}

// ---- peers ----------------------------------------------------------------------------------------------------
const peers = {};
try {
  const { Tokenizer } = require('tokenizers');
  peers.rust = Tokenizer.fromString(tokenizerJson);
  peers.rustVersion = require('tokenizers/package.json').version;
} catch (err) {
  say(`(tokenizers npm package unavailable: ${err.message})`);
}
let tmp;
try {
  // from `npm run peers` (.cache/peers/): the clone's node_modules holds only what build and test need
  const { AutoTokenizer, env } = await importPeer('@huggingface/transformers');
  env.allowRemoteModels = false;
  tmp = mkdtempSync(join(tmpdir(), 'wasmbert-bench-tok-'));
  mkdirSync(join(tmp, 'bert-base-uncased'));
  writeFileSync(join(tmp, 'bert-base-uncased', 'tokenizer.json'), tokenizerJson);
  writeFileSync(join(tmp, 'bert-base-uncased', 'tokenizer_config.json'), tokenizerConfig);
  env.localModelPath = tmp;
  peers.tjs = await AutoTokenizer.from_pretrained('bert-base-uncased', { local_files_only: true });
  peers.tjsVersion = peerVersion('@huggingface/transformers');
} catch (err) {
  say(`(@huggingface/transformers unavailable: ${err.message})`);
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

// ---- measurement ----------------------------------------------------------------------------------------------
async function measure(fn) {
  await fn(); // warm-up (JIT, caches)
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  return { ms, tokensPerSec: tokens / (ms / 1000), linesPerSec: texts.length / (ms / 1000), minMs: Math.min(...times), maxMs: Math.max(...times) };
}
const chunks = (n) => Array.from({ length: Math.ceil(texts.length / n) }, (_, i) => texts.slice(i * n, i * n + n));
const chunks32 = chunks(32);

const rows = [];
const run = async (impl, call, fn) => {
  const r = await measure(fn);
  rows.push({ impl, call, ...r });
  say(`  ${impl.padEnd(26)} ${call.padEnd(34)} ${Math.round(r.tokensPerSec).toLocaleString('en').padStart(11)} tok/s`);
};
say(`tokenizer benchmark: ${corpusName}, ${chars.toLocaleString('en')} UTF-16 units, ${tokens.toLocaleString('en')} ids; Node ${process.version}; median of ${ROUNDS} rounds\n`);
await run('wasmbert', 'encode(text) one by one', () => {
  for (const t of texts) ours.encode(t);
});
await run('wasmbert', 'encodeBatch(all, padding false)', () => {
  ours.encodeBatch(texts, { padding: false });
});
await run('wasmbert', 'encodeBatch(32 texts, padded)', () => {
  for (const c of chunks32) ours.encodeBatch(c, { padding: 'longest' });
});
if (peers.rust) {
  await run(`tokenizers ${peers.rustVersion}`, 'await encode(text) one by one', async () => {
    for (const t of texts) await peers.rust.encode(t);
  });
  await run(`tokenizers ${peers.rustVersion}`, 'encodeBatch(all)', async () => {
    await peers.rust.encodeBatch(texts);
  });
  await run(`tokenizers ${peers.rustVersion}`, 'encodeBatch(32 texts)', async () => {
    for (const c of chunks32) await peers.rust.encodeBatch(c);
  });
}
if (peers.tjs) {
  await run(`transformers.js ${peers.tjsVersion}`, 'tok(text) one by one', () => {
    for (const t of texts) peers.tjs(t, { return_tensor: false });
  });
  await run(`transformers.js ${peers.tjsVersion}`, 'tok(all)', () => {
    peers.tjs(texts, { return_tensor: false });
  });
  await run(`transformers.js ${peers.tjsVersion}`, 'tok(32 texts, padded)', () => {
    for (const c of chunks32) peers.tjs(c, { return_tensor: false, padding: true });
  });
}

const oneByOne = (impl) => rows.find((r) => r.impl.startsWith(impl) && r.call.includes('one by one'))?.tokensPerSec;
const best = Math.max(oneByOne('tokenizers') ?? 0, oneByOne('transformers.js') ?? 0);
const ratio = best > 0 ? oneByOne('wasmbert') / best : undefined;

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
const report = {
  cpu, cores: os.availableParallelism?.() ?? os.cpus().length, date: new Date().toISOString(), corpus: corpusName, chars, tokens,
  node: process.version, rounds: ROUNDS, rows,
  // wasmbert's one-by-one tokens/s over each peer's one-by-one tokens/s (the call an app makes per request)
  speedupOneByOne: { tokenizers: oneByOne('tokenizers') ? oneByOne('wasmbert') / oneByOne('tokenizers') : null, 'transformers.js': oneByOne('transformers.js') ? oneByOne('wasmbert') / oneByOne('transformers.js') : null },
  ratioOneByOneVsBestPeer: ratio, long,
};
{
  const replace = args.includes('--replace');
  const missing = [!peers.rust && 'tokenizers', !peers.tjs && 'transformers.js'].filter(Boolean);
  if (replace && missing.length) {
    console.error(`--replace: not overwriting the committed results: ${missing.join(', ')} did not run`);
    process.exitCode = 1;
  }
  const slug = cpu.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const committed = replace && !missing.length;
  const dir = join(ROOT, committed ? 'bench/results' : '.cache/bench');
  const file = join(dir, committed ? `tokenizer-${slug}.json` : `tokenizer-${slug}-${report.date.replace(/[:.]/g, '-')}.json`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(report, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  console.error(`results: ${file}${committed ? ' (committed; npm run docs:numbers quotes it)' : ' (add --replace to rewrite the committed bench/results/)'}`);
}
if (asJson) {
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
} else {
  say('\n| implementation | call | tokens/s | lines/s | median ms |');
  say('|---|---|---:|---:|---:|');
  for (const r of rows) {
    say(`| ${r.impl} | ${r.call} | ${Math.round(r.tokensPerSec).toLocaleString('en')} | ${Math.round(r.linesPerSec).toLocaleString('en')} | ${r.ms.toFixed(1)} |`);
  }
  if (ratio !== undefined) say(`\nwasmbert one by one / best peer one by one: ${ratio.toFixed(2)}x (target >= 1.5x)`);
  say('\nlong strings (one encode call; time per MB flat = linear):');
  say('| input | UTF-16 units | ids | ms | ms per MB |');
  say('|---|---:|---:|---:|---:|');
  for (const l of long) say(`| ${l.kind} | ${l.units.toLocaleString('en')} | ${l.ids.toLocaleString('en')} | ${l.ms.toFixed(1)} | ${l.msPerMB.toFixed(1)} |`);
}
