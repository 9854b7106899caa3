#!/usr/bin/env node
// npm run bench:corpus [-- --quick] [-- --lines N] [-- --model synthetic-tiny|synthetic-base|<.wbin|folder>] [-- --json]
//
// Rows per second of corpus mode (`wasmbert embed --input … --output …`: windows of input order, length-sorted,
// batched by a token budget, on all cores) beside what a user writes without it: one `bert.embed(text)` call per
// text, on the same model, in the same process, side by side. The corpus is generated: 100,000 lines (--quick:
// 5,000) of mixed length — most 5–40 words, one in ten up to 300 (cut at the model's 512 tokens), from a seeded
// generator, so every run sees the same text. The one-call-per-text loop runs on the first min(lines, 5,000)
// rows (it is the slow side; its rate is steady long before that); both rates are rows per second of wall time.
// The machine may be shared: compare the ratio of one run, not absolute numbers across runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const quick = args.includes('--quick');
const asJson = args.includes('--json');
const LINES = Number(opt('--lines', quick ? 5000 : 100_000));
const MODEL = opt('--model', 'synthetic-tiny');
const say = asJson ? () => {} : (s = '') => process.stdout.write(`${s}\n`);

const { Bert } = await import(join(ROOT, 'dist', 'index.js'));
const { ensureSynthetic } = await import(join(ROOT, 'dist', 'weights', 'cache.js'));
const { embedCorpus } = await import(join(ROOT, 'dist', 'embedding', 'corpus.js'));

const words = 'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we their been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
let seed = 12345;
const rnd = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
const lines = [];
for (let i = 0; i < LINES; i++) {
  const n = rnd(10) === 0 ? 5 + rnd(296) : 5 + rnd(36);
  lines.push(JSON.stringify({ text: Array.from({ length: n }, () => words[rnd(words.length)]).join(' ') }));
}
const tmp = mkdtempSync(join(tmpdir(), 'wasmbert-bench-corpus-'));
try {
  const input = join(tmp, 'corpus.jsonl');
  writeFileSync(input, lines.join('\n') + '\n');
  const path = MODEL === 'synthetic-tiny' || MODEL === 'synthetic-base' ? (await ensureSynthetic(MODEL)).wbin : MODEL;
  const bert = await Bert.load(path, { cache: true });
  say(`bench:corpus — ${LINES.toLocaleString('en-US')} generated lines, model ${MODEL} (hidden ${bert.config.hidden_size}, ${bert.config.num_hidden_layers} layers), ${bert.threads} threads (${cpus().length} cores), ${bert.variant} build`);

  // corpus mode
  const t0 = performance.now();
  const r = await embedCorpus(bert, { input, output: join(tmp, 'out.npy'), modelLabel: MODEL, progress: !asJson && !!process.stderr.isTTY, log: () => {} });
  const corpusS = (performance.now() - t0) / 1000;

  // one embed() call per text, on a prefix
  const sample = lines.slice(0, Math.min(LINES, 5000)).map((l) => JSON.parse(l).text);
  const t1 = performance.now();
  for (const t of sample) await bert.embed(t);
  const singleS = (performance.now() - t1) / 1000;
  const threads = bert.threads;
  await bert.dispose();

  const result = {
    lines: LINES,
    model: MODEL,
    threads,
    corpus: { rows: r.rows, seconds: corpusS, rowsPerS: r.rows / corpusS, tokensPerS: r.tokens / corpusS },
    perText: { rows: sample.length, seconds: singleS, rowsPerS: sample.length / singleS },
  };
  result.speedup = result.corpus.rowsPerS / result.perText.rowsPerS;
  if (asJson) process.stdout.write(`${JSON.stringify(result)}\n`);
  say(`  corpus mode (--input/--output)  ${result.corpus.rowsPerS.toFixed(0).padStart(8)} rows/s  ${result.corpus.tokensPerS.toFixed(0).padStart(9)} tokens/s  (${r.rows.toLocaleString('en-US')} rows in ${corpusS.toFixed(1)} s)`);
  say(`  one embed() call per text       ${result.perText.rowsPerS.toFixed(0).padStart(8)} rows/s  ${''.padStart(9)}          (${sample.length.toLocaleString('en-US')} rows in ${singleS.toFixed(1)} s)`);
  say(`  corpus mode is ${result.speedup.toFixed(2)}× the rows/s of one call per text`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
