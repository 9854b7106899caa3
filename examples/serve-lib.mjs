// What the Deno.serve and Bun.serve examples share: arguments, the model, the handler, SIGTERM.
//   --model <file.wbin | URL> (required)  --port N (default 8080)  --host H (default 127.0.0.1)
//   --threads N  --max-batch-tokens N  --no-batching; bearer keys from $WASMBERT_API_KEYS (comma-separated)
import { Bert, createEmbeddingHandler } from 'wasmbert';

export async function setUp(argv, env) {
  const o = { port: 8080, host: '127.0.0.1', batching: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--model') o.model = argv[++i];
    else if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--host') o.host = argv[++i];
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--max-batch-tokens') o.maxBatchTokens = Number(argv[++i]);
    else if (a === '--no-batching') o.batching = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.model) throw new Error('usage: --model <model.wbin | URL> [--port N] [--host H] [--threads N] [--max-batch-tokens N] [--no-batching]');
  const bert = await Bert.load(o.model, { threads: o.threads });
  const handler = createEmbeddingHandler(bert, {
    modelId: o.model.split('/').pop(),
    apiKeys: env('WASMBERT_API_KEYS'),
    maxBatchTokens: o.maxBatchTokens,
    batching: o.batching,
    // one JSON line per request
    log: (entry) => console.log(JSON.stringify(entry)),
  });
  return { o, bert, handler };
}
