// Bert.embed: texts → sentence vectors, the way sentence-transformers' SentenceTransformer.encode computes
// them (Transformer.tokenize → BertModel → Pooling → Normalize), with the model's own sentence-transformers
// settings (src/sentence/config.ts) as defaults and EmbedOptions over them.
//
// Numeric contract: pooling sums in float64 over float32 hidden states, then rounds once to float32; the
// result is within 1 ulp of a float64 pooling of the same hidden states (the tests' bound carries the
// encoder's own 1.5e-5 on top).
import { ModelError } from '../errors.js';
import type { BertConfig } from '../models/bert/config.js';
import type { EncodedInput } from '../engine/inputs.js';
import type { Tensor } from '../models/tensor.js';
import type { BatchEncoding, BertTokenizer } from '../tokenizer/index.js';
import { POOLING_MODES, type PoolingMode, type SentenceConfig } from '../sentence/config.js';

export interface EmbedOptions {
  /**
   * sentence-transformers' pooling ('mean', 'cls', 'max', 'mean_sqrt_len_tokens', 'weightedmean',
   * 'lasttoken'; a list concatenates them in that order) or 'pooler' (BertPooler's output). Default: the
   * model's Pooling module (1_Pooling/config.json), else 'mean'.
   */
  pooling?: PoolingMode | 'pooler' | PoolingMode[];
  /** L2-normalise each vector. Default: whether the model has a Normalize module; true for a plain BERT. */
  normalize?: boolean;
  /** Truncate inputs to this many tokens. Default: sentence_bert_config.json's max_seq_length, else the tokenizer's model max length; at most max_position_embeddings. */
  maxLength?: number;
  /** A prompt text put before every text (sentence-transformers' `prompt=`); wins over promptName. */
  prompt?: string;
  /** The name of one of the model's prompts (config_sentence_transformers.json; sentence-transformers' `prompt_name=`). Default: its default_prompt_name. */
  promptName?: string;
  /** Pool over the prompt's tokens too. Default: the Pooling module's include_prompt (true). */
  includePrompt?: boolean;
  /** Cancels the call: it rejects with AbortError (Bert's CallOptions). */
  signal?: AbortSignal;
}

/** What embed needs of a model (Bert hands itself over through this). */
export interface EmbedModel {
  config: BertConfig;
  tokenizer: BertTokenizer;
  sentence: SentenceConfig | undefined;
  hasPooler: boolean;
  forward(input: EncodedInput, options?: { signal?: AbortSignal }): Promise<{ lastHiddenState: Tensor; pooler?: Tensor }>;
}

/** The settings one embed call runs with: the model's sentence-transformers config under the caller's options. */
export interface EmbedPlan {
  modes: (PoolingMode | 'pooler')[];
  normalize: boolean;
  maxLength: number;
  prompt: string;
  includePrompt: boolean;
  /** sentence-transformers strips and (do_lower_case) lowercases texts before its tokenizer sees them */
  prepare: (text: string) => string;
  /** positions [0, promptLength) are left out of the pooling (include_prompt false) */
  promptLength: number;
}

export function embedPlan(model: EmbedModel, options: EmbedOptions = {}): EmbedPlan {
  const st = model.sentence;
  const raw = options.pooling ?? st?.pooling ?? 'mean';
  const list = Array.isArray(raw) ? raw : [raw];
  for (const m of list) {
    if (m !== 'pooler' && !(POOLING_MODES as readonly string[]).includes(m)) {
      throw new ModelError(`embed: pooling must be one of ${POOLING_MODES.join(', ')} or pooler (got ${JSON.stringify(m)})`);
    }
  }
  if (list.length === 0) throw new ModelError('embed: pooling is an empty list');
  if (list.includes('pooler') && list.length > 1) throw new ModelError('embed: "pooler" cannot be combined with other pooling modes');
  if (list.includes('pooler') && !model.hasPooler) throw new ModelError('embed: this checkpoint has no pooler; use pooling "mean" or "cls"');
  // Pooling.forward's order, whatever order the caller listed them in
  const modes = list[0] === 'pooler' ? (['pooler'] as const).slice() : POOLING_MODES.filter((m) => (list as string[]).includes(m));
  const maxPos = model.config.max_position_embeddings;
  const maxLength = Math.min(options.maxLength ?? st?.maxSeqLength ?? model.tokenizer.options.modelMaxLength ?? maxPos, maxPos);
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new ModelError(`embed: maxLength must be an integer ≥ 2 (got ${maxLength})`);
  let prompt = '';
  if (options.prompt !== undefined) {
    if (typeof options.prompt !== 'string') throw new ModelError('embed: prompt must be a string');
    prompt = options.prompt;
  } else {
    const name = options.promptName ?? st?.defaultPromptName;
    if (name !== undefined) {
      const prompts = st?.prompts ?? {};
      if (!(name in prompts)) throw new ModelError(`embed: promptName ${JSON.stringify(name)} is not one of this model's prompts (${Object.keys(prompts).join(', ') || 'it has none'})`);
      prompt = prompts[name];
    }
  }
  const lower = st?.doLowerCase === true;
  // Python's str.strip() and str.lower(); for a plain BERT the text goes to the tokenizer as given
  const prepare = st ? (t: string) => (lower ? t.trim().toLowerCase() : t.trim()) : (t: string) => t;
  const includePrompt = options.includePrompt ?? st?.includePrompt ?? true;
  let promptLength = 0;
  if (prompt && !includePrompt) {
    // SentenceTransformer.encode: len(tokenize([prompt]).input_ids) - 1, i.e. [CLS] and the prompt's tokens
    promptLength = model.tokenizer.encode(prepare(prompt), undefined, { truncation: 'longest_first', maxLength }).inputIds.length - 1;
  }
  return { modes, normalize: options.normalize ?? st?.normalize ?? true, maxLength, prompt, includePrompt, prepare, promptLength };
}

/** Tokenizes texts as the plan says (prompt, strip/lowercase, truncation), padded to the longest. */
export function encodeForEmbed(model: EmbedModel, plan: EmbedPlan, texts: string[]): BatchEncoding {
  const inputs = texts.map((t) => {
    if (typeof t !== 'string') throw new ModelError('embed: every text must be a string');
    return plan.prepare(plan.prompt + t);
  });
  return model.tokenizer.encodeBatch(inputs, { padding: 'longest', truncation: 'longest_first', maxLength: plan.maxLength });
}

/** Output width: hidden size × number of pooling modes. */
export const embedWidth = (model: EmbedModel, plan: EmbedPlan): number => model.config.hidden_size * plan.modes.length;

/**
 * Pools row b of a forward's output into `out` (models/Pooling.py's forward, then Normalize). `mask` is
 * the row's attention mask; the first plan.promptLength positions count as masked.
 */
export function poolRow(plan: EmbedPlan, hidden: Float32Array, pooler: Float32Array | undefined, b: number, L: number, H: number, mask: ArrayLike<number>, out: Float32Array): void {
  const m = new Uint8Array(L);
  for (let t = 0; t < L; t++) m[t] = mask[t] === 1 && t >= plan.promptLength ? 1 : 0;
  const acc = new Float64Array(H);
  const row = (t: number) => (b * L + t) * H;
  plan.modes.forEach((mode, j) => {
    const o = j * H;
    switch (mode) {
      case 'pooler':
        out.set(pooler!.subarray(b * H, b * H + H), o);
        return;
      case 'cls': // token_embeddings[:, 0], whatever the mask says
        out.set(hidden.subarray(row(0), row(0) + H), o);
        return;
      case 'max': // masked positions count as -1e9
        acc.fill(-1e9);
        for (let t = 0; t < L; t++) {
          if (!m[t]) continue;
          const r = row(t);
          for (let i = 0; i < H; i++) acc[i] = Math.max(acc[i], hidden[r + i]);
        }
        break;
      case 'mean':
      case 'mean_sqrt_len_tokens':
      case 'weightedmean': {
        acc.fill(0);
        let w = 0;
        for (let t = 0; t < L; t++) {
          if (!m[t]) continue;
          const wt = mode === 'weightedmean' ? t + 1 : 1; // weights 1..L by position, padded length
          w += wt;
          const r = row(t);
          for (let i = 0; i < H; i++) acc[i] += wt * hidden[r + i];
        }
        const d = Math.max(w, 1e-9); // torch.clamp(sum_mask, min=1e-9)
        const div = mode === 'mean_sqrt_len_tokens' ? Math.sqrt(d) : d;
        for (let i = 0; i < H; i++) acc[i] /= div;
        break;
      }
      case 'lasttoken': {
        // the last position whose mask is 1; none: a zero vector (Pooling gathers h[0] · 0)
        let last = -1;
        for (let t = L - 1; t >= 0 && last < 0; t--) if (m[t]) last = t;
        if (last < 0) acc.fill(0);
        else acc.set(hidden.subarray(row(last), row(last) + H));
        break;
      }
    }
    for (let i = 0; i < H; i++) out[o + i] = acc[i];
  });
  if (plan.normalize) {
    // torch.nn.functional.normalize: v / max(‖v‖₂, 1e-12)
    let ss = 0;
    for (let i = 0; i < out.length; i++) ss += out[i] * out[i];
    const norm = Math.max(Math.sqrt(ss), 1e-12);
    for (let i = 0; i < out.length; i++) out[i] /= norm;
  }
}

/** Sentence embeddings of texts (one forward pass; the model chunks it by its activation arena). */
export async function embedTexts(model: EmbedModel, texts: string | string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0) throw new ModelError('embed: expected a non-empty array of strings');
  const plan = embedPlan(model, options);
  const enc = encodeForEmbed(model, plan, list);
  const res = await model.forward(enc, { signal: options.signal });
  const H = model.config.hidden_size;
  const L = enc.inputIds[0].length;
  const width = embedWidth(model, plan);
  return list.map((_, b) => {
    const v = new Float32Array(width);
    poolRow(plan, res.lastHiddenState.data, res.pooler?.data, b, L, H, enc.attentionMask[b], v);
    return v;
  });
}
