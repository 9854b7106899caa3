// The WordPiece vocabulary as two tries over UTF-16 code units: one for word-initial pieces, one for
// continuation pieces (the "##" entries, stored without their prefix). Greedy longest-match-first then walks
// the word once per piece instead of hashing every candidate substring from longest to shortest, and never
// builds a string.
//
// Layout: node 0 is the word-initial root, node 1 the continuation root. Children of the two roots sit in
// direct tables (65,536 entries each: the first unit is the widest fan-out); deeper edges live in one
// open-addressing hash table keyed by (parent node, code unit).

export class VocabTrie {
  /** token id ending at each node, -1 where no vocabulary entry ends */
  private term: Int32Array;
  private rootInit = new Int32Array(0x10000).fill(-1);
  private rootCont = new Int32Array(0x10000).fill(-1);
  private hNode: Int32Array;
  private hUnit: Uint16Array;
  private hChild: Int32Array;
  private mask: number;

  constructor(vocab: readonly string[], prefix: string) {
    let units = 0;
    for (const t of vocab) units += t.length;
    const maxNodes = units + 2;
    this.term = new Int32Array(maxNodes).fill(-1);
    let size = 1;
    while (size < maxNodes * 2) size <<= 1;
    this.mask = size - 1;
    this.hNode = new Int32Array(size).fill(-1);
    this.hUnit = new Uint16Array(size);
    this.hChild = new Int32Array(size);
    let next = 2;
    // Later duplicates win, as in a dict built from the file (HF's vocab loading).
    for (let id = 0; id < vocab.length; id++) {
      let t = vocab[id];
      let root = 0;
      if (prefix && t.startsWith(prefix) && t.length > prefix.length) {
        t = t.slice(prefix.length);
        root = 1;
      }
      if (t.length === 0) continue;
      const top = root === 0 ? this.rootInit : this.rootCont;
      let node = top[t.charCodeAt(0)];
      if (node < 0) node = top[t.charCodeAt(0)] = next++;
      for (let k = 1; k < t.length; k++) {
        const u = t.charCodeAt(k);
        let child = this.child(node, u);
        if (child < 0) {
          child = next++;
          this.insert(node, u, child);
        }
        node = child;
      }
      this.term[node] = id;
    }
  }

  private slot(node: number, unit: number): number {
    return (Math.imul(node, 0x9e3779b1) ^ Math.imul(unit, 0x85ebca6b)) >>> 0;
  }

  private insert(node: number, unit: number, child: number): void {
    let h = this.slot(node, unit) & this.mask;
    while (this.hNode[h] >= 0) h = (h + 1) & this.mask;
    this.hNode[h] = node;
    this.hUnit[h] = unit;
    this.hChild[h] = child;
  }

  /** child of node along unit, or -1 */
  child(node: number, unit: number): number {
    const mask = this.mask;
    let h = this.slot(node, unit) & mask;
    for (;;) {
      const n = this.hNode[h];
      if (n < 0) return -1;
      if (n === node && this.hUnit[h] === unit) return this.hChild[h];
      h = (h + 1) & mask;
    }
  }

  /**
   * Longest vocabulary entry that is a prefix of units[start..end) (a continuation entry when `cont`).
   * Returns its token id and writes the end index into out[0]; -1 when there is none.
   */
  longest(units: Uint16Array, start: number, end: number, cont: boolean, out: Int32Array): number {
    let node = (cont ? this.rootCont : this.rootInit)[units[start]];
    if (node < 0) return -1;
    const term = this.term;
    let best = term[node];
    let bestEnd = start + 1;
    const mask = this.mask, hNode = this.hNode, hUnit = this.hUnit, hChild = this.hChild;
    for (let k = start + 1; k < end; k++) {
      const u = units[k];
      // inlined child(): this loop is the tokenizer's hottest
      let h = ((Math.imul(node, 0x9e3779b1) ^ Math.imul(u, 0x85ebca6b)) >>> 0) & mask;
      let c = -1;
      for (;;) {
        const n = hNode[h];
        if (n < 0) break;
        if (n === node && hUnit[h] === u) {
          c = hChild[h];
          break;
        }
        h = (h + 1) & mask;
      }
      if (c < 0) break;
      node = c;
      const id = term[node];
      if (id >= 0) {
        best = id;
        bestEnd = k + 1;
      }
    }
    out[0] = bestEnd;
    return best;
  }
}
