// Shared pieces of the runtime tier (test/runtimes*.test.ts): which runtimes are here, running the embed
// example in one and reading its JSON, a loopback HTTP server with range requests, and the comparison.
//
// The extra runtimes are not in a clone's node_modules: `npm run peers` (scripts/peers.mjs) installs Deno, Bun,
// workerd, Node 22 and Node 24 into .cache/peers/; Chromium is Debian's
// (`apt-get install chromium`), driven by the playwright-core devDependency. Where one is missing its tests
// skip, and test/global-setup.ts says so once for the whole run; CI sets WASMBERT_REQUIRE_RUNTIMES=1, which
// turns that skip into a failure (.ci/run runs `npm run peers` first).
import { spawn, execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { ROOT } from '../shared.js';

export { ROOT };
export const EXAMPLE = join(ROOT, 'examples', 'embed.mjs');
/** Where `npm run peers` installs (WASMBERT_PEERS overrides, as for bench/lib/peers.mjs). */
export const PEERS = process.env.WASMBERT_PEERS ?? join(ROOT, '.cache', 'peers');
/** A runtime's executable in the peers install. */
export const bin = (name: string) => join(PEERS, 'node_modules', '.bin', name);
export const REQUIRE_RUNTIMES = process.env.WASMBERT_REQUIRE_RUNTIMES === '1';
/** The Node majors the runtime tier runs the example in, besides this process's. */
export const NODE_MAJORS = [22, 24];
/**
 * Chromium: WASMBERT_CHROMIUM, else the first `chromium` (or `chromium-browser`) on PATH, as .ci/run accepts
 * one anywhere on PATH; else Debian's path (absent: the browser tests skip, or fail under CI's flags).
 */
export const CHROMIUM = process.env.WASMBERT_CHROMIUM ?? onPath('chromium') ?? onPath('chromium-browser') ?? '/usr/bin/chromium';

/** The first executable file called `name` in a PATH folder, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir || '.', name);
    try {
      if (statSync(p).isFile()) {
        accessSync(p, constants.X_OK);
        return p;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The texts every runtime embeds: ASCII, accents and CJK, so the tokenizer's paths are all taken. */
export const TEXTS = ['wasmbert runs BERT in WebAssembly.', 'The same vectors everywhere, to 1e-6.', 'Héllo, wörld! 你好'];

/** The bound every runtime meets against Node: relaxed SIMD may fuse or not per engine (JSC vs V8). */
export const TOLERANCE = 1e-6;

/** Every runtime of the tier with where it comes from; `present` says whether it is here. */
export function runtimes(): { name: string; present: boolean; hint: string }[] {
  const nodes = nodeBinaries();
  return [
    ...['deno', 'bun', 'workerd'].map((name) => ({ name, present: existsSync(bin(name)), hint: '`npm run peers`' })),
    ...[20, ...NODE_MAJORS].map((v) => ({ name: `Node ${v}`, present: nodes.has(v), hint: '`npm run peers`' })),
    { name: 'chromium', present: existsSync(CHROMIUM), hint: '`apt-get install chromium`, or WASMBERT_CHROMIUM=<binary>' },
  ];
}

/**
 * true when the runtime is here; false when not (the global setup named it once) and CI did not require it.
 * Under WASMBERT_REQUIRE_RUNTIMES=1 a missing runtime throws: the test file fails instead of skipping.
 */
export function runtimeAvailable(name: string, present: boolean, hint: string): boolean {
  if (present) return true;
  if (REQUIRE_RUNTIMES) throw new Error(`WASMBERT_REQUIRE_RUNTIMES=1 but ${name} is missing (${hint})`);
  return false;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after timeoutMs). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ExampleOutput {
  runtime: string;
  variant: string;
  threads: number;
  threadsAvailable: boolean;
  residency: string;
  wasmBytes: number;
  dims: number;
  vectors: number[][];
  forward128Ms?: number;
}

/** The example's JSON line (the last line of stdout), or an error carrying the whole output. */
export function parseExample(r: RunResult, what: string): ExampleOutput {
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line) as ExampleOutput;
}

/** Largest |a - b| over all vectors; Infinity when the shapes differ. */
export function maxAbsDiff(a: number[][], b: number[][]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return Infinity;
    for (let j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
  }
  return m;
}

/** Node binaries by major version: this process's, the peers' node22|node24 (`npm run peers`), and PATH's. */
export function nodeBinaries(): Map<number, string> {
  const found = new Map<number, string>();
  const candidates = [process.execPath, ...NODE_MAJORS.map((v) => join(PEERS, `node${v}`, 'node_modules', '.bin', 'node'))];
  try {
    candidates.push(...execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).trim().split('\n'));
  } catch {
    /* no which: the others will do */
  }
  for (const c of candidates) {
    if (!c || !existsSync(c)) continue;
    try {
      const v = execFileSync(c, ['--version'], { encoding: 'utf8' }).trim();
      const major = Number(/^v(\d+)/.exec(v)?.[1]);
      if (major && !found.has(major)) found.set(major, c);
    } catch {
      /* a broken shim */
    }
  }
  return found;
}

export interface FileServer {
  url: string;
  /** requests answered 206 (range) and 200 (whole) so far, per path */
  ranges: Map<string, number>;
  whole: Map<string, number>;
  close(): Promise<void>;
}

export type Route = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/**
 * A loopback HTTP server. `files` maps URL paths to files on disk, served with range requests (206 with
 * Content-Range, as a CDN does); `route` answers anything else first. `headers(path)` adds headers (COOP/COEP).
 */
export async function startServer(opts: { files?: Record<string, string>; route?: Route; headers?: (path: string) => Record<string, string> }): Promise<FileServer> {
  const ranges = new Map<string, number>();
  const whole = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    for (const [k, v] of Object.entries(opts.headers?.(path) ?? {})) res.setHeader(k, v);
    if (opts.route?.(req, res, path)) return;
    const file = opts.files?.[path];
    if (!file || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const size = statSync(file).size;
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (m && start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    const len = end - start + 1;
    const buf = Buffer.alloc(len);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, len, start);
    } finally {
      closeSync(fd);
    }
    (m ? ranges : whole).set(path, ((m ? ranges : whole).get(path) ?? 0) + 1);
    res.writeHead(m ? 206 : 200, {
      'Content-Length': String(len),
      'Accept-Ranges': 'bytes',
      ...(m ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
      'Content-Type': contentType(path),
    });
    res.end(buf);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ranges,
    whole,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function contentType(path: string): string {
  if (path.endsWith('.js') || path.endsWith('.mjs')) return 'text/javascript';
  if (path.endsWith('.html')) return 'text/html; charset=utf-8';
  if (path.endsWith('.wasm')) return 'application/wasm';
  return 'application/octet-stream';
}

/** A TCP port free right now (for servers that take a fixed address, like workerd's config). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}
