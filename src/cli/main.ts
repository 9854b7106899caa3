#!/usr/bin/env node
// wasmbert's command line: one module per command (src/cli/<command>.ts), each exporting
// `main(argv): Promise<number>` (the exit code). Errors of wasmbert's own types print as one line.
import { WasmbertError } from '../errors.js';

const COMMANDS: Record<string, { module: string; summary: string }> = {
  demo: { module: './demo.js', summary: 'the BERT walkthrough on synthetic-base (what `npm start` runs)' },
  tokenize: { module: './tokenize.js', summary: 'JSONL in, token ids/type ids/tokens/offsets out' },
  synth: { module: './synth.js', summary: 'write a synthetic checkpoint (synthetic-tiny | synthetic-base | config.json)' },
  convert: { module: './convert.js', summary: 'Hugging Face folder (safetensors) -> one .wbin file' },
  pull: { module: './pull.js', summary: 'download a checkpoint from the Hugging Face hub, then convert it' },
  forward: { module: './forward.js', summary: 'run cases.json through the model, write every output as safetensors' },
  embed: { module: './embed.js', summary: 'sentence embeddings as JSON' },
  inspect: { module: './inspect.js', summary: 'layer by layer: tokens, embeddings, hidden states, attention' },
  serve: { module: './serve.js', summary: 'an embedding service (OpenAI /v1/embeddings, TEI /embed) and the BERT page' },
  bench: { module: './bench.js', summary: 'benchmarks (kernels | tokenizer | encoder)' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([c, { summary }]) => `  ${c.padEnd(width)}  ${summary}`);
  return `usage: wasmbert <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nwasmbert <command> --help for a command's options.\n`;
}

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return command ? 0 : 2;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    process.stderr.write(`wasmbert: unknown command "${command}"\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(entry.module)) as { main(argv: string[]): Promise<number> };
  return mod.main(rest);
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain || process.argv[1]?.endsWith('/wasmbert') || process.argv[1]?.endsWith('main.js')) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof WasmbertError) {
        process.stderr.write(`wasmbert: ${err.name}: ${err.message}\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`wasmbert: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exitCode = 70;
      }
    },
  );
}
