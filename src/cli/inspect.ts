// wasmbert inspect [--model …] "text" …: layer by layer, what the BERT walkthrough explains.
import { parseArgs } from 'node:util';
import { loadModelArg } from './model-arg.js';
import { UsageError } from './args.js';
import { walkthrough } from './walkthrough.js';

const USAGE = `usage: wasmbert inspect [--model <model.wbin | hf-folder>] "text" ["text" …]

Prints the tokens, the token/position/segment embeddings and their sum, each layer's per-head most
attended tokens, per-layer hidden-state statistics and the pooled output.
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { model: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError('no text to inspect');
  }
  const { bert } = await loadModelArg(values.model, {}, (s) => process.stderr.write(`${s}\n`));
  try {
    await walkthrough(bert, positionals, { allLayers: true });
  } finally {
    await bert.dispose();
  }
  return 0;
}
