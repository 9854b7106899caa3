// The embedding service from one fetch handler in every server runtime: `wasmbert serve` (Node), the
// Deno.serve and Bun.serve examples, and the workerd worker each answer POST /v1/embeddings with Node's
// vectors (bert.embed in this process, to TOLERANCE: JavaScriptCore may round relaxed madd differently), and
// the Deno and Bun servers drain and exit on SIGTERM. synthetic-tiny: the equality is the point.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert } from '../src/model/bert.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { bin, maxAbsDiff, ROOT, runtimeAvailable, startServer, TEXTS, TOLERANCE, type FileServer } from './runtimes/harness.js';
import { startWorkerd, type Workerd } from './runtimes/workerd.js';

let model = '';
let reference: number[][] = [];
beforeAll(async () => {
  model = (await ensureSynthetic('synthetic-tiny')).wbin;
  const bert = await Bert.load(model, { threads: 1 });
  reference = (await bert.embed(TEXTS)).map((v) => Array.from(v));
  await bert.dispose();
}, 120_000);

interface Proc {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output(): string;
}

/** Spawns a server and resolves with the URL from its "… http://host:port/" line on stderr. */
function launch(cmd: string, args: string[], pattern: RegExp): Promise<Proc> {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start within 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], exited, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`${cmd} exited (${code}) before listening:\n${out}`)));
  });
}

async function embeddings(url: string): Promise<number[][]> {
  const res = await fetch(`${url}v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: TEXTS, model: 'tiny' }) });
  const body = (await res.json()) as { data: { embedding: number[]; index: number }[]; usage: { prompt_tokens: number } };
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
  expect(body.data.map((d) => d.index)).toEqual([0, 1, 2]);
  return body.data.map((d) => d.embedding);
}

const LISTENING = /(http:\/\/127\.0\.0\.1:\d+\/)/;
const servers: [string, () => boolean, string, () => [string, string[]]][] = [
  ['node (wasmbert serve)', () => true, '', () => [process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve', '--model', model, '--port', '0', '--quiet']]],
  ['deno (Deno.serve)', () => existsSync(bin('deno')), '`npm run peers` installs it into .cache/peers/', () => [bin('deno'), ['run', '-A', 'examples/serve-deno.mjs', '--model', model, '--port', '0']]],
  ['bun (Bun.serve)', () => existsSync(bin('bun')), '`npm run peers` installs it into .cache/peers/', () => [bin('bun'), ['examples/serve-bun.mjs', '--model', model, '--port', '0']]],
];

for (const [name, present, hint, command] of servers) {
  describe.runIf(runtimeAvailable(name.split(' ')[0], present(), hint))(name, () => {
    let p: Proc;
    beforeAll(async () => {
      const [cmd, args] = command();
      p = await launch(cmd, args, LISTENING);
    }, 90_000);
    afterAll(() => {
      if (p?.child.exitCode === null) p.child.kill('SIGKILL');
    });

    it("answers /v1/embeddings with Node's vectors, TEI /embed and /health too", async () => {
      expect(maxAbsDiff(await embeddings(p.url), reference)).toBeLessThanOrEqual(TOLERANCE);
      const tei = await fetch(`${p.url}embed`, { method: 'POST', body: JSON.stringify({ inputs: TEXTS[0] }) });
      expect(maxAbsDiff((await tei.json()) as number[][], [reference[0]])).toBeLessThanOrEqual(TOLERANCE);
      expect((await fetch(`${p.url}health`)).status).toBe(200);
    }, 60_000);

    it('drains and exits 0 on SIGTERM', async () => {
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }, 30_000);
  });
}

describe.runIf(runtimeAvailable('workerd', existsSync(bin('workerd')), '`npm run peers` installs it into .cache/peers/'))('workerd (the worker example)', () => {
  let weights: FileServer;
  let wd: Workerd;
  beforeAll(async () => {
    weights = await startServer({ files: { '/model.wbin': model } });
    wd = await startWorkerd({ WEIGHTS_URL: `${weights.url}/model.wbin`, API_KEYS: 'edge-key' });
  }, 120_000);
  afterAll(async () => {
    await wd?.stop();
    await weights?.close();
  });

  it("answers /v1/embeddings with Node's vectors; its API key is enforced", async () => {
    const url = `${wd.url}/`;
    expect((await fetch(`${url}v1/embeddings`, { method: 'POST', body: JSON.stringify({ input: 'x' }) })).status).toBe(401);
    const res = await fetch(`${url}v1/embeddings`, { method: 'POST', headers: { authorization: 'Bearer edge-key' }, body: JSON.stringify({ input: TEXTS }) });
    const body = (await res.json()) as { data: { embedding: number[] }[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(maxAbsDiff(body.data.map((d) => d.embedding), reference)).toBeLessThanOrEqual(TOLERANCE);
    const info = (await (await fetch(`${url}info`, { headers: { authorization: 'Bearer edge-key' } })).json()) as { wasmbert: { threads: number; residency: string } };
    expect(info.wasmbert).toMatchObject({ threads: 1, residency: 'streamed' });
  }, 120_000);
});
