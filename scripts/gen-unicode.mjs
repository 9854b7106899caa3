#!/usr/bin/env node
// Generates src/tokenizer/unicode-tables.ts: the character tables of Hugging Face's BertNormalizer and
// BertPreTokenizer, frozen. Run once by hand (`node scripts/gen-unicode.mjs`); the output is committed, so
// neither the build nor CI runs this.
//
// Why frozen tables and not the engine's \p{..} / normalize(): the reference (tokenizers, the Rust code behind
// BertTokenizerFast) uses Unicode 8.0 categories (crate unicode_categories 0.1.1) for controls, Mn and
// punctuation, Unicode 9.0 decompositions (crate unicode-normalization-alignments 0.1.12), and the Rust
// toolchain's char::to_lowercase. The running engine's ICU is newer and differs on hundreds of code points, and
// it differs again between Node versions. So the tables are taken from the reference itself.
//
// Sources:
//   - every property except the combining classes is read off the reference by probing it one code point at a
//     time through the npm package `tokenizers` (a devDependency; its Linux binary ships inside the package):
//     bertNormalizer with one option on at a time (clean_text: deleted / mapped to space; handle_chinese_chars;
//     strip_accents: Mn deleted), nfdNormalizer (full canonical decomposition), lowercase, bertPreTokenizer
//     (whitespace split, punctuation isolation). All 1,112,064 non-surrogate code points.
//   - canonical combining classes (only needed to reproduce NFD's canonical reordering): Debian's
//     unicode-data (apt-get install unicode-data: /usr/share/unicode/UnicodeData.txt and DerivedAge.txt, 15.0),
//     restricted to code points assigned in Unicode 9.0 or earlier. A ccc never changes once assigned
//     (Unicode's stability policy), and a code point the 9.0 tables do not know has ccc 0 there.
//
// Output encoding (compact, decoded once at load by src/tokenizer/unicode.ts): integers in base 36.
//   sets:    "gap.len,gap.len,..."  ranges [start, start+len) with start = previous end + gap
//   ccc:     "gap.len.ccc,..."       the same, with the class of the range
//   maps:    "gap:v1.v2,..."         code point = previous code point + gap, mapped to the code points v1 v2 ...
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));
const tk = require('tokenizers');
const version = require('tokenizers/package.json').version;
const UCD = process.env.UCD_DIR ?? '/usr/share/unicode';

const clean = tk.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const chinese = tk.bertNormalizer({ cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false });
// strip_accents alone: NFD then drop Mn. (The separate StripAccents normalizer drops Mn, Mc and Me: not it.)
const stripMn = tk.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const nfd = tk.nfdNormalizer();
const lower = tk.lowercase();
const pre = tk.bertPreTokenizer();

const del = [], space = [], cjk = [], mn = [], ws = [], punct = [];
const decomp = new Map(), lowerMap = new Map();
const cpsOf = (s) => [...s].map((c) => c.codePointAt(0));

for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const ch = String.fromCodePoint(cp);
  const c = clean.normalizeString(ch);
  if (c === '') del.push(cp);
  else if (c === ' ' && cp !== 0x20) space.push(cp);
  else if (c !== ch) throw new Error(`clean_text mapped U+${cp.toString(16)} to ${JSON.stringify(c)}`);
  const z = chinese.normalizeString(ch);
  if (z === ` ${ch} `) cjk.push(cp);
  else if (z !== ch) throw new Error(`handle_chinese_chars: U+${cp.toString(16)}`);
  const d = nfd.normalizeString(ch);
  // A code point with a decomposition is never tested itself (NFD replaces it first); its parts are.
  if (d === ch && stripMn.normalizeString(ch) === '') mn.push(cp);
  if (d !== ch) decomp.set(cp, cpsOf(d));
  const l = lower.normalizeString(ch);
  if (l !== ch) lowerMap.set(cp, cpsOf(l));
  // 'a' + ch + 'a': two pieces when ch is whitespace (removed), three when it is punctuation (isolated).
  const p = pre.preTokenizeString(`a${ch}a`);
  if (p.length === 2) ws.push(cp);
  else if (p.length === 3) punct.push(cp);
  else if (p.length !== 1) throw new Error(`pre-tokenizer: U+${cp.toString(16)} gave ${p.length} pieces`);
}

// Canonical combining classes, Unicode 9.0 (see the header).
const age = new Map();
for (const line of readFileSync(join(UCD, 'DerivedAge.txt'), 'utf8').split('\n')) {
  const m = /^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;\s*([0-9.]+)/.exec(line);
  if (!m) continue;
  const [a, b] = [parseInt(m[1], 16), parseInt(m[2] ?? m[1], 16)];
  for (let cp = a; cp <= b; cp++) age.set(cp, parseFloat(m[3]));
}
const ccc = new Map();
let rangeStart = -1;
for (const line of readFileSync(join(UCD, 'UnicodeData.txt'), 'utf8').split('\n')) {
  if (!line) continue;
  const f = line.split(';');
  const cp = parseInt(f[0], 16);
  if (f[1].endsWith(', First>')) { rangeStart = cp; continue; }
  const first = f[1].endsWith(', Last>') ? rangeStart : cp;
  const k = parseInt(f[3], 10);
  for (let c = first; c <= cp; c++) if (k !== 0 && (age.get(c) ?? 99) <= 9.0) ccc.set(c, k);
}

// Hangul syllables decompose algorithmically (the runtime computes them); check and drop them from the table.
for (let s = 0xac00; s < 0xac00 + 11172; s++) {
  const i = s - 0xac00, want = [0x1100 + Math.floor(i / 588), 0x1161 + Math.floor((i % 588) / 28)];
  if (i % 28) want.push(0x11a7 + (i % 28));
  if (decomp.get(s)?.join() !== want.join()) throw new Error(`Hangul U+${s.toString(16)}`);
  decomp.delete(s);
}

const b36 = (n) => n.toString(36);
function ranges(list) {
  const out = [];
  let prevEnd = 0;
  for (let i = 0; i < list.length; ) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
    out.push(`${b36(list[i] - prevEnd)}.${b36(j - i + 1)}`);
    prevEnd = list[j] + 1;
    i = j + 1;
  }
  return out.join(',');
}
function cccRanges() {
  const keys = [...ccc.keys()].sort((a, b) => a - b);
  const out = [];
  let prevEnd = 0;
  for (let i = 0; i < keys.length; ) {
    let j = i;
    while (j + 1 < keys.length && keys[j + 1] === keys[j] + 1 && ccc.get(keys[j + 1]) === ccc.get(keys[i])) j++;
    out.push(`${b36(keys[i] - prevEnd)}.${b36(j - i + 1)}.${b36(ccc.get(keys[i]))}`);
    prevEnd = keys[j] + 1;
    i = j + 1;
  }
  return out.join(',');
}
function map(m) {
  const out = [];
  let prev = 0;
  for (const cp of [...m.keys()].sort((a, b) => a - b)) {
    out.push(`${b36(cp - prev)}:${m.get(cp).map(b36).join('.')}`);
    prev = cp;
  }
  return out.join(',');
}

// Wrap long string literals so the file stays diffable.
const lit = (s) => {
  const parts = [];
  for (let i = 0; i < s.length; i += 110) parts.push(JSON.stringify(s.slice(i, i + 110)));
  return parts.join(' +\n  ');
};

const counts = { del: del.length, space: space.length, cjk: cjk.length, mn: mn.length, ws: ws.length, punct: punct.length, decomp: decomp.size, lower: lowerMap.size, ccc: ccc.size };
const src = `// generated — do not edit. Made by scripts/gen-unicode.mjs from tokenizers@${version} (probed code point by
// code point) and Debian unicode-data 15.0 (combining classes of code points assigned by Unicode 9.0).
// Counts: ${JSON.stringify(counts)}
// Encoding: see scripts/gen-unicode.mjs. Decoded by src/tokenizer/unicode.ts.

/** clean_text deletes these (U+0000, U+FFFD, Cc/Cf/Co of Unicode 8.0 except \\t \\n \\r). */
export const DELETED =
  ${lit(ranges(del))};
/** clean_text maps these to U+0020 (White_Space that is not deleted). */
export const TO_SPACE =
  ${lit(ranges(space))};
/** handle_chinese_chars surrounds these with spaces. */
export const CJK =
  ${lit(ranges(cjk))};
/** Nonspacing marks (Mn) of Unicode 8.0: strip_accents deletes them after NFD. */
export const MN =
  ${lit(ranges(mn))};
/** char::is_whitespace: the pre-tokenizer splits on these and drops them. */
export const WHITESPACE =
  ${lit(ranges(ws))};
/** ASCII punctuation plus Unicode 8.0 P*: the pre-tokenizer isolates each as its own piece. */
export const PUNCTUATION =
  ${lit(ranges(punct))};
/** Full canonical decompositions of Unicode 9.0 (Hangul syllables excluded: computed). */
export const DECOMPOSITION =
  ${lit(map(decomp))};
/** Canonical combining classes (non-zero) of Unicode 9.0. */
export const COMBINING_CLASS =
  ${lit(cccRanges())};
/** char::to_lowercase, per code point (no context rules: Σ is always σ). */
export const LOWERCASE =
  ${lit(map(lowerMap))};
`;
const out = join(ROOT, 'src', 'tokenizer', 'unicode-tables.ts');
writeFileSync(out, src);
console.log(`wrote ${out} (${src.length} bytes)`, counts);
