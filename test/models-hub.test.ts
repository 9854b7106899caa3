// Models by hub repo id, the way transformers.js's pipeline('feature-extraction', 'Xenova/all-MiniLM-L6-v2')
// takes them: `Bert.load('org/name')` and `wasmbert embed --model org/name` pull from a hub (here a loopback
// server in the hub's URL layout, through HF_ENDPOINT), convert once, and reuse the .wbin keyed by the
// revision's commit: a second load downloads no weights, hashes nothing and converts nothing; a new commit
// converts again; with the hub out of reach the cached revision is used. The repo is a sentence-transformers
// one, so its settings must arrive too.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert } from '../src/model/bert.js';
import { synthesize } from '../src/weights/synth.js';
import { ROOT } from './shared.js';

const REPO = 'acme/st-tiny';
const FILES = ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors', 'modules.json', '1_Pooling/config.json', 'sentence_bert_config.json', 'config_sentence_transformers.json'];
let tmp: string;
let folder: string;
let server: Server;
let url: string;
let commit = 'a'.repeat(40);
const gets: string[] = [];
const env: Record<string, string | undefined> = {};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmbert-hubmodels-'));
  folder = join(tmp, 'st');
  await synthesize('synthetic-tiny', folder);
  mkdirSync(join(folder, '1_Pooling'));
  writeFileSync(join(folder, 'modules.json'), JSON.stringify([
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
  ]));
  writeFileSync(join(folder, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 32, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }));
  writeFileSync(join(folder, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 8, do_lower_case: false }));
  writeFileSync(join(folder, 'config_sentence_transformers.json'), JSON.stringify({ prompts: { query: 'query: ' }, default_prompt_name: null }));
  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const gitSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
  server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const m = /^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(u.pathname);
    if (m && m[1] === REPO && m[2] === 'main' && FILES.includes(m[3])) {
      const body = readFileSync(join(folder, m[3]));
      const head = { 'X-Repo-Commit': commit };
      if (m[3] === 'model.safetensors') {
        res.writeHead(302, { ...head, Location: `/cdn/${m[3]}`, 'X-Linked-Etag': `"${sha256(body)}"`, 'X-Linked-Size': body.length }).end();
        return;
      }
      res.writeHead(200, { ...head, ETag: `"${gitSha1(body)}"`, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (u.pathname === '/cdn/model.safetensors') {
      if (req.method === 'GET') gets.push(u.pathname);
      const body = readFileSync(join(folder, 'model.safetensors'));
      res.writeHead(200, { 'Content-Length': body.length }).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const k of ['HF_ENDPOINT', 'WASMBERT_CACHE']) env[k] = process.env[k];
  process.env.HF_ENDPOINT = url;
  process.env.WASMBERT_CACHE = join(tmp, 'cache');
});

afterAll(async () => {
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

const TEXTS = ['a query about trees and how old the oldest ones are', 'short'];

describe("Bert.load('org/name') and --model org/name", () => {
  it('pulls from HF_ENDPOINT, converts once, carries the sentence-transformers settings; the local folder gives the same vectors', async () => {
    const messages: string[] = [];
    const bert = await Bert.load(REPO, { threads: 1, onProgress: (m) => messages.push(m) });
    const local = await Bert.load(folder, { threads: 1 });
    try {
      expect(bert.sentence).toMatchObject({ pooling: ['cls'], maxSeqLength: 8, prompts: { query: 'query: ' } });
      expect(await bert.embed(TEXTS, { promptName: 'query' })).toEqual(await local.embed(TEXTS, { promptName: 'query' }));
    } finally {
      await bert.dispose();
      await local.dispose();
    }
    expect(gets).toHaveLength(1);
  });

  it('a second load of the same commit: no weights downloaded, nothing converted; a new commit converts again', async () => {
    const wbin = join(tmp, 'cache', 'hub', 'acme--st-tiny', 'main', 'model.f32.wbin');
    const before = statSync(wbin).mtimeMs;
    const t0 = performance.now();
    const said: string[] = [];
    const again = await Bert.load(REPO, { threads: 1, onProgress: (m) => said.push(m) });
    const reuse = performance.now() - t0;
    await again.dispose();
    // the manifest's verified hashes are reused: no file hashed again ("already here" is said after hashing)
    expect(said.filter((m) => /already here|convert|skipping/.test(m))).toEqual([]);
    expect(gets).toHaveLength(1);
    expect(statSync(wbin).mtimeMs).toBe(before);
    commit = 'b'.repeat(40);
    const next = await Bert.load(REPO, { threads: 1 });
    await next.dispose();
    expect(statSync(wbin).mtimeMs).toBeGreaterThan(before);
    expect(gets).toHaveLength(1); // the weights' sha256 did not change: the file is still the verified one
    expect(reuse).toBeGreaterThan(0);
  });

  it('the CLI: embed --model org/name reuses the same cache; with the hub out of reach, the cached revision', async () => {
    // asynchronous: the hub server lives in this process's event loop
    const run = (endpoint: string, extra: Record<string, string> = {}) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'embed', '--model', REPO, '--threads', '1', '--prompt-name', 'query', ...TEXTS], {
          env: { ...process.env, HF_ENDPOINT: endpoint, WASMBERT_CACHE: join(tmp, 'cache'), ...extra },
        });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d: Buffer) => (stdout += d));
        c.stderr.on('data', (d: Buffer) => (stderr += d));
        c.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    const r = await run(url);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/convert/);
    const bert = await Bert.load(folder, { threads: 1 });
    const want = await bert.embed(TEXTS, { promptName: 'query' });
    await bert.dispose();
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as number[]);
    expect(got).toEqual(want.map((v) => Array.from(v)));
    const offline = await run('http://127.0.0.1:9'); // nothing listens on the discard port
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stderr).toMatch(/cannot reach the hub.*using the cached acme\/st-tiny@bbbbbbbb/);
    expect(offline.stdout).toBe(r.stdout);
    const told = await run('http://127.0.0.1:9', { HF_HUB_OFFLINE: '1' });
    expect(told.stdout).toBe(r.stdout);
    expect(told.stderr).not.toMatch(/cannot reach/); // not asked at all
    const empty = await run(url, { HF_HUB_OFFLINE: '1', WASMBERT_CACHE: join(tmp, 'empty-cache') });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/HF_HUB_OFFLINE is set and acme\/st-tiny@main \(f32\) is not in the cache/);
  });

  it('a name that is neither a file nor a repo the hub has: one WeightsError naming both', async () => {
    await expect(Bert.load('acme/nope', { threads: 1 })).rejects.toThrow(/acme\/nope: no such file or folder, and as a hub repo id: .*config\.json: not found \(HTTP 404\)/);
  });
});
