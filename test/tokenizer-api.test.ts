// The tokenizer's public API: bad input (typed errors, defined results), truncation rules, padding, decode,
// the loaders (vocab.txt, tokenizer.json, folders) and the `wasmbert tokenize` CLI. Exact agreement with the
// reference on real and random text is in tokenizer-golden.test.ts and tokenizer-differential.test.ts.
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BertTokenizer, TokenizerError, truncate, parseVocabText } from '../src/tokenizer/index.js';
import { main as tokenizeCli } from '../src/cli/tokenize.js';
import { ROOT } from './shared.js';

const vocabText = readFileSync(join(ROOT, 'vocab', 'bert-base-uncased-vocab.txt'), 'utf8');
const tok = BertTokenizer.fromVocab(vocabText);
const ids = (t: string, p?: string) => tok.encode(t, p).inputIds;

describe('bad input: defined behaviour, typed errors', () => {
  it('non-string text or pair -> TokenizerError naming the argument', () => {
    for (const bad of [undefined, null, 42, {}, ['a'], Symbol('x'), new String('a')]) {
      expect(() => tok.encode(bad as never)).toThrow(TokenizerError);
    }
    expect(() => tok.encode(7 as never)).toThrow(/text must be a string, got number/);
    expect(() => tok.encode('a', 5 as never)).toThrow(/pair must be a string/);
    expect(() => tok.encodeBatch('abc' as never)).toThrow(TokenizerError);
    expect(() => tok.encodeBatch(['ok', 3 as never])).toThrow(/input 1/);
    expect(() => tok.decode('12' as never)).toThrow(TokenizerError);
  });

  it('empty and whitespace-only text -> [CLS] [SEP]', () => {
    for (const t of ['', ' ', '\t\n\r ', '\u00a0\u3000\u2028', '\u200b\ufeff\u00ad']) {
      const e = tok.encode(t);
      expect(e.inputIds).toEqual([tok.clsId, tok.sepId]);
      expect(e.offsets).toEqual([[0, 0], [0, 0]]);
    }
    expect(ids('', '')).toEqual([101, 102, 102]);
  });

  it('lone surrogates and NUL are deleted like U+FFFD (what the reference sees), inside the span of their word', () => {
    for (const junk of ['\ud800', '\udfff', '\u0000', '\ufffd']) {
      const e = tok.encode(`ab${junk}out`);
      expect(e.tokens).toEqual(['[CLS]', 'about', '[SEP]']);
      expect(e.offsets[1]).toEqual([0, 6]);
      expect(ids(junk)).toEqual([101, 102]);
    }
    // a valid pair is one code point (an emoji with no vocabulary entry: [UNK] spanning both units)
    expect(tok.encode('😀').offsets[1]).toEqual([0, 2]);
  });

  it('a 1 MB string encodes without error (its time is measured in bench/tokenizer.mjs, not here)', () => {
    const word = 'a'.repeat(1 << 20);
    expect(tok.encode(word).tokens).toEqual(['[CLS]', '[UNK]', '[SEP]']); // over 100 code points: one [UNK]
    const prose = 'the quick brown fox, '.repeat(50_000);
    const e = tok.encode(prose);
    expect(e.inputIds.length).toBe(5 * 50_000 + 2);
    expect(e.offsets[e.offsets.length - 2]).toEqual([prose.length - 2, prose.length - 1]);
  });
});

describe('state between calls', () => {
  it('a call that stops early (single-text truncation) leaves nothing pending for the next one', () => {
    // U+037E (Greek question mark) decomposes to ';', which ends a word while "é" is still in the NFD block.
    const fresh = BertTokenizer.fromVocab(vocabText);
    tok.encode('a b\u037e\u00e9\u0301x', undefined, { maxLength: 4 });
    expect(tok.encode('zz').inputIds).toEqual(fresh.encode('zz').inputIds);
    expect(tok.encode('e\u0301').offsets).toEqual(fresh.encode('e\u0301').offsets);
  });
});

describe('offsets', () => {
  it('are [start, end) UTF-16 indices into the original text, also for astral, lowercased and accented text', () => {
    const text = 'Héllo 😀 WÖRLD—𠀀x é';
    const e = tok.encode(text);
    const spans = e.offsets.slice(1, -1).map(([s, t]) => text.slice(s, t));
    expect(e.tokens.slice(1, -1)).toEqual(['hello', '[UNK]', 'world', '—', '[UNK]', 'x', 'e']);
    expect(spans).toEqual(['Héllo', '😀', 'WÖRLD', '—', '𠀀', 'x', 'é']);
  });

  it('special tokens typed in the text keep their real span; look-alikes are ordinary text', () => {
    const e = tok.encode('foo[MASK]bar [mask]');
    expect(e.tokens).toEqual(['[CLS]', 'foo', '[MASK]', 'bar', '[', 'mask', ']', '[SEP]']);
    expect(e.offsets[2]).toEqual([3, 9]);
  });

  it('pair offsets index into the pair text', () => {
    const e = tok.encode('one', 'two three');
    expect(e.tokenTypeIds).toEqual([0, 0, 0, 1, 1, 1]);
    expect(e.offsets).toEqual([[0, 0], [0, 3], [0, 0], [0, 3], [4, 9], [0, 0]]);
  });
});

describe('truncation (tokenizers utils/truncation.rs)', () => {
  it('longest_first splits the budget; on a tie the odd token goes to the second text', () => {
    expect(truncate(8, 31, true, 5, 'longest_first')).toEqual([2, 3]);
    expect(truncate(37, 37, true, 7, 'longest_first')).toEqual([3, 4]);
    expect(truncate(3, 36, true, 15, 'longest_first')).toEqual([3, 12]);
    expect(truncate(302, 6, true, 27, 'longest_first')).toEqual([21, 6]);
    expect(truncate(10, 10, true, 0, 'only_first')).toEqual([0, 0]); // budget 0: both emptied, never refused
  });

  it('only_first / only_second refuse when that side is too short, with the reference message', () => {
    expect(() => truncate(2, 10, true, 5, 'only_first')).toThrow(/Sequence to truncate too short/);
    expect(truncate(10, 2, true, 5, 'only_first')).toEqual([3, 2]);
    expect(() => tok.encode('a b c d', undefined, { maxLength: 4, truncation: 'only_second' })).toThrow(/Second sequence not provided/);
    expect(tok.encode('a b', undefined, { maxLength: 4, truncation: 'only_second' }).inputIds).toEqual(ids('a b')); // no cut, no error
  });

  it('maxLength below the special tokens is refused (the reference silently underflows)', () => {
    expect(() => tok.encode('a', undefined, { maxLength: 1 })).toThrow(TokenizerError);
    expect(() => tok.encode('a', 'b', { maxLength: 2 })).toThrow(TokenizerError);
    expect(() => tok.encode('a', undefined, { maxLength: 2.5 })).toThrow(TokenizerError);
    expect(tok.encode('a b c', undefined, { maxLength: 2 }).inputIds).toEqual([101, 102]);
  });

  it('singles keep the first maxLength - 2 tokens; truncation alone uses modelMaxLength (512)', () => {
    expect(tok.encode('a b c d e', undefined, { maxLength: 4 }).tokens).toEqual(['[CLS]', 'a', 'b', '[SEP]']);
    expect(tok.encode('a '.repeat(600), undefined, { truncation: true }).inputIds.length).toBe(512);
    expect(tok.encode('a '.repeat(600), undefined, { maxLength: 8, truncation: false }).inputIds.length).toBe(602);
  });
});

describe('encodeBatch', () => {
  it('pads to the longest with [PAD], type 0, mask 0, offsets [0, 0], on the right', () => {
    const b = tok.encodeBatch(['hello world', ['a', 'b c d']]);
    expect(b.inputIds).toEqual([
      [101, 7592, 2088, 102, 0, 0, 0],
      [101, 1037, 102, 1038, 1039, 1040, 102],
    ]);
    expect(b.attentionMask[0]).toEqual([1, 1, 1, 1, 0, 0, 0]);
    expect(b.tokenTypeIds[1]).toEqual([0, 0, 0, 1, 1, 1, 1]);
    expect(b.tokens[0].slice(4)).toEqual(['[PAD]', '[PAD]', '[PAD]']);
    expect(b.offsets[0][6]).toEqual([0, 0]);
  });

  it("padding 'max_length' pads to maxLength (truncating longer rows); false leaves rows ragged", () => {
    const b = tok.encodeBatch(['a', 'a b c d e f'], { padding: 'max_length', maxLength: 5 });
    expect(b.inputIds.map((r) => r.length)).toEqual([5, 5]);
    expect(b.inputIds[1]).toEqual([101, 1037, 1038, 1039, 102]);
    expect(tok.encodeBatch(['a', 'a b'], { padding: false }).inputIds.map((r) => r.length)).toEqual([3, 4]);
    expect(tok.encodeBatch([]).inputIds).toEqual([]);
  });
});

describe('decode (WordPiece decoder with cleanup)', () => {
  it('glues ## pieces, drops specials on request, cleans " ," " ." " !" " ?"', () => {
    const e = tok.encode("Hello, unaffable world! Isn't it?");
    expect(tok.decode(e.inputIds, { skipSpecialTokens: true })).toBe("hello, unaffable world! isn ' t it?");
    expect(tok.decode(e.inputIds)).toBe("[CLS] hello, unaffable world! isn ' t it? [SEP]");
    expect(tok.decode([1, 99999, -1, 7592])).toBe('[unused0] hello');
    expect(tok.decode([])).toBe('');
  });
});

describe('loaders and options', () => {
  it('options are plain JSON: fromVocab(vocab, JSON round trip of options) is the same tokenizer', () => {
    const cased = BertTokenizer.fromVocab(tok.vocab, { doLowerCase: false, modelMaxLength: 128 });
    const again = BertTokenizer.fromVocab(cased.vocab, JSON.parse(JSON.stringify(cased.options)));
    expect(again.options).toEqual(cased.options);
    expect(again.encode('Hello Wörld').inputIds).toEqual(cased.encode('Hello Wörld').inputIds);
    expect(cased.encode('Hello').tokens[1]).toBe('[UNK]'); // cased text, uncased vocabulary
  });

  it('fromVocab validates its arguments', () => {
    expect(() => BertTokenizer.fromVocab('')).toThrow(TokenizerError);
    expect(() => BertTokenizer.fromVocab(['a', 'b'])).toThrow(/unkToken/);
    expect(() => BertTokenizer.fromVocab(tok.vocab, { doLowerCase: 'yes' as never })).toThrow(/doLowerCase/);
    expect(() => BertTokenizer.fromVocab(tok.vocab, { bogus: 1 } as never)).toThrow(/unknown option/);
    expect(parseVocabText('a\r\nb\n')).toEqual(['a', 'b']);
    expect([tok.clsId, tok.sepId, tok.padId, tok.unkId, tok.maskId]).toEqual([101, 102, 0, 100, 103]);
    expect(tok.tokenToId('hello')).toBe(7592);
    expect(tok.idToToken(7592)).toBe('hello');
    expect(tok.idToToken(1e9)).toBeUndefined();
  });

  it('fromFolder: vocab.txt + tokenizer_config.json, tokenizer.json, errors naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmbert-tok-'));
    try {
      writeFileSync(join(dir, 'vocab.txt'), vocabText);
      writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false, model_max_length: 256 }));
      const a = await BertTokenizer.fromFolder(dir);
      expect(a.options.doLowerCase).toBe(false);
      expect(a.options.modelMaxLength).toBe(256);
      const json = {
        added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => ({ id: tok.tokenToId(content), content, special: true })),
        normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
        pre_tokenizer: { type: 'BertPreTokenizer' },
        post_processor: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] },
        model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(tok.vocab.map((t, i) => [t, i])) },
      };
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
      const b = await BertTokenizer.fromFolder(dir); // tokenizer.json wins; the config still says cased
      expect(b.options.doLowerCase).toBe(false);
      expect(b.encode('Hello [MASK]').tokens).toEqual(['[CLS]', '[UNK]', '[MASK]', '[SEP]']);
      rmSync(join(dir, 'tokenizer_config.json'));
      expect((await BertTokenizer.fromFolder(join(dir, 'tokenizer.json'))).encode('Hello').tokens[1]).toBe('hello');
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ ...json, model: { ...json.model, type: 'BPE' } }));
      await expect(BertTokenizer.fromFolder(dir)).rejects.toThrow(/tokenizer\.json: .*only WordPiece/);
      await expect(BertTokenizer.fromFolder(join(dir, 'missing'))).rejects.toThrow(TokenizerError);
      expect(() => BertTokenizer.fromTokenizerJson('{not json')).toThrow(TokenizerError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wasmbert tokenize (CLI)', () => {
  async function cli(argv: string[], input: string): Promise<{ code: number; out: string; err: string }> {
    const stdout = new PassThrough(), stderr = new PassThrough();
    let out = '', err = '';
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (err += d));
    const code = await tokenizeCli(argv, { stdin: Readable.from([input]), stdout, stderr });
    return { code, out, err };
  }
  const vocab = join(ROOT, 'vocab', 'bert-base-uncased-vocab.txt');

  it('JSONL in, one JSON line out per input line, offsets in UTF-16', async () => {
    const r = await cli(['--vocab', vocab], '{"text":"Hi 😀 there"}\n\n{"text":"a b c","text_pair":"d","max_length":5}\n');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({ input_ids: [101, 7632, 100, 2045, 102], token_type_ids: [0, 0, 0, 0, 0], tokens: ['[CLS]', 'hi', '[UNK]', 'there', '[SEP]'], offsets: [[0, 0], [0, 2], [3, 5], [6, 11], [0, 0]] });
    expect(lines[1].input_ids).toEqual([101, 1037, 102, 1040, 102]);
  });

  it('a bad line gives an error line in its place and exit code 1; bad arguments exit 2', async () => {
    const r = await cli(['--vocab', vocab], '{"text":1}\nnope\n{"text":"a","text_pair":"b","max_length":4,"truncation":"only_first"}\n{"text":"ok"}\n');
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.line ?? 'ok')).toEqual([1, 2, 3, 'ok']);
    expect(lines[2].error).toMatch(/Sequence to truncate too short/);
    expect((await cli([], '')).code).toBe(2);
    expect((await cli(['--vocab', '/nonexistent/vocab.txt'], '')).code).toBe(2);
    const help = await cli(['--help'], '');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: wasmbert tokenize --vocab/);
  });
});
