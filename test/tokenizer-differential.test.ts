// Randomized differential test: wasmbert's tokenizer against the reference itself, the npm package `tokenizers`
// (Hugging Face's Rust library, the code behind BertTokenizerFast; its Linux binary ships in the package), on
// 100,000 seeded random inputs: singles and pairs, uncased and cased, with and without truncation under every
// strategy. Ids, type ids, tokens, offsets, the refusals (truncation errors) and decode() must all agree.
//
// The reference is built here from the repo's own vocab (no ../shared needed), with the same tokenizer.json
// structure as bert-base-uncased's. One known reference bug is handled explicitly, see `earlyExitCase`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BertTokenizer, TokenizerError, type Encoding, type TruncationStrategy } from '../src/tokenizer/index.js';
import { ROOT } from './shared.js';

const require = createRequire(import.meta.url);
interface RefEncoding {
  getIds(): number[];
  getTypeIds(): number[];
  getTokens(): string[];
  getOffsets(): number[][];
}
interface RefTokenizer {
  encode(a: string, b?: string | null): Promise<RefEncoding>;
  encodeBatch(inputs: string[]): Promise<RefEncoding[]>;
  decode(ids: number[], skip: boolean): Promise<string>;
  setTruncation(maxLength: number, options?: { strategy?: string }): void;
  disableTruncation(): void;
}
const { Tokenizer } = require('tokenizers') as { Tokenizer: { fromString(s: string): RefTokenizer } };

const N = Number(process.env.TOKENIZER_DIFF_N ?? 100_000);
const vocabText = readFileSync(join(ROOT, 'vocab', 'bert-base-uncased-vocab.txt'), 'utf8');
const vocabList = vocabText.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');

function tokenizerJson(lowercase: boolean): string {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab: Record<string, number> = {};
  vocabList.forEach((t, i) => (vocab[t] = i));
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  });
}

// ---- seeded random text -------------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Code point ranges chosen for what the tokenizer treats specially: case, accents and their decompositions,
// combining marks of many classes (canonical reordering), marks and punctuation whose category changed after
// Unicode 8.0, controls/format/private use (deleted), all whitespace, CJK inside and just outside the split ranges,
// Hangul (algorithmic NFD), astral letters, emoji with ZWJ/variation selectors/tags, unassigned code points.
const BLOCKS: [number, number][] = [
  [0x41, 0x5a], [0x61, 0x7a], [0x30, 0x39], [0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e],
  [0x00, 0x1f], [0x7f, 0x9f], [0xa0, 0xff], [0x100, 0x24f], [0x250, 0x2ff], [0x300, 0x36f], [0x370, 0x3ff],
  [0x400, 0x4ff], [0x530, 0x58f], [0x591, 0x5f4], [0x600, 0x6ff], [0x750, 0x77f], [0x860, 0x8ff], [0x900, 0x97f],
  [0x980, 0x9ff], [0xa00, 0xa7f], [0xb80, 0xbff], [0xc00, 0xc7f], [0xd00, 0xd7f], [0xe00, 0xe7f], [0xf00, 0xfff],
  [0x1000, 0x109f], [0x10a0, 0x10ff], [0x1100, 0x11ff], [0x1680, 0x169f], [0x1700, 0x177f], [0x1800, 0x18af],
  [0x1ab0, 0x1aff], [0x1b00, 0x1b7f], [0x1dc0, 0x1dff], [0x1e00, 0x1eff], [0x1f00, 0x1fff], [0x2000, 0x206f],
  [0x20d0, 0x20ff], [0x2100, 0x214f], [0x2e00, 0x2e7f], [0x3000, 0x303f], [0x3040, 0x30ff], [0x3400, 0x3410],
  [0x4e00, 0x4e40], [0x9ff0, 0xa010], [0xa66f, 0xa69f], [0xa8e0, 0xa8ff], [0xa980, 0xa9df], [0xac00, 0xd7a3],
  [0xe000, 0xe010], [0xf8f0, 0xf8ff], [0xf900, 0xfaff], [0xfb00, 0xfb4f], [0xfe00, 0xfe0f], [0xfe20, 0xfe2f],
  [0xfeff, 0xfeff], [0xff00, 0xffef], [0xfff0, 0xffff], [0x10400, 0x1044f], [0x11000, 0x1107f], [0x111c0, 0x111df],
  [0x11700, 0x1173f], [0x1d15e, 0x1d1ad], [0x1e000, 0x1e02f], [0x1e900, 0x1e95f], [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff], [0x20000, 0x20010], [0x2a6d0, 0x2a6ef], [0x2b810, 0x2b830], [0x2b910, 0x2b930],
  [0x2f800, 0x2f810], [0x30000, 0x30010], [0xe0000, 0xe007f], [0xf0000, 0xf0010], [0x10fff0, 0x10ffff],
];
const SPACES = [' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2009', '\u200b', '\u0085', '\u000b'];
const SPECIALS = ['[MASK]', '[SEP]', '[CLS]', '[PAD]', '[UNK]', '[mask]', '[ MASK ]', '[MASK', '[[SEP]]'];
const vocabWords = vocabList.filter((t) => !t.startsWith('[') && !t.startsWith('##'));
const vocabPieces = vocabList.filter((t) => t.startsWith('##')).map((t) => t.slice(2));

function randomText(rnd: () => number, maxParts: number): string {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const parts: string[] = [];
  const n = Math.floor(rnd() * maxParts);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.3) {
      // a real word, maybe capitalised, maybe with continuation pieces glued on
      let w = pick(vocabWords);
      if (rnd() < 0.3) w = w[0].toUpperCase() + w.slice(1);
      if (rnd() < 0.1) w = w.toUpperCase();
      while (rnd() < 0.3) w += pick(vocabPieces);
      parts.push(w);
    } else if (r < 0.55) {
      parts.push(pick(SPACES));
    } else if (r < 0.6) {
      parts.push(pick(SPECIALS));
    } else if (r < 0.62) {
      // lone surrogates: Node hands them to the reference as U+FFFD
      parts.push(String.fromCharCode(0xd800 + Math.floor(rnd() * 0x800)));
    } else if (r < 0.63) {
      // a run long enough to cross max_input_chars_per_word (100) or sit just under it
      const len = 95 + Math.floor(rnd() * 12);
      parts.push(Array.from({ length: len }, () => pick([...'abcdeéfgh'])).join(''));
    } else if (r < 0.66) {
      // any code point at all (mostly unassigned or private use)
      let cp = Math.floor(rnd() * 0x110000);
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
      parts.push(String.fromCodePoint(cp));
    } else {
      // 1-4 characters from one block (marks follow letters of their script)
      const [lo, hi] = pick(BLOCKS);
      const k = 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < k; j++) {
        let cp = lo + Math.floor(rnd() * (hi - lo + 1));
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x61;
        parts.push(String.fromCodePoint(cp));
      }
    }
  }
  return parts.join('');
}

// ---- comparison ---------------------------------------------------------------------------------------------

interface Case {
  a: string;
  b?: string;
  maxLength?: number;
  strategy?: TruncationStrategy;
  cased: boolean;
}

const STRATEGY_NAME: Record<TruncationStrategy, string> = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' };

function cpToUtf16(text: string): number[] {
  const map = [0];
  let u = 0;
  for (const ch of text) map.push((u += ch.length));
  return map;
}

function ours(tok: BertTokenizer, c: Case): Encoding | Error {
  try {
    return tok.encode(c.a, c.b, c.maxLength === undefined ? {} : { maxLength: c.maxLength, truncation: c.strategy });
  } catch (err) {
    return err as Error;
  }
}

/**
 * tokenizers 0.23.1-0.23.2 stop tokenizing each sequence once it has max_length tokens when truncation is on
 * (PR #1990), and longest_first then hands the odd token of an odd budget to the side whose *capped* length is
 * larger, not the truly longer one (a regression: huggingface/tokenizers#2091; every earlier release, and the
 * golden files' main fields, use the true lengths — as this tokenizer does). That can only change the result
 * when both sides have at least max_length tokens and the budget is odd.
 *
 * The rule, decided from the oracle's side only: a case is compared tolerantly when it is a longest_first pair
 * with an odd budget (max_length − 3) and the *reference's own untruncated* encodings of A and of B each have
 * at least max_length tokens (`n1`, `n2`: counted without [CLS]/[SEP], from a reference tokenizer with no
 * truncation). Our tokenizer's lengths play no part, so a length bug of ours cannot widen the tolerance. For
 * those cases everything else must still agree: same total, the split differing by at most the odd token, and
 * equal tokens on the common prefix of each side.
 */
function earlyExitCandidate(c: Case): boolean {
  return c.b !== undefined && c.maxLength !== undefined && c.strategy === 'longest_first' && (c.maxLength - 3) % 2 === 1;
}
async function earlyExitCase(untruncated: RefTokenizer, c: Case): Promise<boolean> {
  if (!earlyExitCandidate(c)) return false;
  const [n1, n2] = await Promise.all([untruncated.encode(c.a), untruncated.encode(c.b!)]).then((e) => e.map((x) => x.getIds().length - 2));
  return n1 >= c.maxLength! && n2 >= c.maxLength!;
}

/**
 * At most this many of the 100,000 inputs (pro rata for TOKENIZER_DIFF_N) may be compared tolerantly. With
 * the fixed seed the rule above picks 417 (0.42%; 193 of them really split differently in 0.23.2); the bound
 * leaves room for a changed random mix, not for the rule turning loose.
 */
const MAX_TOLERANT_PER_100K = 600;

function compare(c: Case, mine: Encoding | Error, ref: RefEncoding | Error, tolerant: boolean): string {
  if (ref instanceof Error) {
    if (!(mine instanceof TokenizerError)) return `reference threw "${ref.message}", we returned ${mine instanceof Error ? mine.message : 'ids'}`;
    // the same message, word for word (the binding's messages carry no prefix): an empty or partial message fails
    if (mine.message !== ref.message) return `error "${mine.message}" vs "${ref.message}"`;
    return '';
  }
  if (mine instanceof Error) return `we threw "${mine.message}", the reference returned ids`;
  const ids = ref.getIds(), types = ref.getTypeIds(), toks = ref.getTokens(), offs = ref.getOffsets();
  const ma = cpToUtf16(c.a), mb = cpToUtf16(c.b ?? '');
  if (tolerant) {
    if (ids.length !== mine.inputIds.length) return `early-exit case: length ${mine.inputIds.length} vs ${ids.length}`;
    const split = (t: number[]) => t.indexOf(1);
    if (Math.abs(split(types) - split(mine.tokenTypeIds)) > 1) return `early-exit case: split ${split(mine.tokenTypeIds)} vs ${split(types)}`;
    // A side: positions 1 .. min split - 2; B side: from each split, min length
    const aLen = Math.min(split(types), split(mine.tokenTypeIds)) - 2;
    for (let i = 1; i <= aLen; i++) if (ids[i] !== mine.inputIds[i]) return `early-exit case: A token ${i} differs`;
    const bLen = Math.min(ids.length - split(types), mine.inputIds.length - split(mine.tokenTypeIds)) - 1;
    for (let i = 0; i < bLen; i++) if (ids[split(types) + i] !== mine.inputIds[split(mine.tokenTypeIds) + i]) return `early-exit case: B token ${i} differs`;
    return '';
  }
  if (ids.length !== mine.inputIds.length) return `length ${mine.inputIds.length} vs ${ids.length}: ${mine.tokens.join(' ')} | ${toks.join(' ')}`;
  for (let i = 0; i < ids.length; i++) {
    if (mine.inputIds[i] !== ids[i]) return `token ${i}: ${mine.tokens[i]} (${mine.inputIds[i]}) vs ${toks[i]} (${ids[i]}): ${mine.tokens.join(' ')} | ${toks.join(' ')}`;
    if (mine.tokenTypeIds[i] !== types[i]) return `token ${i}: type ${mine.tokenTypeIds[i]} vs ${types[i]}`;
    if (mine.tokens[i] !== toks[i]) return `token ${i}: "${mine.tokens[i]}" vs "${toks[i]}"`;
    const m = types[i] === 1 ? mb : ma;
    const want = [m[offs[i][0]], m[offs[i][1]]];
    if (mine.offsets[i][0] !== want[0] || mine.offsets[i][1] !== want[1]) return `token ${i} (${toks[i]}): offsets [${mine.offsets[i]}] vs [${want}]`;
  }
  return '';
}

function makeCases(seed: number, n: number): Case[] {
  const rnd = mulberry32(seed);
  const cases: Case[] = [];
  for (let i = 0; i < n; i++) {
    const long = rnd() < 0.05;
    const a = randomText(rnd, long ? 120 : 24);
    const b = rnd() < 0.35 ? randomText(rnd, long ? 120 : 24) : undefined;
    const c: Case = { a, b, cased: rnd() < 0.25 };
    if (rnd() < 0.45) {
      const r = rnd();
      c.strategy = r < 0.6 ? 'longest_first' : r < 0.8 ? 'only_first' : 'only_second';
      c.maxLength = (b === undefined ? 2 : 3) + Math.floor(rnd() * (rnd() < 0.2 ? 200 : 30));
    }
    cases.push(c);
  }
  return cases;
}

describe('tokenizer vs the tokenizers npm package on random text', () => {
  const mine = { uncased: BertTokenizer.fromVocab(vocabText), cased: BertTokenizer.fromVocab(vocabText, { doLowerCase: false }) };
  const ref = { uncased: Tokenizer.fromString(tokenizerJson(true)), cased: Tokenizer.fromString(tokenizerJson(false)) };
  // never truncates: the lengths that decide the tolerant cases (earlyExitCase)
  const untruncated = { uncased: Tokenizer.fromString(tokenizerJson(true)), cased: Tokenizer.fromString(tokenizerJson(false)) };

  it(`${N.toLocaleString('en')} random singles and pairs, with and without truncation: all equal`, async () => {
    const cases = makeCases(20240611, N);
    const failures: string[] = [];
    const maxTolerant = Math.ceil((MAX_TOLERANT_PER_100K * N) / 100_000);
    let tolerated = 0, refused = 0, truncated = 0, reallyDiffered = 0;
    // Group by (casing, truncation): the reference's truncation is a setting of the tokenizer (setTruncation).
    const groups = new Map<string, Case[]>();
    for (const c of cases) {
      const key = `${c.cased}|${c.strategy ?? ''}|${c.maxLength ?? ''}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(c);
    }
    for (const group of groups.values()) {
      const c0 = group[0];
      const tok = c0.cased ? mine.cased : mine.uncased;
      const r = c0.cased ? ref.cased : ref.uncased;
      if (c0.maxLength === undefined) r.disableTruncation();
      else r.setTruncation(c0.maxLength, { strategy: STRATEGY_NAME[c0.strategy!] });
      // Singles that cannot be refused go in one batch (fast); pairs (the binding's encodeBatch takes no pairs)
      // and refusable ones go one by one.
      const batchable = (c: Case) => c.b === undefined && (c.strategy === undefined || c.strategy === 'longest_first');
      const batch = await r.encodeBatch(group.filter(batchable).map((c) => c.a));
      const single = await Promise.all(group.filter((c) => !batchable(c)).map((c) => r.encode(c.a, c.b ?? null).catch((e: Error) => e)));
      let bi = 0, si = 0;
      const refs: (RefEncoding | Error)[] = group.map((c) => (batchable(c) ? batch[bi++] : single[si++]));
      const tolerantCases = await Promise.all(group.map((c) => earlyExitCase(c0.cased ? untruncated.cased : untruncated.uncased, c)));
      group.forEach((c, i) => {
        const m = ours(tok, c);
        const tolerant = tolerantCases[i];
        if (tolerant) tolerated++;
        if (refs[i] instanceof Error) refused++;
        else if (c.maxLength !== undefined) truncated++;
        const d = compare(c, m, refs[i], tolerant);
        if (tolerant && !d && compare(c, m, refs[i], false)) reallyDiffered++;
        if (d && failures.length < 20) failures.push(`${JSON.stringify(c)}: ${d}`);
        else if (d) failures.push('');
      });
    }
    console.log(`differential: ${N} inputs, ${truncated} truncated, ${refused} refused by both, ${tolerated} early-exit cases compared tolerantly (${reallyDiffered} of them where 0.23.2 split differently; at most ${maxTolerant} allowed)`);
    expect(failures.length, failures.slice(0, 20).join('\n')).toBe(0);
    // The mix must really exercise refusals and truncation (bounds are loose: the seed is fixed).
    expect(refused).toBeGreaterThan(N / 100);
    expect(truncated).toBeGreaterThan(N / 10);
    expect(tolerated, 'inputs compared tolerantly (early-exit rule)').toBeLessThanOrEqual(maxTolerant);
  }, 120_000);

  it('an empty or partial error message is a difference, not a match', () => {
    const c: Case = { a: 'x', cased: false };
    const refErr = new Error('Truncation error: Second sequence not provided');
    expect(compare(c, new TokenizerError(''), refErr, false)).not.toBe('');
    expect(compare(c, new TokenizerError('Truncation error'), refErr, false)).not.toBe('');
    expect(compare(c, new TokenizerError(refErr.message), refErr, false)).toBe('');
  });

  it('the tolerant cases are picked from the reference’s own untruncated lengths', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const pair = (maxLength: number, b: string): Case => ({ a: long, b, maxLength, strategy: 'longest_first', cased: false });
    expect(await earlyExitCase(untruncated.uncased, pair(20, long))).toBe(true); // odd budget 17, both sides ≥ 20
    expect(await earlyExitCase(untruncated.uncased, pair(21, long))).toBe(false); // even budget
    expect(await earlyExitCase(untruncated.uncased, pair(20, 'short'))).toBe(false); // B has 1 token
  });

  it('decode() equals the reference decoder on 5,000 random id lists, with and without skipSpecialTokens', async () => {
    const rnd = mulberry32(7);
    const failures: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(rnd() * 30);
      // mostly real encodings' ids, some arbitrary ids (including ones outside the vocabulary)
      const ids = rnd() < 0.5
        ? mine.uncased.encode(randomText(rnd, 20)).inputIds
        : Array.from({ length: n }, () => Math.floor(rnd() * (vocabList.length + 50)));
      const skip = rnd() < 0.5;
      const want = await ref.uncased.decode(ids.filter((x) => x < vocabList.length), skip);
      const got = mine.uncased.decode(ids, { skipSpecialTokens: skip });
      if (got !== want && failures.length < 10) failures.push(`${JSON.stringify(ids)} skip=${skip}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
