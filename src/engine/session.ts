// The engine: everything a forward pass needs that is not a model family's own. Opening a session checks
// the options, picks the kernels and the threads (falling back to one where threads cannot run), carves
// the wasm memory once (weights by walking the family's spec, the family's activation buffers, staging),
// reads and packs the resident weights, and cleans everything up if any step fails. run() splits a batch
// into chunks that fit the arena, packs each chunk's valid rows and hands it to the family. The engine
// knows no family: src/models/family.ts is the whole contract.
import { ModelError, RuntimeError } from '../errors.js';
import { SingleThreadCompute, linearBytes, type Compute, type LinearFormat } from '../compute/compute.js';
import type { BatchRows, Chunk, Family, GroupParams, PackedSeq } from '../models/family.js';
import { groupName, prefixOf, walkGroup, type GroupSpec, type Placed } from '../models/spec.js';
import { Arena } from '../runtime/arena.js';
import { giveSpare, takeKernels } from '../runtime/spare.js';
import { warnOnce, type Kernels } from '../runtime/wasm.js';
import { createThreadedCompute, defaultThreadCount, threadsAvailable, type ThreadedCompute } from '../threads/compute.js';
import type { WbinFile } from '../weights/wbin.js';
import { Packer } from './packer.js';
import { StreamState } from './stream.js';

export type Residency = 'resident' | 'streamed';

export interface LoadOptions {
  /** 'resident' (default): every weight copied once into wasm memory. 'streamed': one layer at a time, the next one read while the current one computes. */
  residency?: Residency;
  /**
   * Threads, the calling one included (default: the cores available). 1 starts no worker. Where threads
   * cannot run (no SharedArrayBuffer, a page without cross-origin isolation, workerd) the model runs on one
   * thread and says so once.
   */
  threads?: number;
  /** 'auto' takes relaxed SIMD when available; 'simd' forces the deterministic SIMD128 build. */
  simd?: 'auto' | 'relaxed' | 'simd';
  /** Most valid tokens one pass holds (the activation arena's size); larger batches run in chunks. Default 8 × max_position_embeddings. */
  maxTokens?: number;
  /** Messages about long steps (loading). */
  onProgress?: (message: string) => void;
  /** Check every tensor's sha256 against the header before using it (reads the whole file once more). */
  verify?: boolean;
  /** Longest a forward waits for a worker that holds a task past its share of the time (default 2000 ms; README "Concurrency, cancellation and failures"). */
  workerTimeoutMs?: number;
}

// Every option, once: a key added to LoadOptions and not here is a type error (so never "unknown").
const OPTIONS: { readonly [K in keyof Required<LoadOptions>]: true } = { residency: true, threads: true, simd: true, maxTokens: true, onProgress: true, verify: true, workerTimeoutMs: true };
const OPTION_KEYS = Object.keys(OPTIONS);

/** Checks every load option (unknown ones too: a typo must not be ignored); one ModelError naming the option. */
export function checkLoadOptions(options: unknown): LoadOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ModelError(`load options must be an object (got ${JSON.stringify(options)})`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.includes(key)) throw new ModelError(`unknown load option "${key}" (the options are ${OPTION_KEYS.join(', ')})`);
  }
  const oneOf = (key: string, values: readonly string[]) => {
    if (o[key] !== undefined && !values.includes(o[key] as string)) {
      throw new ModelError(`load option "${key}" must be ${values.map((v) => `'${v}'`).join(' or ')} (got ${JSON.stringify(o[key])})`);
    }
  };
  oneOf('residency', ['resident', 'streamed']);
  oneOf('simd', ['auto', 'relaxed', 'simd']);
  for (const key of ['threads', 'maxTokens']) {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) throw new ModelError(`load option "${key}" must be a positive integer (got ${JSON.stringify(v)})`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new ModelError(`load option "onProgress" must be a function (got ${typeof o.onProgress})`);
  if (o.verify !== undefined && typeof o.verify !== 'boolean') throw new ModelError(`load option "verify" must be true or false (got ${JSON.stringify(o.verify)})`);
  const wt = o.workerTimeoutMs;
  if (wt !== undefined && (typeof wt !== 'number' || !Number.isFinite(wt) || wt < 0)) throw new ModelError(`load option "workerTimeoutMs" must be a non-negative number of milliseconds (got ${JSON.stringify(wt)})`);
  return o as LoadOptions;
}

/** A group's walk at a base: its params, placed. */
interface Placement {
  readonly g: GroupSpec;
  /** bytes of one instance */
  readonly size: number;
  readonly base: number;
}

export class Session<Buffers extends string, Out> {
  private disposed = false;
  private constructor(
    readonly family: Family<Buffers, Out>,
    readonly file: WbinFile,
    readonly kernels: Kernels,
    readonly arena: Arena,
    readonly compute: Compute,
    readonly residency: Residency,
    readonly maxTokens: number,
    private readonly buffers: Readonly<Record<Buffers, number>>,
    private readonly groups: ReadonlyMap<string, GroupParams>,
    /** resident: every layer's params; streamed: the slot's, once */
    private readonly layers: readonly GroupParams[],
    private readonly stream: StreamState | undefined,
  ) {}

  /** Opens a session over an opened weights file; on any failure nothing stays alive (workers, the source). */
  static async open<B extends string, O>(file: WbinFile, family: Family<B, O>, rawOptions: unknown): Promise<Session<B, O>> {
    let compute: Compute | undefined;
    let kernels: Kernels | undefined;
    try {
      const options = checkLoadOptions(rawOptions);
      const residency = options.residency ?? 'resident';
      let threads = options.threads ?? (await defaultThreadCount());
      if (threads > 1 && !threadsAvailable()) {
        warnOnce(`${threads} threads asked for, but threads cannot run here (no SharedArrayBuffer / cross-origin isolation, or no workers): using 1`);
        threads = 1;
      }
      // the memory of a disposed model when there is one (runtime/spare.ts)
      kernels = await takeKernels({ simd: options.simd, shared: threads > 1 });
      const k = kernels.exports;
      const arena = new Arena(kernels.memory, k.heap_base());
      const maxTokens = Math.max(family.maxSeq, options.maxTokens ?? 8 * family.maxSeq);
      const streamed = residency === 'streamed';

      // Carve everything out first: nothing may grow the memory while a read writes into it.
      // Weights: each group walked once for its size, then carved (a repeated group: every layer
      // resident, or one slot streamed); the walk at the carved base gives every pointer.
      const packedBytes = (n: number, kk: number, format: LinearFormat) => linearBytes(k, format, n, kk);
      const skip = (g: GroupSpec) => (p: Placed['spec']) => streamed && family.rowTable?.group === g.kind && family.rowTable.param === p.name;
      const place = (g: GroupSpec, count: number): Placement => {
        const size = walkGroup(g, family.sizes, packedBytes, { skip: skip(g) }).bytes;
        return { g, size, base: arena.alloc(size * count, `${g.kind} weights`) };
      };
      const at = (p: Placement, i = 0) => walkGroup(p.g, family.sizes, packedBytes, { base: p.base + i * p.size, skip: skip(p.g) }).params;
      const groups = new Map<string, GroupParams>();
      const placements: Placement[] = [];
      let layerPlacement: Placement | undefined;
      for (const g of family.spec.groups) {
        if (g.optional && !file.groups.some((x) => x.name === groupName(g, g.repeat ? 0 : undefined))) continue;
        if (g.repeat) {
          if (g.kind !== family.layerGroup) throw new ModelError(`${family.spec.modelType}: repeated group "${g.kind}" is not the family's layer group`);
          layerPlacement = place(g, streamed ? 1 : (family.sizes[g.repeat] as number));
        } else {
          const p = place(g, 1);
          placements.push(p);
          groups.set(g.kind, at(p));
        }
      }
      if (!layerPlacement) throw new ModelError(`${family.spec.modelType}: the spec has no layer group "${family.layerGroup}"`);
      const nLayers = family.sizes[layerPlacement.g.repeat!] as number;
      const layers = Array.from({ length: streamed ? 1 : nLayers }, (_, i) => at(layerPlacement!, i));

      // Activations: the family's declared buffers, sized from the kernels' own *_size exports.
      const sizes = family.buffers(k, maxTokens);
      const buffers = {} as Record<B, number>;
      for (const name of Object.keys(sizes) as B[]) buffers[name] = arena.alloc(sizes[name], name);

      compute = new SingleThreadCompute(k);
      if (threads > 1) {
        try {
          // Workers poll 2 ms for the next job before sleeping: a forward's kernels follow each other within
          // that (packing A, layernorm and small ops run on the caller between them), and waking a sleeping
          // worker costs ~0.4 ms here. Measured 1x128 on 2 threads: 509 → 448 ms, 1x16 64–74 → 57–60 ms.
          compute = await createThreadedCompute({ threads, kernels, arena, maxSeq: family.maxSeq, maxHeadSize: family.maxHeadSize, spinUs: 2000, stallMs: options.workerTimeoutMs });
        } catch (e) {
          // e.g. a page whose CSP forbids blob: workers: one thread beats no model
          if (!(e instanceof RuntimeError)) throw e;
          warnOnce(`${e.message}: running on one thread`);
        }
      }

      // staging holds the largest Linear's stacked f32 weight and bias while it is packed
      let stagingBytes = 0;
      for (const params of [...groups.values(), layers[0]]) {
        for (const p of params.values()) if (p.role === 'linear') stagingBytes = Math.max(stagingBytes, Packer.stagingBytes(p.n, p.k));
      }
      const staging = arena.alloc(stagingBytes, 'staging');
      let rowTable: { ptr: number; entry: string; width: number } | undefined;
      if (streamed && family.rowTable) {
        const g = family.spec.groups.find((x) => x.kind === family.rowTable!.group)!;
        const p = g.params.find((x) => x.name === family.rowTable!.param);
        if (p?.role !== 'embedding') throw new ModelError(`${family.spec.modelType}: row table ${family.rowTable.param} is not an embedding`);
        const width = family.sizes[p.table.shape[1]] as number;
        rowTable = { ptr: arena.alloc(4 * maxTokens * width, 'streamed rows'), entry: prefixOf(g) + p.table.key, width };
      }

      const progress = options.onProgress ?? (() => {});
      progress(`loading ${file.source.name} (${residency})`);
      const packer = new Packer(k, arena, staging, (name, dest) => file.readTensorF32(name, dest));
      for (const p of placements) await packer.packGroup(groups.get(p.g.kind)!, prefixOf(p.g));
      if (!streamed) {
        for (let i = 0; i < nLayers; i++) {
          await packer.packGroup(layers[i], prefixOf(layerPlacement.g, i));
          progress(`${layerPlacement.g.kind} ${i + 1}/${nLayers} packed`);
        }
      }
      const stream = streamed ? new StreamState(file, layerPlacement.g, nLayers, layers[0], staging, rowTable) : undefined;
      return new Session(family, file, kernels, arena, compute, residency, maxTokens, buffers, groups, layers, stream);
    } catch (e) {
      // nothing half-loaded stays alive: the workers, the source and the kernels go with the failed load
      await compute?.dispose();
      await file.source.close?.().catch(() => {});
      if (kernels) giveSpare(kernels);
      throw e;
    }
  }

  /** Whether the weights have this (non-repeated) group: an optional one may be missing from the file. */
  hasGroup(kind: string): boolean {
    return this.groups.has(kind);
  }

  /**
   * Runs the family over a batch: chunks of whole sequences whose valid tokens fit the arena. `signal`
   * stops it before the next layer and aborts the source's reads in flight. One run at a time: the
   * caller serializes (Bert's queue).
   */
  async run(rows: BatchRows, out: Out, signal?: AbortSignal): Promise<void> {
    if (this.disposed) throw new ModelError('this model was disposed');
    const cancelReads = () => this.file.source.abort?.(signal?.reason);
    signal?.addEventListener('abort', cancelReads, { once: true });
    try {
      // a worker that died since the last run is replaced first (threads/pool.ts)
      await (this.compute as Partial<ThreadedCompute>).heal?.();
      await this.runChunks(rows, out, signal);
    } finally {
      signal?.removeEventListener('abort', cancelReads);
    }
  }

  private async runChunks(rows: BatchRows, out: Out, signal: AbortSignal | undefined): Promise<void> {
    let start = 0;
    while (start < rows.B) {
      let end = start;
      let T = 0;
      // a chunk also holds at most maxTokens sequences: per-sequence rows (the pooler's) share the buffers
      while (end < rows.B && end - start < this.maxTokens && T + rows.valid[end].length <= this.maxTokens) T += rows.valid[end++].length;
      await this.stream?.begin();
      await this.family.forward(this.chunk(rows, start, end, T, signal), out);
      start = end;
    }
  }

  private chunk(rows: BatchRows, b0: number, b1: number, T: number, signal: AbortSignal | undefined): Chunk<Buffers> {
    const seqs: PackedSeq[] = [];
    let offset = 0;
    for (let b = b0; b < b1; b++) {
      seqs.push({ b, offset, n: rows.valid[b].length });
      offset += rows.valid[b].length;
    }
    // Packed row r of the activations ↔ (b, position) of the caller's batch.
    const rowB = new Int32Array(T);
    const rowT = new Int32Array(T);
    for (const s of seqs) {
      const v = rows.valid[s.b];
      for (let j = 0; j < s.n; j++) {
        rowB[s.offset + j] = s.b;
        rowT[s.offset + j] = v[j];
      }
    }
    const L = rows.L;
    const { arena, kernels, stream } = this;
    return {
      rows,
      T,
      seqs,
      rowB,
      rowT,
      compute: this.compute,
      arena,
      buffers: this.buffers,
      group: (kind) => this.groups.get(kind),
      layer: async (i) => {
        signal?.throwIfAborted();
        const params = stream ? await stream.loadLayer(i, kernels.exports, arena) : this.layers[i];
        signal?.throwIfAborted();
        return params;
      },
      gatheredRows: async () => {
        if (!stream) return undefined;
        const ids = new Int32Array(T);
        for (let r = 0; r < T; r++) ids[r] = rows.ids[rowB[r]][rowT[r]];
        return stream.gatherRows(ids, arena);
      },
      scatter: (src, ld, col, width, dst) => {
        for (let r = 0; r < T; r++) dst.set(src.subarray(r * ld + col, r * ld + col + width), (rowB[r] * L + rowT[r]) * width);
      },
    };
  }

  /** Releases the threads and the weight source, and hands the kernels (memory) on to the next load; idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.compute.dispose();
    await this.file.source.close?.();
    giveSpare(this.kernels);
  }
}
