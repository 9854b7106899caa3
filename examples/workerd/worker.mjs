// The embedding service as an edge worker (Cloudflare Workers / workerd): wasmbert's fetch handler, the same
// one `wasmbert serve`, Deno.serve and Bun.serve run — OpenAI's POST /v1/embeddings, TEI's POST /embed and
// /tokenize, GET /health, /info, /metrics. Weights stream from WEIGHTS_URL by HTTP range requests: one layer
// in memory at a time, and only the word-embedding rows a batch uses, so a bert-base fits the 128 MB an isolate
// gets. No threads in a worker: one thread, the SIMD kernels. Scaling out is more isolates: no shared state.
//
//   vars: WEIGHTS_URL (the .wbin), MAX_TOKENS (activation arena, default 512), API_KEYS (optional bearer keys,
//         comma-separated), MODEL_ID (what /info and /v1/embeddings report)
//   POST /time {"runs": 5} → {"forward128Ms": …}: a (1, 128) forward; a worker's clock advances only on I/O,
//         so callers time the request instead (test/runtimes-workerd.test.ts)
//
// `import { Bert } from 'wasmbert'` resolves through the package's "workerd" export condition to the entry
// that imports the kernels as .wasm modules (workers cannot compile wasm from bytes).
import { Bert, createEmbeddingHandler } from 'wasmbert';
import { timeForward } from '../embed-lib.mjs';

let ready;

function service(env) {
  // Loaded inside the first request that needs it: a worker may not do I/O at start-up.
  ready ??= (async () => {
    const bert = await Bert.load(env.WEIGHTS_URL, {
      residency: 'streamed',
      threads: 1,
      // the activation arena: 512 tokens (one full-length sequence) keeps it to ~15 MB for bert-base
      maxTokens: Number(env.MAX_TOKENS ?? 512),
    });
    // a batch's tokens must fit the arena: the budget is the arena
    const handler = createEmbeddingHandler(bert, { modelId: env.MODEL_ID ?? 'wasmbert', apiKeys: env.API_KEYS, maxBatchTokens: bert.config.max_position_embeddings });
    return { bert, handler };
  })().catch((e) => {
    ready = undefined; // the next request tries again
    throw e;
  });
  return ready;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    // up before the model: the load happens on the first request that needs it
    if (pathname === '/health' && !ready) return Response.json({ status: 'ok' });
    try {
      const { bert, handler } = await service(env);
      if (pathname === '/time' && request.method === 'POST') {
        const { runs = 1 } = await request.json();
        return Response.json({ forward128Ms: await timeForward(bert, runs) });
      }
      return await handler(request);
    } catch (err) {
      return Response.json({ error: `${err.name}: ${err.message}`, error_type: 'backend' }, { status: 500 });
    }
  },
};
