// wasmbert convert <hf-folder> <out.wbin> [--dtype f32|f16]
import { parseArgs } from 'node:util';
import { asUsageError, checkOutputFile, UsageError } from './args.js';
import { convertCheckpoint } from '../weights/convert.js';
import { progressBar } from '../weights/progress.js';

const USAGE = `usage: wasmbert convert <hf-folder> <out.wbin> [--dtype f32|f16]

Reads a Hugging Face BERT folder (config.json; vocab.txt or tokenizer.json; tokenizer_config.json;
model.safetensors or model-0000k-of-0000n.safetensors + model.safetensors.index.json) and writes one
.wbin file (weights/FORMAT.md). Accepts BertModel, BertForPreTraining/BertForMaskedLM (bert. prefix) and
sentence-transformers checkpoints; heads BertModel does not have (cls.*, classifier) are skipped.

  --dtype f32|f16   stored precision (default f32; f16 halves the file, values rounded to nearest even)
`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { dtype: { type: 'string', default: 'f32' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (err) {
    throw asUsageError(err);
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dtype = parsed.values.dtype;
  if (parsed.positionals.length !== 2) throw new UsageError(`expected <hf-folder> <out.wbin>, got ${parsed.positionals.length} arguments`);
  if (dtype !== 'f32' && dtype !== 'f16') throw new UsageError(`--dtype must be f32 or f16 (got ${JSON.stringify(dtype)})`);
  const [folder, out] = parsed.positionals;
  checkOutputFile(out);
  const bar = progressBar(`convert → ${dtype}`);
  const t0 = performance.now();
  const say = (m: string) => process.stderr.write(`wasmbert convert: ${m}\n`);
  const r = await convertCheckpoint(folder, out, { dtype, onProgress: (d, t) => bar.update(d, t), onInfo: say, onWarning: (m) => say(`warning: ${m}`) });
  bar.done();
  say(`wrote ${out}: ${r.tensors} tensors, ${(r.bytes / 1e6).toFixed(1)} MB ${dtype}${r.hasPooler ? '' : ', no pooler'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}
