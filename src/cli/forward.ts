// wasmbert forward --model <model.wbin | hf-folder> --cases <cases.json> --out <folder>
// Writes <folder>/<case>.safetensors with every output under the golden names: the way users compare
// wasmbert with PyTorch.
import { parseArgs } from 'node:util';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors.js';
import { namedOutputs } from '../model/outputs.js';
import { writeSafetensors } from '../weights/safetensors.js';
import { loadModelArg } from './model-arg.js';
import { checkOutputDir, UsageError } from './args.js';

const USAGE = `usage: wasmbert forward --model <model.wbin | hf-folder> --cases <cases.json> --out <folder> [--simd auto|simd]

Each case of cases.json ({name, input_ids, token_type_ids, attention_mask} or {name, texts, max_length?})
becomes <folder>/<name>.safetensors holding input_ids, token_type_ids, attention_mask, emb.word,
emb.position, emb.token_type, emb.sum, hidden_states.0..N, layer0.q|k|v, attentions.0..N-1, pooler_output.
`;

interface Case {
  name: string;
  texts?: (string | [string, string])[];
  max_length?: number;
  input_ids?: number[][];
  token_type_ids?: number[][];
  attention_mask?: number[][];
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, cases: { type: 'string' }, out: { type: 'string' }, simd: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.cases || !values.out) throw new UsageError(`--cases and --out are required`);
  checkOutputDir(values.out);
  let cases: Case[];
  try {
    cases = JSON.parse(readFileSync(values.cases, 'utf8'));
  } catch (cause) {
    throw new ModelError(`${values.cases}: cannot read cases (${(cause as Error).message})`);
  }
  if (!Array.isArray(cases)) throw new ModelError(`${values.cases}: expected a JSON array of cases`);
  const { bert, label } = await loadModelArg(values.model, { simd: values.simd as 'auto' | 'simd' | undefined }, (s) => process.stderr.write(`${s}\n`));
  mkdirSync(values.out, { recursive: true });
  try {
    for (const c of cases) {
      if (typeof c?.name !== 'string' || !/^[\w.-]+$/.test(c.name)) throw new ModelError(`${values.cases}: case without a usable "name" (${JSON.stringify(c?.name)})`);
      let enc;
      if (c.input_ids) {
        enc = { inputIds: c.input_ids, tokenTypeIds: c.token_type_ids, attentionMask: c.attention_mask };
      } else if (Array.isArray(c.texts)) {
        enc = bert.tokenizer.encodeBatch(c.texts, { padding: 'longest', ...(c.max_length ? { maxLength: c.max_length, truncation: 'longest_first' as const } : {}) });
      } else {
        throw new ModelError(`${values.cases}: case "${c.name}" has neither input_ids nor texts`);
      }
      const t0 = performance.now();
      const out = await bert.forward(enc, { hiddenStates: true, attentions: true, qkv: true, embeddings: true });
      const ms = performance.now() - t0;
      const ids = enc.inputIds as ArrayLike<number>[];
      const B = ids.length;
      const L = ids[0].length;
      const i32 = (rows: ArrayLike<number>[] | undefined, fill: number) => {
        const a = new Int32Array(B * L).fill(fill);
        rows?.forEach((r, b) => a.set(Array.from(r), b * L));
        return a;
      };
      const path = join(values.out, `${c.name}.safetensors`);
      await writeSafetensors(path, [
        { name: 'input_ids', dtype: 'I32', shape: [B, L], data: i32(ids, 0) },
        { name: 'token_type_ids', dtype: 'I32', shape: [B, L], data: i32(enc.tokenTypeIds as ArrayLike<number>[] | undefined, 0) },
        { name: 'attention_mask', dtype: 'I32', shape: [B, L], data: i32(enc.attentionMask as ArrayLike<number>[] | undefined, 1) },
        ...namedOutputs(out).map(({ name, tensor }) => ({ name, dtype: 'F32' as const, shape: [...tensor.shape], data: tensor.data })),
      ]);
      process.stderr.write(`${label}: ${c.name} [${B}, ${L}] ${ms.toFixed(1)} ms → ${path}\n`);
    }
  } finally {
    await bert.dispose();
  }
  return 0;
}
