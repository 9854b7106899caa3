// `wasmbert serve` as a user runs it: a child process on a loopback port. The official `openai` npm client
// (a client no one here wrote) gets bert.embed's vectors; curl-style fetches get TEI's answers; one JSON log
// line per request; SIGTERM lets the work in flight finish, refuses what comes after, and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert } from '../src/model/bert.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { ROOT } from './shared.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');

interface Server {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** Starts `wasmbert serve … --port 0` and resolves with its URL (read from the line it prints when listening). */
function startServer(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const s: Server = { child, url: '', stdout: [], stderr: [], exited: new Promise((r) => child.on('exit', (code) => r(code))) };
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    s.stdout.push(...lines);
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      s.stderr.push(d.toString());
      const m = /on (http:\/\/[^/\s]+\/)/.exec(err);
      if (m && !s.url) {
        s.url = m[1];
        resolve(s);
      }
    });
    void s.exited.then((code) => reject(new Error(`wasmbert serve exited (${code}) before listening: ${err}`)));
  });
}

let model = '';
let bert: Bert;
beforeAll(async () => {
  model = (await ensureSynthetic('synthetic-tiny')).wbin;
  bert = await Bert.load(model, { threads: 1 });
}, 120_000);
afterAll(async () => bert?.dispose());

describe('wasmbert serve with API keys', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer(['--model', model, '--api-key', 'key-a', '--threads', '1'], { WASMBERT_API_KEYS: 'key-b, key-c' });
  }, 60_000);
  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
  });

  it('binds to loopback by default', () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("the official openai client gets bert.embed's vectors (base64, its default, decoded by the client)", async () => {
    const client = new OpenAI({ apiKey: 'key-c', baseURL: `${s.url}v1`, maxRetries: 0 });
    const texts = ['Hello world', 'The quick brown fox jumps over the lazy dog.', 'BERT'];
    const res = await client.embeddings.create({ model: 'synthetic-tiny', input: texts });
    const ref = await bert.embed(texts);
    expect(res.data).toHaveLength(3);
    res.data.forEach((d, i) => {
      expect(d.index).toBe(i);
      // the client decodes base64 into float32 and hands back numbers: bit-identical to bert.embed
      expect(Buffer.from(new Float32Array(d.embedding).buffer).equals(Buffer.from(ref[i].buffer))).toBe(true);
    });
    expect(res.usage.prompt_tokens).toBe(texts.reduce((n, t) => n + bert.tokenizer.encode(t).inputIds.length, 0));
    const floats = await client.embeddings.create({ model: 'synthetic-tiny', input: 'Hello world', encoding_format: 'float' });
    expect(Buffer.from(new Float32Array(floats.data[0].embedding).buffer).equals(Buffer.from(ref[0].buffer))).toBe(true);
  });

  it('the openai client surfaces a wrong key as its AuthenticationError (401)', async () => {
    const client = new OpenAI({ apiKey: 'nope', baseURL: `${s.url}v1`, maxRetries: 0 });
    await expect(client.embeddings.create({ model: 'm', input: 'x' })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('TEI /embed over HTTP with --api-key; JSON log lines on stdout', async () => {
    const res = await fetch(`${s.url}embed`, { method: 'POST', headers: { authorization: 'Bearer key-a', 'content-type': 'application/json' }, body: JSON.stringify({ inputs: ['Hello world'] }) });
    expect(res.status).toBe(200);
    const [v] = (await res.json()) as number[][];
    const [ref] = await bert.embed(['Hello world']);
    expect(Buffer.from(new Float32Array(v).buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const logs = s.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => l.path === '/embed')).toMatchObject({ method: 'POST', status: 200, inputs: 1 });
    expect(logs.some((l) => l.status === 401)).toBe(true);
  });

  it('no page while keyed (a browser cannot send the key): its files are 404, the API 401', async () => {
    expect((await fetch(`${s.url}info`)).status).toBe(401);
    expect((await fetch(`${s.url}dist/index.js`)).status).toBe(404);
  });
});

it('a bad option: exit 2 naming it, before any model is loaded', async () => {
  const child = spawn(process.execPath, [CLI, 'serve', '--max-batch-tokens', 'lots'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise((r) => child.on('exit', r));
  expect(code).toBe(2);
  expect(err).toBe('wasmbert: serve: --max-batch-tokens must be a non-negative integer (got "lots") (wasmbert serve --help for usage)\n');
});

describe('wasmbert serve: the page\'s files', () => {
  it('serves web/, dist/, build/ and the weights by range, cross-origin isolated; nothing outside them', async () => {
    const s = await startServer(['--model', model, '--threads', '1', '--quiet']);
    try {
      const page = await fetch(s.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(await page.text()).toMatch(/<script type="module" src="\/app.js">/);
      expect((await fetch(`${s.url}dist/index.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await fetch(`${s.url}build/wasmbert.simd.wasm`)).headers.get('content-type')).toBe('application/wasm');
      const range = await fetch(`${s.url}model.wbin`, { headers: { range: 'bytes=0-63' } });
      expect(range.status).toBe(206);
      expect(range.headers.get('content-range')).toMatch(/^bytes 0-63\/\d+$/);
      expect((await range.arrayBuffer()).byteLength).toBe(64);
      expect((await fetch(`${s.url}model.wbin`, { headers: { range: 'bytes=999999999-' } })).status).toBe(416);
      for (const p of ['dist/%2e%2e/package.json', 'vendor/loader/%2e%2e/%2e%2e/%2e%2e/package.json', 'dist/%E0%A4%A', 'src/cli/serve.ts']) {
        expect((await fetch(`${s.url}${p}`)).status, p).toBe(404);
      }
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }, 60_000);
});

describe('wasmbert serve: a client that disconnects', () => {
  it('has its queued work dropped: never computed, logged as 499', async () => {
    const s = await startServer(['--model', model, '--threads', '1', '--max-wait-ms', '300']);
    try {
      // held 300 ms by the batcher's wait; the client hangs up after 100
      const req = httpRequest(`${s.url}embed`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('error', () => {});
      req.end(JSON.stringify({ inputs: ['never computed', 'nor this'] }));
      await new Promise((r) => setTimeout(r, 100));
      req.destroy();
      await new Promise((r) => setTimeout(r, 400));
      const metrics = await (await fetch(`${s.url}metrics`)).text();
      expect(metrics).toMatch(/^wasmbert_sequences_total 0$/m);
      expect(metrics).toMatch(/^wasmbert_forwards_total 0$/m);
      expect(metrics).toMatch(/^wasmbert_requests_total\{route="\/embed",status="499"\} 1$/m);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }, 60_000);
});

describe('wasmbert serve: the model runs in a worker thread', () => {
  it('/health answers while a long forward computes (the HTTP thread is never blocked by one)', async () => {
    const s = await startServer(['--model', model, '--threads', '1', '--quiet']);
    try {
      // 64 × 512 tokens: seconds of forward on synthetic-tiny
      const long = Array.from({ length: 600 }, (_, i) => `w${i % 50}`).join(' ');
      const order: string[] = [];
      const big = fetch(`${s.url}embed`, { method: 'POST', body: JSON.stringify({ inputs: Array(64).fill(long), truncate: true }) }).then((r) => {
        order.push('embed');
        return r.status;
      });
      await new Promise((r) => setTimeout(r, 300)); // tokenized and computing by now
      const health = await fetch(`${s.url}health`);
      order.push('health');
      expect(health.status).toBe(200);
      expect(await big).toBe(200);
      expect(order).toEqual(['health', 'embed']);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }, 60_000);
});

describe('wasmbert serve: SIGTERM drains', () => {
  it('the request in flight is answered, later ones are refused, the process exits 0', async () => {
    const s = await startServer(['--model', model, '--threads', '1', '--max-wait-ms', '300']);
    // held 300 ms by the batcher's wait: in flight when SIGTERM arrives
    const inFlight = fetch(`${s.url}embed`, { method: 'POST', body: JSON.stringify({ inputs: 'in flight' }) });
    await new Promise((r) => setTimeout(r, 100));
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    // the listening socket is closed: a new connection is refused (or, on a kept-alive one, 503)
    const late = await fetch(`${s.url}embed`, { method: 'POST', body: JSON.stringify({ inputs: 'late' }) }).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);
    expect((await inFlight).status).toBe(200);
    expect(await s.exited).toBe(0);
    expect(s.stderr.join('')).toMatch(/SIGTERM: draining[\s\S]*drained/);
  }, 60_000);
});
