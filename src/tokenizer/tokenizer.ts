// BertTokenizer: Hugging Face's BertTokenizerFast (the Rust `tokenizers` pipeline) in TypeScript.
// Special tokens typed in the text -> BertNormalizer -> BertPreTokenizer -> WordPiece -> truncation ->
// [CLS] A [SEP] (B [SEP]) -> padding. See pipeline.ts for the per-character work and README.md for usage.
import { TokenizerError } from '../errors.js';
import { Pipeline, TokenSink } from './pipeline.js';
import { VocabTrie } from './trie.js';
import { parseTokenizerJson } from './load.js';

/**
 * How the tokenizer normalizes and which special tokens it uses. Plain JSON: a weights file stores
 * `{vocab, options}` and `BertTokenizer.fromVocab(vocab, options)` rebuilds the same tokenizer.
 */
export interface TokenizerOptions {
  /** lowercase every code point (Hugging Face `do_lower_case`); default true */
  doLowerCase?: boolean;
  /** NFD + delete nonspacing marks; null (default) = same as doLowerCase, like Hugging Face */
  stripAccents?: boolean | null;
  /** put CJK ideographs in pieces of their own (`tokenize_chinese_chars`); default true */
  tokenizeChineseChars?: boolean;
  /** delete control/format characters and map whitespace to ' ' (`clean_text`); default true */
  cleanText?: boolean;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  maskToken?: string;
  /** further tokens matched whole in the raw text (Hugging Face added tokens), beyond the five above */
  additionalSpecialTokens?: string[];
  /** default maximum length for truncation when none is given (`model_max_length`); default 512 */
  modelMaxLength?: number;
  /** WordPiece: a piece longer than this many code points becomes [UNK]; default 100 */
  maxInputCharsPerWord?: number;
}

/**
 * One encoded text or pair. `offsets[i]` is `[start, end)` of token i in UTF-16 code units (JavaScript string
 * indices, `text.slice(start, end)`) of the text it came from: the first text for type id 0, the pair text for
 * type id 1. `[CLS]`/`[SEP]` added by the tokenizer (and padding) get `[0, 0]`.
 */
export interface Encoding {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  tokens: string[];
  offsets: [number, number][];
}

/** A batch: one row per input, each row an Encoding's field (padded rows when padding is on). */
export interface BatchEncoding {
  inputIds: number[][];
  tokenTypeIds: number[][];
  attentionMask: number[][];
  tokens: string[][];
  offsets: [number, number][][];
}

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

export interface EncodeOptions {
  /**
   * Maximum length including [CLS]/[SEP]. Given alone, truncation is 'longest_first'. Must be at least the
   * number of special tokens (2, or 3 for a pair) when truncating.
   */
  maxLength?: number;
  /** true = 'longest_first'; false = never truncate; with no maxLength, modelMaxLength applies */
  truncation?: TruncationStrategy | boolean;
}

export interface BatchEncodeOptions extends EncodeOptions {
  /**
   * 'longest' (default; Hugging Face `padding=True`): pad every row to the longest; 'max_length': to maxLength
   * (or modelMaxLength); false: no padding (rows of different lengths). Padding is [PAD], type 0, mask 0, offsets
   * [0, 0], on the right.
   */
  padding?: 'longest' | 'max_length' | boolean;
}

export interface DecodeOptions {
  /** drop [CLS], [SEP], [PAD], [MASK], [UNK] and other special tokens; default false */
  skipSpecialTokens?: boolean;
}

const DEFAULTS: Required<TokenizerOptions> = {
  doLowerCase: true,
  stripAccents: null,
  tokenizeChineseChars: true,
  cleanText: true,
  unkToken: '[UNK]',
  clsToken: '[CLS]',
  sepToken: '[SEP]',
  padToken: '[PAD]',
  maskToken: '[MASK]',
  additionalSpecialTokens: [],
  modelMaxLength: 512,
  maxInputCharsPerWord: 100,
};

const TRUNCATION_ERROR = 'Truncation error: Sequence to truncate too short to respect the provided max_length';

function describe(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

/** Split vocab.txt contents into tokens (line i = id i; "\r\n" accepted; the final newline ends the last line). */
export function parseVocabText(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  return lines;
}

export class BertTokenizer {
  /** token strings by id */
  readonly vocab: string[];
  /** every option, defaults filled in */
  readonly options: Required<TokenizerOptions>;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  /** -1 when the vocabulary has no mask token */
  readonly maskId: number;

  private readonly index: Map<string, number>;
  private readonly pipeline: Pipeline;
  /** special tokens matched in raw text, longest first (leftmost-longest like the reference's Aho-Corasick) */
  private readonly specials: { text: string; id: number }[];
  private readonly specialIds: Set<number>;
  private readonly specialFirst: Uint8Array;
  private readonly specialFirstUnit: number;
  private readonly sinkA = new TokenSink();
  private readonly sinkB = new TokenSink();

  private constructor(vocab: string[], options: Required<TokenizerOptions>) {
    this.vocab = vocab;
    this.options = options;
    this.index = new Map();
    for (let i = 0; i < vocab.length; i++) this.index.set(vocab[i], i);
    const need = (field: keyof TokenizerOptions, token: string, optional = false): number => {
      const id = this.index.get(token);
      if (id === undefined) {
        if (optional) return -1;
        throw new TokenizerError(`tokenizer options.${field}: "${token}" is not in the vocabulary (${vocab.length} tokens)`);
      }
      return id;
    };
    this.unkId = need('unkToken', options.unkToken);
    this.clsId = need('clsToken', options.clsToken);
    this.sepId = need('sepToken', options.sepToken);
    this.padId = need('padToken', options.padToken);
    this.maskId = need('maskToken', options.maskToken, true);
    const specialTexts = [options.unkToken, options.clsToken, options.sepToken, options.padToken, options.maskToken];
    for (const t of options.additionalSpecialTokens) {
      need('additionalSpecialTokens', t);
      specialTexts.push(t);
    }
    this.specials = [...new Set(specialTexts)]
      .filter((t) => t.length > 0 && this.index.has(t))
      .map((text) => ({ text, id: this.index.get(text)! }))
      .sort((a, b) => b.text.length - a.text.length);
    this.specialIds = new Set(this.specials.map((s) => s.id));
    this.specialFirst = new Uint8Array(0x10000);
    for (const s of this.specials) this.specialFirst[s.text.charCodeAt(0)] = 1;
    const firsts = new Set(this.specials.map((s) => s.text.charCodeAt(0)));
    this.specialFirstUnit = firsts.size === 1 ? [...firsts][0] : -1;
    const stripAccents = options.stripAccents ?? options.doLowerCase;
    this.pipeline = new Pipeline(new VocabTrie(vocab, '##'), {
      cleanText: options.cleanText,
      handleChineseChars: options.tokenizeChineseChars,
      stripAccents,
      lowercase: options.doLowerCase,
      maxInputCharsPerWord: options.maxInputCharsPerWord,
      unkId: this.unkId,
    });
  }

  /** From a vocabulary: the token list (id = index) or the contents of vocab.txt (one token per line). */
  static fromVocab(vocab: string[] | string, options: TokenizerOptions = {}): BertTokenizer {
    let list: string[];
    if (typeof vocab === 'string') list = parseVocabText(vocab);
    else if (Array.isArray(vocab)) list = vocab;
    else throw new TokenizerError(`BertTokenizer.fromVocab: vocab must be a string array or vocab.txt contents, got ${describe(vocab)}`);
    if (list.length === 0) throw new TokenizerError('BertTokenizer.fromVocab: the vocabulary is empty');
    for (let i = 0; i < list.length; i++) {
      if (typeof list[i] !== 'string') throw new TokenizerError(`BertTokenizer.fromVocab: vocab[${i}] is ${describe(list[i])}, not a string`);
    }
    if (typeof options !== 'object' || options === null) throw new TokenizerError(`BertTokenizer.fromVocab: options must be an object, got ${describe(options)}`);
    const opts = { ...DEFAULTS } as Required<TokenizerOptions>;
    for (const [k, v] of Object.entries(options)) {
      if (!(k in DEFAULTS)) throw new TokenizerError(`BertTokenizer.fromVocab: unknown option "${k}"`);
      if (v !== undefined) (opts as Record<string, unknown>)[k] = v;
    }
    for (const k of ['doLowerCase', 'tokenizeChineseChars', 'cleanText'] as const) {
      if (typeof opts[k] !== 'boolean') throw new TokenizerError(`tokenizer options.${k} must be a boolean, got ${describe(opts[k])}`);
    }
    if (opts.stripAccents !== null && typeof opts.stripAccents !== 'boolean') {
      throw new TokenizerError(`tokenizer options.stripAccents must be a boolean or null, got ${describe(opts.stripAccents)}`);
    }
    for (const k of ['unkToken', 'clsToken', 'sepToken', 'padToken', 'maskToken'] as const) {
      if (typeof opts[k] !== 'string') throw new TokenizerError(`tokenizer options.${k} must be a string, got ${describe(opts[k])}`);
    }
    if (!Array.isArray(opts.additionalSpecialTokens) || opts.additionalSpecialTokens.some((t) => typeof t !== 'string')) {
      throw new TokenizerError('tokenizer options.additionalSpecialTokens must be an array of strings');
    }
    for (const k of ['modelMaxLength', 'maxInputCharsPerWord'] as const) {
      if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new TokenizerError(`tokenizer options.${k} must be a positive integer, got ${String(opts[k])}`);
    }
    opts.additionalSpecialTokens = [...opts.additionalSpecialTokens];
    return new BertTokenizer(list.slice(), opts);
  }

  /** From Hugging Face's tokenizer.json (+ tokenizer_config.json, which wins like in BertTokenizerFast). */
  static fromTokenizerJson(json: string | object, config?: string | object): BertTokenizer {
    const { vocab, options } = parseTokenizerJson(json, config);
    return BertTokenizer.fromVocab(vocab, options);
  }

  /**
   * Node only: a model folder (tokenizer.json, else vocab.txt, each with tokenizer_config.json when present), or
   * one of those files directly.
   */
  static async fromFolder(path: string): Promise<BertTokenizer> {
    const { loadFromPath } = await import('./load-node.js');
    return loadFromPath(path);
  }

  /** Node only: bert-base-uncased, from the vocabulary that ships in this package (vocab/). */
  static async bertBaseUncased(): Promise<BertTokenizer> {
    const { loadFromPath } = await import('./load-node.js');
    const { fileURLToPath } = await import('node:url');
    return loadFromPath(fileURLToPath(new URL('../../vocab/bert-base-uncased-vocab.txt', import.meta.url)));
  }

  tokenToId(token: string): number | undefined {
    return this.index.get(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.vocab.length ? this.vocab[id] : undefined;
  }

  /**
   * Encode a text, or a pair (`[CLS] text [SEP] pair [SEP]`, type ids 0 then 1). Offsets are `[start, end)` in
   * UTF-16 code units of the text each token came from (type 0: `text`, type 1: `pair`); `[0, 0]` for the added
   * [CLS]/[SEP]. Throws TokenizerError for a non-string input, and for truncation that the reference refuses
   * (only_first/only_second when that side is too short, only_second without a pair, maxLength below the number
   * of special tokens).
   */
  encode(text: string, pair?: string | null, opts: EncodeOptions = {}): Encoding {
    checkText(text, 'text');
    const hasPair = pair !== undefined && pair !== null;
    if (hasPair) checkText(pair, 'pair');
    const trunc = this.truncation(opts, hasPair);
    const a = this.sinkA;
    // A single text needs no more than its budget of tokens, plus one to know that a cut is needed (only_second
    // refuses a cut single): stop tokenizing there. Exact for singles; pairs need both true lengths (truncate()).
    a.reset(trunc && !hasPair ? trunc.budget + 1 : Infinity);
    this.encodeSequence(text, a);
    let b: TokenSink | undefined;
    if (hasPair) {
      b = this.sinkB;
      b.reset();
      this.encodeSequence(pair, b);
    }
    let n1 = a.n, n2 = b ? b.n : 0;
    if (trunc) [n1, n2] = truncate(n1, n2, hasPair, trunc.budget, trunc.strategy);
    return this.assemble(a, n1, b, n2);
  }

  /** Encode many texts and pairs, padded to a rectangle ('longest' by default). */
  encodeBatch(inputs: (string | [string, string])[], opts: BatchEncodeOptions = {}): BatchEncoding {
    if (!Array.isArray(inputs)) throw new TokenizerError(`encodeBatch: inputs must be an array, got ${describe(inputs)}`);
    const rows: Encoding[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i];
      try {
        if (typeof x === 'string') rows[i] = this.encode(x, undefined, opts);
        else if (Array.isArray(x) && x.length === 2) rows[i] = this.encode(x[0], x[1], opts);
        else throw new TokenizerError(`expected a string or a [text, pair] array, got ${describe(x)}`);
      } catch (err) {
        if (err instanceof TokenizerError) throw new TokenizerError(`encodeBatch: input ${i}: ${err.message}`, { cause: err });
        throw err;
      }
    }
    const padding = opts.padding ?? 'longest';
    let width = 0;
    if (padding === 'max_length') {
      width = opts.maxLength ?? this.options.modelMaxLength;
    } else if (padding === 'longest' || padding === true) {
      for (const r of rows) width = Math.max(width, r.inputIds.length);
    } else if (padding !== false) {
      throw new TokenizerError(`encodeBatch: padding must be 'longest', 'max_length' or false, got ${JSON.stringify(padding)}`);
    }
    for (const r of rows) {
      for (let k = r.inputIds.length; k < width; k++) {
        r.inputIds.push(this.padId);
        r.tokenTypeIds.push(0);
        r.attentionMask.push(0);
        r.tokens.push(this.options.padToken);
        r.offsets.push([0, 0]);
      }
    }
    return {
      inputIds: rows.map((r) => r.inputIds),
      tokenTypeIds: rows.map((r) => r.tokenTypeIds),
      attentionMask: rows.map((r) => r.attentionMask),
      tokens: rows.map((r) => r.tokens),
      offsets: rows.map((r) => r.offsets),
    };
  }

  /**
   * Ids back to text with the WordPiece decoder of the reference (`##` pieces glued to the previous token, a space
   * before every other token, then its cleanup: " ." -> "." etc.). Unknown ids are skipped.
   */
  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TokenizerError(`decode: ids must be an array of token ids, got ${describe(ids)}`);
    }
    const skip = opts.skipSpecialTokens === true;
    let out = '';
    let i = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const t = this.idToToken(id);
      if (t === undefined) continue;
      if (skip && this.specialIds.has(id)) continue;
      let piece: string;
      if (i === 0) piece = t;
      else if (t.startsWith('##')) piece = t.slice(2);
      else piece = ' ' + t;
      out += cleanup(piece);
      i++;
    }
    return out;
  }

  private truncation(opts: EncodeOptions, hasPair: boolean): { budget: number; strategy: TruncationStrategy } | undefined {
    if (typeof opts !== 'object' || opts === null) throw new TokenizerError(`encode: options must be an object, got ${describe(opts)}`);
    const { maxLength, truncation } = opts;
    if (truncation === false || (truncation === undefined && maxLength === undefined)) return undefined;
    const strategy: TruncationStrategy = truncation === undefined || truncation === true ? 'longest_first' : truncation;
    if (strategy !== 'longest_first' && strategy !== 'only_first' && strategy !== 'only_second') {
      throw new TokenizerError(`encode: truncation must be 'longest_first', 'only_first', 'only_second' or a boolean, got ${JSON.stringify(truncation)}`);
    }
    const max = maxLength ?? this.options.modelMaxLength;
    const special = hasPair ? 3 : 2;
    if (!Number.isInteger(max) || max < special) {
      // The reference underflows here (usize) and silently keeps everything: refuse instead.
      throw new TokenizerError(`encode: maxLength must be an integer of at least ${special} (the special tokens of a ${hasPair ? 'pair' : 'single text'}), got ${String(max)}`);
    }
    return { budget: max - special, strategy };
  }

  /** Special tokens typed in the raw text are cut out first; the pieces between them are tokenized apart. */
  private encodeSequence(text: string, sink: TokenSink): void {
    const specials = this.specials;
    let pos = 0;
    if (specials.length > 0) {
      const one = this.specialFirstUnit;
      let j = one >= 0 ? text.indexOf(String.fromCharCode(one)) : this.nextFirst(text, 0);
      while (j >= 0) {
        let hit = -1;
        for (let k = 0; k < specials.length; k++) {
          if (text.startsWith(specials[k].text, j)) {
            hit = k;
            break;
          }
        }
        if (hit >= 0) {
          if (j > pos) this.pipeline.run(text, pos, j, sink);
          const sp = specials[hit];
          sink.push(sp.id, j, j + sp.text.length);
          pos = j + sp.text.length;
          j = pos;
        } else j++;
        if (sink.n >= sink.limit) return;
        j = one >= 0 ? text.indexOf(String.fromCharCode(one), j) : this.nextFirst(text, j);
      }
    }
    if (pos < text.length) this.pipeline.run(text, pos, text.length, sink);
  }

  private nextFirst(text: string, from: number): number {
    const m = this.specialFirst;
    for (let i = from; i < text.length; i++) if (m[text.charCodeAt(i)]) return i;
    return -1;
  }

  private assemble(a: TokenSink, n1: number, b: TokenSink | undefined, n2: number): Encoding {
    const total = n1 + 2 + (b ? n2 + 1 : 0);
    const inputIds: number[] = newArray(total);
    const tokenTypeIds: number[] = newArray(total);
    const attentionMask: number[] = newArray(total);
    const tokens: string[] = newArray(total);
    const offsets: [number, number][] = newArray(total);
    const vocab = this.vocab;
    let k = 0;
    const special = (id: number, type: number) => {
      inputIds[k] = id;
      tokenTypeIds[k] = type;
      attentionMask[k] = 1;
      tokens[k] = vocab[id];
      offsets[k++] = [0, 0];
    };
    const copy = (s: TokenSink, n: number, type: number) => {
      const ids = s.ids, st = s.starts, en = s.ends;
      for (let i = 0; i < n; i++, k++) {
        const id = ids[i];
        inputIds[k] = id;
        tokenTypeIds[k] = type;
        attentionMask[k] = 1;
        tokens[k] = vocab[id];
        offsets[k] = [st[i], en[i]];
      }
    };
    special(this.clsId, 0);
    copy(a, n1, 0);
    special(this.sepId, 0);
    if (b) {
      copy(b, n2, 1);
      special(this.sepId, 1);
    }
    return { inputIds, tokenTypeIds, attentionMask, tokens, offsets };
  }
}

/**
 * An array of n slots to fill in order. V8 gives `new Array(n)` slow dictionary storage from about 100k
 * elements on; past that, growing by writes keeps fast elements (and the 1 MB input linear).
 */
function newArray<T>(n: number): T[] {
  return n <= 50_000 ? (new Array(n) as T[]) : [];
}

function checkText(x: unknown, what: string): asserts x is string {
  if (typeof x !== 'string') throw new TokenizerError(`encode: ${what} must be a string, got ${describe(x)}`);
}

/**
 * Kept lengths of the two sequences under a budget of m tokens (max_length minus the special tokens), as
 * tokenizers' truncate_encodings (utils/truncation.rs) computes them — on the sequences' true lengths, i.e.
 * without the early exit that tokenizers 0.23.1-0.23.2 added (a regression: huggingface/tokenizers#2091).
 */
export function truncate(n1: number, n2: number, hasPair: boolean, m: number, strategy: TruncationStrategy): [number, number] {
  if (m === 0) return [0, 0];
  if (n1 + n2 <= m) return [n1, n2];
  const toRemove = n1 + n2 - m;
  if (strategy === 'longest_first') {
    if (!hasPair) return [m, 0];
    let short = n1, long = n2;
    const swap = n1 > n2;
    if (swap) [short, long] = [n2, n1];
    long = short > m ? short : Math.max(short, m - short);
    if (short + long > m) {
      short = Math.floor(m / 2);
      long = short + (m % 2);
    }
    const [k1, k2] = swap ? [long, short] : [short, long];
    return [Math.min(k1, n1), Math.min(k2, n2)];
  }
  if (strategy === 'only_second' && !hasPair) throw new TokenizerError('Truncation error: Second sequence not provided');
  if (strategy === 'only_first') {
    if (n1 > toRemove) return [n1 - toRemove, n2];
  } else if (n2 > toRemove) return [n1, n2 - toRemove];
  throw new TokenizerError(TRUNCATION_ERROR);
}

/** The reference WordPiece decoder's cleanup, applied to each decoded token (decoders/wordpiece.rs). */
function cleanup(s: string): string {
  if (s.length < 2) return s;
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
