// The public model: Bert.load(source) → forward(encoded) / embed(texts) / dispose(). A thin class: the
// engine (src/engine/session.ts) owns the kernels, threads, memory and weights; the BERT family
// (src/models/bert/family.ts) runs the encoder; this file opens the weights and the tokenizer, and shapes
// what comes back.
//
// Memory: one wasm linear memory holds the packed weights (resident: all layers; streamed: one layer
// slot) and one activation arena sized from config × maxTokens at load time. forward() allocates nothing
// in wasm; only the Float32Arrays handed back to the caller are new.
import { ModelError } from '../errors.js';
import { normalizeInput, type EncodedInput } from '../engine/inputs.js';
import { SerialQueue } from '../runtime/serial.js';
import { Session, checkLoadOptions, type LoadOptions, type Residency } from '../engine/session.js';
import type { BertConfig } from '../models/bert/config.js';
import { BertFamily, type BertBuffers, type ForwardOptions, type ForwardOutput } from '../models/bert/family.js';
import { BertTokenizer } from '../tokenizer/index.js';
import { openSource, type WeightSource } from '../weights/source.js';
import { openWbin, type WbinFile } from '../weights/wbin.js';

export type { EmbedOptions };
export type { ForwardOptions, ForwardOutput, LoadOptions, Residency };

/** What every call takes besides its own options. */
export interface CallOptions {
  /** Cancels the call: it rejects with AbortError, its reads in flight are aborted. */
  signal?: AbortSignal;
}

interface EmbedOptions extends CallOptions {
  /** sentence-transformers' pooling: 'mean' over valid tokens (default), 'cls' (first token), 'pooler' (BertPooler output) */
  pooling?: 'mean' | 'cls' | 'pooler';
  /** L2-normalise each vector (default true) */
  normalize?: boolean;
  /** truncate inputs to this many tokens (default: the tokenizer's model max length, at most max_position_embeddings) */
  maxLength?: number;
}

export type ModelSource = string | URL | ArrayBuffer | Uint8Array | WeightSource;

export class Bert {
  private session: Session<BertBuffers, ForwardOutput> | undefined;
  /** every forward/embed/dispose goes through it: one call at a time, in arrival order (runtime/serial.ts) */
  private readonly queue = new SerialQueue('this Bert');
  private disposing: Promise<void> | undefined;
  private constructor(
    readonly config: BertConfig,
    readonly tokenizer: BertTokenizer,
    readonly residency: Residency,
    private readonly family: BertFamily,
    session: Session<BertBuffers, ForwardOutput>,
  ) {
    this.session = session;
  }

  private get s(): Session<BertBuffers, ForwardOutput> {
    if (!this.session) throw new ModelError('this Bert was disposed');
    return this.session;
  }

  /** The wasm build in use ('relaxed', 'simd', …). */
  get variant(): string {
    return this.s.kernels.variant;
  }

  /** Threads the kernels run on (1 = the calling thread alone). */
  get threads(): number {
    return this.s.compute.threads;
  }

  /** Bytes of wasm linear memory this model holds (0 after dispose). */
  get wasmBytes(): number {
    return this.session ? this.session.kernels.memory.buffer.byteLength : 0;
  }

  static async load(source: ModelSource, options: LoadOptions = {}): Promise<Bert> {
    // options first: a typo fails before anything is opened
    checkLoadOptions(options);
    const src = await resolveSource(source);
    let file: WbinFile;
    let tokenizer: BertTokenizer;
    try {
      file = await openWbin(src);
      if (options.verify) await file.verify(undefined, options.onProgress);
      tokenizer = BertTokenizer.fromVocab(file.tokenizer.vocab, file.tokenizer.options as never);
    } catch (e) {
      // nothing half-loaded stays open (Session.open does the same for everything after this)
      await src.close?.().catch(() => {});
      throw e;
    }
    const family = new BertFamily(file.config);
    const session = await Session.open(file, family, options);
    return new Bert(file.config, tokenizer, session.residency, family, session);
  }

  /** Runs the encoder on token ids (one encoding, or a padded batch with attention masks). Calls run one at a time, in order. */
  forward(encoded: EncodedInput, options: ForwardOptions & CallOptions = {}): Promise<ForwardOutput> {
    return this.queue.run(async (signal) => {
      const session = this.s;
      const rows = normalizeInput(encoded, this.config);
      const out = this.family.outputs(rows, options, session.hasGroup('pooler'));
      await session.run(rows, out, signal);
      return out;
    }, options.signal);
  }

  async embed(texts: string | string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const session = this.s;
    const list = typeof texts === 'string' ? [texts] : texts;
    if (!Array.isArray(list) || list.length === 0) throw new ModelError('embed: expected a non-empty array of strings');
    const pooling = options.pooling ?? 'mean';
    if (!['mean', 'cls', 'pooler'].includes(pooling)) throw new ModelError(`embed: pooling must be 'mean', 'cls' or 'pooler' (got ${JSON.stringify(pooling)})`);
    if (pooling === 'pooler' && !session.hasGroup('pooler')) throw new ModelError('embed: this checkpoint has no pooler; use pooling "mean" or "cls"');
    const maxLength = Math.min(options.maxLength ?? this.tokenizer.options.modelMaxLength ?? this.config.max_position_embeddings, this.config.max_position_embeddings);
    const enc = this.tokenizer.encodeBatch(list, { padding: 'longest', truncation: 'longest_first', maxLength });
    const res = await this.forward(enc, { signal: options.signal });
    const H = this.config.hidden_size;
    const L = enc.inputIds[0].length;
    const vectors = list.map((_, b) => {
      const v = new Float32Array(H);
      if (pooling === 'pooler') v.set(res.pooler!.data.subarray(b * H, b * H + H));
      else if (pooling === 'cls') v.set(res.lastHiddenState.data.subarray(b * L * H, b * L * H + H));
      else {
        // sum(h · mask) / clamp(sum(mask), 1e-9), as sentence-transformers' Pooling(mean)
        const acc = new Float64Array(H);
        let count = 0;
        for (let t = 0; t < L; t++) {
          if (enc.attentionMask[b][t] !== 1) continue;
          count++;
          const o = (b * L + t) * H;
          for (let i = 0; i < H; i++) acc[i] += res.lastHiddenState.data[o + i];
        }
        for (let i = 0; i < H; i++) v[i] = acc[i] / Math.max(count, 1e-9);
      }
      if (options.normalize ?? true) {
        // torch.nn.functional.normalize: v / max(‖v‖₂, 1e-12)
        let ss = 0;
        for (let i = 0; i < H; i++) ss += v[i] * v[i];
        const norm = Math.max(Math.sqrt(ss), 1e-12);
        for (let i = 0; i < H; i++) v[i] /= norm;
      }
      return v;
    });
    return vectors;
  }

  /**
   * Releases the model: calls queued or running reject with ModelError (a running one stops at its next
   * layer, its reads aborted), then the workers stop, the source closes and the wasm memory goes back to
   * be reused by the next load (runtime/spare.ts). Every caller resolves once all of it is released.
   */
  dispose(): Promise<void> {
    return (this.disposing ??= (async () => {
      await this.queue.close(() => new ModelError('this Bert was disposed'));
      const s = this.session;
      if (!s) return;
      this.session = undefined;
      await s.dispose();
    })());
  }

  get isDisposed(): boolean {
    return this.session === undefined;
  }
}

async function resolveSource(source: ModelSource): Promise<WeightSource> {
  if (typeof source === 'object' && source !== null && 'read' in source && typeof (source as WeightSource).read === 'function') {
    return source as WeightSource;
  }
  return openSource(source as string | URL | ArrayBuffer | Uint8Array);
}
