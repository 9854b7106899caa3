#!/usr/bin/env node
// wasmbert's command line: one module per command (src/cli/<command>.ts), each exporting
// `main(argv): Promise<number>` (the exit code). Errors of wasmbert's own types print as one line: a bad
// command line (UsageError, node:util parseArgs errors) exits 2, any other WasmbertError exits 1.
import { readFileSync } from 'node:fs';
import { WasmbertError } from '../errors.js';
import { UsageError, asUsageError } from './args.js';

const COMMANDS: Record<string, { module: string; summary: string }> = {
  demo: { module: './demo.js', summary: 'the BERT walkthrough on synthetic-base (what `npm start` runs)' },
  tokenize: { module: './tokenize.js', summary: 'JSONL in, token ids/type ids/tokens/offsets out' },
  synth: { module: './synth.js', summary: 'write a synthetic checkpoint (synthetic-tiny | synthetic-base | config.json)' },
  convert: { module: './convert.js', summary: 'Hugging Face folder (safetensors) -> one .wbin file' },
  pull: { module: './pull.js', summary: 'download a checkpoint from the Hugging Face hub, then convert it' },
  forward: { module: './forward.js', summary: 'run cases.json through the model, write every output as safetensors' },
  embed: { module: './embed.js', summary: 'sentence embeddings as JSON' },
  inspect: { module: './inspect.js', summary: 'layer by layer: tokens, embeddings, hidden states, attention' },
  verify: { module: './verify.js', summary: "check a .wbin: header checksum and every tensor's sha256" },
  serve: { module: './serve.js', summary: 'an embedding service (OpenAI /v1/embeddings, TEI /embed) and the BERT page' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([c, { summary }]) => `  ${c.padEnd(width)}  ${summary}`);
  return `usage: wasmbert <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nwasmbert <command> --help for a command's options; wasmbert --version for the version.\n`;
}

/** The package's version (package.json two levels up from src/cli/ and dist/cli/). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    (command ? process.stdout : process.stderr).write(usage());
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`wasmbert ${version()}\n`);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) {
    throw new UsageError(command.startsWith('-') ? `unknown option "${command}" (a command comes first: wasmbert --help)` : `unknown command "${command}" (wasmbert --help lists them)`);
  }
  const mod = (await import(entry.module)) as { main(argv: string[]): Promise<number> };
  try {
    return await mod.main(rest);
  } catch (err) {
    const e = asUsageError(err);
    if (e instanceof UsageError) throw new UsageError(`${command}: ${e.message} (wasmbert ${command} --help for usage)`, { cause: err });
    throw e;
  }
}

/** What the process prints and exits with for an error thrown by run(). */
export function report(err: unknown): { line: string; code: number } {
  if (err instanceof UsageError) return { line: `wasmbert: ${err.message}`, code: 2 };
  if (err instanceof WasmbertError) return { line: `wasmbert: ${err.name}: ${err.message}`, code: 1 };
  return { line: `wasmbert: internal error: ${err instanceof Error ? err.stack : String(err)}`, code: 70 };
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain || process.argv[1]?.endsWith('/wasmbert') || process.argv[1]?.endsWith('main.js')) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const { line, code } = report(err);
      process.stderr.write(`${line}\n`);
      process.exitCode = code;
    },
  );
}
