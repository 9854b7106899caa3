#!/usr/bin/env node
// The embed example: the same file runs under Node, Deno and Bun.
//
//   node examples/embed.mjs --model model.wbin "a sentence" "another one"
//   deno run -A examples/embed.mjs --model model.wbin "a sentence"
//   bun examples/embed.mjs --model model.wbin "a sentence"
//
// Prints one JSON object: the runtime, the wasm build, the thread count and one vector per text.
// Options: --threads N, --streamed (streamed residency), --max-tokens N, --simd (the SIMD128 build, same bits
// everywhere), --time N (median of N timed
// (1, 128) forwards after a warm-up).
import { embedExample } from './embed-lib.mjs';

const argv = globalThis.Deno?.args ?? globalThis.process.argv.slice(2);
const opts = { texts: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--model') opts.model = argv[++i];
  else if (a === '--threads') opts.threads = Number(argv[++i]);
  else if (a === '--streamed') opts.residency = 'streamed';
  else if (a === '--max-tokens') opts.maxTokens = Number(argv[++i]);
  else if (a === '--time') opts.time = Number(argv[++i]);
  else if (a === '--simd') opts.simd = 'simd'; // the deterministic SIMD128 build: the same bits on every engine
  else opts.texts.push(a);
}
if (!opts.model) {
  console.error('usage: embed.mjs --model <model.wbin | URL> [--threads N] [--streamed] [--max-tokens N] [--simd] [--time N] [text ...]');
  globalThis.Deno ? Deno.exit(2) : process.exit(2);
}
if (opts.texts.length === 0) delete opts.texts;
const result = await embedExample(opts);
console.log(JSON.stringify(result));
