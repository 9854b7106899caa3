// BertNormalizer + BertPreTokenizer + WordPiece of Hugging Face tokenizers, fused into one pass over the UTF-16
// code units of a string, without building intermediate strings.
//
// What the reference does, in order, on each piece of text between special tokens
// (tokenizers/src/normalizers/bert.rs, pre_tokenizers/bert.rs, models/wordpiece):
//   1. clean_text: delete controls/format/private-use (Unicode 8.0), U+0000, U+FFFD; whitespace -> ' '
//   2. handle_chinese_chars: ' ' before and after each CJK ideograph
//   3. strip_accents: NFD (Unicode 9.0, with canonical reordering), then delete Mn (Unicode 8.0)
//   4. lowercase: char::to_lowercase per code point (no Final_Sigma)
//   5. split on whitespace (dropped), then isolate each punctuation character
//   6. WordPiece each piece: greedy longest match, "##" continuations, [UNK] for the whole piece when a position
//      has no match or the piece has more than max_input_chars_per_word code points.
// Offsets: the reference tracks, for every normalized character, the original span it came from
// (NormalizedString alignments) and gives a token [span of its first char].start .. [span of its last char].end.
// Here every normalized character carries [start, end) in UTF-16 units of the original string; the same rule then
// gives the token's offsets. Characters that normalization deletes have no span, so they fall inside a token when
// they sit inside it and outside when they sit at its edge, exactly as in the reference.
//
// NFD needs care: canonical reordering permutes combining marks, and the reference assigns spans to the reordered
// characters by position, not by identity (transform() consumes original characters in order: a character that
// "replaces" one takes the next original span, an inserted one (2nd+ char of a decomposition) takes the span of the
// last one consumed). The pending-block machinery below reproduces that exactly; plain text never enters it.
import { VocabTrie } from './trie.js';
import {
  unicodeTables,
  decompose,
  type UnicodeTables,
  F_DELETE,
  F_SPACE,
  F_PUNCT,
  F_CJK,
  F_MARK,
  F_NFD,
  F_LOWER,
} from './unicode.js';

export interface PipelineConfig {
  cleanText: boolean;
  handleChineseChars: boolean;
  stripAccents: boolean;
  lowercase: boolean;
  maxInputCharsPerWord: number;
  unkId: number;
}

/** Growable token buffer: ids and [start, end) UTF-16 offsets. Reused across calls. */
export class TokenSink {
  ids = new Int32Array(256);
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  n = 0;
  /** stop once this many tokens are in (truncation of a single sequence needs no more); Infinity = all */
  limit = Infinity;

  reset(limit = Infinity): void {
    this.n = 0;
    this.limit = limit;
  }

  push(id: number, start: number, end: number): void {
    if (this.n === this.ids.length) this.grow();
    const n = this.n++;
    this.ids[n] = id;
    this.starts[n] = start;
    this.ends[n] = end;
  }

  private grow(): void {
    const cap = this.ids.length * 2;
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.ids = g(this.ids);
    this.starts = g(this.starts);
    this.ends = g(this.ends);
  }
}

export class Pipeline {
  private readonly t: UnicodeTables;
  private readonly flags: Uint8Array;
  private readonly lower16: Uint16Array;
  /** flags that take a code point off the fast path under this configuration */
  private readonly slowMask: number;
  private readonly cfg: PipelineConfig;

  // the current word (pre-token): UTF-16 units and the original span of each unit
  private wU = new Uint16Array(128);
  private wS = new Int32Array(128);
  private wE = new Int32Array(128);
  private wn = 0;
  /** code points in the word (max_input_chars_per_word counts code points) */
  private wcp = 0;

  // NFD pending block: decomposed code points since the last starter, their combining class and whether each
  // is the first of its source character's decomposition ("replaces" an original char) or an inserted one.
  private pCp = new Int32Array(16);
  private pCc = new Uint8Array(16);
  private pFirst = new Uint8Array(16);
  private pn = 0;
  // original spans of the source characters of the pending block, consumed in order by "first" items
  private qS = new Int32Array(16);
  private qE = new Int32Array(16);
  private qHead = 0;
  private qTail = 0;
  private lastS = 0;
  private lastE = 0;

  private sink!: TokenSink;
  private readonly matchEnd = new Int32Array(1);

  constructor(
    private readonly trie: VocabTrie,
    cfg: PipelineConfig,
  ) {
    this.cfg = cfg;
    this.t = unicodeTables();
    this.flags = this.t.flags;
    this.lower16 = this.t.lower16;
    this.slowMask =
      F_SPACE |
      F_PUNCT |
      (cfg.cleanText ? F_DELETE : 0) |
      (cfg.handleChineseChars ? F_CJK : 0) |
      (cfg.stripAccents ? F_MARK | F_NFD : 0) |
      (cfg.lowercase ? F_LOWER : 0);
  }

  /** Tokenize text[a, b) (no special tokens inside) and append the tokens to sink. */
  run(text: string, a: number, b: number, sink: TokenSink): void {
    this.sink = sink;
    // A previous call may have stopped early (sink.limit) with a word or NFD block still pending: drop them.
    this.wn = 0;
    this.wcp = 0;
    this.pn = 0;
    this.qHead = this.qTail = 0;
    const flags = this.flags;
    const slowMask = this.slowMask;
    const lower16 = this.lower16;
    const lowerOn = this.cfg.lowercase;
    let i = a;
    while (i < b) {
      if (sink.n >= sink.limit) return;
      const s = i;
      let c = text.charCodeAt(i++);
      if (c >= 0xd800 && c <= 0xdfff) {
        // A pair makes one code point; a lone surrogate is what Node's N-API turns into U+FFFD for the reference.
        const d = i < b ? text.charCodeAt(i) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
        } else c = 0xfffd;
      }
      const f = flags[c];
      if ((f & slowMask) === 0) {
        // fast path: a starter that normalization keeps as is
        if (this.pn !== 0) this.flush();
        this.append(c, s, i);
      } else if (f === F_LOWER && lowerOn && c < 0x10000 && lower16[c] !== 0) {
        // next fastest: only lowercasing applies, to one BMP code point (A-Z, most cased letters)
        if (this.pn !== 0) this.flush();
        this.append(lower16[c], s, i);
      } else {
        this.slow(c, f, s, i);
      }
    }
    this.flush();
    this.endWord();
  }

  private slow(c: number, f: number, s: number, e: number): void {
    const cfg = this.cfg;
    if (cfg.cleanText && f & F_DELETE) return; // deleted before NFD: marks around it become neighbours
    if (f & F_SPACE) {
      // clean_text maps it to ' ' (a starter); either way the pre-tokenizer splits here
      this.flush();
      this.endWord();
      return;
    }
    if (cfg.handleChineseChars && f & F_CJK) {
      this.flush();
      this.endWord();
      this.normalize(c, f, s, e);
      this.flush();
      this.endWord();
      return;
    }
    this.normalize(c, f, s, e);
  }

  /** Step 3 (NFD) for one source character; then emit() does steps 3b-5. */
  private normalize(c: number, f: number, s: number, e: number): void {
    if (this.cfg.stripAccents && f & F_NFD) {
      const d = decompose(this.t, c);
      const ccc = this.t.combiningClass;
      if (d === undefined) {
        const cc = ccc.get(c) ?? 0;
        if (cc === 0) this.flush();
        this.pushSource(s, e);
        this.pushPending(c, cc, 1);
        return;
      }
      for (let k = 0; k < d.length; k++) {
        const x = d[k];
        const cc = ccc.get(x) ?? 0;
        if (cc === 0) this.flush();
        if (k === 0) this.pushSource(s, e);
        this.pushPending(x, cc, k === 0 ? 1 : 0);
      }
      return;
    }
    if (this.pn !== 0) this.flush();
    this.emit(c, s, e);
  }

  private pushSource(s: number, e: number): void {
    if (this.qTail === this.qS.length) {
      const n = this.qS.length * 2;
      const qs = new Int32Array(n), qe = new Int32Array(n);
      qs.set(this.qS);
      qe.set(this.qE);
      this.qS = qs;
      this.qE = qe;
    }
    this.qS[this.qTail] = s;
    this.qE[this.qTail++] = e;
  }

  private pushPending(cp: number, cc: number, first: number): void {
    if (this.pn === this.pCp.length) {
      const n = this.pn * 2;
      const a = new Int32Array(n), b = new Uint8Array(n), c = new Uint8Array(n);
      a.set(this.pCp);
      b.set(this.pCc);
      c.set(this.pFirst);
      this.pCp = a;
      this.pCc = b;
      this.pFirst = c;
    }
    this.pCp[this.pn] = cp;
    this.pCc[this.pn] = cc;
    this.pFirst[this.pn++] = first;
  }

  /** Canonical reordering of the pending block (stable sort by combining class), then emit it in order. */
  private flush(): void {
    const n = this.pn;
    if (n === 0) return;
    const cp = this.pCp, cc = this.pCc, first = this.pFirst;
    for (let i = 1; i < n; i++) {
      const k = cc[i];
      if (k === 0) continue; // starters never move (and only the block's first item can be one)
      let j = i;
      const x = cp[i], fi = first[i];
      while (j > 0 && cc[j - 1] > k) {
        cp[j] = cp[j - 1];
        cc[j] = cc[j - 1];
        first[j] = first[j - 1];
        j--;
      }
      cp[j] = x;
      cc[j] = k;
      first[j] = fi;
    }
    this.pn = 0;
    for (let i = 0; i < n; i++) {
      if (first[i]) {
        this.lastS = this.qS[this.qHead];
        this.lastE = this.qE[this.qHead++];
      }
      this.emit(cp[i], this.lastS, this.lastE);
    }
    this.qHead = this.qTail = 0;
  }

  /** Mn filter (strip_accents), lowercase, then the pre-tokenizer's decision for one normalized code point. */
  private emit(c: number, s: number, e: number): void {
    const f = this.flags[c];
    if (this.cfg.stripAccents && f & F_MARK) return;
    if (this.cfg.lowercase && f & F_LOWER) {
      const l = this.t.lowercase.get(c)!;
      for (let k = 0; k < l.length; k++) this.put(l[k], s, e);
      return;
    }
    this.put(c, s, e);
  }

  private put(c: number, s: number, e: number): void {
    const f = this.flags[c];
    if (f & F_SPACE) {
      this.endWord();
    } else if (f & F_PUNCT) {
      this.endWord();
      this.append(c, s, e);
      this.endWord();
    } else {
      this.append(c, s, e);
    }
  }

  private append(c: number, s: number, e: number): void {
    const n = this.wn;
    if (n + 2 > this.wU.length) this.growWord();
    if (c < 0x10000) {
      this.wU[n] = c;
      this.wS[n] = s;
      this.wE[n] = e;
      this.wn = n + 1;
    } else {
      const v = c - 0x10000;
      this.wU[n] = 0xd800 + (v >> 10);
      this.wU[n + 1] = 0xdc00 + (v & 0x3ff);
      this.wS[n] = this.wS[n + 1] = s;
      this.wE[n] = this.wE[n + 1] = e;
      this.wn = n + 2;
    }
    this.wcp++;
  }

  private growWord(): void {
    const n = this.wU.length * 2;
    const u = new Uint16Array(n), s = new Int32Array(n), e = new Int32Array(n);
    u.set(this.wU);
    s.set(this.wS);
    e.set(this.wE);
    this.wU = u;
    this.wS = s;
    this.wE = e;
  }

  /** WordPiece on the current word. */
  private endWord(): void {
    const n = this.wn;
    if (n === 0) return;
    const cp = this.wcp;
    this.wn = 0;
    this.wcp = 0;
    const sink = this.sink;
    const wS = this.wS, wE = this.wE;
    if (cp > this.cfg.maxInputCharsPerWord) {
      sink.push(this.cfg.unkId, wS[0], wE[n - 1]);
      return;
    }
    const base = sink.n;
    const trie = this.trie, wU = this.wU, out = this.matchEnd;
    let start = 0;
    while (start < n) {
      const id = trie.longest(wU, start, n, start > 0, out);
      if (id < 0) {
        sink.n = base; // the whole word becomes one [UNK]
        sink.push(this.cfg.unkId, wS[0], wE[n - 1]);
        return;
      }
      const end = out[0];
      sink.push(id, wS[start], wE[end - 1]);
      start = end;
    }
  }
}
