// Streamed residency: one layer of weights in wasm memory at a time, the next one read while the current
// one computes; the family's row table (BERT's word embeddings) never resident (only the rows a batch
// uses are read). The layers' byte ranges are the file's groups of the spec's repeated group.
import { ModelError } from '../errors.js';
import type { GroupParams } from '../models/family.js';
import { groupName, prefixOf, type GroupSpec } from '../models/spec.js';
import type { Arena } from '../runtime/arena.js';
import type { KernelExports } from '../runtime/exports.js';
import type { WbinFile } from '../weights/wbin.js';
import { Packer } from './packer.js';

/** One read: consecutive tensors of one layer, at most the largest tensor plus some slack in bytes. */
interface Chunk {
  layer: number;
  offset: number;
  length: number;
}

/** Tensors this small (biases, LayerNorm) are copied aside when their chunk arrives, whatever order the packer asks in. */
const SMALL = 64 * 1024;

export /**
 * Streamed residency: the layer slot is refilled for every layer of every forward. Each layer's byte range
 * is read in chunks of whole tensors (at most the largest tensor + 64 KiB each), into two JS buffers: the
 * next chunk is read while the current one is decoded and packed, and the next layer's first chunk while
 * the current layer computes. Two chunk buffers instead of two whole layers: 9.5 MB rather than 28 MB for
 * bert-base in f16, which is what lets it serve inside an edge worker's 128 MB. Word embeddings are never
 * resident: only the rows a batch uses are read.
 */
class StreamState {
  private readonly raw: [Uint8Array, Uint8Array];
  private readonly chunks: Chunk[] = [];
  /** chunk index of each layer tensor */
  private readonly chunkOf = new Map<string, number>();
  /** small tensors of the chunks read so far this layer */
  private readonly small = new Map<string, Uint8Array>();
  /** reads in flight or done, by chunk index: at most two (the current chunk and the next) */
  private readonly reads = new Map<number, Promise<void>>();
  constructor(
    private readonly file: WbinFile,
    private readonly layerGroup: GroupSpec,
    private readonly nLayers: number,
    /** the layer slot's placed params (the walk of one layer group at the slot) */
    private readonly slot: GroupParams,
    private readonly staging: number,
    /** where gathered rows go ([maxTokens, width]) and which tensor they come from */
    private readonly rowTable: { readonly ptr: number; readonly entry: string; readonly width: number } | undefined,
  ) {
    let cap = 0;
    for (let i = 0; i < nLayers; i++) for (const t of this.group(i).tensors) cap = Math.max(cap, t.byteLength);
    cap += SMALL;
    for (let i = 0; i < nLayers; i++) {
      let cur: Chunk | undefined;
      for (const t of [...this.group(i).tensors].sort((a, b) => a.offset - b.offset)) {
        if (!cur || t.offset + t.byteLength - cur.offset > cap || t.offset !== cur.offset + cur.length) {
          cur = { layer: i, offset: t.offset, length: 0 };
          this.chunks.push(cur);
        }
        cur.length = t.offset + t.byteLength - cur.offset;
        this.chunkOf.set(t.name, this.chunks.length - 1);
      }
    }
    const len = Math.max(...this.chunks.map((c) => c.length));
    this.raw = [new Uint8Array(len), new Uint8Array(len)];
  }

  private group(i: number) {
    const name = groupName(this.layerGroup, i);
    const g = this.file.groups.find((x) => x.name === name);
    if (!g) throw new ModelError(`${this.file.source.name}: no byte range for ${name}`);
    return g;
  }

  private buffer(c: number): Uint8Array {
    return this.raw[c % 2].subarray(0, this.chunks[c].length);
  }

  /** Starts reading chunk c unless it is read or reading. */
  private startRead(c: number): Promise<void> {
    let p = this.reads.get(c);
    if (!p) {
      const ch = this.chunks[c];
      p = this.file.readRange(ch.offset, ch.length, this.buffer(c));
      // A prefetch nobody awaits yet must not crash the process if it fails: the await in chunk() rethrows.
      p.catch(() => {});
      this.reads.set(c, p);
    }
    return p;
  }

  /**
   * After a failure: cancels the reads still in flight (a prefetch from a stalled server would otherwise
   * hold the failed forward for another timeout), then waits for them as settle() does.
   */
  private async abandon(err: unknown): Promise<void> {
    this.file.source.abort?.(err);
    await this.settle();
  }

  /** Waits for every read still writing into a buffer, and forgets them all. */
  private async settle(): Promise<void> {
    const pending = [...this.reads.values()];
    this.reads.clear();
    await Promise.all(pending.map((p) => p.catch(() => {})));
  }

  /** Chunk c's bytes, read; starts reading c + 1 into the other buffer (chunk c − 1's, which is done with). */
  private async chunk(c: number): Promise<Uint8Array> {
    for (const [k, p] of [...this.reads]) {
      if (k === c || k === c + 1) continue;
      // chunk c − 1 (done with), or a read out of order: wait until it stops writing, then forget it
      this.reads.delete(k);
      await p.catch(() => {});
    }
    const p = this.startRead(c);
    try {
      await p;
    } catch (err) {
      // A failed read is never awaited again: the next forward reads every chunk anew.
      await this.abandon(err);
      throw err;
    }
    this.reads.delete(c - 1);
    const ch = this.chunks[c];
    const bytes = this.buffer(c);
    for (const t of this.group(ch.layer).tensors) {
      if (t.byteLength <= SMALL && this.chunkOf.get(t.name) === c) this.small.set(t.name, bytes.slice(t.offset - ch.offset, t.offset - ch.offset + t.byteLength));
    }
    // The next chunk (maybe the next layer's first) streams in while this one is packed and the layer computes.
    if (c + 1 < this.chunks.length && this.chunks[c + 1].layer <= ch.layer + 1) this.startRead(c + 1);
    return bytes;
  }

  /** Starts the first chunk at the start of each chunk of a forward (the engine calls it), so it overlaps the row reads. */
  async begin(): Promise<void> {
    // Reads never run from one forward into the next: an edge worker cancels a request's I/O once its
    // response is sent, and a read begun for one request cannot be awaited by another. Anything still
    // here was left by a failed forward.
    await this.settle();
    this.small.clear();
    this.startRead(0);
  }

  /** Reads layer i and packs it into the slot; returns the slot's params. */
  async loadLayer(i: number, k: KernelExports, arena: Arena): Promise<GroupParams> {
    const last = this.nLayers - 1;
    const packer = new Packer(k, arena, this.staging, async (name, dest) => {
      const entry = this.file.tensor(name);
      const small = this.small.get(name);
      if (small) return this.file.decodeInto(entry, small, dest);
      const c = this.chunkOf.get(name);
      if (c === undefined) throw new ModelError(`${this.file.source.name}: ${name} is in no layer's byte range`);
      const ch = this.chunks[c];
      const bytes = await this.chunk(c);
      this.file.decodeInto(entry, bytes.subarray(entry.offset - ch.offset, entry.offset - ch.offset + entry.byteLength), dest);
    });
    try {
      await packer.packGroup(this.slot, prefixOf(this.layerGroup, i));
    } catch (err) {
      await this.abandon(err);
      throw err;
    }
    // this layer's small tensors are packed: the next layer's arrive with its chunks
    for (const t of this.group(i).tensors) this.small.delete(t.name);
    if (i === last) await this.settle(); // nothing may outlive the forward (see begin)
    return this.slot;
  }

  /** Reads the row table's rows `ids` (one per packed row) into the rows buffer [T, width]; returns that pointer. */
  async gatherRows(ids: Int32Array, arena: Arena): Promise<number> {
    if (!this.rowTable) throw new ModelError('internal: no streamed row table');
    const { ptr, width: H } = this.rowTable;
    const entry = this.file.tensor(this.rowTable.entry);
    const bpe = entry.byteLength / (entry.shape[0] * H);
    const unique = new Map<number, number[]>();
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r];
      const list = unique.get(id);
      if (list) list.push(r);
      else unique.set(id, [r]);
    }
    const dest = arena.f32(ptr, ids.length * H);
    // A few reads in flight at once: one range request per distinct token, not hundreds of connections.
    // On a failure the other readers stop (their reads aborted) and are waited for: none may write into
    // the rows buffer after this forward has failed, while the next one fills it.
    const todo = [...unique.entries()];
    let failed: { err: unknown } | undefined;
    const readRows = async () => {
      const bytes = new Uint8Array(H * bpe);
      const local = new Float32Array(H);
      for (let next = todo.pop(); next && !failed; next = todo.pop()) {
        const [id, rs] = next;
        try {
          await this.file.readRange(entry.offset + id * H * bpe, H * bpe, bytes);
        } catch (err) {
          if (!failed) {
            failed = { err };
            this.file.source.abort?.(err);
          }
          return;
        }
        this.file.decodeInto({ ...entry, shape: [H], byteLength: H * bpe }, bytes, local);
        for (const r of rs) dest.set(local, r * H);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, todo.length) }, readRows));
    if (failed) throw failed.err;
    return ptr;
  }
}

