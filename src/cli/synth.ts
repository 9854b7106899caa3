// wasmbert synth <synthetic-tiny | synthetic-base | config.json> <out-folder>
import { parseArgs } from 'node:util';
import { asUsageError, checkOutputDir, UsageError } from './args.js';
import { synthesize } from '../weights/synth.js';
import { progressBar } from '../weights/progress.js';

const USAGE = `usage: wasmbert synth <synthetic-tiny | synthetic-base | config.json> <out-folder>

Writes a synthetic BERT checkpoint (wasmbert-synthetic-v1, ../shared/reference/SYNTHETIC.md) as a Hugging
Face folder: config.json, vocab.txt, tokenizer_config.json, model.safetensors. A config.json must give
hidden_size, intermediate_size, num_attention_heads, num_hidden_layers and seed; other BertConfig keys are
optional.
`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (err) {
    throw asUsageError(err);
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 2) throw new UsageError(`expected <synthetic-tiny | synthetic-base | config.json> <out-folder>, got ${parsed.positionals.length} arguments`);
  const [what, out] = parsed.positionals;
  checkOutputDir(out);
  const bar = progressBar(`synth ${what}`);
  const t0 = performance.now();
  const r = await synthesize(what, out, { onProgress: (d, t) => bar.update(4 * d, 4 * t) });
  bar.done();
  process.stderr.write(`wrote ${out}/{config.json,vocab.txt,tokenizer_config.json,model.safetensors} in ${((performance.now() - t0) / 1000).toFixed(1)} s (outlier dims ${r.outlierDims.join(', ')})\n`);
  return 0;
}
