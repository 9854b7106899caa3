// The public model: Bert.load(source) → forward(encoded) / embed(texts) / dispose().
//
// Memory: one wasm linear memory holds the packed weights (resident: all layers; streamed: one layer
// slot) and one activation arena sized from config × maxTokens at load time. forward() allocates nothing
// in wasm; only the Float32Arrays handed back to the caller are new.
import { ModelError, RuntimeError } from '../errors.js';
import { Arena } from '../runtime/arena.js';
import { loadKernels, warnOnce, type Kernels } from '../runtime/wasm.js';
import { createThreadedCompute, defaultThreadCount, threadsAvailable, type ThreadedCompute } from '../threads/compute.js';
import { BertTokenizer } from '../tokenizer/index.js';
import { openWbin, type WbinFile } from '../weights/wbin.js';
import { openSource, type WeightSource } from '../weights/source.js';
import type { BertConfig } from './config.js';
import { SingleThreadCompute, attentionScratchBytes, type Compute, type Linear } from './compute.js';
import { normalizeInput, type BatchRows, type EncodedInput } from './inputs.js';
import {
  BertEmbeddings,
  BertPooler,
  layerAt,
  layerBytes,
  type Activations,
  type BertLayer,
  type PackedSeq,
  type Taps,
} from './modeling_bert.js';
import { tensor, type Tensor } from './tensor.js';
import { embedTexts, type EmbedOptions } from '../sentence/embed.js';
import type { SentenceConfig } from '../sentence/config.js';
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
  /** Node, a Hugging Face folder: keep its converted .wbin in the cache (true, or a cache folder) instead of converting in memory on every load. Hub repo ids are always cached. */
  cache?: boolean | string;
  /** Node, a hub repo id: branch, tag or commit (default main). */
  revision?: string;
}

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

export type { EmbedOptions } from '../sentence/embed.js';

export type ModelSource = string | URL | ArrayBuffer | Uint8Array | WeightSource;

const names = {
  word: 'embeddings.word_embeddings.weight',
  position: 'embeddings.position_embeddings.weight',
  tokenType: 'embeddings.token_type_embeddings.weight',
  embLnW: 'embeddings.LayerNorm.weight',
  embLnB: 'embeddings.LayerNorm.bias',
  poolerW: 'pooler.dense.weight',
  poolerB: 'pooler.dense.bias',
};

/** Everything a live model holds; dispose() drops it so the wasm memory can be collected. */
interface State {
  file: WbinFile;
  kernels: Kernels;
  arena: Arena;
  compute: Compute;
  embeddings: BertEmbeddings;
  layers: BertLayer[];
  pooler: BertPooler | undefined;
  act: Activations;
  /** streamed residency: where word rows and layer weights are staged */
  stream: StreamState | undefined;
}

export class Bert {
  private state: State | undefined;
  private constructor(
    readonly config: BertConfig,
    readonly tokenizer: BertTokenizer,
    readonly residency: Residency,
    state: State,
  ) {
    this.state = state;
  }

  private get s(): State {
    if (!this.state) throw new ModelError('this Bert was disposed');
    return this.state;
  }

  /** sentence-transformers settings the .wbin carries (pooling, prompts, ...): embed's defaults; undefined for a plain BERT. */
  get sentence(): SentenceConfig | undefined {
    return this.s.file.sentence;
  }

  /** Whether the checkpoint has BertPooler's weights (pooler output, pooling 'pooler'). */
  get hasPooler(): boolean {
    return !!this.s.pooler;
  }

  /** The wasm build in use ('relaxed', 'simd', …). */
  get variant(): string {
    return this.s.kernels.variant;
  }

  /** Threads the kernels run on (1 = the calling thread alone). */
  get threads(): number {
    return (this.s.compute as Partial<ThreadedCompute>).threads ?? 1;
  }

  /** Bytes of wasm linear memory this model holds (0 after dispose). */
  get wasmBytes(): number {
    return this.state ? this.state.kernels.memory.buffer.byteLength : 0;
  }

  static async load(source: ModelSource, options: LoadOptions = {}): Promise<Bert> {
    const residency = options.residency ?? 'resident';
    if (residency !== 'resident' && residency !== 'streamed') throw new ModelError(`residency must be 'resident' or 'streamed' (got ${JSON.stringify(residency)})`);
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw new ModelError(`threads must be a positive integer (got ${options.threads})`);
    }
    const src = await resolveSource(source, options);
    const file = await openWbin(src);
    const cfg = file.config;
    const tokenizer = BertTokenizer.fromVocab(file.tokenizer.vocab, file.tokenizer.options as never);
    let threads = options.threads ?? (await defaultThreadCount());
    if (threads > 1 && !threadsAvailable()) {
      warnOnce(`${threads} threads asked for, but threads cannot run here (no SharedArrayBuffer / cross-origin isolation, or no workers): using 1`);
      threads = 1;
    }
    const kernels = await loadKernels({ simd: options.simd, shared: threads > 1 });
    const k = kernels.exports;
    const arena = new Arena(kernels.memory, k.heap_base());
    const H = cfg.hidden_size;
    const I = cfg.intermediate_size;
    const V = cfg.vocab_size;
    const maxSeq = cfg.max_position_embeddings;
    const maxTokens = Math.max(maxSeq, options.maxTokens ?? 8 * maxSeq);

    // Carve everything out first: nothing may grow the memory while a read writes into it.
    const streamed = residency === 'streamed';
    const word = streamed ? 0 : arena.alloc(4 * V * H, names.word);
    const position = arena.alloc(4 * maxSeq * H, names.position);
    const tokenType = arena.alloc(4 * cfg.type_vocab_size * H, names.tokenType);
    const embLn = { weight: arena.alloc(4 * H), bias: arena.alloc(4 * H) };
    const perLayer = layerBytes(cfg, k);
    const layerBase = arena.alloc(perLayer * (streamed ? 1 : cfg.num_hidden_layers), 'layer weights');
    const hasPooler = file.tensors.some((t) => t.name === names.poolerW);
    const poolerLin: Linear | undefined = hasPooler ? { w: arena.alloc(k.gemm_pack_size(H, H), 'pooler'), n: H, k: H } : undefined;
    const rows4 = Math.ceil(maxTokens / 4) * 4; // packed A fills whole 4-row strips
    const act: Activations = {
      maxTokens,
      maxSeq,
      hidden: arena.alloc(4 * rows4 * H, 'hidden'),
      qkv: arena.alloc(4 * rows4 * Math.max(3 * H, I), 'qkv'),
      ctx: arena.alloc(4 * rows4 * H, 'ctx'),
      inter: arena.alloc(4 * rows4 * Math.max(I, H), 'intermediate'),
      attention: arena.alloc(attentionScratchBytes(k, maxSeq, H / cfg.num_attention_heads), 'attention scratch'),
    };
    let compute: Compute = new SingleThreadCompute(k);
    if (threads > 1) {
      try {
        // Workers poll 2 ms for the next job before sleeping: a forward's kernels follow each other within
        // that (packing A, layernorm and small ops run on the caller between them), and waking a sleeping
        // worker costs ~0.4 ms here. Measured 1x128 on 2 threads: 509 → 448 ms, 1x16 64–74 → 57–60 ms.
        compute = await createThreadedCompute({ threads, kernels, arena, maxSeq, maxHeadSize: H / cfg.num_attention_heads, spinUs: 2000 });
      } catch (e) {
        // e.g. a page whose CSP forbids blob: workers: one thread beats no model
        if (!(e instanceof RuntimeError)) throw e;
        warnOnce(`${e.message}: running on one thread`);
      }
    }
    try {
      const stagingFloats = Math.max(3 * H * H, I * H, H * H) + Math.max(3 * H, I);
      const staging = arena.alloc(4 * stagingFloats, 'staging');
      const wordRows = streamed ? arena.alloc(4 * maxTokens * H, 'word rows') : 0;

      const progress = options.onProgress ?? (() => {});
      progress(`loading ${src.name} (${residency})`);
      if (!streamed) await file.readTensorF32(names.word, arena.f32(word, V * H));
      await file.readTensorF32(names.position, arena.f32(position, maxSeq * H));
      await file.readTensorF32(names.tokenType, arena.f32(tokenType, cfg.type_vocab_size * H));
      await file.readTensorF32(names.embLnW, arena.f32(embLn.weight, H));
      await file.readTensorF32(names.embLnB, arena.f32(embLn.bias, H));
      const packer = new Packer(k, arena, staging, (name, dest) => file.readTensorF32(name, dest));
      const layers: BertLayer[] = [];
      if (streamed) {
        layers.push(layerAt(cfg, k, layerBase));
      } else {
        for (let i = 0; i < cfg.num_hidden_layers; i++) {
          const layer = layerAt(cfg, k, layerBase + i * perLayer);
          await packer.packLayer(i, layer);
          layers.push(layer);
          progress(`layer ${i + 1}/${cfg.num_hidden_layers} packed`);
        }
      }
      if (poolerLin) await packer.packLinear(poolerLin, [[names.poolerW, names.poolerB]]);

      const embeddings = new BertEmbeddings(word, position, tokenType, embLn);
      const pooler = poolerLin ? new BertPooler(poolerLin) : undefined;
      const stream = streamed ? new StreamState(file, cfg, wordRows, staging) : undefined;
      return new Bert(cfg, tokenizer, residency, { file, kernels, arena, compute, embeddings, layers, pooler, act, stream });
    } catch (e) {
      // nothing half-loaded stays alive: the workers and the source go with the failed load
      await (compute as Partial<ThreadedCompute>).dispose?.();
      await file.source.close?.();
      throw e;
    }
  }

  /** Runs the encoder on token ids (one encoding, or a padded batch with attention masks). */
  async forward(encoded: EncodedInput, options: ForwardOptions = {}): Promise<ForwardOutput> {
    const st = this.s;
    const cfg = this.config;
    const rows = normalizeInput(encoded, cfg);
    const { B, L } = rows;
    const H = cfg.hidden_size;
    const N = cfg.num_hidden_layers;
    const heads = cfg.num_attention_heads;
    const out: ForwardOutput = { lastHiddenState: tensor([B, L, H]) };
    if (st.pooler) out.pooler = tensor([B, H]);
    if (options.hiddenStates) out.hiddenStates = Array.from({ length: N + 1 }, () => tensor([B, L, H]));
    if (options.attentions) out.attentions = Array.from({ length: N }, () => tensor([B, heads, L, L]));
    if (options.qkv) out.qkv = { q: tensor([B, L, H]), k: tensor([B, L, H]), v: tensor([B, L, H]) };
    if (options.embeddings) out.embeddings = { word: tensor([B, L, H]), position: tensor([B, L, H]), tokenType: tensor([B, L, H]), sum: tensor([B, L, H]) };

    // Chunks of whole sequences whose valid tokens fit the arena.
    let start = 0;
    while (start < B) {
      let end = start;
      let T = 0;
      while (end < B && T + rows.valid[end].length <= st.act.maxTokens) T += rows.valid[end++].length;
      await this.forwardChunk(st, rows, start, end, T, out);
      start = end;
    }
    return out;
  }

  private async forwardChunk(st: State, rows: BatchRows, b0: number, b1: number, T: number, out: ForwardOutput): Promise<void> {
    const cfg = this.config;
    const H = cfg.hidden_size;
    const L = rows.L;
    const { act, arena, compute } = st;
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
    const scatter = (src: Float32Array, ld: number, col: number, dst: Tensor) => {
      for (let r = 0; r < T; r++) {
        const o = (rowB[r] * L + rowT[r]) * H;
        dst.data.set(src.subarray(r * ld + col, r * ld + col + H), o);
      }
    };

    // ---- BertEmbeddings: (word + token_type) + position, HF's order, in float32; then LayerNorm
    const emb = st.embeddings;
    const wordPtr = st.stream ? await st.stream.gatherWordRows(rows, rowB, rowT, arena) : undefined;
    const x = arena.f32(act.hidden, T * H);
    const pos = arena.f32(emb.position_embeddings, cfg.max_position_embeddings * H);
    const typ = arena.f32(emb.token_type_embeddings, cfg.type_vocab_size * H);
    // word rows: the resident table indexed by id, or (streamed) the rows gathered for this chunk, one per packed row
    const words = arena.f32(wordPtr ?? emb.word_embeddings, wordPtr === undefined ? cfg.vocab_size * H : T * H);
    const e = out.embeddings;
    for (let r = 0; r < T; r++) {
      const b = rowB[r];
      const t = rowT[r];
      const wo = (wordPtr === undefined ? rows.ids[b][t] : r) * H;
      const tyo = rows.types[b][t] * H;
      const po = t * H;
      const xo = r * H;
      for (let i = 0; i < H; i++) x[xo + i] = Math.fround(words[wo + i] + typ[tyo + i]) + pos[po + i];
      if (e) {
        const o = (b * L + t) * H;
        e.word.data.set(words.subarray(wo, wo + H), o);
        e.tokenType.data.set(typ.subarray(tyo, tyo + H), o);
        e.sum.data.set(x.subarray(xo, xo + H), o);
      }
    }
    // Position embeddings are a lookup of 0..L-1, independent of the tokens: every row, padded ones too.
    if (e) for (let b = b0; b < b1; b++) e.position.data.set(pos.subarray(0, L * H), b * L * H);
    compute.layernorm(T, H, act.hidden, H, emb.LayerNorm.weight, emb.LayerNorm.bias, cfg.layer_norm_eps, act.hidden, H);

    const heads = cfg.num_attention_heads;
    const taps: Taps = {};
    if (out.hiddenStates) {
      const hs = out.hiddenStates;
      taps.hidden = (index, ptr) => scatter(arena.f32(ptr, T * H), H, 0, hs[index]);
    }
    if (out.qkv) {
      const qkv = out.qkv;
      taps.qkv = (ptr) => {
        const buf = arena.f32(ptr, T * 3 * H);
        scatter(buf, 3 * H, 0, qkv.q);
        scatter(buf, 3 * H, H, qkv.k);
        scatter(buf, 3 * H, 2 * H, qkv.v);
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
      const layer = st.stream ? await st.stream.loadLayer(i, st.layers[0], st.kernels.exports, arena) : st.layers[i];
      layer.forward(compute, act, T, seqs, i, taps);
      taps.hidden?.(i + 1, act.hidden);
    }
    scatter(arena.f32(act.hidden, T * H), H, 0, out.lastHiddenState);

    // ---- BertPooler on each sequence's first token (HF takes position 0 whatever the mask says)
    if (st.pooler && out.pooler) {
      const hidden = arena.f32(act.hidden, T * H);
      const gathered = arena.f32(act.ctx, seqs.length * H);
      seqs.forEach((s, j) => {
        // position 0 is the sequence's first packed row when it is valid (always, for right-padded batches)
        const r = s.n > 0 && rows.valid[s.b][0] === 0 ? s.offset : -1;
        if (r >= 0) gathered.set(hidden.subarray(r * H, r * H + H), j * H);
        else gathered.fill(0, j * H, j * H + H);
      });
      st.pooler.forward(compute, seqs.length, act.ctx, act.qkv, act.inter);
      const pooled = arena.f32(act.qkv, seqs.length * H);
      seqs.forEach((s, j) => out.pooler!.data.set(pooled.subarray(j * H, j * H + H), s.b * H));
    }
  }

  /** Sentence embeddings: sentence-transformers' encode, with the model's own settings as defaults (src/sentence/). */
  async embed(texts: string | string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return embedTexts({ config: this.config, tokenizer: this.tokenizer, sentence: this.sentence, hasPooler: this.hasPooler, forward: (e) => this.forward(e) }, texts, options);
  }

  /** Releases the wasm memory and the weight source; the model cannot be used afterwards. */
  async dispose(): Promise<void> {
    const st = this.state;
    if (!st) return;
    this.state = undefined;
    await (st.compute as Partial<ThreadedCompute>).dispose?.();
    await st.file.source.close?.();
  }

  get isDisposed(): boolean {
    return this.state === undefined;
  }
}

/** Node only, and hidden from bundlers (a computed specifier): folders and hub repo ids (src/weights/resolve.ts). */
const RESOLVE_MODULE = '../weights/resolve.js';

async function resolveSource(source: ModelSource, options: LoadOptions): Promise<WeightSource> {
  if (typeof source === 'object' && source !== null && 'read' in source && typeof (source as WeightSource).read === 'function') {
    return source as WeightSource;
  }
  if (typeof source === 'string' && typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string' && !/^[a-z][\w+.-]+:/i.test(source)) {
    const { resolveModel } = (await import(/* @vite-ignore */ RESOLVE_MODULE)) as typeof import('../weights/resolve.js');
    const resolved = (await resolveModel(source, { cache: options.cache, revision: options.revision, onProgress: options.onProgress })).source;
    if (typeof resolved !== 'string') return resolved;
    source = resolved;
  }
  return openSource(source as string | URL | ArrayBuffer | Uint8Array);
}
