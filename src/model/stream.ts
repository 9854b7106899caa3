// Streamed residency: one layer of weights in wasm memory at a time, the next one read while the current
// one computes; word embeddings never resident (only the rows a batch uses are read).
import { ModelError } from '../errors.js';
import type { Arena } from '../runtime/arena.js';
import type { KernelExports } from '../runtime/exports.js';
import type { WbinFile } from '../weights/wbin.js';
import type { BertConfig } from './config.js';
import type { BatchRows } from './inputs.js';
import type { BertLayer } from './modeling_bert.js';
import { Packer } from './packer.js';

const WORD = 'embeddings.word_embeddings.weight';

export /**
 * Streamed residency: the layer slot is refilled for every layer of every forward; the next layer's bytes
 * are read (asynchronously, into a JS buffer) while the current layer computes. Word embeddings are never
 * resident: only the rows a batch uses are read.
 */
class StreamState {
  private readonly raw: [Uint8Array, Uint8Array];
  private pending: { layer: number; buf: number; promise: Promise<void> } | undefined;
  constructor(
    private readonly file: WbinFile,
    private readonly cfg: BertConfig,
    private readonly wordRows: number,
    private readonly staging: number,
  ) {
    const len = Math.max(...Array.from({ length: cfg.num_hidden_layers }, (_, i) => this.group(i).length));
    this.raw = [new Uint8Array(len), new Uint8Array(len)];
  }

  private group(i: number) {
    const g = this.file.groups.find((x) => x.name === `layer.${i}`);
    if (!g) throw new ModelError(`${this.file.source.name}: no byte range for layer ${i}`);
    return g;
  }

  private startRead(i: number, buf: number): { layer: number; buf: number; promise: Promise<void> } {
    const g = this.group(i);
    const promise = this.file.readRange(g.offset, g.length, this.raw[buf].subarray(0, g.length));
    // A prefetch nobody awaits yet must not crash the process if it fails: the await in loadLayer rethrows.
    promise.catch(() => {});
    return { layer: i, buf, promise };
  }

  async loadLayer(i: number, slot: BertLayer, k: KernelExports, arena: Arena): Promise<BertLayer> {
    const cur = this.pending && this.pending.layer === i ? this.pending : this.startRead(i, i % 2);
    await cur.promise;
    const next = (i + 1) % this.cfg.num_hidden_layers;
    this.pending = this.startRead(next, 1 - cur.buf);
    const g = this.group(i);
    const bytes = this.raw[cur.buf];
    const packer = new Packer(k, arena, this.staging, async (name, dest) => {
      const entry = this.file.tensor(name);
      this.file.decodeInto(entry, bytes.subarray(entry.offset - g.offset, entry.offset - g.offset + entry.byteLength), dest);
    });
    await packer.packLayer(i, slot);
    return slot;
  }

  /** Reads the word-embedding rows of this chunk's tokens into `wordRows` [T, H]; returns that pointer. */
  async gatherWordRows(rows: BatchRows, rowB: Int32Array, rowT: Int32Array, arena: Arena): Promise<number> {
    const H = this.cfg.hidden_size;
    const entry = this.file.tensor(WORD);
    const bpe = entry.byteLength / (this.cfg.vocab_size * H);
    const unique = new Map<number, number[]>();
    for (let r = 0; r < rowB.length; r++) {
      const id = rows.ids[rowB[r]][rowT[r]];
      const list = unique.get(id);
      if (list) list.push(r);
      else unique.set(id, [r]);
    }
    const dest = arena.f32(this.wordRows, rowB.length * H);
    await Promise.all(
      [...unique.entries()].map(async ([id, rs]) => {
        const bytes = new Uint8Array(H * bpe);
        await this.file.readRange(entry.offset + id * H * bpe, H * bpe, bytes);
        const local = new Float32Array(H);
        this.file.decodeInto({ ...entry, shape: [H], byteLength: H * bpe }, bytes, local);
        for (const r of rs) dest.set(local, r * H);
      }),
    );
    return this.wordRows;
  }
}

