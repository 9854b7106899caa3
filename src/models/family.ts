// The contract between the engine (src/engine/) and a model family (src/models/<family>/): the family
// says what its weights are (its spec), which activation buffers it needs and how big, and runs one
// chunk of packed rows; the engine does the rest (kernels, threads, the arena, resident or streamed
// weights, batch chunking, packing valid rows). Neither side imports the other: the engine imports this
// file, a family implements it.
import type { Compute } from '../compute/compute.js';
import type { Arena } from '../runtime/arena.js';
import type { KernelExports } from '../runtime/exports.js';
import type { ModelSpec, Placed, Sizes } from './spec.js';

/** One sequence of the packed batch. */
export interface PackedSeq {
  /** index in the caller's batch */
  readonly b: number;
  /** first row in the packed activations */
  readonly offset: number;
  /** valid tokens (attention_mask 1) */
  readonly n: number;
}

/** A batch as validated rows (engine/inputs.ts): ids, token types and the valid positions of each row. */
export interface BatchRows {
  /** batch size */
  B: number;
  /** padded length */
  L: number;
  ids: Int32Array[];
  types: Int32Array[];
  /** per row: the positions whose attention_mask is 1, ascending */
  valid: Int32Array[];
}

/** The placed params of one group instance (src/models/spec.ts walkGroup), by param name. */
export type GroupParams = ReadonlyMap<string, Placed>;

/**
 * What a family's forward sees of one chunk: whole sequences whose valid tokens fit the arena, packed as
 * rows 0..T-1 of every activation (sequence s owns rows offset_s .. offset_s + n_s − 1).
 */
export interface Chunk<Buffers extends string = string> {
  readonly rows: BatchRows;
  /** packed valid rows */
  readonly T: number;
  readonly seqs: readonly PackedSeq[];
  /** packed row r ↔ (rowB[r], rowT[r]) of the caller's batch */
  readonly rowB: Int32Array;
  readonly rowT: Int32Array;
  readonly compute: Compute;
  readonly arena: Arena;
  /** the family's activation buffers (byte pointers), carved once at load */
  readonly buffers: Readonly<Record<Buffers, number>>;
  /** the non-repeated groups' placed params ('embeddings', 'pooler'), absent when the file lacks an optional group */
  group(kind: string): GroupParams | undefined;
  /** repeated group layer i's params: resident, or (streamed) read and packed into the slot now */
  layer(i: number): Promise<GroupParams>;
  /**
   * The rows of the streamed row table (the family's `rowTable`) for each packed row, gathered into a
   * [T, width] buffer; undefined when the table is resident (index it by id).
   */
  gatheredRows(): Promise<number | undefined>;
  /** Copies row r of [T, ld] at column col (width floats) to dst[(rowB·L + rowT)·width]: back to the caller's layout. */
  scatter(src: Float32Array, ld: number, col: number, width: number, dst: Float32Array): void;
}

export interface Family<Buffers extends string = string, Out = unknown> {
  readonly spec: ModelSpec;
  /** the config, by the spec's Dim names */
  readonly sizes: Sizes;
  /** longest sequence (positions) */
  readonly maxSeq: number;
  /** largest attention head (threads size their attention scratch for it) */
  readonly maxHeadSize: number;
  /** the non-repeated group's embedding read row by row when streamed, never resident then */
  readonly rowTable?: { readonly group: string; readonly param: string };
  /** the repeated group (the layers) */
  readonly layerGroup: string;
  /** Bytes of each activation buffer for chunks of up to maxTokens rows, from the kernels' *_size exports. */
  buffers(k: KernelExports, maxTokens: number): Record<Buffers, number>;
  /** Runs one chunk, writing into `out`. */
  forward(chunk: Chunk<Buffers>, out: Out): Promise<void>;
}
