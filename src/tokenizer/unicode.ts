// The frozen character tables of the reference tokenizer (see unicode-tables.ts and scripts/gen-unicode.mjs),
// decoded once into flat lookup structures. Nothing here consults the engine's own Unicode data (\p{..},
// normalize(), toLowerCase()): those follow the engine's ICU version, the reference does not.
import * as T from './unicode-tables.js';

/** clean_text deletes it (controls, format chars, private use, U+0000, U+FFFD; Unicode 8.0). */
export const F_DELETE = 1;
/** char::is_whitespace (also what clean_text maps to U+0020 when it does not delete it). */
export const F_SPACE = 2;
/** ASCII punctuation or Unicode 8.0 P*: a piece of its own. */
export const F_PUNCT = 4;
/** handle_chinese_chars: surrounded by spaces. */
export const F_CJK = 8;
/** Mn in Unicode 8.0: strip_accents deletes it (after NFD). */
export const F_MARK = 16;
/** Has a canonical decomposition (Unicode 9.0) or a non-zero combining class: needs the NFD machinery. */
export const F_NFD = 32;
/** Lowercasing changes it. */
export const F_LOWER = 64;

export interface UnicodeTables {
  /** flags per code point, 0x110000 entries (1.1 MB: one byte each, no branches or searches at lookup) */
  flags: Uint8Array;
  /** code point -> its full canonical decomposition (Hangul syllables excluded: see decompose()) */
  decomposition: Map<number, readonly number[]>;
  /** code point -> canonical combining class, only non-zero ones */
  combiningClass: Map<number, number>;
  /** code point -> lowercase code points (only where it changes) */
  lowercase: Map<number, readonly number[]>;
  /** BMP code point -> its lowercase when that is one BMP code point, else 0 (the common case, no Map) */
  lower16: Uint16Array;
}

const HANGUL_S = 0xac00;
const HANGUL_COUNT = 11172;

function eachRange(enc: string, fn: (start: number, end: number, value: number) => void): void {
  let prev = 0;
  for (const item of enc.split(',')) {
    const [gap, len, value] = item.split('.').map((x) => parseInt(x, 36));
    const start = prev + gap;
    fn(start, start + len, value ?? 0);
    prev = start + len;
  }
}

function eachMapping(enc: string, fn: (cp: number, to: number[]) => void): void {
  let prev = 0;
  for (const item of enc.split(',')) {
    const colon = item.indexOf(':');
    const cp = prev + parseInt(item.slice(0, colon), 36);
    fn(cp, item.slice(colon + 1).split('.').map((x) => parseInt(x, 36)));
    prev = cp;
  }
}

let tables: UnicodeTables | undefined;

/** The decoded tables, built on first use (about 5 ms) and shared by every tokenizer. */
export function unicodeTables(): UnicodeTables {
  if (tables) return tables;
  const flags = new Uint8Array(0x110000);
  const set = (enc: string, bit: number) =>
    eachRange(enc, (s, e) => {
      for (let c = s; c < e; c++) flags[c] |= bit;
    });
  set(T.DELETED, F_DELETE);
  set(T.WHITESPACE, F_SPACE);
  set(T.PUNCTUATION, F_PUNCT);
  set(T.CJK, F_CJK);
  set(T.MN, F_MARK);
  const decomposition = new Map<number, readonly number[]>();
  eachMapping(T.DECOMPOSITION, (cp, to) => {
    decomposition.set(cp, to);
    flags[cp] |= F_NFD;
  });
  for (let c = HANGUL_S; c < HANGUL_S + HANGUL_COUNT; c++) flags[c] |= F_NFD;
  const combiningClass = new Map<number, number>();
  eachRange(T.COMBINING_CLASS, (s, e, v) => {
    for (let c = s; c < e; c++) {
      combiningClass.set(c, v);
      flags[c] |= F_NFD;
    }
  });
  const lowercase = new Map<number, readonly number[]>();
  const lower16 = new Uint16Array(0x10000);
  eachMapping(T.LOWERCASE, (cp, to) => {
    lowercase.set(cp, to);
    flags[cp] |= F_LOWER;
    if (cp < 0x10000 && to.length === 1 && to[0] < 0x10000) lower16[cp] = to[0];
  });
  tables = { flags, decomposition, combiningClass, lowercase, lower16 };
  return tables;
}

/** Full canonical decomposition of one code point (Unicode 9.0), or undefined when it has none. */
export function decompose(t: UnicodeTables, cp: number): readonly number[] | undefined {
  const i = cp - HANGUL_S;
  if (i >= 0 && i < HANGUL_COUNT) {
    const l = 0x1100 + ((i / 588) | 0);
    const v = 0x1161 + (((i % 588) / 28) | 0);
    const tt = i % 28;
    return tt ? [l, v, 0x11a7 + tt] : [l, v];
  }
  return t.decomposition.get(cp);
}
