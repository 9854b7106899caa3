// Reading Hugging Face tokenizer files into (vocab, options). No Node API here: this runs in browsers too.
import { TokenizerError } from '../errors.js';
import type { TokenizerOptions } from './tokenizer.js';

type Json = Record<string, unknown>;

function parse(x: string | object, what: string): Json {
  if (typeof x === 'string') {
    try {
      x = JSON.parse(x) as object;
    } catch (err) {
      throw new TokenizerError(`${what}: not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new TokenizerError(`${what}: expected a JSON object`);
  return x as Json;
}

/** A token field of tokenizer_config.json: "[UNK]" or {"content": "[UNK]", ...} (AddedToken form). */
function tokenField(v: unknown, field: string, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  throw new TokenizerError(`${what}: "${field}" must be a string or {"content": string}`);
}

/**
 * Options from tokenizer_config.json, with BertTokenizerFast's defaults for what it leaves out
 * (do_lower_case true, strip_accents null, tokenize_chinese_chars true).
 */
export function parseTokenizerConfig(config: string | object, what = 'tokenizer_config.json'): TokenizerOptions {
  const c = parse(config, what);
  const bool = (k: string, dflt: boolean): boolean => {
    const v = c[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new TokenizerError(`${what}: "${k}" must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const opts: TokenizerOptions = {
    doLowerCase: bool('do_lower_case', true),
    stripAccents: c.strip_accents === undefined || c.strip_accents === null ? null : bool('strip_accents', false),
    tokenizeChineseChars: bool('tokenize_chinese_chars', true),
  };
  const names = { unk_token: 'unkToken', cls_token: 'clsToken', sep_token: 'sepToken', pad_token: 'padToken', mask_token: 'maskToken' } as const;
  for (const [k, o] of Object.entries(names)) {
    const t = tokenField(c[k], k, what);
    if (t !== undefined) opts[o] = t;
  }
  const m = c.model_max_length;
  // Hugging Face writes 1e30 ("no limit") for models without one; keep the default (512) then.
  if (typeof m === 'number' && Number.isInteger(m) && m > 0 && m <= 1 << 30) opts.modelMaxLength = m;
  return opts;
}

/**
 * vocab + options from a tokenizer.json of a BERT WordPiece tokenizer. With a tokenizer_config.json, its
 * do_lower_case / strip_accents / tokenize_chinese_chars replace the normalizer's settings, as
 * BertTokenizerFast.__init__ does (it rebuilds the normalizer when they disagree).
 */
export function parseTokenizerJson(json: string | object, config?: string | object): { vocab: string[]; options: TokenizerOptions } {
  const what = 'tokenizer.json';
  const j = parse(json, what);
  const model = j.model as Json | undefined;
  if (!model || typeof model !== 'object') throw new TokenizerError(`${what}: "model" is missing`);
  if (model.type !== undefined && model.type !== 'WordPiece') {
    throw new TokenizerError(`${what}: model.type is "${String(model.type)}"; only WordPiece (BERT) is supported`);
  }
  const v = model.vocab as Json | undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TokenizerError(`${what}: model.vocab must be an object {token: id}`);
  const prefix = model.continuing_subword_prefix ?? '##';
  if (prefix !== '##') throw new TokenizerError(`${what}: model.continuing_subword_prefix "${String(prefix)}" is not supported (only "##")`);
  const vocab: string[] = [];
  const put = (token: string, id: unknown, where: string) => {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > 1 << 24) throw new TokenizerError(`${what}: ${where}: bad id ${JSON.stringify(id)} for "${token}"`);
    const i = id as number;
    while (vocab.length <= i) vocab.push('');
    vocab[i] = token;
  };
  for (const [token, id] of Object.entries(v)) put(token, id, 'model.vocab');
  if (vocab.length === 0) throw new TokenizerError(`${what}: model.vocab is empty`);

  const opts: TokenizerOptions = {};
  if (typeof model.unk_token === 'string') opts.unkToken = model.unk_token;
  if (model.max_input_chars_per_word !== undefined) opts.maxInputCharsPerWord = model.max_input_chars_per_word as number;

  const norm = j.normalizer as Json | null | undefined;
  if (!norm || norm.type !== 'BertNormalizer') {
    throw new TokenizerError(`${what}: normalizer must be BertNormalizer, got ${norm ? JSON.stringify(norm.type) : 'none'}`);
  }
  opts.cleanText = norm.clean_text !== false;
  opts.tokenizeChineseChars = norm.handle_chinese_chars !== false;
  opts.doLowerCase = norm.lowercase !== false;
  opts.stripAccents = typeof norm.strip_accents === 'boolean' ? norm.strip_accents : null;
  const pre = j.pre_tokenizer as Json | null | undefined;
  if (!pre || pre.type !== 'BertPreTokenizer') {
    throw new TokenizerError(`${what}: pre_tokenizer must be BertPreTokenizer, got ${pre ? JSON.stringify(pre.type) : 'none'}`);
  }

  // [CLS]/[SEP] from the post-processor: TemplateProcessing "[CLS] $A [SEP]" (+ "$B:1 [SEP]:1") or BertProcessing.
  const post = j.post_processor as Json | null | undefined;
  if (post && post.type === 'TemplateProcessing') {
    const single = post.single as Json[] | undefined;
    const pair = post.pair as Json[] | undefined;
    const sp = (x: Json | undefined) => (x?.SpecialToken as Json | undefined)?.id;
    const seq = (x: Json | undefined) => (x?.Sequence as Json | undefined)?.id;
    const type = (x: Json | undefined) => ((x?.SpecialToken ?? x?.Sequence) as Json | undefined)?.type_id;
    const ok =
      Array.isArray(single) && single.length === 3 && typeof sp(single[0]) === 'string' && seq(single[1]) === 'A' && typeof sp(single[2]) === 'string' &&
      Array.isArray(pair) && pair.length === 5 && sp(pair[0]) === sp(single[0]) && seq(pair[1]) === 'A' && sp(pair[2]) === sp(single[2]) &&
      seq(pair[3]) === 'B' && type(pair[3]) === 1 && sp(pair[4]) === sp(single[2]) && type(pair[4]) === 1;
    if (!ok) throw new TokenizerError(`${what}: post_processor TemplateProcessing must be "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1"`);
    opts.clsToken = sp(single[0]) as string;
    opts.sepToken = sp(single[2]) as string;
  } else if (post && post.type === 'BertProcessing') {
    const cls = post.cls as [string, number] | undefined, sep = post.sep as [string, number] | undefined;
    if (!Array.isArray(cls) || !Array.isArray(sep)) throw new TokenizerError(`${what}: BertProcessing needs "cls" and "sep"`);
    opts.clsToken = cls[0];
    opts.sepToken = sep[0];
  } else {
    throw new TokenizerError(`${what}: post_processor must be TemplateProcessing or BertProcessing, got ${post ? JSON.stringify(post.type) : 'none'}`);
  }

  // Added tokens: matched whole in the raw text. Only the form BERT uses is supported (no lstrip/rstrip/
  // single_word, not normalized): anything else would silently tokenize differently, so it is refused.
  const added = (j.added_tokens ?? []) as Json[];
  if (!Array.isArray(added)) throw new TokenizerError(`${what}: added_tokens must be an array`);
  const addedTexts: string[] = [];
  for (const [i, t] of added.entries()) {
    if (typeof t?.content !== 'string') throw new TokenizerError(`${what}: added_tokens[${i}].content must be a string`);
    for (const flag of ['lstrip', 'rstrip', 'single_word', 'normalized'] as const) {
      if (t[flag] === true) throw new TokenizerError(`${what}: added_tokens[${i}] ("${t.content}") has ${flag}: true, which is not supported`);
    }
    put(t.content, t.id, `added_tokens[${i}]`);
    addedTexts.push(t.content);
  }
  if (config !== undefined) {
    const c = parseTokenizerConfig(config);
    Object.assign(opts, Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'clsToken' && k !== 'sepToken')));
  }
  // pad/mask: the config's names, else the usual BERT ones when they are added tokens.
  const named = new Set([opts.unkToken ?? '[UNK]', opts.clsToken, opts.sepToken, opts.padToken ?? '[PAD]', opts.maskToken ?? '[MASK]']);
  opts.additionalSpecialTokens = addedTexts.filter((t) => !named.has(t));
  return { vocab, options: opts };
}

/** The tokenizer files of a model folder, as text (undefined = absent). */
export interface TokenizerFiles {
  tokenizerJson?: string;
  vocabTxt?: string;
  tokenizerConfig?: string;
}

/**
 * The one loader every path uses (BertTokenizer.fromFolder, `wasmbert convert`, the hub): Hugging Face's
 * precedence — tokenizer.json when present (its added tokens kept, vocab.txt then ignored, as
 * BertTokenizerFast.from_pretrained does), else vocab.txt; tokenizer_config.json's values over either.
 * `where` prefixes messages (a folder path).
 */
export function tokenizerFromFiles(files: TokenizerFiles, where = ''): { vocab: string[]; options: TokenizerOptions; from: 'tokenizer.json' | 'vocab.txt' } {
  const at = (f: string) => (where ? `${where}/${f}` : f);
  const rethrow = (file: string, err: unknown): never => {
    if (err instanceof TokenizerError) throw new TokenizerError(`${at(file)}: ${err.message.replace(/^(tokenizer\.json|tokenizer_config\.json): /, '')}`, { cause: err });
    throw err;
  };
  let options: TokenizerOptions | undefined;
  if (files.tokenizerConfig !== undefined) {
    try {
      options = parseTokenizerConfig(files.tokenizerConfig);
    } catch (err) {
      rethrow('tokenizer_config.json', err);
    }
  }
  if (files.tokenizerJson !== undefined) {
    try {
      return { ...parseTokenizerJson(files.tokenizerJson, files.tokenizerConfig), from: 'tokenizer.json' };
    } catch (err) {
      return rethrow('tokenizer.json', err);
    }
  }
  if (files.vocabTxt !== undefined) {
    // transformers' load_vocab: one token per line, the line break stripped (\r\n too)
    const vocab = files.vocabTxt.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (vocab[vocab.length - 1] === '') vocab.pop();
    if (vocab.length === 0) throw new TokenizerError(`${at('vocab.txt')}: empty vocabulary`);
    return { vocab, options: options ?? {}, from: 'vocab.txt' };
  }
  throw new TokenizerError(`${where || 'the folder'}: no vocab.txt and no tokenizer.json: the checkpoint has no vocabulary`);
}
