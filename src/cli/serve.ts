// wasmbert serve --model <file|folder|org/name> [--port] [--host] [--threads] [--max-batch-tokens] …
//
// The web-standard handler (src/serve) behind node:http: each IncomingMessage becomes a Request whose signal
// aborts when the client goes away, each Response is streamed back. SIGTERM/SIGINT: stop accepting, answer
// 503 to what still arrives on open connections, finish the work in flight, exit. One JSON line per request
// on stdout; progress and errors on stderr.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RuntimeError } from '../errors.js';
import { POOLING_MODES } from '../sentence/config.js';
import { createEmbeddingHandler, type EmbeddingHandler, type HandlerOptions } from '../serve/handler.js';
import { parseKeys } from '../serve/auth.js';
import { UsageError } from './args.js';
import { loadInWorker } from './serve-model.js';

const USAGE = `usage: wasmbert serve [--model <model.wbin | hf-folder | org/name>] [options]

An embedding service: OpenAI's POST /v1/embeddings, Hugging Face TEI's POST /embed, /tokenize, GET /health,
/info, /metrics, and at GET / a page that runs BERT in your browser. Without --model: synthetic-base.

  --port N               port (default 8080; 0 picks a free one)
  --host H               address to bind (default 127.0.0.1; without an API key, binding elsewhere must be asked for)
  --api-key K            require "Authorization: Bearer K" (repeatable; $WASMBERT_API_KEYS may hold several, comma-separated)
  --threads N            compute threads (default: the cores)
  --max-batch-tokens N   token budget of one batched forward (default 4096)
  --max-wait-ms N        how long an idle server waits to fill a batch (default 2)
  --max-queue N          requests waiting beyond which new ones get 429 (default 256)
  --no-batching          every request runs alone
  --auto-truncate        truncate over-long inputs instead of answering 413
  --pooling P            mean | cls | max | mean_sqrt_len_tokens | weightedmean | lasttoken | pooler
                         (default: the model's sentence-transformers pooling, else mean)
  --model-id NAME        the name /info and /v1/embeddings report
  --quiet                no request log
`;

export interface Listening {
  server: Server;
  /** Resolves once every response begun has been written out (the handler's drain ends before that). */
  written(): Promise<void>;
}

/** Listens on host:port and serves `handler`; resolves once listening. */
export async function listen(handler: (r: Request) => Promise<Response>, opts: { port: number; host: string }): Promise<Listening> {
  const open = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const p = bridge(handler, req, res, opts.host).finally(() => open.delete(p));
    open.add(p);
  });
  // A forward blocks this thread for up to seconds; Node's 5 s keep-alive timers, firing late, would then close
  // sockets a client has just sent its next request on (ECONNRESET under load). 65 s, as behind load
  // balancers (longer than their 60 s idle timeout); the drain closes the connections itself.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return { server, written: async () => void (await Promise.all(open)) };
}

/** node:http → Request → handler → Response → node:http. */
async function bridge(handler: (r: Request) => Promise<Response>, req: IncomingMessage, res: ServerResponse, host: string): Promise<void> {
  const ac = new AbortController();
  // the client went away before the answer was written: its queued work is dropped
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  try {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://${req.headers.host ?? host}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      signal: ac.signal,
      // @ts-expect-error Node's fetch needs duplex for a streamed body; the DOM types lack it
      duplex: 'half',
    });
    const response = await handler(request);
    res.statusCode = response.status;
    response.headers.forEach((v, k) => res.setHeader(k, v));
    if (response.body && req.method !== 'HEAD') {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        // a client gone away never drains: stop writing (leaving the loop cancels the body)
        if (res.destroyed) break;
        if (!res.write(chunk) && !res.destroyed) {
          await new Promise((r) => {
            res.once('drain', r);
            res.once('close', r);
          });
        }
      }
    }
    res.end();
  } catch (e) {
    if (!res.headersSent) {
      res.statusCode = 500;
      res.setHeader('content-type', 'application/json');
    }
    res.end(JSON.stringify({ error: 'internal error', error_type: 'backend' }));
    process.stderr.write(`wasmbert serve: ${e instanceof Error ? e.stack : String(e)}\n`);
  }
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.wbin': 'application/octet-stream' };

/**
 * The page and what it loads: web/ at /, the package's dist/ and build/ (wasmbert itself, its kernels),
 * @assemblyscript/loader, and the model at /model.wbin by HTTP range. Cross-origin isolated (COOP + COEP), so
 * the page may use threads.
 */
export function pageAssets(modelFile: string | undefined): (request: Request) => Response | undefined {
  let loader: string | undefined;
  try {
    loader = dirname(fileURLToPath(import.meta.resolve('@assemblyscript/loader')));
  } catch {
    loader = undefined;
  }
  const mounts: [string, string][] = [
    ['/dist/', join(ROOT, 'dist')],
    ['/build/', join(ROOT, 'build')],
    ['/vendor/loader/', loader ?? join(ROOT, 'node_modules', '@assemblyscript', 'loader')],
    ['/', join(ROOT, 'web')],
  ];
  return (request) => {
    const { pathname } = new URL(request.url);
    let file: string | undefined;
    if (pathname === '/model.wbin') file = modelFile;
    else {
      for (const [prefix, dir] of mounts) {
        if (!pathname.startsWith(prefix)) continue;
        let rel: string;
        try {
          rel = decodeURIComponent(pathname.slice(prefix.length)) || 'index.html';
        } catch {
          return undefined; // malformed %-escape: not a file of ours
        }
        const full = normalize(join(dir, rel));
        if (!full.startsWith(dir + sep)) return undefined; // no ../ out of the mount
        file = full;
        break;
      }
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) return undefined;
    return fileResponse(file, request.headers.get('range'));
  };
}

function fileResponse(file: string, range: string | null): Response {
  const size = statSync(file).size;
  const headers: Record<string, string> = {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-cache',
  };
  const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  if (range && !m) return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
  let start = 0;
  let end = size - 1;
  if (m) {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (start > end || start >= size) return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['content-length'] = String(end - start + 1);
  const body = size === 0 ? null : (Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream<Uint8Array>);
  return new Response(body, { status: m ? 206 : 200, headers });
}

/** A non-negative integer option (a bad one is a UsageError: main.ts prints it in one line, exit 2). */
const intArg = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer (got "${v}")`);
  return n;
};

export async function main(argv: string[]): Promise<number> {
  // parseArgs' own errors (an unknown flag, a missing value) become UsageErrors in main.ts
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      threads: { type: 'string' },
      'max-batch-tokens': { type: 'string' },
      'max-wait-ms': { type: 'string' },
      'max-queue': { type: 'string' },
      'no-batching': { type: 'boolean' },
      'auto-truncate': { type: 'boolean' },
      pooling: { type: 'string' },
      'model-id': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.pooling !== undefined && !([...POOLING_MODES, 'pooler'] as string[]).includes(values.pooling)) throw new UsageError(`--pooling must be one of ${POOLING_MODES.join(', ')} or pooler (got "${values.pooling}")`);
  const ints: Record<string, number | undefined> = {};
  for (const name of ['port', 'threads', 'max-batch-tokens', 'max-wait-ms', 'max-queue'] as const) ints[name] = intArg(values[name], name);
  const keys = parseKeys([...(values['api-key'] ?? []), process.env.WASMBERT_API_KEYS ?? '']);
  // No key: loopback only, unless --host says otherwise (then it is the operator's choice, and we say so).
  const host = values.host ?? '127.0.0.1';
  const say = (s: string) => process.stderr.write(`wasmbert serve: ${s}\n`);
  if (keys.length === 0 && values.host && !/^(127\.|::1$|localhost$)/.test(values.host)) say(`no API key: anyone who can reach ${values.host} can use this server`);

  // the model in a worker thread: forwards never block the thread that answers HTTP
  const bert = await loadInWorker(values.model, ints.threads, say, (e) => {
    say(`${e.message}: exiting`);
    process.exit(70);
  });
  const { label, file } = bert;
  const opts: HandlerOptions = {
    modelId: values['model-id'] ?? label,
    apiKeys: keys,
    pooling: values.pooling as HandlerOptions['pooling'],
    autoTruncate: values['auto-truncate'] ?? false,
    batching: !values['no-batching'],
    maxBatchTokens: ints['max-batch-tokens'],
    maxWaitMs: ints['max-wait-ms'],
    maxQueueRequests: ints['max-queue'],
    version: packageVersion(),
    // the page downloads the weights: not when the server is keyed (a browser cannot send the bearer key)
    assets: keys.length === 0 ? pageAssets(file) : undefined,
    log: values.quiet ? undefined : (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`),
  };
  const handler: EmbeddingHandler = createEmbeddingHandler(bert, opts);
  let listening: Listening;
  try {
    listening = await listen(handler, { port: ints.port ?? 8080, host });
  } catch (e) {
    await bert.dispose();
    throw new RuntimeError(`cannot listen on ${host}:${values.port}: ${(e as Error).message}`);
  }
  const { server } = listening;
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : values.port;
  say(`${label} (${bert.variant}, ${bert.threads} thread${bert.threads === 1 ? '' : 's'}) on http://${host.includes(':') ? `[${host}]` : host}:${port}/${keys.length ? `, ${keys.length} API key${keys.length === 1 ? '' : 's'}` : ''}`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      say(`${signal}: draining`);
      server.close(); // no new connections
      void handler.drain().then(async () => {
        await listening.written();
        server.closeAllConnections?.();
        await bert.dispose();
        say('drained, bye');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
