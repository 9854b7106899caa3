// `wasmbert serve`'s model, in a worker thread. A forward runs its kernels on the thread that calls it (the
// pool's workers help), for up to seconds on a big batch; on the server's own thread that would stall every
// socket: /health probes time out, /metrics and 429s wait, and requests arriving meanwhile are not even parsed,
// so the next batch forms late. Here the Bert lives in a worker and the HTTP thread keeps a stand-in with the
// same answers (config, tokenizer — rebuilt from the same vocabulary — and forward, whose outputs come back as
// transferred buffers, not copies). One module, both sides: the worker runs this file with workerData set.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ModelError, RuntimeError, TokenizerError, WasmbertError, WeightsError } from '../errors.js';
import type { Bert, ForwardOptions, ForwardOutput } from '../model/bert.js';

type BertConfig = Bert['config'];
type EncodedInput = Parameters<Bert['forward']>[0];
import type { EmbeddingModel } from '../serve/batcher.js';
import { BertTokenizer, type TokenizerOptions } from '../tokenizer/index.js';
import { loadModelArg } from './model-arg.js';

const TAG = 'wasmbert-serve-model';

/** A Bert in a worker thread, as the embedding handler sees it. */
export interface WorkerModel extends EmbeddingModel {
  /** what to call the model (its path, or the synthetic's name) */
  readonly label: string;
  /** the .wbin the page may download, when there is one on disk */
  readonly file: string | undefined;
  dispose(): Promise<void>;
}

/** --model as `serve` takes it: what every command takes (a .wbin, a Hugging Face folder, org/name, synthetic-*). */
export async function resolveModel(arg: string | undefined, threads: number | undefined, log: (s: string) => void): Promise<{ bert: Bert; label: string; file?: string }> {
  const { bert, label, file } = await loadModelArg(arg, { threads }, log);
  return { bert, label, file };
}

interface Ready {
  type: 'ready';
  label: string;
  file?: string;
  config: BertConfig;
  vocab: string[];
  options: TokenizerOptions;
  variant: string;
  threads: number;
  residency: Bert['residency'];
  wasmBytes: number;
  /** the model's sentence-transformers settings (the handler's pooling / prompt / length defaults, as bert.embed's) */
  sentence: Bert['sentence'];
  hasPooler: boolean;
}
interface WireError {
  name: string;
  message: string;
}
type FromWorker = Ready | { type: 'log'; line: string } | { type: 'error'; error: WireError } | { type: 'result'; id: number; out?: ForwardOutput; error?: WireError } | { type: 'disposed' };

const toWire = (e: unknown): WireError => (e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) });
const ERRORS: Record<string, new (m: string) => Error> = { ModelError, TokenizerError, RuntimeError, WasmbertError };
function fromWire(e: WireError): Error {
  if (e.name === 'WeightsError') return new WeightsError(e.message);
  return new (ERRORS[e.name] ?? Error)(e.message);
}

/** Starts the worker, loads the model there, and resolves once it can serve. */
/** `onDeath`: the worker died after it was ready (not by dispose) — the server cannot serve on. */
export function loadInWorker(model: string | undefined, threads: number | undefined, log: (s: string) => void, onDeath: (e: Error) => void = () => {}): Promise<WorkerModel> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { tag: TAG, model, threads } });
  const pending = new Map<number, { resolve: (o: ForwardOutput) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let disposing: (() => void) | undefined;
  let dead: Error | undefined;
  let ready = false;
  return new Promise((resolve, reject) => {
    worker.on('error', (e) => {
      dead = new RuntimeError(`the model's worker failed: ${e.message}`);
      reject(dead);
    });
    worker.on('exit', (code) => {
      dead ??= new RuntimeError(`the model's worker exited (code ${code})`);
      if (ready && !disposing) onDeath(dead);
      for (const p of pending.values()) p.reject(dead);
      pending.clear();
      reject(dead);
      disposing?.();
    });
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'log') log(m.line);
      else if (m.type === 'error') reject(fromWire(m.error));
      else if (m.type === 'disposed') disposing?.();
      else if (m.type === 'result') {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error) p?.reject(fromWire(m.error));
        else p?.resolve(m.out!);
      } else if (m.type === 'ready') {
        ready = true;
        const tokenizer = BertTokenizer.fromVocab(m.vocab, m.options);
        resolve({
          label: m.label,
          file: m.file,
          config: m.config,
          tokenizer,
          variant: m.variant,
          threads: m.threads,
          residency: m.residency,
          wasmBytes: m.wasmBytes,
          sentence: m.sentence,
          hasPooler: m.hasPooler,
          forward(encoded: EncodedInput, options: ForwardOptions = {}): Promise<ForwardOutput> {
            if (dead) return Promise.reject(dead);
            if (options.hiddenStates || options.attentions || options.qkv || options.embeddings) {
              return Promise.reject(new ModelError('the serve worker returns the last hidden state and the pooler only'));
            }
            return new Promise((res, rej) => {
              const id = nextId++;
              pending.set(id, { resolve: res, reject: rej });
              worker.postMessage({ type: 'forward', id, encoded });
            });
          },
          dispose: () =>
            dead
              ? Promise.resolve()
              : new Promise<void>((res) => {
                  disposing = res;
                  worker.postMessage({ type: 'dispose' });
                }),
        });
      }
    });
  });
}

async function workerMain(data: { model?: string; threads?: number }): Promise<void> {
  const port = parentPort!;
  let bert: Bert;
  try {
    const r = await resolveModel(data.model, data.threads, (line) => port.postMessage({ type: 'log', line }));
    bert = r.bert;
    const t = bert.tokenizer;
    port.postMessage({ type: 'ready', label: r.label, file: r.file, config: bert.config, vocab: t.vocab, options: t.options, variant: bert.variant, threads: bert.threads, residency: bert.residency, wasmBytes: bert.wasmBytes, sentence: bert.sentence, hasPooler: bert.hasPooler } satisfies Ready);
  } catch (e) {
    port.postMessage({ type: 'error', error: toWire(e) });
    return;
  }
  port.on('message', (m: { type: 'forward'; id: number; encoded: EncodedInput } | { type: 'dispose' }) => {
    if (m.type === 'dispose') {
      void bert.dispose().then(() => {
        port.postMessage({ type: 'disposed' });
        port.close();
      });
      return;
    }
    bert.forward(m.encoded).then(
      (out) => {
        const transfer = [out.lastHiddenState.data.buffer as ArrayBuffer];
        if (out.pooler) transfer.push(out.pooler.data.buffer as ArrayBuffer);
        port.postMessage({ type: 'result', id: m.id, out }, transfer);
      },
      (e: unknown) => port.postMessage({ type: 'result', id: m.id, error: toWire(e) }),
    );
  });
}

if (!isMainThread && (workerData as { tag?: string } | null)?.tag === TAG) void workerMain(workerData as { model?: string; threads?: number });
