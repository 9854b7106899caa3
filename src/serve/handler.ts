// The embedding service as one web-standard fetch handler: (Request) => Promise<Response>. Nothing here
// imports node: — the same handler runs under Node (src/cli/serve.ts adapts node:http), Deno.serve, Bun.serve,
// Cloudflare Workers / workerd and a browser's service worker.
//
//   POST /v1/embeddings   OpenAI's schema: input (string | string[] | ids | ids[]), encoding_format, dimensions
//   POST /embed           TEI: inputs, normalize, truncate, truncation_direction, prompt_name → [[…], …]
//   POST /tokenize        TEI: inputs, add_special_tokens, prompt_name → [[{id, text, special, start, stop}]]
//   GET  /health          200 while serving, 503 while draining
//   GET  /info            TEI's Info
//   GET  /metrics         Prometheus text
//   anything else GET     options.assets (the page and its files, where the host serves them), else 404
//
// Token-id inputs are whole sequences as /tokenize returns them ([CLS] … [SEP] included): embedding them
// gives the same vector as embedding the text.
import { ModelError, ServeError, TokenizerError, WasmbertError } from '../errors.js';
import { authorize, parseKeys } from './auth.js';
import { Batcher, normalizeInPlace, type BatcherOptions, type EmbeddingModel, type Pooling } from './batcher.js';
import { embedPlan, embedWidth, type EmbedOptions, type EmbedPlan } from '../embedding/embed.js';
import { Metrics } from './metrics.js';

export interface HandlerOptions extends BatcherOptions {
  /** The name /info and OpenAI's `model` field report. Default 'wasmbert'. */
  modelId?: string;
  /** Bearer keys; none = no auth. A string may hold several, separated by commas or whitespace. */
  apiKeys?: string | string[];
  /** Pooling of every embedding (bert.embed's pooling option). Default: the model's sentence-transformers Pooling module, else 'mean'. */
  pooling?: Pooling;
  /** Truncate over-long inputs instead of answering 413 (TEI's --auto-truncate). Default false. */
  autoTruncate?: boolean;
  /** Most tokens one input may have ([CLS]/[SEP] included). Default bert.embed's: the model's max_seq_length, else the tokenizer's model_max_length; at most max_position_embeddings. */
  maxInputLength?: number;
  /** Most inputs one request may carry. Default 512. */
  maxClientBatchSize?: number;
  /** Largest request body in bytes. Default 2 MiB (TEI's --payload-limit). */
  maxBodyBytes?: number;
  /** Prompts for `prompt_name` ({ query: 'query: ' }), beside (and over) the model's own sentence-transformers prompts. */
  prompts?: Record<string, string>;
  /** GET requests no API route takes (the page, its scripts, the weights by range). */
  assets?: (request: Request) => Response | undefined | Promise<Response | undefined>;
  /** One entry per request (the CLI writes each as a JSON line). */
  log?: (entry: RequestLog) => void;
  /** Access-Control-Allow-Origin for the API routes ('*' or an origin); absent: no CORS headers. */
  cors?: string;
  /** The version /info reports. */
  version?: string;
}

export interface RequestLog {
  time: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  inputs?: number;
  tokens?: number;
  error?: string;
}

export interface EmbeddingHandler {
  (request: Request): Promise<Response>;
  /** Refuse new requests (503 + Retry-After) and resolve once the requests in flight are answered. */
  drain(): Promise<void>;
  readonly metrics: Metrics;
  readonly batcher: Batcher;
}

type Api = 'openai' | 'tei';
interface Parsed {
  rows: Int32Array[];
  tokens: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export function createEmbeddingHandler(bert: EmbeddingModel, options: HandlerOptions = {}): EmbeddingHandler {
  const cfg = bert.config;
  const tok = bert.tokenizer;
  const modelId = options.modelId ?? 'wasmbert';
  const keys = parseKeys(options.apiKeys);
  // bert.embed's plan with the model's sentence-transformers settings as defaults; requests override parts of it
  const base: EmbedOptions = { pooling: options.pooling, maxLength: options.maxInputLength };
  const defaultPlan = embedPlan(bert, base);
  const pooling = defaultPlan.modes.join('+');
  const maxInputLength = defaultPlan.maxLength;
  const width = embedWidth(bert, defaultPlan);
  const maxClientBatchSize = options.maxClientBatchSize ?? 512;
  const maxBodyBytes = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const prompts = options.prompts ?? {};
  const batcher = new Batcher(bert, options);
  const metrics = new Metrics(() => batcher.queueDepth);
  batcher.onBatch = (s, waits) => metrics.batch(s.sequences, s.tokens, s.forwards, s.seconds, waits);
  const special = new Set([tok.options.clsToken, tok.options.sepToken, tok.options.padToken, tok.options.maskToken, tok.options.unkToken, ...(tok.options.additionalSpecialTokens ?? [])]);
  const clsId = tok.tokenToId(tok.options.clsToken ?? '[CLS]');
  const sepId = tok.tokenToId(tok.options.sepToken ?? '[SEP]');

  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  // ---- inputs → token rows
  /** The request's plan: bert.embed's options (the handler's, then the request's prompt_name and normalize). */
  const planOf = (body: Record<string, unknown>, normalize?: boolean): EmbedPlan => {
    const name = body.prompt_name;
    const opts: EmbedOptions = { ...base, normalize };
    if (name !== undefined && name !== null) {
      if (typeof name !== 'string') throw new ServeError('prompt_name must be a string', 400, 'validation', 'prompt_name');
      const modelPrompts = bert.sentence?.prompts ?? {};
      if (Object.hasOwn(prompts, name)) opts.prompt = prompts[name];
      else if (Object.hasOwn(modelPrompts, name)) opts.promptName = name;
      else {
        const known = [...new Set([...Object.keys(prompts), ...Object.keys(modelPrompts)])];
        throw new ServeError(`prompt_name "${name}" is not one of the server's prompts (${known.length ? known.join(', ') : 'none configured'})`, 400, 'validation', 'prompt_name');
      }
    }
    return normalize === undefined && opts.prompt === undefined && opts.promptName === undefined ? defaultPlan : embedPlan(bert, opts);
  };

  /** The text the tokenizer sees: encodeForEmbed's (prompt, then sentence-transformers' strip / lowercase). */
  const textOf = (plan: EmbedPlan, x: string): string => plan.prepare(plan.prompt + x);

  const textRow = (text: string, truncate: boolean, left: boolean, field: string): Int32Array => {
    // right truncation: encodeForEmbed's (truncation longest_first at the plan's maxLength)
    const enc = truncate && !left ? tok.encode(text, null, { truncation: 'longest_first', maxLength: maxInputLength }) : tok.encode(text, null, { truncation: false });
    let ids = enc.inputIds;
    if (ids.length > maxInputLength) {
      if (!truncate) throw new ServeError(`${field} has ${ids.length} tokens, more than the ${maxInputLength} this model takes (send truncate: true, or shorten it)`, 413, 'validation', field);
      // left: keep [CLS], the last tokens, [SEP]
      ids = [ids[0], ...ids.slice(ids.length - maxInputLength + 1, ids.length - 1), ids[ids.length - 1]];
    }
    return Int32Array.from(ids);
  };

  const idRow = (ids: unknown[], truncate: boolean, left: boolean, field: string): Int32Array => {
    if (ids.length === 0) throw new ServeError(`${field} is an empty list of token ids`, 400, 'validation', field);
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= cfg.vocab_size) {
        throw new ServeError(`${field}[${i}] must be a token id, an integer in [0, ${cfg.vocab_size}) (got ${JSON.stringify(v)})`, 400, 'validation', field);
      }
    }
    let row = ids as number[];
    if (row.length > maxInputLength) {
      if (!truncate) throw new ServeError(`${field} has ${row.length} tokens, more than the ${maxInputLength} this model takes`, 413, 'validation', field);
      row = left ? row.slice(row.length - maxInputLength) : row.slice(0, maxInputLength);
    }
    return Int32Array.from(row);
  };

  /** OpenAI's `input` / TEI's `inputs`: a string, token ids, or a list of either. */
  const parseInputs = (value: unknown, field: string, plan: EmbedPlan, truncate: boolean, left: boolean): Parsed & { plans: EmbedPlan[] } => {
    if (value === undefined || value === null) throw new ServeError(`${field} is missing`, 400, 'validation', field);
    let items: unknown[];
    // one input (a string or one list of ids): errors name the field itself, not field[0]
    const single = typeof value === 'string' || (Array.isArray(value) && value.length > 0 && typeof value[0] === 'number');
    if (single) items = [value];
    else if (Array.isArray(value)) items = value;
    else throw new ServeError(`${field} must be a string, an array of strings, an array of token ids or an array of those (got ${typeName(value)})`, 400, 'validation', field);
    if (items.length === 0) throw new ServeError(`${field} is an empty array`, 400, 'validation', field);
    if (items.length > maxClientBatchSize) throw new ServeError(`${field} has ${items.length} inputs, more than the ${maxClientBatchSize} one request may carry`, 413, 'validation', field);
    const rows = items.map((x, i) => {
      const f = single ? field : `${field}[${i}]`;
      if (typeof x === 'string') return textRow(textOf(plan, x), truncate, left, f);
      if (Array.isArray(x)) return idRow(x, truncate, left, f);
      throw new ServeError(`${f} must be a string or an array of token ids (got ${typeName(x)})`, 400, 'validation', f);
    });
    // token-id rows are whole sequences as sent: no prompt in them to leave out of the pooling
    const idPlan = plan.promptLength > 0 ? { ...plan, promptLength: 0 } : plan;
    const plans = items.map((x) => (typeof x === 'string' ? plan : idPlan));
    return { rows, plans, tokens: rows.reduce((s, r) => s + r.length, 0) };
  };

  const bool = (body: Record<string, unknown>, field: string, dflt: boolean): boolean => {
    const v = body[field];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new ServeError(`${field} must be true or false (got ${JSON.stringify(v)})`, 400, 'validation', field);
    return v;
  };

  const truncation = (body: Record<string, unknown>): { truncate: boolean; left: boolean } => {
    const truncate = bool(body, 'truncate', options.autoTruncate ?? false);
    const dir = body.truncation_direction ?? 'right';
    if (typeof dir !== 'string' || !['left', 'right'].includes(dir.toLowerCase())) {
      throw new ServeError(`truncation_direction must be "left" or "right" (got ${JSON.stringify(dir)})`, 400, 'validation', 'truncation_direction');
    }
    return { truncate, left: dir.toLowerCase() === 'left' };
  };

  // ---- routes
  const openaiEmbeddings = async (body: Record<string, unknown>, signal: AbortSignal, note: Partial<RequestLog>): Promise<Response> => {
    if (body.model !== undefined && body.model !== null && typeof body.model !== 'string') throw new ServeError('model must be a string', 400, 'validation', 'model');
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') throw new ServeError(`encoding_format must be "float" or "base64" (got ${JSON.stringify(format)})`, 400, 'validation', 'encoding_format');
    const dims = body.dimensions ?? null;
    if (dims !== null && (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > width)) {
      throw new ServeError(`dimensions must be an integer from 1 to ${width}, this model's embedding size (got ${JSON.stringify(dims)})`, 400, 'validation', 'dimensions');
    }
    const { truncate, left } = truncation(body);
    const parsed = parseInputs(body.input, 'input', planOf(body), truncate, left);
    note.inputs = parsed.rows.length;
    note.tokens = parsed.tokens;
    const vectors = await batcher.submit({ rows: parsed.rows, plan: parsed.plans, signal });
    const data = vectors.map((v, index) => {
      // Fewer dimensions: the first `dimensions` entries, L2-normalised again (OpenAI's text-embedding-3
      // shortening). Meaningful for Matryoshka-trained models; for others it is a projection, not a smaller model.
      const e = dims !== null && dims < width ? normalizeInPlace(v.slice(0, dims)) : v;
      return { object: 'embedding', index, embedding: format === 'base64' ? base64(e) : Array.from(e) };
    });
    return Response.json({ object: 'list', data, model: typeof body.model === 'string' ? body.model : modelId, usage: { prompt_tokens: parsed.tokens, total_tokens: parsed.tokens } });
  };

  const teiEmbed = async (body: Record<string, unknown>, signal: AbortSignal, note: Partial<RequestLog>): Promise<Response> => {
    const normalize = body.normalize === undefined || body.normalize === null ? undefined : bool(body, 'normalize', true);
    const { truncate, left } = truncation(body);
    const parsed = parseInputs(body.inputs, 'inputs', planOf(body, normalize), truncate, left);
    note.inputs = parsed.rows.length;
    note.tokens = parsed.tokens;
    const vectors = await batcher.submit({ rows: parsed.rows, plan: parsed.plans, signal });
    return Response.json(vectors.map((v) => Array.from(v)));
  };

  const teiTokenize = (body: Record<string, unknown>, note: Partial<RequestLog>): Response => {
    const addSpecial = bool(body, 'add_special_tokens', true);
    const plan = planOf(body);
    const value = body.inputs;
    if (value === undefined || value === null) throw new ServeError('inputs is missing', 400, 'validation', 'inputs');
    const items = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(items) || items.length === 0 || items.some((x) => typeof x !== 'string')) {
      throw new ServeError('inputs must be a string or a non-empty array of strings', 400, 'validation', 'inputs');
    }
    if (items.length > maxClientBatchSize) throw new ServeError(`inputs has ${items.length} inputs, more than the ${maxClientBatchSize} one request may carry`, 413, 'validation', 'inputs');
    note.inputs = items.length;
    const out = (items as string[]).map((x) => {
      const text = textOf(plan, x);
      const enc = tok.encode(text, null, { truncation: false });
      const tokens = enc.inputIds.map((id, i) => {
        const isSpecial = (i === 0 && id === clsId) || (i === enc.inputIds.length - 1 && id === sepId) || special.has(enc.tokens[i]);
        const [start, stop] = enc.offsets[i];
        const added = (i === 0 || i === enc.inputIds.length - 1) && start === 0 && stop === 0;
        // start/stop: [start, stop) in UTF-16 code units of the text (JavaScript string indices); null for added tokens
        return { id, text: added ? enc.tokens[i] : text.slice(start, stop), special: isSpecial, start: added ? null : start, stop: added ? null : stop };
      });
      return addSpecial ? tokens : tokens.slice(1, -1);
    });
    note.tokens = out.reduce((s, r) => s + r.length, 0);
    return Response.json(out);
  };

  const info = (): Response =>
    Response.json({
      model_id: modelId,
      model_sha: null,
      model_dtype: 'float32',
      model_type: { embedding: { pooling } },
      max_concurrent_requests: batcher.maxQueueRequests,
      max_input_length: maxInputLength,
      max_batch_tokens: batcher.maxBatchTokens,
      max_batch_requests: null,
      max_client_batch_size: maxClientBatchSize,
      auto_truncate: options.autoTruncate ?? false,
      tokenization_workers: 1,
      version: options.version ?? '0.1.0',
      sha: null,
      docker_label: null,
      // wasmbert's own fields, beside TEI's
      wasmbert: { variant: bert.variant, threads: bert.threads, residency: bert.residency, wasm_bytes: bert.wasmBytes, hidden_size: cfg.hidden_size, num_hidden_layers: cfg.num_hidden_layers, batching: batcher.batching },
    });

  const readJson = async (request: Request, api: Api): Promise<Record<string, unknown>> => {
    const len = Number(request.headers.get('content-length') ?? NaN);
    if (len > maxBodyBytes) throw new ServeError(`the request body is ${len} bytes, more than the ${maxBodyBytes} allowed`, 413, 'validation');
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (request.body) {
      const reader = request.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBodyBytes) {
          await reader.cancel().catch(() => {});
          throw new ServeError(`the request body is more than the ${maxBodyBytes} bytes allowed`, 413, 'validation');
        }
        chunks.push(value);
      }
    }
    const bytes = new Uint8Array(size);
    let o = 0;
    for (const c of chunks) {
      bytes.set(c, o);
      o += c.byteLength;
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (e) {
      throw new ServeError(`the request body is not valid JSON (${e instanceof Error ? e.message : String(e)})`, 400, 'validation');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ServeError(`the request body must be a JSON object with ${api === 'openai' ? '"input"' : '"inputs"'} (got ${typeName(body)})`, 400, 'validation');
    }
    return body as Record<string, unknown>;
  };

  const route = async (request: Request, url: URL, note: Partial<RequestLog>): Promise<Response> => {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const api: Api = path.startsWith('/v1/') ? 'openai' : 'tei';
    const post = (fn: (body: Record<string, unknown>) => Promise<Response> | Response) => async () => {
      if (request.method !== 'POST') return methodNotAllowed('POST', api);
      await authorize(request, keys);
      return fn(await readJson(request, api));
    };
    const get = (fn: () => Response | Promise<Response>, open = false) => async () => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET', api);
      if (!open) await authorize(request, keys);
      return fn();
    };
    const routes: Record<string, () => Promise<Response>> = {
      '/v1/embeddings': post((b) => openaiEmbeddings(b, request.signal, note)),
      '/embed': post((b) => teiEmbed(b, request.signal, note)),
      '/tokenize': post((b) => teiTokenize(b, note)),
      '/health': get(() => Response.json({ status: 'ok' }), true),
      '/info': get(info),
      '/metrics': get(() => new Response(metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } })),
      '/v1/models': get(() => Response.json({ object: 'list', data: [{ id: modelId, object: 'model', created: 0, owned_by: 'wasmbert' }] })),
    };
    const r = routes[path];
    if (r) return r();
    if ((request.method === 'GET' || request.method === 'HEAD') && options.assets) {
      const res = await options.assets(request);
      if (res) return res;
    }
    if (path === '/' && request.method === 'GET') {
      return new Response('wasmbert embedding service: POST /v1/embeddings, POST /embed, POST /tokenize, GET /health, GET /info, GET /metrics\n', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    throw new ServeError(`no route ${request.method} ${url.pathname}`, 404, 'not_found');
  };

  const handler = async (request: Request): Promise<Response> => {
    const t0 = globalThis.performance ? performance.now() : Date.now();
    const url = new URL(request.url);
    const api: Api = url.pathname.startsWith('/v1/') ? 'openai' : 'tei';
    const note: Partial<RequestLog> = {};
    let res: Response;
    if (options.cors && request.method === 'OPTIONS') {
      res = new Response(null, { status: 204, headers: corsHeaders(options.cors) });
    } else if (draining) {
      res = errorResponse(new ServeError('the server is shutting down', 503, 'unhealthy', undefined, 5), api);
      res.headers.set('connection', 'close');
    } else {
      inFlight++;
      try {
        res = await route(request, url, note);
      } catch (e) {
        res = errorResponse(e, api);
        note.error = e instanceof Error ? e.message : String(e);
        if (!(e instanceof WasmbertError)) note.error = `internal: ${e instanceof Error ? e.stack : String(e)}`;
      } finally {
        inFlight--;
        if (draining && inFlight === 0) drained?.();
      }
      if (options.cors) for (const [k, v] of Object.entries(corsHeaders(options.cors))) res.headers.set(k, v);
    }
    const ms = (globalThis.performance ? performance.now() : Date.now()) - t0;
    const routeLabel = ['/v1/embeddings', '/embed', '/tokenize', '/health', '/info', '/metrics', '/v1/models'].includes(url.pathname) ? url.pathname : 'other';
    metrics.request(routeLabel, res.status, ms / 1000);
    options.log?.({ time: new Date().toISOString(), method: request.method, path: url.pathname, status: res.status, ms: Math.round(ms * 10) / 10, ...note });
    return res;
  };

  const drain = async (): Promise<void> => {
    draining = true;
    if (inFlight > 0) await new Promise<void>((r) => (drained = r));
    await batcher.idle();
  };

  return Object.assign(handler, { drain, metrics, batcher });
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'GET, POST, OPTIONS' };
}

function methodNotAllowed(allow: string, api: Api): Response {
  const res = errorResponse(new ServeError(`this route takes ${allow}`, 405, 'validation'), api);
  res.headers.set('allow', allow);
  return res;
}

const OPENAI_TYPES: Record<string, string> = {
  validation: 'invalid_request_error',
  tokenizer: 'invalid_request_error',
  not_found: 'invalid_request_error',
  auth: 'invalid_request_error',
  overloaded: 'rate_limit_error',
  unhealthy: 'server_error',
  backend: 'server_error',
};

/** OpenAI's { error: { message, type, param, code } } on /v1/*, TEI's { error, error_type } elsewhere. */
export function errorResponse(e: unknown, api: Api): Response {
  let se: ServeError;
  if (e instanceof ServeError) se = e;
  else if (e instanceof TokenizerError) se = new ServeError(e.message, 422, 'tokenizer');
  else if (e instanceof ModelError) se = new ServeError(e.message, 400, 'validation');
  else se = new ServeError(e instanceof WasmbertError ? e.message : 'internal error (see the server log)', 500, 'backend');
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (se.retryAfter !== undefined) headers['retry-after'] = String(se.retryAfter);
  if (se.status === 401) headers['www-authenticate'] = 'Bearer';
  const body =
    api === 'openai'
      ? { error: { message: se.message, type: OPENAI_TYPES[se.kind], param: se.field ?? null, code: se.status === 429 ? 'rate_limit_exceeded' : se.status === 401 ? 'invalid_api_key' : null } }
      : { error: se.message, error_type: se.kind };
  return new Response(JSON.stringify(body), { status: se.status, headers });
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `${typeof x} ${JSON.stringify(x)?.slice(0, 40)}`;
}

/** Little-endian float32 bytes in base64, as OpenAI's encoding_format "base64". */
function base64(v: Float32Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
