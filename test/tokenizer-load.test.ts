// One tokenizer loader for every path: `BertTokenizer.fromFolder`, `wasmbert convert` (the tokenizer stored in
// a .wbin) and the hub all go through tokenizerFromFiles, with Hugging Face's precedence (tokenizer.json first,
// its added tokens kept; else vocab.txt; tokenizer_config.json over either). For folders with tokenizer.json
// only, vocab.txt only, both (disagreeing) and added tokens, the .wbin's tokenizer must encode every golden
// line (../shared/golden/tokenizer: 3,283 texts) exactly as fromFolder does — and fromFolder follows HF.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertTokenizer } from '../src/tokenizer/index.js';
import { synthesize } from '../src/weights/synth.js';
import { convertCheckpoint } from '../src/weights/convert.js';
import { fileSource } from '../src/weights/source-node.js';
import { openWbin } from '../src/weights/wbin.js';
import { ROOT, shared, sharedAvailable } from './shared.js';

const HAVE = sharedAvailable();
let tmp: string;
let base: string;
let texts: string[];
const vocab = readFileSync(join(ROOT, 'vocab', 'bert-base-uncased-vocab.txt'), 'utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');

/** tokenizer.json of BertTokenizerFast for `tokens`, lowercasing or not, with extra added tokens. */
function tokenizerJson(tokens: string[], lowercase: boolean, added: { id: number; content: string }[] = []) {
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => ({ id: tokens.indexOf(content), content }));
  return JSON.stringify({
    version: '1.0',
    added_tokens: [...special, ...added].map((t) => ({ ...t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
    },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(tokens.map((t, i) => [t, i])) },
  });
}

/** A checkpoint folder (synthetic-tiny's weights) with exactly these tokenizer files. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(base, f), join(dir, f));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

/** The tokenizer a .wbin converted from `dir` carries (what Bert.load builds from its header). */
async function wbinTokenizer(dir: string): Promise<BertTokenizer> {
  const out = join(dir, 'model.wbin');
  await convertCheckpoint(dir, out);
  const src = fileSource(out);
  try {
    const f = await openWbin(src);
    return BertTokenizer.fromVocab(f.tokenizer.vocab, f.tokenizer.options as never);
  } finally {
    await src.close?.();
  }
}

function expectSame(a: BertTokenizer, b: BertTokenizer) {
  expect(a.vocab).toEqual(b.vocab);
  expect(a.options).toEqual(b.options);
  let checked = 0;
  for (const t of texts) {
    const x = a.encode(t, undefined, { truncation: 'longest_first', maxLength: 512 });
    const y = b.encode(t, undefined, { truncation: 'longest_first', maxLength: 512 });
    expect(x.inputIds, t).toEqual(y.inputIds);
    expect(x.offsets, t).toEqual(y.offsets);
    checked++;
  }
  expect(checked).toBe(texts.length);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmbert-tokload-'));
  base = join(tmp, 'base');
  await synthesize('synthetic-tiny', base);
  texts = HAVE
    ? readFileSync(shared('golden', 'tokenizer', 'golden.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text)
    : ['Hello, World! <ent> naïve café', 'BERT 是 a model [MASK] x', 'unaffable   tabs\tand\nnewlines'];
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('one tokenizer loader: the .wbin tokenizer is fromFolder\'s', () => {
  it('tokenizer.json only (with tokenizer_config.json)', async () => {
    const dir = folder('json-only', { 'tokenizer.json': tokenizerJson(vocab, true), 'tokenizer_config.json': JSON.stringify({ do_lower_case: true, model_max_length: 512 }) });
    const a = await BertTokenizer.fromFolder(dir);
    expectSame(await wbinTokenizer(dir), a);
    if (HAVE) {
      // and fromFolder on the shared folder's own tokenizer.json is the golden one: same ids as this
      const gold = await BertTokenizer.fromFolder(shared('golden', 'tokenizer', 'tokenizer.json'));
      expect(gold.encode(texts[0]).inputIds).toEqual(a.encode(texts[0]).inputIds);
    }
  });

  it('vocab.txt only, cased by tokenizer_config.json', async () => {
    const dir = folder('vocab-only', { 'vocab.txt': vocab.join('\n') + '\n', 'tokenizer_config.json': JSON.stringify({ do_lower_case: false }) });
    const a = await BertTokenizer.fromFolder(dir);
    expect(a.options.doLowerCase).toBe(false);
    expectSame(await wbinTokenizer(dir), a);
  });

  it('both, disagreeing: tokenizer.json wins (HF), vocab.txt is ignored; tokenizer_config.json still applies', async () => {
    const other = vocab.slice();
    [other[2000], other[2001]] = [other[2001], other[2000]]; // vocab.txt says otherwise about two ids
    const dir = folder('both', { 'tokenizer.json': tokenizerJson(vocab, true), 'vocab.txt': other.join('\n') + '\n', 'tokenizer_config.json': JSON.stringify({ do_lower_case: false }) });
    const a = await BertTokenizer.fromFolder(dir);
    expect(a.vocab[2000]).toBe(vocab[2000]);
    expect(a.options.doLowerCase).toBe(false); // tokenizer_config.json over tokenizer.json's normalizer, as BertTokenizerFast
    const w = await wbinTokenizer(dir);
    expect(w.vocab[2000]).toBe(vocab[2000]);
    expectSame(w, a);
  });

  it('added tokens are kept (matched whole in the raw text), in the .wbin too', async () => {
    const dir = folder('added', { 'tokenizer.json': tokenizerJson(vocab, true, [{ id: 6, content: '<ent>' }]) });
    const a = await BertTokenizer.fromFolder(dir);
    expect(a.encode('a <ent> b').tokens).toEqual(['[CLS]', 'a', '<ent>', 'b', '[SEP]']);
    const w = await wbinTokenizer(dir);
    expect(w.encode('a <ent> b').tokens).toEqual(['[CLS]', 'a', '<ent>', 'b', '[SEP]']);
    expectSame(w, a);
  });

  it('a tokenizer.json the tokenizer cannot honour fails the conversion as it fails fromFolder, naming the file', async () => {
    const bad = JSON.parse(tokenizerJson(vocab, true));
    bad.normalizer = { type: 'Sequence', normalizers: [bad.normalizer, { type: 'Replace', pattern: { String: 'a' }, content: 'b' }] };
    const dir = folder('bad', { 'tokenizer.json': JSON.stringify(bad), 'vocab.txt': vocab.join('\n') });
    await expect(BertTokenizer.fromFolder(dir)).rejects.toThrow(/bad\/tokenizer\.json: normalizer must be BertNormalizer, got "Sequence"/);
    await expect(convertCheckpoint(dir, join(dir, 'x.wbin'))).rejects.toThrow(/bad: tokenizer\.json: normalizer must be BertNormalizer, got "Sequence"/);
  });
});
