// Synthetic BERT checkpoints, wasmbert-synthetic-v1: ../shared/reference/SYNTHETIC.md, bit for bit.
// Every value is a seeded integer hash of (tensor name, element index) turned into a bell-shaped float64
// and rounded once to float32, so any implementation that follows the recipe writes the same bytes.
// Writes a Hugging Face folder (config.json, vocab.txt, tokenizer_config.json, model.safetensors)
// tensor by tensor: one tensor in memory at a time.
import { copyFile, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeightsError } from '../errors.js';
import { BERT } from '../models/bert/spec.js';
import { locate, specTensors, type SynthScale } from '../models/spec.js';
import { safetensorsHeader } from './safetensors.js';

export const SYNTHETIC_SPEC = 'wasmbert-synthetic-v1';
export type SyntheticName = 'synthetic-tiny' | 'synthetic-base';

export const SYNTHETIC_CONFIGS: Readonly<Record<SyntheticName, Readonly<Record<string, number>>>> = {
  'synthetic-tiny': { hidden_size: 32, intermediate_size: 64, num_attention_heads: 4, num_hidden_layers: 2, seed: 1 },
  'synthetic-base': { hidden_size: 768, intermediate_size: 3072, num_attention_heads: 12, num_hidden_layers: 12, seed: 2 },
};

const DEFAULTS: Record<string, unknown> = {
  architectures: ['BertModel'],
  attention_probs_dropout_prob: 0.1,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'bert',
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  type_vocab_size: 2,
  vocab_size: 30522,
};
const REQUIRED = ['hidden_size', 'intermediate_size', 'num_attention_heads', 'num_hidden_layers', 'seed'] as const;
const ACTS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'];

/** The canonical config (§2): defaults, overridden by the input's values for those keys, sorted keys. */
export function canonicalConfig(input: Record<string, unknown>, where = 'config'): Record<string, unknown> {
  const bad = (msg: string) => new WeightsError(msg, { file: where });
  for (const k of REQUIRED) if (!(k in input)) throw bad(`"${k}" is required for a synthetic checkpoint`);
  const cfg: Record<string, unknown> = { ...DEFAULTS, synthetic: SYNTHETIC_SPEC };
  for (const k of [...Object.keys(DEFAULTS), ...REQUIRED]) if (k in input) cfg[k] = input[k];
  for (const k of ['hidden_size', 'intermediate_size', 'num_attention_heads', 'num_hidden_layers', 'max_position_embeddings', 'type_vocab_size', 'vocab_size']) {
    if (!Number.isInteger(cfg[k]) || (cfg[k] as number) < 1) throw bad(`"${k}" must be a positive integer, got ${JSON.stringify(cfg[k])}`);
  }
  const seed = cfg.seed as number;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw bad(`"seed" must be an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
  const H = cfg.hidden_size as number;
  if (H % (cfg.num_attention_heads as number)) throw bad('"hidden_size" must be a multiple of "num_attention_heads"');
  if (H < 2) throw bad('"hidden_size" must be at least 2 (two outlier dimensions)');
  if (!ACTS.includes(cfg.hidden_act as string)) throw bad(`"hidden_act" must be one of ${ACTS.join(', ')}, got ${JSON.stringify(cfg.hidden_act)}`);
  if (cfg.position_embedding_type !== 'absolute') throw bad('only position_embedding_type "absolute" is specified');
  if (typeof cfg.layer_norm_eps !== 'number' || !(cfg.layer_norm_eps > 0)) throw bad('"layer_norm_eps" must be a positive number');
  const sizes = [cfg.vocab_size, cfg.max_position_embeddings, cfg.intermediate_size].map((v) => (v as number) * H);
  if (sizes.some((s) => s >= 2 ** 32)) throw bad('a tensor would have 2^32 or more elements');
  return Object.fromEntries(Object.keys(cfg).sort().map((k) => [k, cfg[k]]));
}

// ---- §5.1 integer hashing
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function fnv1a32(name: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

export const tensorKey = (seed: number, name: string): number => mix32(mix32((seed + 0x9e3779b9) >>> 0) ^ fnv1a32(name));

/** §5.2: the integer z of element i, in [-131070, 131070]. */
export function zOf(i: number, k0: number, k1: number, k2: number): number {
  const a = mix32(i ^ k0);
  const w0 = mix32(a ^ k1);
  const w1 = mix32(a ^ k2);
  return (w0 & 0xffff) + (w0 >>> 16) + (w1 & 0xffff) + (w1 >>> 16) - 131070;
}

/** §5.5 */
export function outlierDims(seed: number, H: number): [number, number] {
  const h = tensorKey(seed, 'outlier_dims');
  const o1 = h % H;
  return [o1, (o1 + 1 + (mix32(h) % (H - 1))) % H];
}

/** §4: tensor names and shapes in file order (BERT's spec, pooler included). */
export function syntheticTensors(cfg: Record<string, unknown>): { name: string; shape: number[] }[] {
  return specTensors(BERT, cfg).map(({ name, shape }) => ({ name, shape }));
}

/** A §5.4 scale as (mean, amplitude): amplitude = k·sqrt(3 / fan), fan a config size or 1. */
function amplitude([mean, k, fan]: SynthScale, cfg: Record<string, unknown>): [number, number] {
  return [mean, k * Math.sqrt(3 / (fan === 1 ? 1 : (cfg[fan] as number)))];
}

/** Fills `out` with tensor `name`'s values (§5.2–5.5). */
export function generateTensor(cfg: Record<string, unknown>, name: string, out: Float32Array): void {
  const seed = cfg.seed as number;
  const k0 = tensorKey(seed, name);
  const k1 = mix32(k0 ^ 0x85ebca6b);
  const k2 = mix32(k0 ^ 0xc2b2ae35);
  const at = locate(BERT, name);
  if (!at) throw new Error(`synth: ${name} is not a BertModel tensor`);
  const [mean, amp] = amplitude(at.tensor.synth, cfg);
  const n = out.length;
  // The hot loop: zOf inlined (three lowbias32 rounds), one float64 multiply-add, one float32 rounding.
  for (let i = 0; i < n; i++) {
    let a = i ^ k0;
    a ^= a >>> 16; a = Math.imul(a, 0x7feb352d); a ^= a >>> 15; a = Math.imul(a, 0x846ca68b); a ^= a >>> 16;
    let w0 = a ^ k1;
    w0 ^= w0 >>> 16; w0 = Math.imul(w0, 0x7feb352d); w0 ^= w0 >>> 15; w0 = Math.imul(w0, 0x846ca68b); w0 ^= w0 >>> 16;
    let w1 = a ^ k2;
    w1 ^= w1 >>> 16; w1 = Math.imul(w1, 0x7feb352d); w1 ^= w1 >>> 15; w1 = Math.imul(w1, 0x846ca68b); w1 ^= w1 >>> 16;
    const z = (w0 & 0xffff) + (w0 >>> 16) + (w1 & 0xffff) + (w1 >>> 16) - 131070;
    out[i] = mean + (z / 65536) * amp;
  }
  if (at.param.role === 'layernorm') {
    // §5.5: two outlier dimensions of every LayerNorm get their own scales
    const o = at.param.outliers;
    const [o1, o2] = outlierDims(seed, cfg.hidden_size as number);
    const [t1, t2] = at.tensor === at.param.weight ? [o[0], o[1]] : [o[2], o[3]];
    for (const [i, sc] of [[o1, t1], [o2, t2]] as [number, SynthScale][]) {
      const [m, a] = amplitude(sc, cfg);
      out[i] = m + (zOf(i, k0, k1, k2) / 65536) * a;
    }
  }
}

/** The vocabulary shipped with the package (bert-base-uncased's). */
export const VOCAB_URL = new URL('../../vocab/bert-base-uncased-vocab.txt', import.meta.url);

const TOKENIZER_CONFIG = {
  clean_up_tokenization_spaces: true,
  cls_token: '[CLS]',
  do_lower_case: true,
  mask_token: '[MASK]',
  model_max_length: 512,
  pad_token: '[PAD]',
  sep_token: '[SEP]',
  strip_accents: null,
  tokenize_chinese_chars: true,
  tokenizer_class: 'BertTokenizer',
  unk_token: '[UNK]',
};

export interface SynthResult {
  folder: string;
  config: Record<string, unknown>;
  outlierDims: [number, number];
}

/** Resolves `synthetic-tiny`, `synthetic-base` or a config.json path to the canonical config. */
export async function resolveSyntheticConfig(nameOrConfig: string | Record<string, unknown>): Promise<Record<string, unknown>> {
  if (typeof nameOrConfig !== 'string') return canonicalConfig(nameOrConfig);
  if (nameOrConfig in SYNTHETIC_CONFIGS) return canonicalConfig(SYNTHETIC_CONFIGS[nameOrConfig as SyntheticName], nameOrConfig);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(nameOrConfig, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WeightsError(code === 'ENOENT' ? 'not synthetic-tiny, synthetic-base or an existing config.json' : `cannot read config: ${(err as Error).message}`, { file: nameOrConfig, cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new WeightsError('not a JSON object', { file: nameOrConfig });
  return canonicalConfig(raw as Record<string, unknown>, nameOrConfig);
}

/** Writes the four files of a synthetic checkpoint into `outFolder` (created if needed). */
export async function synthesize(
  nameOrConfig: string | Record<string, unknown>,
  outFolder: string,
  opts: { onProgress?: (done: number, total: number) => void } = {},
): Promise<SynthResult> {
  const cfg = await resolveSyntheticConfig(nameOrConfig);
  await mkdir(outFolder, { recursive: true });
  await writeFile(join(outFolder, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  await copyFile(fileURLToPath(VOCAB_URL), join(outFolder, 'vocab.txt'));
  await writeFile(join(outFolder, 'tokenizer_config.json'), JSON.stringify(TOKENIZER_CONFIG, null, 2) + '\n');

  const list = syntheticTensors(cfg).map((t) => ({ ...t, dtype: 'F32' }));
  const sizes = list.map((t) => t.shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const buf = new Float32Array(Math.max(...sizes));
  const path = join(outFolder, 'model.safetensors');
  const fh = await open(path, 'w');
  try {
    await fh.write(safetensorsHeader(list));
    let done = 0;
    for (let t = 0; t < list.length; t++) {
      const view = buf.subarray(0, sizes[t]);
      generateTensor(cfg, list[t].name, view);
      await fh.write(new Uint8Array(view.buffer, 0, view.byteLength));
      done += sizes[t];
      opts.onProgress?.(done, total);
    }
  } finally {
    await fh.close();
  }
  return { folder: outFolder, config: cfg, outlierDims: outlierDims(cfg.seed as number, cfg.hidden_size as number) };
}
