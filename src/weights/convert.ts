// Hugging Face checkpoint folder → one .wbin. Reads config.json, vocab.txt or tokenizer.json,
// tokenizer_config.json, and model.safetensors or its shards; accepts the name variants real checkpoints
// use (`bert.` prefix of BertForPreTraining/BertForMaskedLM, TF-era LayerNorm.gamma/beta) and skips the
// heads BertModel does not have (cls.*, classifier, ...), saying which. One tensor in memory at a time.
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ModelError, WeightsError } from '../errors.js';
import { parseBertConfig, type BertConfig } from '../models/bert/config.js';
import { BERT } from '../models/bert/spec.js';
import { canonicalName as specCanonicalName, groupTensorNames, layerOf } from '../models/spec.js';
import { encodeF16 } from './f16.js';
import { numel, openCheckpointTensors, readTensorF32 } from './safetensors.js';
import { canonicalTensors, writeWbin, type WbinDtype, type WbinTensorInput, type WbinTokenizer } from './wbin.js';

export interface ConvertOptions {
  dtype?: WbinDtype;
  /** bytes written so far, of the total */
  onProgress?: (done: number, total: number) => void;
  /** problems that do not stop the conversion (NaN/Inf, f16 overflow); default: console.warn */
  onWarning?: (message: string) => void;
  /** what was skipped or renamed; default: nothing */
  onInfo?: (message: string) => void;
}

export interface ConvertReport {
  out: string;
  bytes: number;
  dtype: WbinDtype;
  tensors: number;
  hasPooler: boolean;
  /** checkpoint tensors that are not BertModel's (heads, buffers), not written */
  skipped: string[];
  /** checkpoint name → canonical name, where they differ */
  renamed: Record<string, string>;
  warnings: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readJson(path: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return undefined;
    throw new WeightsError((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `cannot read: ${(err as Error).message}`, { file: path, cause: err });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new WeightsError(`not valid JSON: ${(err as Error).message}`, { file: path, cause: err });
  }
  if (!isObj(v)) throw new WeightsError('not a JSON object', { file: path });
  return v;
}

/** config.json → BertConfig (typed WeightsError naming the file on anything wrong). */
export async function readCheckpointConfig(folder: string): Promise<{ config: BertConfig; raw: Record<string, unknown> }> {
  const path = join(folder, 'config.json');
  const raw = (await readJson(path, true))!;
  if (raw.model_type !== undefined && raw.model_type !== 'bert') {
    throw new WeightsError(`model_type ${JSON.stringify(raw.model_type)} is not "bert": wasmbert runs BERT encoders only`, { file: path });
  }
  try {
    return { config: parseBertConfig(raw, 'config.json'), raw };
  } catch (err) {
    if (err instanceof ModelError) throw new WeightsError(err.message.replace(/^config\.json: /, ''), { file: path, cause: err });
    throw err;
  }
}

/** A special token in tokenizer_config.json: a string or transformers' AddedToken dict {content: ...}. */
function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v.content === 'string') return v.content;
  return undefined;
}

/** Finds the BertNormalizer in tokenizer.json's normalizer (alone or inside a Sequence). */
function bertNormalizer(n: unknown): Record<string, unknown> | undefined {
  if (!isObj(n)) return undefined;
  if (n.type === 'BertNormalizer') return n;
  if (n.type === 'Sequence' && Array.isArray(n.normalizers)) for (const x of n.normalizers) if (bertNormalizer(x)) return bertNormalizer(x);
  return undefined;
}

/**
 * The vocabulary (vocab.txt, else tokenizer.json's WordPiece vocab) and tokenizer options with camelCase
 * keys. tokenizer_config.json wins over tokenizer.json's normalizer, as in transformers' BertTokenizerFast.
 */
export async function readCheckpointTokenizer(folder: string): Promise<WbinTokenizer> {
  const tcPath = join(folder, 'tokenizer_config.json');
  const tjPath = join(folder, 'tokenizer.json');
  const tcRaw = await readJson(tcPath, false);
  const tc = tcRaw ?? {};
  const tj = await readJson(tjPath, false);
  let vocab: string[] | undefined;
  try {
    const text = await readFile(join(folder, 'vocab.txt'), 'utf8');
    // transformers' load_vocab: one token per line, the line break stripped (universal newlines: \r\n too)
    vocab = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (vocab[vocab.length - 1] === '') vocab.pop();
    if (vocab.length === 0) throw new WeightsError('empty vocabulary', { file: join(folder, 'vocab.txt') });
  } catch (err) {
    if (err instanceof WeightsError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new WeightsError(`cannot read: ${(err as Error).message}`, { file: join(folder, 'vocab.txt'), cause: err });
  }
  const model = tj && isObj(tj.model) ? tj.model : undefined;
  if (!vocab) {
    if (!tj) throw new WeightsError('no vocab.txt and no tokenizer.json: the checkpoint has no vocabulary', { file: folder });
    if (!model || model.type !== 'WordPiece' || !isObj(model.vocab)) {
      throw new WeightsError(`model ${JSON.stringify(model?.type)} is not a WordPiece vocabulary (BERT's)`, { file: tjPath });
    }
    const entries = Object.entries(model.vocab);
    vocab = new Array<string>(entries.length);
    for (const [tok, id] of entries) {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length || vocab[id as number] !== undefined) {
        throw new WeightsError(`vocab id ${JSON.stringify(id)} of ${JSON.stringify(tok)} is not a unique id in [0, ${entries.length})`, { file: tjPath });
      }
      vocab[id as number] = tok;
    }
  }
  // BertTokenizerFast.__init__ rebuilds the normalizer from tokenizer_config.json's values — with ITS defaults
  // (do_lower_case true, strip_accents null, tokenize_chinese_chars true) for keys the file leaves out — so
  // when that file exists, tokenizer.json's normalizer settings do not count at all.
  const norm = tj && tcRaw === undefined ? bertNormalizer(tj.normalizer) : undefined;
  const options: Record<string, unknown> = {};
  const bool = (a: unknown, b: unknown, dflt: boolean) => (typeof a === 'boolean' ? a : typeof b === 'boolean' ? b : dflt);
  options.doLowerCase = bool(tc.do_lower_case, norm?.lowercase, true);
  // null (or absent) means "strip accents when lowercasing", as in HF: left out of the options then
  const strip = typeof tc.strip_accents === 'boolean' ? tc.strip_accents : typeof norm?.strip_accents === 'boolean' ? norm.strip_accents : undefined;
  if (strip !== undefined) options.stripAccents = strip;
  options.tokenizeChineseChars = bool(tc.tokenize_chinese_chars, norm?.handle_chinese_chars, true);
  const unkFromModel = typeof model?.unk_token === 'string' ? model.unk_token : undefined;
  const specials: [string, string, string | undefined][] = [
    ['unkToken', 'unk_token', unkFromModel], ['clsToken', 'cls_token', undefined], ['sepToken', 'sep_token', undefined],
    ['padToken', 'pad_token', undefined], ['maskToken', 'mask_token', undefined],
  ];
  for (const [key, hf, alt] of specials) {
    const v = tokenString(tc[hf]) ?? alt;
    if (v !== undefined) options[key] = v;
  }
  // transformers writes int(1e30) for "no limit": only a real limit is kept
  if (typeof tc.model_max_length === 'number' && Number.isInteger(tc.model_max_length) && tc.model_max_length > 0 && tc.model_max_length < 1e12) {
    options.modelMaxLength = tc.model_max_length;
  }
  return { vocab, options };
}

/** A checkpoint tensor name → the canonical BertModel name (BERT's spec's renames: `bert.` prefix, LayerNorm gamma/beta). */
export function canonicalName(name: string): string {
  return specCanonicalName(BERT, name);
}

/** Converts a Hugging Face BERT folder into one .wbin (atomically: nothing half-written on failure). */
export async function convertCheckpoint(folder: string, outWbin: string, opts: ConvertOptions = {}): Promise<ConvertReport> {
  const dtype = opts.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new WeightsError(`--dtype must be f32 or f16 (got ${JSON.stringify(dtype)})`);
  const warn = opts.onWarning ?? ((m: string) => console.warn(`wasmbert: ${m}`));
  const info = opts.onInfo ?? (() => {});
  const { config, raw } = await readCheckpointConfig(folder);
  const tokenizer = await readCheckpointTokenizer(folder);
  if (tokenizer.vocab.length > config.vocab_size) {
    throw new WeightsError(`the vocabulary has ${tokenizer.vocab.length} tokens but config.json's vocab_size is ${config.vocab_size}`, { file: folder });
  }
  const ckpt = await openCheckpointTensors(folder);
  try {
    const expectedAll = canonicalTensors(config, true);
    const expected = new Map(expectedAll.map((e) => [e.name, e]));
    const found = new Map<string, string>(); // canonical → checkpoint name
    const skipped: string[] = [];
    const renamed: Record<string, string> = {};
    for (const name of ckpt.tensors.keys()) {
      const c = canonicalName(name);
      if (!expected.has(c)) {
        const layer = layerOf(BERT, c);
        if (layer !== undefined && layer >= config.num_hidden_layers) {
          throw new WeightsError(`layer ${layer} in the checkpoint, but config.json says num_hidden_layers ${config.num_hidden_layers}`, { file: ckpt.files[0], tensor: name });
        }
        skipped.push(name); // heads (cls.*, classifier.*, qa_outputs.*) and buffers (embeddings.position_ids)
        continue;
      }
      const prev = found.get(c);
      if (prev) throw new WeightsError(`both "${prev}" and "${name}" map to "${c}"`, { file: ckpt.files[0], tensor: name });
      found.set(c, name);
      if (c !== name) renamed[name] = c;
    }
    const poolerNames = groupTensorNames(BERT, 'pooler');
    const hasPooler = poolerNames.some((n) => found.has(n));
    const poolerMissing = poolerNames.filter((n) => !found.has(n));
    if (hasPooler && poolerMissing.length) {
      throw new WeightsError(`pooler is incomplete: ${poolerMissing.join(', ')} ${poolerMissing.length > 1 ? 'are' : 'is'} missing`, { file: folder });
    }
    const wanted = canonicalTensors(config, hasPooler);
    const missing = wanted.filter((e) => !found.has(e.name)).map((e) => e.name);
    if (missing.length) {
      throw new WeightsError(`${missing.length} tensor(s) missing for a BertModel with ${config.num_hidden_layers} layers: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`, { file: folder, tensor: missing[0] });
    }
    if (skipped.length) info(`skipping ${skipped.length} tensor(s) BertModel does not use: ${skipped.join(', ')}`);
    if (!hasPooler) info('no pooler in this checkpoint: the .wbin has none (pooler_output unavailable)');
    const nRenamed = Object.keys(renamed).length;
    if (nRenamed) info(`renamed ${nRenamed} tensor(s) to BertModel's names (e.g. ${Object.entries(renamed)[0].join(' → ')})`);

    const warnings: string[] = [];
    const say = (m: string) => {
      warnings.push(m);
      warn(m);
    };
    const inputs: WbinTensorInput[] = wanted.map((e) => {
      const src = ckpt.tensors.get(found.get(e.name)!)!;
      if (src.shape.length !== e.shape.length || src.shape.some((d, i) => d !== e.shape[i])) {
        throw new WeightsError(`shape ${JSON.stringify(src.shape)} disagrees with config.json, which needs ${JSON.stringify(e.shape)}`, { file: src.file.source.name, tensor: src.name });
      }
      if (!['F32', 'F16', 'BF16', 'F64'].includes(src.dtype)) {
        throw new WeightsError(`dtype ${src.dtype} is not a float type (F32, F16, BF16, F64)`, { file: src.file.source.name, tensor: src.name });
      }
      return {
        name: e.name,
        dtype,
        shape: e.shape,
        bytes: async () => {
          const f32 = await readTensorF32(src.file, src.name);
          let nan = 0;
          let inf = 0;
          for (let i = 0; i < f32.length; i++) {
            const v = f32[i];
            if (v - v !== 0) (v !== v ? nan++ : inf++); // v - v is NaN exactly for NaN and ±Inf
          }
          if (nan || inf) say(`${src.name}: ${nan} NaN and ${inf} Inf value(s) among ${numel(e.shape)} (kept as they are)`);
          if (dtype === 'f32') return new Uint8Array(f32.buffer);
          const h = new Uint16Array(f32.length);
          const over = encodeF16(f32, h);
          if (over) say(`${src.name}: ${over} value(s) beyond float16's range (±65504) became ±Inf`);
          return new Uint8Array(h.buffer);
        },
      };
    });
    const srcDtypes = [...new Set(wanted.map((e) => ckpt.tensors.get(found.get(e.name)!)!.dtype))];
    const metadata: Record<string, unknown> = {
      source: basename(resolve(folder)),
      source_dtypes: srcDtypes,
      converter: 'wasmbert convert',
      skipped,
      ...(typeof raw.synthetic === 'string' ? { synthetic: raw.synthetic } : {}),
      ...(Array.isArray(raw.architectures) ? { architectures: raw.architectures } : {}),
    };
    const { bytes } = await writeWbin(outWbin, { config, tokenizer, tensors: inputs, metadata }, { onProgress: opts.onProgress });
    return { out: outWbin, bytes, dtype, tensors: inputs.length, hasPooler, skipped, renamed, warnings };
  } finally {
    await ckpt.close();
  }
}
