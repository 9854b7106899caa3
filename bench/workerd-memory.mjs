#!/usr/bin/env node
// node bench/workerd-memory.mjs [--replace]
//
// What an edge worker serving bert-base costs in memory, measured the way the platform counts it and the way
// the machine does. examples/workerd/worker.mjs runs in workerd (the Workers runtime) and streams
// synthetic-base (bert-base shapes) from a loopback HTTP server with range requests, f16 and f32 weights,
// and answers one 1×128 and one 8×128 embedding request for each. Per request:
//   - the isolate's memory as a Workers isolate's 128 MB limit counts it: the V8 JS heap in use (read through
//     workerd's inspector, Runtime.getHeapUsage, polled while the request runs; the maximum) plus the wasm
//     memory the model holds (WebAssembly.Memory is outside the JS heap);
//   - the workerd process's RSS: idle (worker started, model not loaded) and peak (VmHWM after the request),
//     which also holds workerd itself, compiled code and freed pages not yet returned.
// V8 runs with the flags below (a Workers isolate runs with its heap capped, so its collector keeps garbage
// short; local workerd sets no cap), reported in the results.
//
// Results: .cache/bench/workerd-memory-<cpu>-<time>.json per run; --replace writes the committed
// bench/results/workerd-memory-<cpu>.json, which docs/runtimes.md and the README quote (npm run docs:numbers).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const replace = process.argv.includes('--replace');
const log = (s) => process.stderr.write(`${s}\n`);
const V8_FLAGS = ['--max-old-space-size=32'];
const MAX_TOKENS = 512;

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  log('bench/workerd-memory.mjs: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
// The test tier's workerd launcher and range server (TypeScript), bundled for this script. The bundle sits in
// bench/ for the moment it is imported: test/shared.ts finds the repo as the folder above its own file.
const lib = join(ROOT, 'bench', `.workerd-lib-${process.pid}.mjs`);
await esbuild.build({
  stdin: { contents: "export * from './test/runtimes/workerd.ts'; export { startServer } from './test/runtimes/harness.ts'; export { syntheticBaseF16 } from './test/synthetic.ts';", resolveDir: ROOT, loader: 'ts' },
  bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: lib, logLevel: 'error',
  plugins: [
    {
      // the library itself from dist/ (built), not a second copy from src/: its paths (the synthetic cache
      // under <root>/.cache) are found from its own file's place
      name: 'src-to-dist',
      setup(b) {
        b.onResolve({ filter: /\/src\/.*\.js$/ }, (r) => ({ path: join(ROOT, 'dist', join(r.resolveDir, r.path).slice(join(ROOT, 'src').length)), external: true }));
      },
    },
  ],
});
let mod;
try {
  mod = await import(pathToFileURL(lib).href);
} finally {
  rmSync(lib, { force: true });
}
const { startWorkerd, startServer, workerdBinary, syntheticBaseF16 } = mod;
const { ensureSynthetic } = await import('../dist/weights/cache.js');

async function weights(dtype) {
  return dtype === 'f32' ? (await ensureSynthetic('synthetic-base', { onProgress: log })).wbin : syntheticBaseF16();
}

/** A minimal WebSocket client (text frames only) for the inspector: Node 20 has no WebSocket. */
function inspector(wsUrl) {
  const u = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' } });
    req.on('error', reject);
    req.on('upgrade', (res, socket) => {
      const want = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      if (res.headers['sec-websocket-accept'] !== want) return reject(new Error('inspector: bad WebSocket handshake'));
      let buf = Buffer.alloc(0);
      let id = 0;
      const waiting = new Map();
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (buf.length < 2) return;
          let len = buf[1] & 0x7f, off = 2;
          if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
          else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
          if (buf.length < off + len) return;
          const op = buf[0] & 0x0f;
          const payload = buf.subarray(off, off + len);
          buf = buf.subarray(off + len);
          if (op !== 1) continue;
          const msg = JSON.parse(payload.toString('utf8'));
          if (msg.id !== undefined && waiting.has(msg.id)) {
            waiting.get(msg.id)(msg);
            waiting.delete(msg.id);
          }
        }
      });
      const send = (method, params = {}) =>
        new Promise((res2) => {
          const body = Buffer.from(JSON.stringify({ id: ++id, method, params }));
          const mask = randomBytes(4);
          const head = body.length < 126 ? Buffer.from([0x81, 0x80 | body.length]) : Buffer.from([0x81, 0x80 | 126, body.length >> 8, body.length & 255]);
          const masked = Buffer.from(body.map((b, i) => b ^ mask[i & 3]));
          waiting.set(id, res2);
          socket.write(Buffer.concat([head, mask, masked]));
        });
      resolve({ send, close: () => socket.destroy() });
    });
    req.end();
  });
}

const text = (words) => Array.from({ length: words }, () => 'the').join(' '); // one token per word
const SHAPES = [
  { batch: 1, seq: 128, texts: [text(126)] },
  { batch: 8, seq: 128, texts: Array.from({ length: 8 }, () => text(126)) },
];

const results = [];
const workerdVersion = execFileSync(await workerdBinary(), ['--version'], { encoding: 'utf8' }).trim().replace(/^workerd\s+/, '');
for (const dtype of ['f16', 'f32']) {
  const file = await weights(dtype);
  const server = await startServer({ files: { '/model.wbin': file } });
  const port = 9300 + Math.floor(Math.random() * 500);
  const wd = await startWorkerd({ WEIGHTS_URL: `${server.url}/model.wbin`, MAX_TOKENS: String(MAX_TOKENS) }, V8_FLAGS, [`--inspector-addr=127.0.0.1:${port}`]);
  try {
    const idle = wd.memory();
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const ws = await inspector(targets[0].webSocketDebuggerUrl);
    const heap = async () => (await ws.send('Runtime.getHeapUsage')).result;
    for (const s of SHAPES) {
      let maxUsed = 0;
      let polling = true;
      const poll = (async () => {
        while (polling) {
          const h = await heap();
          if (h?.usedSize > maxUsed) maxUsed = h.usedSize;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const t0 = performance.now();
      // the worker is wasmbert's embedding service: TEI's /embed, then the model's state from /info
      const res = await fetch(`${wd.url}/embed`, { method: 'POST', body: JSON.stringify({ inputs: s.texts }) });
      const vectors = await res.json();
      const forwardMs = performance.now() - t0;
      polling = false;
      await poll;
      if (!res.ok) throw new Error(`/embed: HTTP ${res.status} ${JSON.stringify(vectors)}\n${wd.log()}`);
      const body = (await (await fetch(`${wd.url}/info`)).json()).wasmbert;
      body.wasmBytes = body.wasm_bytes;
      const after = await heap();
      maxUsed = Math.max(maxUsed, after.usedSize);
      const mem = wd.memory();
      const row = { dtype, batch: s.batch, seq: s.seq, jsHeapUsed: maxUsed, jsHeapUsedAfter: after.usedSize, wasmBytes: body.wasmBytes, rssIdle: idle.rss, rssPeak: mem.hwm, forwardMs, variant: body.variant };
      results.push(row);
      log(`${dtype} ${s.batch}×${s.seq}: JS heap ≤ ${(maxUsed / 2 ** 20).toFixed(1)} MiB + wasm ${(body.wasmBytes / 2 ** 20).toFixed(1)} MiB; RSS idle ${(idle.rss / 2 ** 20).toFixed(1)}, peak ${(mem.hwm / 2 ** 20).toFixed(1)} MiB; ${forwardMs.toFixed(0)} ms`);
    }
    ws.close();
  } finally {
    await wd.stop();
    await server.close();
  }
}

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
const report = { cpu, date: new Date().toISOString(), workerd: workerdVersion, v8Flags: V8_FLAGS, maxTokens: MAX_TOKENS, model: 'synthetic-base streamed', results };
const slug = cpu.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const dir = join(ROOT, replace ? 'bench/results' : '.cache/bench');
const out = join(dir, replace ? `workerd-memory-${slug}.json` : `workerd-memory-${slug}-${report.date.replace(/[:.]/g, '-')}.json`);
mkdirSync(dir, { recursive: true });
writeFileSync(`${out}.tmp`, JSON.stringify(report, null, 2) + '\n');
renameSync(`${out}.tmp`, out);
log(`results: ${out}${replace ? ' (committed; npm run docs:numbers quotes it)' : ' (add --replace to rewrite the committed bench/results/)'}`);
