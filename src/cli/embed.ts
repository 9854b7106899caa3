// wasmbert embed [--model …] [--pooling mean|cls|pooler] [--no-normalize] "text" …
import { parseArgs } from 'node:util';
import { loadModelArg } from './model-arg.js';
import { UsageError } from './args.js';

const USAGE = `usage: wasmbert embed [--model <model.wbin | hf-folder>] [--pooling mean|cls|pooler] [--no-normalize] "text" ["text" …]

Prints one JSON array per text (sentence-transformers' conventions: mean over valid tokens, L2-normalised).
Without --model, the synthetic bert-base (generated on first use) is used.
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      pooling: { type: 'string', default: 'mean' },
      'no-normalize': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('no text to embed');
  if (!['mean', 'cls', 'pooler'].includes(values.pooling)) throw new UsageError(`--pooling must be mean, cls or pooler (got ${JSON.stringify(values.pooling)})`);
  const { bert } = await loadModelArg(values.model, {}, (s) => process.stderr.write(`${s}\n`));
  try {
    const vectors = await bert.embed(positionals, { pooling: values.pooling as 'mean' | 'cls' | 'pooler', normalize: !values['no-normalize'] });
    for (const v of vectors) process.stdout.write(`${JSON.stringify(Array.from(v))}\n`);
  } finally {
    await bert.dispose();
  }
  return 0;
}
