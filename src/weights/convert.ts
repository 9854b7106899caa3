// Hugging Face checkpoint folder → one .wbin. Reads config.json, the tokenizer files (through the tokenizer's
// own loader: tokenizer.json over vocab.txt, tokenizer_config.json), a sentence-transformers folder's settings
// (kept in the header as "sentence"), and model.safetensors or its shards; accepts the name variants real checkpoints
// use (`bert.` prefix of BertForPreTraining/BertForMaskedLM, TF-era LayerNorm.gamma/beta) and skips the
// heads BertModel does not have (cls.*, classifier, ...), saying which. One tensor in memory at a time.
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ModelError, TokenizerError, WeightsError } from '../errors.js';
import { parseBertConfig, type BertConfig } from '../models/bert/config.js';
import { BERT } from '../models/bert/spec.js';
import { canonicalName as specCanonicalName, groupTensorNames, layerOf, locate } from '../models/spec.js';
import { encodeF16 } from './f16.js';
import { quantizeRowsInt8 } from './quantize.js';
import { numel, openCheckpointTensors, readTensorF32 } from './safetensors.js';
import { tokenizerFromFiles } from '../tokenizer/load.js';
import { readTokenizerFiles } from '../tokenizer/load-node.js';
import { readSentenceFolder } from '../sentence/read-node.js';
import { canonicalTensors, writeWbin, type WbinDtype, type WbinTensorInput, type WbinTokenizer } from './wbin.js';

/**
 * Stored precision: f32, f16 (every tensor), or q8: the spec's quantizable Linear weights as symmetric
 * int8 per output row ("i8", src/weights/quantize.ts), the embedding tables as f16, the rest f32.
 */
export type ConvertDtype = 'f32' | 'f16' | 'q8';

/** What q8 stores a tensor as: i8 for quantizable Linear weights, f16 for embedding tables, f32 otherwise. */
export function q8Dtype(name: string): WbinDtype {
  const at = locate(BERT, name);
  if (at?.param.role === 'linear' && at.param.quantizable && at.param.parts.some((p) => p.weight === at.tensor)) return 'i8';
  if (at?.param.role === 'embedding') return 'f16';
  return 'f32';
}

export interface ConvertOptions {
  dtype?: ConvertDtype;
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
  dtype: ConvertDtype;
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

/**
 * The vocabulary and tokenizer options of a checkpoint folder, through the tokenizer's own loader
 * (tokenizerFromFiles: HF's precedence, added tokens kept), so a .wbin's tokenizer is fromFolder's.
 */
export async function readCheckpointTokenizer(folder: string, info: (message: string) => void = () => {}): Promise<WbinTokenizer> {
  try {
    const files = await readTokenizerFiles(folder);
    const { vocab, options, from } = tokenizerFromFiles(files, folder);
    const added = options.additionalSpecialTokens?.length ?? 0;
    info(`tokenizer from ${from}${from === 'tokenizer.json' && files.vocabTxt !== undefined ? ' (vocab.txt beside it is not used, as in transformers)' : ''}${files.tokenizerConfig !== undefined ? ' + tokenizer_config.json' : ''}${added ? `, ${added} added token(s)` : ''}`);
    // null and absent both mean HF's default (stripAccents): the header keeps only what was set
    return { vocab, options: Object.fromEntries(Object.entries(options).filter(([, v]) => v !== null && v !== undefined)) };
  } catch (err) {
    // a conversion's failures are WeightsErrors, whatever file they come from
    if (err instanceof TokenizerError) throw new WeightsError(err.message.startsWith(folder) ? err.message.slice(folder.length).replace(/^[/:]\s*/, '') : err.message, { file: err.message.startsWith(folder) ? folder : undefined, cause: err });
    throw err;
  }
}

/** A checkpoint tensor name → the canonical BertModel name (BERT's spec's renames: `bert.` prefix, LayerNorm gamma/beta). */
export function canonicalName(name: string): string {
  return specCanonicalName(BERT, name);
}

/** Converts a Hugging Face BERT folder into one .wbin (atomically: nothing half-written on failure). */
export async function convertCheckpoint(folder: string, outWbin: string, opts: ConvertOptions = {}): Promise<ConvertReport> {
  const dtype = opts.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16' && dtype !== 'q8') throw new WeightsError(`--dtype must be f32, f16 or q8 (got ${JSON.stringify(dtype)})`);
  const warn = opts.onWarning ?? ((m: string) => console.warn(`wasmbert: ${m}`));
  const info = opts.onInfo ?? (() => {});
  // a sentence-transformers folder: its settings ride in the header; the BERT may sit in a module's subfolder
  const st = await readSentenceFolder(folder);
  const { config, raw } = await readCheckpointConfig(st.transformerDir);
  const tokenizer = await readCheckpointTokenizer(st.transformerDir, info);
  if (st.sentence) {
    const p = st.sentence;
    info(`sentence-transformers settings kept in the header: pooling ${p.pooling.join(' + ')}${p.includePrompt ? '' : ' (prompt excluded)'}${p.normalize ? ', Normalize' : ''}${p.maxSeqLength ? `, max_seq_length ${p.maxSeqLength}` : ''}${p.doLowerCase ? ', do_lower_case' : ''}${Object.keys(p.prompts).length ? `, prompts ${Object.keys(p.prompts).join(', ')}` : ''}`);
  }
  if (tokenizer.vocab.length > config.vocab_size) {
    throw new WeightsError(`the vocabulary has ${tokenizer.vocab.length} tokens but config.json's vocab_size is ${config.vocab_size}`, { file: folder });
  }
  const ckpt = await openCheckpointTensors(st.transformerDir);
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
      const stored: WbinDtype = dtype === 'q8' ? q8Dtype(e.name) : dtype;
      return {
        name: e.name,
        dtype: stored,
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
          if (stored === 'f32') return new Uint8Array(f32.buffer);
          if (stored === 'i8') {
            if (nan || inf) throw new WeightsError(`${nan} NaN and ${inf} Inf value(s): an int8 weight cannot hold them (convert to f32 or f16)`, { file: src.file.source.name, tensor: src.name });
            // values, then one f32 scale per row (little-endian): FORMAT.md §3
            const [rows, cols] = e.shape;
            const { q, scale } = quantizeRowsInt8(f32, rows, cols);
            const out = new Uint8Array(rows * cols + 4 * rows);
            out.set(new Uint8Array(q.buffer, q.byteOffset, q.length));
            const dv = new DataView(out.buffer, rows * cols);
            for (let r = 0; r < rows; r++) dv.setFloat32(4 * r, scale[r], true);
            return out;
          }
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
      ...(dtype === 'q8' ? { dtype: 'q8', q8: 'Linear weights int8 per output row (i8), embeddings f16, the rest f32' } : {}),
      skipped,
      ...(typeof raw.synthetic === 'string' ? { synthetic: raw.synthetic } : {}),
      ...(Array.isArray(raw.architectures) ? { architectures: raw.architectures } : {}),
    };
    const { bytes } = await writeWbin(outWbin, { config, tokenizer, tensors: inputs, metadata, sentence: st.sentence }, { onProgress: opts.onProgress });
    return { out: outWbin, bytes, dtype, tensors: inputs.length, hasPooler, skipped, renamed, warnings };
  } finally {
    await ckpt.close();
  }
}
