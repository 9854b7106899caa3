// `npm start`: the BERT walkthrough on the embedded default, a synthetic bert-base generated on first run.
import { loadModelArg } from './model-arg.js';
import { parseCommandArgs, UsageError } from './args.js';
import { walkthrough } from './walkthrough.js';

export const SEED_TEXTS = [
  'BERT is a transformer model developed by Google. It has revolutionized NLP by introducing bidirectional context and allowing pre-training on vast datasets.',
  'Padding is used to ensure that all inputs in a batch have the same length. This simplifies batch processing in deep learning.',
  'When dealing with paragraphs, BERT can only process up to 512 tokens at a time. Therefore, long paragraphs may need to be truncated.',
];

const USAGE = `usage: wasmbert demo [model.wbin | hf-folder | synthetic-tiny | synthetic-base]

The BERT walkthrough (what \`npm start\` runs): tokens, embeddings, the first layer's Q, K, V and attention,
every layer's hidden states and the pooled output, with the time each step took. Default model: the
synthetic bert-base, generated on first use.
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one model, got ${positionals.length} arguments`);
  const model = positionals[0];
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say('wasmbert — the BERT walkthrough, computed in WebAssembly');
  const t0 = performance.now();
  const { bert, label, synthetic } = await loadModelArg(model, {}, (s) => process.stderr.write(`  ${s}\n`));
  say(`model: ${label} (${bert.config.num_hidden_layers} layers, hidden ${bert.config.hidden_size}, ${bert.config.num_attention_heads} heads) loaded in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  if (synthetic) {
    say('NOTE: these weights are SYNTHETIC (wasmbert-synthetic-v1: bert-base shapes, values from a seeded hash), so the');
    say('numbers are a faithful BERT computation but carry no language knowledge. With real weights:');
    say('  npx wasmbert pull bert-base-uncased && npx wasmbert inspect --model <printed .wbin path> "your text"');
  }
  try {
    await walkthrough(bert, SEED_TEXTS);
  } finally {
    await bert.dispose();
  }
  return 0;
}
