// HTTP: the range-request weight source and `wasmbert pull`, against HTTP servers on 127.0.0.1 that
// misbehave on purpose (ignore Range, drop the connection mid-body, serve corrupted bytes), and a
// hub-shaped server (`/<repo>/resolve/<revision>/<file>`, LFS redirects with X-Linked-Etag).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../src/errors.js';
import { convertCheckpoint } from '../src/weights/convert.js';
import { pull } from '../src/weights/hub.js';
import { httpSource, memorySource } from '../src/weights/source.js';
import { synthesize } from '../src/weights/synth.js';
import { openWbin } from '../src/weights/wbin.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmbert-http-'));
const ckpt = join(tmp, 'tiny');
let wbin: Uint8Array;

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(tmp, { recursive: true, force: true });
});

beforeAll(async () => {
  await synthesize('synthetic-tiny', ckpt);
  await convertCheckpoint(ckpt, join(tmp, 'tiny.wbin'));
  wbin = readFileSync(join(tmp, 'tiny.wbin'));
});

/** Serves `body` with Range support; `mode` decides how it misbehaves. Counts requests and bytes sent. */
function rangeHandler(body: Uint8Array, mode: { ignoreRange?: boolean; dropFirst?: number; dropAlways?: boolean; stats?: { requests: number; bytes: number } }) {
  let drops = mode.dropFirst ?? 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    const stats = mode.stats;
    if (stats) stats.requests++;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m || mode.ignoreRange) {
      res.writeHead(200, { 'Content-Length': body.length });
      if (stats) stats.bytes += body.length;
      res.end(body);
      return;
    }
    const start = Number(m[1]);
    const end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
    if (start >= body.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    const slice = body.subarray(start, end + 1);
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': slice.length });
    if (mode.dropAlways || (drops > 0 && slice.length > 1)) {
      drops--;
      // half the body, then the connection dies
      res.write(slice.subarray(0, slice.length >> 1), () => res.socket?.destroy());
      if (stats) stats.bytes += slice.length >> 1;
      return;
    }
    if (stats) stats.bytes += slice.length;
    res.end(slice);
  };
}

describe('httpSource (range requests on loopback)', () => {
  it('opens a .wbin and reads every tensor exactly as from memory', async () => {
    const { url, server } = await serve(rangeHandler(wbin, {}));
    servers.push(server);
    const remote = await openWbin(httpSource(`${url}/tiny.wbin`));
    const local = await openWbin(memorySource(wbin));
    expect(remote.tensors).toEqual(local.tensors);
    for (const t of local.tensors) {
      const a = new Float32Array(t.byteLength / 4);
      const b = new Float32Array(t.byteLength / 4);
      await local.readTensorF32(t.name, a);
      await remote.readTensorF32(t.name, b);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), t.name).toBe(true);
    }
    // one layer's range in one request
    const g = remote.group('layer.1');
    const raw = new Uint8Array(g.length);
    await remote.readRange(g.offset, g.length, raw);
    expect(Buffer.from(raw).equals(Buffer.from(wbin.subarray(g.offset, g.offset + g.length)))).toBe(true);
  });

  it('a server that answers 200 to a range request: retried, then a WeightsError (never the whole file sliced)', async () => {
    const stats = { requests: 0, bytes: 0 };
    const { url, server } = await serve(rangeHandler(wbin, { ignoreRange: true, stats }));
    servers.push(server);
    const src = httpSource(`${url}/tiny.wbin`, { retries: 2, backoffMs: 1 });
    const err = await src.read(0, 16, new Uint8Array(16)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toMatch(/tiny\.wbin: read of bytes \[0, 16\) failed after 3 attempts: HTTP 200 to a range request/);
    expect(stats.requests).toBe(3); // 1 + 2 retries
  });

  it('a connection dropped mid-body is retried; the read then delivers exact bytes', async () => {
    const { url, server } = await serve(rangeHandler(wbin, { dropFirst: 1 }));
    servers.push(server);
    const src = httpSource(`${url}/tiny.wbin`, { retries: 2, backoffMs: 1 });
    const dest = new Uint8Array(100_000);
    await src.read(5000, 100_000, dest);
    expect(Buffer.from(dest).equals(Buffer.from(wbin.subarray(5000, 105_000)))).toBe(true);
  });

  it('a connection that always drops: WeightsError after the retries (a read never resolves with partial data)', async () => {
    const { url, server } = await serve(rangeHandler(wbin, { dropAlways: true }));
    servers.push(server);
    const src = httpSource(`${url}/tiny.wbin`, { retries: 1, backoffMs: 1 });
    const err = await src.read(0, 100_000, new Uint8Array(100_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toMatch(/failed after 2 attempts/);
  });

  it('404 and reads past the end are WeightsErrors at once', async () => {
    const { url, server } = await serve((req, res) => (req.url === '/tiny.wbin' ? rangeHandler(wbin, {})(req, res) : res.writeHead(404).end()));
    servers.push(server);
    await expect(openWbin(httpSource(`${url}/missing.wbin`, { retries: 0 }))).rejects.toThrow(/missing\.wbin: HTTP 404/);
    const src = httpSource(`${url}/tiny.wbin`);
    expect(await src.size()).toBe(wbin.length);
    await expect(src.read(wbin.length - 4, 8, new Uint8Array(8))).rejects.toThrow(/beyond the end/);
  });
});

describe('pull from a hub-shaped server', () => {
  const repo = 'acme/tiny-bert';
  const files = ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors'];
  const stats = { requests: 0, bytes: 0 };
  let corrupt = false;
  let ignoreRange = false;
  let url: string;
  const gitSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  beforeAll(async () => {
    const s = await serve((req, res) => {
      const u = new URL(req.url!, 'http://x');
      let m = /^\/(.+)\/resolve\/([^/]+)\/([^/]+)$/.exec(u.pathname);
      if (m && m[1] === repo && m[2] === 'main' && files.includes(m[3])) {
        const body = readFileSync(join(ckpt, m[3]));
        if (m[3] === 'model.safetensors') {
          // LFS: the hub redirects to its CDN; the sha256 and size ride on the redirect
          res.writeHead(302, { Location: `/cdn/${m[3]}`, 'X-Linked-Etag': `"${sha256(body)}"`, 'X-Linked-Size': body.length, ETag: '"not-the-hash"' }).end();
          return;
        }
        res.writeHead(200, { ETag: `"${gitSha1(body)}"`, 'Content-Length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      m = /^\/cdn\/(.+)$/.exec(u.pathname);
      if (m) {
        const body = Uint8Array.from(readFileSync(join(ckpt, m[1])));
        if (corrupt) body[body.length - 10] ^= 0xff;
        rangeHandler(body, { stats, ignoreRange })(req, res);
        return;
      }
      res.writeHead(404).end();
    });
    servers.push(s.server);
    url = s.url;
  });

  it('downloads, checks, converts: the .wbin equals a local conversion', async () => {
    const cache = join(tmp, 'cache1');
    const r = await pull(repo, { baseUrl: url, cacheDir: cache });
    expect([...r.files].sort()).toEqual([...files].sort());
    expect(r.wbin.startsWith(join(cache, 'hub', 'acme--tiny-bert', 'main'))).toBe(true);
    const a = await openWbin(memorySource(readFileSync(r.wbin)));
    expect(a.tensors.map((t) => t.checksum)).toEqual((await openWbin(memorySource(wbin))).tensors.map((t) => t.checksum));
  });

  it('resumes a partial download with a Range request (only the missing bytes travel)', async () => {
    const cache = join(tmp, 'cache2');
    const dir = join(cache, 'hub', 'acme--tiny-bert', 'main');
    const full = readFileSync(join(ckpt, 'model.safetensors'));
    await pull(repo, { baseUrl: url, cacheDir: cache }).catch(() => {}); // creates the folder
    rmSync(join(dir, 'model.safetensors'));
    const half = Math.floor(full.length / 2);
    writeFileSync(join(dir, 'model.safetensors.part'), full.subarray(0, half));
    stats.bytes = 0;
    const infos: string[] = [];
    const r = await pull(repo, { baseUrl: url, cacheDir: cache, onInfo: (m) => infos.push(m) });
    expect(stats.bytes).toBe(full.length - half);
    expect(infos).toContain(`model.safetensors: resuming at byte ${half}`);
    expect(readFileSync(join(dir, 'model.safetensors')).equals(full)).toBe(true);
    expect(existsSync(join(dir, 'model.safetensors.part'))).toBe(false);
    expect(statSync(r.wbin).size).toBe(wbin.length);
  });

  it('a server that ignores Range on resume: starts over, still correct', async () => {
    const cache = join(tmp, 'cache3');
    const dir = join(cache, 'hub', 'acme--tiny-bert', 'main');
    const full = readFileSync(join(ckpt, 'model.safetensors'));
    await pull(repo, { baseUrl: url, cacheDir: cache });
    rmSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors.part'), full.subarray(0, 1000));
    ignoreRange = true;
    try {
      await pull(repo, { baseUrl: url, cacheDir: cache });
    } finally {
      ignoreRange = false;
    }
    expect(readFileSync(join(dir, 'model.safetensors')).equals(full)).toBe(true);
  });

  it('bytes that do not hash to the published sha256: WeightsError, nothing kept', async () => {
    const cache = join(tmp, 'cache4');
    corrupt = true;
    try {
      const err = await pull(repo, { baseUrl: url, cacheDir: cache }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeightsError);
      expect((err as Error).message).toMatch(/model\.safetensors: sha256 mismatch/);
    } finally {
      corrupt = false;
    }
    const dir = join(cache, 'hub', 'acme--tiny-bert', 'main');
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);
    expect(existsSync(join(dir, 'model.safetensors.part'))).toBe(false);
  });

  it('an unknown repo or revision: WeightsError naming the URL', async () => {
    await expect(pull('acme/nope', { baseUrl: url, cacheDir: join(tmp, 'cache5') })).rejects.toThrow(/acme\/nope\/resolve\/main\/config\.json: not found \(HTTP 404\)/);
    await expect(pull(repo, { baseUrl: url, cacheDir: join(tmp, 'cache5'), revision: 'v9' })).rejects.toThrow(WeightsError);
    await expect(pull('../etc', { baseUrl: url, cacheDir: join(tmp, 'cache5') })).rejects.toThrow(/not a repo id/);
  });
});
