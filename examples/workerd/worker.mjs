// The embed example as an edge worker (Cloudflare Workers / workerd). Weights stream from WEIGHTS_URL by
// HTTP range requests: one layer in memory at a time, and only the word-embedding rows a batch uses, so a
// bert-base fits the 128 MB an isolate gets. No threads in a worker: one thread, the SIMD kernels.
//
//   POST /embed  {"texts": ["…", …]}  →  {"vectors": [[…], …], "wasmBytes": …}
//   POST /time   {"runs": 5}          →  {"forward128Ms": …}   (a (1, 128) forward; workers' clocks only
//                                         advance on I/O, so the caller times the request instead)
//   GET  /health                      →  {"ok": true}          (the model is loaded on first use)
//
// `import { Bert } from 'wasmbert'` resolves through the package's "workerd" export condition to the entry
// that imports the kernels as .wasm modules (workers cannot compile wasm from bytes).
import { Bert } from 'wasmbert';
import { runtimeName, timeForward } from '../embed-lib.mjs';

let bert;

async function model(env) {
  // Loaded inside the first request that needs it: a worker may not do I/O at start-up.
  bert ??= await Bert.load(env.WEIGHTS_URL, {
    residency: 'streamed',
    threads: 1,
    // the activation arena: 512 tokens (one full-length sequence) keeps it to ~15 MB for bert-base
    maxTokens: Number(env.MAX_TOKENS ?? 512),
  });
  return bert;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      if (pathname === '/health') return Response.json({ ok: true, runtime: runtimeName() });
      if (pathname === '/embed') {
        const { texts } = await request.json();
        const m = await model(env);
        const vectors = await m.embed(texts);
        return Response.json({
          runtime: runtimeName(),
          variant: m.variant,
          threads: m.threads,
          residency: m.residency,
          wasmBytes: m.wasmBytes,
          vectors: vectors.map((v) => Array.from(v)),
        });
      }
      if (pathname === '/time') {
        const { runs = 1 } = await request.json();
        return Response.json({ forward128Ms: await timeForward(await model(env), runs) });
      }
      return new Response('not found', { status: 404 });
    } catch (err) {
      return Response.json({ error: `${err.name}: ${err.message}` }, { status: 500 });
    }
  },
};
