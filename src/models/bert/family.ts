// The BERT family for the engine (src/models/family.ts): its spec, its activation buffers and the forward
// of one chunk of packed rows — BertEmbeddings, the encoder's layers, BertPooler — with the taps that hand
// intermediates back in the caller's [B, L, ·] layout. Position ids are a hook (positionIds): BERT's are
// 0..L-1 whatever the mask says; RoBERTa-style families offset them past the padding index.
import type { KernelExports } from '../../runtime/exports.js';
import { attentionScratchBytes } from '../../compute/compute.js';
import type { BatchRows, Chunk, Family } from '../family.js';
import type { Sizes } from '../spec.js';
import { tensor, type Tensor } from '../tensor.js';
import type { BertConfig } from './config.js';
import { bertEmbeddings, bertLayer, bertPooler, type Activations, type Taps } from './modeling_bert.js';
import { BERT } from './spec.js';

export interface ForwardOptions {
  /** hidden_states.0 … hidden_states.N, each [B, L, H] (0 = embedding output after LayerNorm) */
  hiddenStates?: boolean;
  /** per layer [B, heads, L, L] */
  attentions?: boolean;
  /** first layer's Q, K, V, each [B, L, H] */
  qkv?: boolean;
  /** word, position, tokenType and their sum before LayerNorm, each [B, L, H] */
  embeddings?: boolean;
}

export interface ForwardOutput {
  /** [B, L, H]; rows at padded positions are 0 (they are not computed) */
  lastHiddenState: Tensor;
  /** [B, H] tanh(dense(hidden[:, 0])); absent when the checkpoint has no pooler */
  pooler?: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
  qkv?: { q: Tensor; k: Tensor; v: Tensor };
  embeddings?: { word: Tensor; position: Tensor; tokenType: Tensor; sum: Tensor };
}

/** The activation buffers BertLayer and BertPooler use (modeling_bert.ts says which is whose scratch when). */
export type BertBuffers = 'hidden' | 'qkv' | 'ctx' | 'inter' | 'attention';

export class BertFamily implements Family<BertBuffers, ForwardOutput> {
  readonly spec = BERT;
  readonly sizes: Sizes;
  readonly maxSeq: number;
  readonly maxHeadSize: number;
  readonly rowTable = { group: 'embeddings', param: 'word_embeddings' } as const;
  readonly layerGroup = 'layer';
  private readonly ramp: Int32Array;

  constructor(readonly config: BertConfig) {
    this.sizes = config as unknown as Sizes;
    this.maxSeq = config.max_position_embeddings;
    this.maxHeadSize = config.hidden_size / config.num_attention_heads;
    this.ramp = Int32Array.from({ length: this.maxSeq }, (_, i) => i);
  }

  /** Position ids of row b ([L]): BERT's absolute positions 0..L-1 (HF's default position_ids), one shared ramp. */
  positionIds(rows: BatchRows, _b: number): Int32Array {
    return this.ramp.subarray(0, rows.L);
  }

  /**
   * Each GEMM packs its A (gemm_pack_a_f32) into a buffer that is free at that moment, so the buffers are
   * sized for both uses: hidden → ctx (Q|K|V, intermediate), ctx → qkv (attention output), inter → qkv
   * (output dense), the pooler's gathered [CLS] rows (in ctx) → inter; the pooler writes into qkv.
   */
  buffers(k: KernelExports, maxTokens: number): Record<BertBuffers, number> {
    const { hidden_size: H, intermediate_size: I } = this.config;
    const T = maxTokens;
    const packA = (m: number, kk: number) => k.gemm_pack_a_size(m, kk);
    return {
      hidden: 4 * T * H,
      qkv: Math.max(4 * T * 3 * H, packA(T, H), packA(T, I)),
      ctx: Math.max(4 * T * H, packA(T, H)),
      inter: Math.max(4 * T * I, packA(T, H)),
      attention: attentionScratchBytes(k, this.maxSeq, this.maxHeadSize),
    };
  }

  /** Output tensors for a [B, L] batch, as the options ask. */
  outputs(rows: BatchRows, options: ForwardOptions, hasPooler: boolean): ForwardOutput {
    const { B, L } = rows;
    const { hidden_size: H, num_hidden_layers: N, num_attention_heads: heads } = this.config;
    const out: ForwardOutput = { lastHiddenState: tensor([B, L, H]) };
    if (hasPooler) out.pooler = tensor([B, H]);
    if (options.hiddenStates) out.hiddenStates = Array.from({ length: N + 1 }, () => tensor([B, L, H]));
    if (options.attentions) out.attentions = Array.from({ length: N }, () => tensor([B, heads, L, L]));
    if (options.qkv) out.qkv = { q: tensor([B, L, H]), k: tensor([B, L, H]), v: tensor([B, L, H]) };
    if (options.embeddings) out.embeddings = { word: tensor([B, L, H]), position: tensor([B, L, H]), tokenType: tensor([B, L, H]), sum: tensor([B, L, H]) };
    return out;
  }

  async forward(c: Chunk<BertBuffers>, out: ForwardOutput): Promise<void> {
    const cfg = this.config;
    const H = cfg.hidden_size;
    const { rows, T, seqs, rowB, rowT, arena, compute, buffers: buf } = c;
    const L = rows.L;
    const act: Activations = buf;

    // ---- BertEmbeddings: (word + token_type) + position, HF's order, in float32; then LayerNorm
    const emb = bertEmbeddings(c.group('embeddings')!);
    const gathered = await c.gatheredRows();
    const x = arena.f32(act.hidden, T * H);
    const pos = arena.f32(emb.position_embeddings, cfg.max_position_embeddings * H);
    const typ = arena.f32(emb.token_type_embeddings, cfg.type_vocab_size * H);
    // word rows: the resident table indexed by id, or (streamed) the rows gathered for this chunk, one per packed row
    const words = arena.f32(gathered ?? emb.word_embeddings, gathered === undefined ? cfg.vocab_size * H : T * H);
    const e = out.embeddings;
    let positions: Int32Array | undefined;
    let posOf = -1;
    for (let r = 0; r < T; r++) {
      const b = rowB[r];
      const t = rowT[r];
      if (b !== posOf) positions = this.positionIds(rows, (posOf = b));
      const wo = (gathered === undefined ? rows.ids[b][t] : r) * H;
      const tyo = rows.types[b][t] * H;
      const po = positions![t] * H;
      const xo = r * H;
      for (let i = 0; i < H; i++) x[xo + i] = Math.fround(words[wo + i] + typ[tyo + i]) + pos[po + i];
      if (e) {
        const o = (b * L + t) * H;
        e.word.data.set(words.subarray(wo, wo + H), o);
        e.tokenType.data.set(typ.subarray(tyo, tyo + H), o);
        e.sum.data.set(x.subarray(xo, xo + H), o);
      }
    }
    // Position embeddings are a lookup of the position ids, independent of the tokens: every row, padded ones too.
    if (e) {
      for (const s of seqs) {
        const ids = this.positionIds(rows, s.b);
        for (let t = 0; t < L; t++) e.position.data.set(pos.subarray(ids[t] * H, ids[t] * H + H), (s.b * L + t) * H);
      }
    }
    compute.layernorm(T, H, act.hidden, H, emb.LayerNorm.weight, emb.LayerNorm.bias, cfg.layer_norm_eps, act.hidden, H);

    const heads = cfg.num_attention_heads;
    const taps: Taps = {};
    if (out.hiddenStates) {
      const hs = out.hiddenStates;
      taps.hidden = (index, ptr) => c.scatter(arena.f32(ptr, T * H), H, 0, H, hs[index].data);
    }
    if (out.qkv) {
      const qkv = out.qkv;
      taps.qkv = (ptr) => {
        const b = arena.f32(ptr, T * 3 * H);
        c.scatter(b, 3 * H, 0, H, qkv.q.data);
        c.scatter(b, 3 * H, H, H, qkv.k.data);
        c.scatter(b, 3 * H, 2 * H, H, qkv.v.data);
      };
    }
    if (out.attentions) {
      const at = out.attentions;
      taps.attention = (layer, s, h, ptr) => {
        const p = arena.f32(ptr, s.n * s.n);
        const dst = at[layer].data;
        const v = rows.valid[s.b];
        for (let i = 0; i < s.n; i++) {
          const rowBase = ((s.b * heads + h) * L + v[i]) * L;
          for (let j = 0; j < s.n; j++) dst[rowBase + v[j]] = p[i * s.n + j];
        }
      };
    }
    taps.hidden?.(0, act.hidden);

    // ---- BertEncoder
    for (let i = 0; i < cfg.num_hidden_layers; i++) {
      const layer = bertLayer(cfg, await c.layer(i));
      layer.forward(compute, act, T, seqs, i, taps);
      taps.hidden?.(i + 1, act.hidden);
    }
    c.scatter(arena.f32(act.hidden, T * H), H, 0, H, out.lastHiddenState.data);

    // ---- BertPooler on each sequence's first token (HF takes position 0 whatever the mask says)
    const poolerParams = c.group('pooler');
    if (poolerParams && out.pooler) {
      const hidden = arena.f32(act.hidden, T * H);
      const first = arena.f32(act.ctx, seqs.length * H);
      seqs.forEach((s, j) => {
        // position 0 is the sequence's first packed row when it is valid (always, for right-padded batches)
        const r = s.n > 0 && rows.valid[s.b][0] === 0 ? s.offset : -1;
        if (r >= 0) first.set(hidden.subarray(r * H, r * H + H), j * H);
        else first.fill(0, j * H, j * H + H);
      });
      bertPooler(poolerParams).forward(compute, seqs.length, act.ctx, act.qkv, act.inter);
      const pooled = arena.f32(act.qkv, seqs.length * H);
      seqs.forEach((s, j) => out.pooler!.data.set(pooled.subarray(j * H, j * H + H), s.b * H));
    }
  }
}
