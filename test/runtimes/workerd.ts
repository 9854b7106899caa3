// Runs examples/workerd/worker.mjs in workerd: bundles it with esbuild under the "workerd" export
// condition (the kernels stay .wasm module imports, listed beside the script in the config), writes a
// config whose outbound network may reach loopback (workerd's default allows public addresses only),
// and starts the binary on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { bin, freePort, ROOT } from './harness.js';

export interface Workerd {
  url: string;
  pid: number;
  /** resident and peak-resident bytes of the workerd process (Linux /proc) */
  memory(): { rss: number; hwm: number };
  log(): string;
  stop(): Promise<void>;
}

export async function workerdBinary(): Promise<string> {
  // the peers install's .bin/workerd is the binary itself (`npm run peers`)
  return bin('workerd');
}

/** `serveArgs`: more arguments for `workerd serve` (bench/workerd-memory.mjs passes --inspector-addr). */
export async function startWorkerd(vars: Record<string, string>, v8Flags: string[] = [], serveArgs: string[] = []): Promise<Workerd> {
  const dir = mkdtempSync(join(tmpdir(), 'wasmbert-workerd-'));
  await esbuild.build({
    entryPoints: [join(ROOT, 'examples/workerd/worker.mjs')],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'error',
    plugins: [
      {
        // build/wasmbert.*.wasm → modules of the same name beside worker.js (what wrangler does with .wasm imports)
        name: 'wasm-modules',
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (a) => ({ path: `./${a.path.split('/').pop()}`, external: true }));
        },
      },
    ],
  });
  for (const v of ['relaxed', 'simd']) copyFileSync(join(ROOT, `build/wasmbert.${v}.wasm`), join(dir, `wasmbert.${v}.wasm`));
  const port = await freePort();
  const bindings = Object.entries(vars)
    .map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`)
    .join(', ');
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
  v8Flags = [ ${v8Flags.map((f) => JSON.stringify(f)).join(', ')} ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "wasmbert.relaxed.wasm", wasm = embed "wasmbert.relaxed.wasm"),
    (name = "wasmbert.simd.wasm", wasm = embed "wasmbert.simd.wasm"),
  ],
  bindings = [ ${bindings} ],
  compatibilityDate = "2025-01-01",
  globalOutbound = "loopback",
);
`,
  );
  const child: ChildProcess = spawn(await workerdBinary(), ['serve', 'config.capnp', ...serveArgs], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  // up when /health answers (workerd starts in well under a second; 20 s for a loaded CI machine)
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`workerd did not answer /health within 20 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
      return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
    },
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
