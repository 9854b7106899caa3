// BERT's modules as Hugging Face's modeling_bert.py names them. Each holds pointers into wasm memory
// (weights are views into one buffer, assigned by walking offsets, llama2.c-style) and a forward over
// the packed valid tokens of a batch: padding is never computed.
//
// Packed layout: the batch's valid tokens are rows 0..T-1 of every activation (sequence s owns rows
// offset_s .. offset_s + n_s - 1), so every dense layer is one GEMM with M = T.
import type { BertConfig } from './config.js';
import type { Compute, Linear } from './compute.js';

/** One sequence of the packed batch. */
export interface PackedSeq {
  /** index in the caller's batch */
  readonly b: number;
  /** first row in the packed activations */
  readonly offset: number;
  /** valid tokens (attention_mask 1); they must come first in the padded row */
  readonly n: number;
}

/**
 * The activation arena: every buffer forward() touches, carved out once (byte pointers), rows rounded up to
 * a multiple of 4. Each GEMM packs its A (gemm_pack_a_f32) into a buffer that is free at that moment:
 * hidden → ctx (Q|K|V, intermediate), ctx → qkv (attention output), inter → qkv (output dense; qkv is
 * max(3H, I) wide for that), pooler rows → inter.
 */
export interface Activations {
  readonly maxTokens: number;
  readonly maxSeq: number;
  /** [T, H] the hidden state, updated in place layer by layer */
  readonly hidden: number;
  /** [T, max(3H, I)] Q | K | V (row stride 3H); packed A of the output dense */
  readonly qkv: number;
  /** [T, H] attention context (heads concatenated); pooler input after the encoder; packed A of hidden */
  readonly ctx: number;
  /** [T, max(I, H)] intermediate (GELU) activations */
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

  /** inter = act(dense(hidden)) */
  forward(c: Compute, act: Activations, T: number): void {
    c.linear(T, act.hidden, this.dense.k, this.dense, act.inter, this.dense.n, this.hidden_act, act.ctx);
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

// ---- the packed weight layout: sizes and walking offsets -------------------------------------------

export interface GemmPacking {
  gemm_pack_size(n: number, k: number): number;
}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** Bytes of one layer's packed weights, in walk order: qkv, attention.output.{dense, LayerNorm}, intermediate.dense, output.{dense, LayerNorm}. */
export function layerBytes(cfg: BertConfig, p: GemmPacking): number {
  const H = cfg.hidden_size;
  const I = cfg.intermediate_size;
  return (
    align64(p.gemm_pack_size(3 * H, H)) +
    align64(p.gemm_pack_size(H, H)) +
    2 * align64(4 * H) +
    align64(p.gemm_pack_size(I, H)) +
    align64(p.gemm_pack_size(H, I)) +
    2 * align64(4 * H)
  );
}

/** The BertLayer whose weights start at `base` (resident: layer i's region; streamed: the slot). */
export function layerAt(cfg: BertConfig, p: GemmPacking, base: number): BertLayer {
  const H = cfg.hidden_size;
  const I = cfg.intermediate_size;
  let at = base;
  const take = (bytes: number) => {
    const ptr = at;
    at += align64(bytes);
    return ptr;
  };
  const lin = (n: number, k: number): Linear => ({ w: take(p.gemm_pack_size(n, k)), n, k });
  const ln = (): LayerNorm => ({ weight: take(4 * H), bias: take(4 * H) });
  const qkv = lin(3 * H, H);
  const attnDense = lin(H, H);
  const attnLn = ln();
  const inter = lin(I, H);
  const outDense = lin(H, I);
  const outLn = ln();
  const heads = cfg.num_attention_heads;
  return new BertLayer(
    new BertAttention(new BertSelfAttention(qkv, heads, H / heads), new BertSelfOutput(attnDense, attnLn, cfg.layer_norm_eps)),
    new BertIntermediate(inter, cfg.hidden_act),
    new BertOutput(outDense, outLn, cfg.layer_norm_eps),
  );
}
