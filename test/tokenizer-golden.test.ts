// The tokenizer against Hugging Face tokenizers (the Rust code behind BertTokenizerFast) on every line of
// ../shared/golden/tokenizer: 3,283 real texts uncased and cased, 310 truncated pairs (42 of which the reference
// refuses), 300 truncated singles. Ids, type ids, tokens and offsets must all be equal: any difference is a wrong
// embedding downstream. The files' offsets are in code points; they are converted to UTF-16 as their README shows.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BertTokenizer, TokenizerError, type Encoding, type TruncationStrategy } from '../src/tokenizer/index.js';
import { ROOT, shared, sharedAvailable } from './shared.js';
import { join } from 'node:path';

interface Rec {
  text: string;
  text_pair?: string;
  strategy?: TruncationStrategy;
  max_length?: number;
  ids?: number[];
  type_ids?: number[];
  tokens?: string[];
  offsets?: [number, number][];
  error?: string;
  early_exit_sensitive?: boolean;
}

const dir = (f: string) => shared('golden', 'tokenizer', f);
const lines = (f: string): Rec[] =>
  readFileSync(dir(f), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Rec);

/** map[cp] = UTF-16 index of code point cp (map[n] = text.length) */
function cpToUtf16(text: string): number[] {
  const map = [0];
  let u = 0;
  for (const ch of text) {
    u += ch.length;
    map.push(u);
  }
  return map;
}

/** First difference between our encoding and the record, or '' when equal. */
function diff(rec: Rec, enc: Encoding): string {
  const a = cpToUtf16(rec.text), b = cpToUtf16(rec.text_pair ?? '');
  const want = rec.offsets!.map(([s, e], i) => {
    const m = rec.type_ids![i] === 1 ? b : a;
    return [m[s], m[e]];
  });
  if (enc.inputIds.length !== rec.ids!.length) return `length ${enc.inputIds.length} vs ${rec.ids!.length}`;
  for (let i = 0; i < rec.ids!.length; i++) {
    if (enc.inputIds[i] !== rec.ids![i]) return `token ${i}: id ${enc.inputIds[i]} (${enc.tokens[i]}) vs ${rec.ids![i]} (${rec.tokens![i]})`;
    if (enc.tokenTypeIds[i] !== rec.type_ids![i]) return `token ${i}: type ${enc.tokenTypeIds[i]} vs ${rec.type_ids![i]}`;
    if (enc.tokens[i] !== rec.tokens![i]) return `token ${i}: "${enc.tokens[i]}" vs "${rec.tokens![i]}"`;
    if (enc.offsets[i][0] !== want[i][0] || enc.offsets[i][1] !== want[i][1]) {
      return `token ${i} (${enc.tokens[i]}): offsets [${enc.offsets[i]}] vs [${want[i]}]`;
    }
    if (enc.attentionMask[i] !== 1) return `token ${i}: attention mask ${enc.attentionMask[i]}`;
  }
  return '';
}

/** Runs every record; returns "line N: what" for each mismatch (empty when all match). */
function check(tok: BertTokenizer, recs: Rec[]): string[] {
  const bad: string[] = [];
  recs.forEach((rec, i) => {
    const opts = rec.max_length === undefined ? {} : { maxLength: rec.max_length, truncation: rec.strategy ?? 'longest_first' };
    let enc: Encoding;
    try {
      enc = tok.encode(rec.text, rec.text_pair, opts);
    } catch (err) {
      if (rec.error !== undefined && err instanceof TokenizerError && err.message === rec.error) return;
      bad.push(`line ${i + 1}: threw ${String(err)}`);
      return;
    }
    if (rec.error !== undefined) {
      bad.push(`line ${i + 1}: expected the error "${rec.error}", got ${enc.inputIds.length} ids`);
      return;
    }
    const d = diff(rec, enc);
    if (d) bad.push(`line ${i + 1}: ${d}`);
  });
  return bad;
}

describe.skipIf(!sharedAvailable())('tokenizer vs Hugging Face tokenizers (golden files)', () => {
  // The repo's vocab.txt (fromVocab) and the reference's own tokenizer.json (fromTokenizerJson) both run the
  // uncased file, so both loaders are held to every line.
  // Read in beforeAll, not at collection: a skipped describe's body still runs, and on a clone the files are not there.
  let fromVocab: BertTokenizer, fromJson: BertTokenizer, cased: BertTokenizer;
  beforeAll(() => {
    fromVocab = BertTokenizer.fromVocab(readFileSync(join(ROOT, 'vocab', 'bert-base-uncased-vocab.txt'), 'utf8'));
    const json = readFileSync(dir('tokenizer.json'), 'utf8');
    fromJson = BertTokenizer.fromTokenizerJson(json, readFileSync(dir('tokenizer_config.json'), 'utf8'));
    cased = BertTokenizer.fromTokenizerJson(json, readFileSync(dir('tokenizer_config.cased.json'), 'utf8'));
  });

  it('golden.jsonl (3,283 texts, uncased): every line equal, from vocab.txt and from tokenizer.json', () => {
    const recs = lines('golden.jsonl');
    expect(recs.length).toBe(3283);
    expect(check(fromVocab, recs)).toEqual([]);
    expect(check(fromJson, recs)).toEqual([]);
  });

  it('golden-cased.jsonl (do_lower_case false: no lowercasing, no accent stripping): every line equal', () => {
    expect(cased.options.doLowerCase).toBe(false);
    const recs = lines('golden-cased.jsonl');
    expect(recs.length).toBe(3283);
    expect(check(cased, recs)).toEqual([]);
  });

  it('pairs.jsonl (310 truncated pairs, 42 refused): every line equal, errors as TokenizerError', () => {
    const recs = lines('pairs.jsonl');
    expect(recs.length).toBe(310);
    // The refused lines must really be exercised (42), and the early-exit lines follow the main fields.
    expect(recs.filter((r) => r.error !== undefined).length).toBe(42);
    expect(recs.filter((r) => r.early_exit_sensitive).length).toBe(19);
    expect(check(fromVocab, recs)).toEqual([]);
  });

  it('singles.jsonl (300 truncated singles): every line equal', () => {
    const recs = lines('singles.jsonl');
    expect(recs.length).toBe(300);
    expect(check(fromVocab, recs)).toEqual([]);
  });
});
