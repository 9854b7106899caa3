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
import { Session, checkLoadOptions, type LoadOptions as EngineLoadOptions, type Residency } from '../engine/session.js';
import type { BertConfig } from '../models/bert/config.js';
import { BertFamily, type BertBuffers, type ForwardOptions, type ForwardOutput } from '../models/bert/family.js';
import { BertTokenizer } from '../tokenizer/index.js';
import { openSource, type WeightSource } from '../weights/source.js';
import { openWbin, type WbinFile } from '../weights/wbin.js';
import { embedTexts, type EmbedOptions } from '../embedding/embed.js';
import type { SentenceConfig } from '../sentence/config.js';

export type { EmbedOptions } from '../embedding/embed.js';
export type { ForwardOptions, ForwardOutput, Residency };

export interface LoadOptions extends EngineLoadOptions {
  /** Node, a Hugging Face folder: keep its converted .wbin in the cache (true, or a cache folder) instead of converting it on every load. Hub repo ids are always cached. */
  cache?: boolean | string;
  /** Node, a hub repo id: branch, tag or commit (default main). */
  revision?: string;
}

/** What every call takes besides its own options. */
export interface CallOptions {
  /** Cancels the call: it rejects with AbortError, its reads in flight are aborted. */
  signal?: AbortSignal;
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

  /** sentence-transformers settings the .wbin carries (pooling, prompts, ...): embed's defaults; undefined for a plain BERT. */
  get sentence(): SentenceConfig | undefined {
    return this.s.file.sentence;
  }

  /** Whether the checkpoint has BertPooler's weights (pooler output, pooling 'pooler'). */
  get hasPooler(): boolean {
    return this.s.hasGroup('pooler');
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
    // where the model comes from (cache, revision) is this class's; the rest is the engine's
    if (typeof options !== 'object' || options === null) checkLoadOptions(options); // its error for a non-object
    const { cache, revision, ...engine } = options;
    try {
      checkLoadOptions(engine);
    } catch (e) {
      // the engine lists its own options; these two are Bert's
      if (e instanceof ModelError && /^unknown load option .*\)$/.test(e.message)) throw new ModelError(e.message.replace(/\)$/, ', cache, revision)'), { cause: e });
      throw e;
    }
    const src = await resolveSource(source, { cache, revision, onProgress: engine.onProgress });
    let file: WbinFile;
    let tokenizer: BertTokenizer;
    try {
      file = await openWbin(src);
      if (engine.verify) await file.verify(undefined, engine.onProgress);
      tokenizer = BertTokenizer.fromVocab(file.tokenizer.vocab, file.tokenizer.options as never);
    } catch (e) {
      // nothing half-loaded stays open (Session.open does the same for everything after this)
      await src.close?.().catch(() => {});
      throw e;
    }
    const family = new BertFamily(file.config);
    const session = await Session.open(file, family, engine);
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

  /** Sentence embeddings: sentence-transformers' encode, with the model's own settings as defaults (src/embedding/). */
  async embed(texts: string | string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return embedTexts({ config: this.config, tokenizer: this.tokenizer, sentence: this.sentence, hasPooler: this.hasPooler, forward: (e, o) => this.forward(e, o) }, texts, options);
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

/** Node only, and hidden from bundlers (a computed specifier): folders and hub repo ids (src/weights/resolve.ts). */
const RESOLVE_MODULE = '../weights/resolve.js';

async function resolveSource(source: ModelSource, options: Pick<LoadOptions, 'cache' | 'revision' | 'onProgress'>): Promise<WeightSource> {
  if (typeof source === 'object' && source !== null && 'read' in source && typeof (source as WeightSource).read === 'function') {
    return source as WeightSource;
  }
  if (typeof source === 'string' && typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string' && !/^[a-z][\w+.-]+:/i.test(source)) {
    const { resolveModel } = (await import(/* @vite-ignore */ RESOLVE_MODULE)) as typeof import('../weights/resolve.js');
    const resolved = (await resolveModel(source, options)).source;
    if (typeof resolved !== 'string') return resolved;
    source = resolved;
  }
  return openSource(source as string | URL | ArrayBuffer | Uint8Array);
}
