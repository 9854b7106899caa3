// BERT's modules as Hugging Face's modeling_bert.py names them. Each holds pointers into wasm memory
// (weights are views into one buffer, assigned by walking offsets, llama2.c-style) and a forward over
// the packed valid tokens of a batch: padding is never computed.
//
// Packed layout: the batch's valid tokens are rows 0..T-1 of every activation (sequence s owns rows
// offset_s .. offset_s + n_s - 1), so every dense layer is one GEMM with M = T.
import type { Compute, Epilogue, Linear } from '../../compute/compute.js';
import type { GroupParams, PackedSeq } from '../family.js';
import type { Placed } from '../spec.js';
import type { BertConfig } from './config.js';

/**
 * The activation buffers (byte pointers), carved once by the engine from BertFamily.buffers(). Each GEMM
 * packs its A (gemm_pack_a_f32) into a buffer that is free at that moment: hidden → ctx (Q|K|V,
 * intermediate), ctx → qkv (attention output), inter → qkv (output dense), pooler rows → inter; the
 * sizes come from gemm_pack_a_size for exactly these uses.
 */
export interface Activations {
  /** [T, H] the hidden state, updated in place layer by layer */
  readonly hidden: number;
  /** [T, 3H] Q | K | V (row stride 3H); packed A of the attention output and output dense */
  readonly qkv: number;
  /** [T, H] attention context (heads concatenated); pooler input after the encoder; packed A of hidden */
  readonly ctx: number;
  /** [T, I] intermediate (GELU) activations; packed A of the pooler */
  readonly inter: number;
  /** attention scratch: attentionScratchBytes(maxSeq, head size) */
  readonly attention: number;
}

export interface LayerNorm {
  /** [H] gamma */
  readonly weight: number;
  /** [H] beta */
  readonly bias: number;
}

/** Observers for the intermediates a caller asked for; each receives a pointer valid during the call. */
export interface Taps {
  /** per sequence and head: probabilities [n, n] of layer `layer` */
  attention?(layer: number, s: PackedSeq, h: number, ptr: number): void;
  /** after each layer (index 1..N; 0 = embedding output): hidden [T, H] */
  hidden?(index: number, ptr: number): void;
  /** first layer's Q, K, V: the [T, 3H] buffer */
  qkv?(ptr: number): void;
}

export class BertEmbeddings {
  constructor(
    /** [V, H] resident table, or 0 when word rows are fetched per batch (streamed residency) */
    readonly word_embeddings: number,
    /** [P, H] */
    readonly position_embeddings: number,
    /** [T, H] */
    readonly token_type_embeddings: number,
    readonly LayerNorm: LayerNorm,
  ) {}
}

export class BertSelfAttention {
  constructor(
    /** query | key | value fused into one GEMM: [out=3H, in=H] */
    readonly qkv: Linear,
    readonly num_attention_heads: number,
    readonly attention_head_size: number,
  ) {}

  forward(c: Compute, act: Activations, T: number, seqs: readonly PackedSeq[], layer: number, taps?: Taps): void {
    const H = this.qkv.k;
    c.linear(T, act.hidden, H, this.qkv, act.qkv, 3 * H, 'bias', act.ctx);
    if (layer === 0) taps?.qkv?.(act.qkv);
    for (const s of seqs) {
      const probs = taps?.attention ? (h: number, ptr: number) => taps.attention!(layer, s, h, ptr) : undefined;
      c.attention(s.n, this.num_attention_heads, this.attention_head_size, act.qkv + 4 * 3 * H * s.offset, act.ctx + 4 * H * s.offset, act.attention, probs);
    }
  }
}

export class BertSelfOutput {
  constructor(
    /** [out=H, in=H] */
    readonly dense: Linear,
    readonly LayerNorm: LayerNorm,
    readonly eps: number,
  ) {}

  /** hidden = LayerNorm(dense(ctx) + hidden), in place */
  forward(c: Compute, act: Activations, T: number): void {
    const H = this.dense.n;
    c.linear(T, act.ctx, H, this.dense, act.hidden, H, 'bias_residual', act.qkv);
    c.layernorm(T, H, act.hidden, H, this.LayerNorm.weight, this.LayerNorm.bias, this.eps, act.hidden, H);
  }
}

export class BertAttention {
  constructor(
    readonly self: BertSelfAttention,
    readonly output: BertSelfOutput,
  ) {}
}

export class BertIntermediate {
  constructor(
    /** [out=I, in=H] */
    readonly dense: Linear,
    readonly hidden_act: BertConfig['hidden_act'],
  ) {}

  /** the GEMM epilogue of hidden_act (HF's ACT2FN names are Compute's) */
  private get epilogue(): Epilogue {
    return this.hidden_act;
  }

  /** inter = act(dense(hidden)) */
  forward(c: Compute, act: Activations, T: number): void {
    c.linear(T, act.hidden, this.dense.k, this.dense, act.inter, this.dense.n, this.epilogue, act.ctx);
  }
}

export class BertOutput {
  constructor(
    /** [out=H, in=I] */
    readonly dense: Linear,
    readonly LayerNorm: LayerNorm,
    readonly eps: number,
  ) {}

  /** hidden = LayerNorm(dense(inter) + hidden), in place */
  forward(c: Compute, act: Activations, T: number): void {
    const H = this.dense.n;
    c.linear(T, act.inter, this.dense.k, this.dense, act.hidden, H, 'bias_residual', act.qkv);
    c.layernorm(T, H, act.hidden, H, this.LayerNorm.weight, this.LayerNorm.bias, this.eps, act.hidden, H);
  }
}

export class BertLayer {
  constructor(
    readonly attention: BertAttention,
    readonly intermediate: BertIntermediate,
    readonly output: BertOutput,
  ) {}

  forward(c: Compute, act: Activations, T: number, seqs: readonly PackedSeq[], layer: number, taps?: Taps): void {
    this.attention.self.forward(c, act, T, seqs, layer, taps);
    this.attention.output.forward(c, act, T);
    this.intermediate.forward(c, act, T);
    this.output.forward(c, act, T);
  }
}

export class BertPooler {
  constructor(
    /** [out=H, in=H] */
    readonly dense: Linear,
  ) {}

  /** out[b] = tanh(dense(hidden[first token of b])); `rows` are the gathered [CLS] rows [S, H] */
  forward(c: Compute, S: number, rows: number, out: number, scratch: number): void {
    const H = this.dense.n;
    c.linear(S, rows, H, this.dense, out, H, 'bias', scratch);
    c.tanh(S * H, out, out);
  }
}

// ---- the modules over the spec's walk (src/models/spec.ts walkGroup: one pass gives sizes and pointers)

// Built once per placed group and kept: forward() then allocates no module objects (the streamed slot's
// params are one Map, refilled in place, so its BertLayer is built once too).
const built = new WeakMap<GroupParams, unknown>();
function once<T>(params: GroupParams, make: () => T): T {
  let m = built.get(params) as T | undefined;
  if (m === undefined) built.set(params, (m = make()));
  return m;
}

function get<R extends Placed['role']>(params: GroupParams, name: string, role: R): Extract<Placed, { role: R }> {
  const p = params.get(name);
  if (!p || p.role !== role) throw new Error(`internal: the spec has no ${role} "${name}"`);
  return p as Extract<Placed, { role: R }>;
}

/** BertEmbeddings over the embeddings group's placed params. */
export function bertEmbeddings(params: GroupParams): BertEmbeddings {
  return once(params, () => new BertEmbeddings(
    get(params, 'word_embeddings', 'embedding').table,
    get(params, 'position_embeddings', 'embedding').table,
    get(params, 'token_type_embeddings', 'embedding').table,
    get(params, 'LayerNorm', 'layernorm'),
  ));
}

/** The BertLayer over one layer group's placed params (resident: layer i's region; streamed: the slot). */
export function bertLayer(cfg: BertConfig, params: GroupParams): BertLayer {
  const heads = cfg.num_attention_heads;
  const H = cfg.hidden_size;
  return once(params, () => new BertLayer(
    new BertAttention(
      new BertSelfAttention(get(params, 'attention.self.qkv', 'linear'), heads, H / heads),
      new BertSelfOutput(get(params, 'attention.output.dense', 'linear'), get(params, 'attention.output.LayerNorm', 'layernorm'), cfg.layer_norm_eps),
    ),
    new BertIntermediate(get(params, 'intermediate.dense', 'linear'), cfg.hidden_act),
    new BertOutput(get(params, 'output.dense', 'linear'), get(params, 'output.LayerNorm', 'layernorm'), cfg.layer_norm_eps),
  ));
}

export function bertPooler(params: GroupParams): BertPooler {
  return once(params, () => new BertPooler(get(params, 'dense', 'linear')));
}
