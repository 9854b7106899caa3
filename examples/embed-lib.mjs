// The embed example's body, shared by every runtime: the CLI (embed.mjs: Node, Deno, Bun), the browser
// page and the workerd worker of test/runtimes/ all call embedExample(), so each proves the same thing.
import { Bert, threadsAvailable } from 'wasmbert';

export const DEFAULT_TEXTS = [
  'wasmbert runs BERT in WebAssembly.',
  'The same vectors in Node, Deno, Bun, browsers and edge workers.',
  'Héllo, wörld! 你好',
];

/** Which JavaScript runtime this is, in words. */
export function runtimeName() {
  const g = globalThis;
  if (g.Deno?.version) return `deno ${g.Deno.version.deno}`;
  if (g.Bun?.version) return `bun ${g.Bun.version}`;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (typeof g.process?.versions?.node === 'string') return `node ${g.process.versions.node}`;
  return g.navigator?.userAgent ?? 'unknown';
}

/**
 * Loads `model` (a path, URL, bytes or WeightSource), embeds `texts` (mean pooling, L2-normalised) and,
 * with `time`, times one (1, 128) forward after a warm-up: the median of `time` runs, in milliseconds.
 * Returns plain JSON-able data.
 */
export async function embedExample({ model, texts = DEFAULT_TEXTS, threads, residency, maxTokens, simd, time = 0, keep = false }) {
  const t0 = performance.now();
  const bert = await Bert.load(model, { threads, residency, maxTokens, simd });
  const loadMs = performance.now() - t0;
  try {
    const vectors = await bert.embed(texts);
    const out = {
      runtime: runtimeName(),
      variant: bert.variant,
      threads: bert.threads,
      threadsAvailable: threadsAvailable(),
      residency: bert.residency,
      wasmBytes: bert.wasmBytes,
      loadMs,
      dims: vectors[0].length,
      vectors: vectors.map((v) => Array.from(v)),
    };
    if (time > 0) out.forward128Ms = await timeForward(bert, time);
    if (keep) out.bert = bert;
    return out;
  } finally {
    if (!keep) await bert.dispose();
  }
}

/** Median time of one forward of a single 128-token sequence, after one warm-up run. */
export async function timeForward(bert, runs) {
  const L = Math.min(128, bert.config.max_position_embeddings);
  // ids past the special tokens, deterministic; any valid ids do: the cost depends on the shape only
  const ids = Array.from({ length: L }, (_, i) => (i === 0 ? 101 : i === L - 1 ? 102 : 1000 + ((i * 7919) % (bert.config.vocab_size - 1000))));
  const input = { inputIds: [ids], attentionMask: [ids.map(() => 1)] };
  await bert.forward(input);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await bert.forward(input);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}
