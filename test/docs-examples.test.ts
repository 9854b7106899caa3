// Every shell and code example in the docs runs as written on a user's clone. The test reads every Markdown
// file of the repo (README.md, docs/, the READMEs beside the code), takes each fenced block and:
//   ```sh / bash / shell  each command is decided by RULES below: run, or not run with the reason written
//                         there. A command no rule knows fails the test: a new example must be decided, not
//                         silently skipped. The block's run commands run in order as one bash script.
//   ```js / ts / mjs      decided by CODE_RULES: a block importing 'wasmbert' (or 'wasmbert/…'), or a client
//                         of a local `wasmbert serve` (it names 127.0.0.1:8080 / localhost:8080: the test
//                         starts one), runs as an ES module of an app whose node_modules holds this checkout's
//                         dependencies and wasmbert itself (ts through esbuild); any other code block fails
//                         unless a rule or a marker (below) decides it.
//   any other fence       (json, text, diagrams) is data, not an example.
// A block preceded by `<!-- example: skip: <reason> -->` is not run (the reason is shown in the test name).
//
// Substitutions, the only differences from typing the example into a clone's shell:
//   - the working folder is a fresh one holding links to the checkout's top-level files and folders, so paths
//     like vocab/… and examples/… resolve as in the clone while outputs stay out of it;
//   - /tmp/… becomes a folder of this test (inside the run's private TMPDIR: test/global-setup.ts);
//   - a code block that uses wasmbert's exports without importing them (a continuation of the page's earlier
//     example) gets the import of the names it uses;
//   - a bare `model.wbin` becomes synthetic-tiny's .wbin (generated under .cache/ on first use);
//   - `npx wasmbert` (and a bare `wasmbert`, the installed bin) becomes `node <checkout>/dist/cli/main.js`, which is what npx resolves it to in a clone
//     (npm exec's local-bin rule); .ci/run runs `npx --no-install wasmbert --help` itself once to prove that
//     (npm's first call from a new clone path takes ~45 s: too slow for every example here);
//   - `wasmbert serve` in a shell block starts in the background on a free port (port 8080 in the block's
//     other commands becomes that one) and the next command runs once GET /health answers; it is stopped at
//     the end of the block;
//   - HF_ENDPOINT points at a loopback hub-shaped server serving synthetic-tiny's files under any repo name and
//     WASMBERT_CACHE at a fresh folder, so `wasmbert pull <repo>` runs without the network;
//   - Deno and Bun come from `npm run peers` (.cache/peers/); missing, their commands are not run (a failure
//     under WASMBERT_REQUIRE_RUNTIMES=1).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import * as esbuild from 'esbuild';
import { ensureSynthetic } from '../src/weights/cache.js';
import { bin, freePort, PEERS, REQUIRE_RUNTIMES, ROOT, run, startServer, type FileServer } from './runtimes/harness.js';

// ---- what is an example, and what runs ---------------------------------------------------------------------

type Decision = { run: true; needs?: 'deno' | 'bun'; server?: true; continuation?: true } | { run: false; why: string };

/** First match wins. Each `run: false` says why the command is not run here and where it is proven instead. */
const RULES: [RegExp, Decision][] = [
  [/^npm (install|ci)\b/, { run: false, why: ".ci/run's user's-clone pass: npm ci, then npm test with no ../shared" }],
  [/^npm test\b/, { run: false, why: 'this test runs inside it' }],
  [/^npm start\b/, { run: false, why: 'test/cli-model.test.ts runs the demo (inspect and demo print the walkthrough)' }],
  [/^npm run build\b/, { run: false, why: "npm test builds first (its pretest), so dist/ is this checkout's" }],
  [/^npm run peers\b/, { run: false, why: 'downloads the peers and runtimes (the biggest packages of the project); .ci/run runs it before its full test runs' }],
  [/^npm run (bench|typecheck)/, { run: false, why: 'minutes of timing, not a test; CI runs typecheck itself' }],
  [/^wasmtime\b/, { run: false, why: 'wasmtime is no dependency; test/kernels-wasi.test.ts runs the same module under node:wasi' }],
  [/^(npx wasmbert|node dist\/cli\/main\.js) serve\b/, { run: true, server: true }],
  [/^curl\b/, { run: true }],
  [/^(deno)\b/, { run: true, needs: 'deno' }],
  [/^(bun)\b/, { run: true, needs: 'bun' }],
  [/(^|\|\s*)(npx wasmbert|wasmbert|node dist\/cli\/main\.js)\b/, { run: true }],
  [/^node (examples|dist)\//, { run: true }],
  // plumbing around the commands above: writes a small input, lists an output
  [/^(echo|printf|cat|ls|mkdir|head|wc)\b/, { run: true }],
];

const decide = (cmd: string): Decision | undefined => RULES.find(([re]) => re.test(cmd))?.[1];

/** Code blocks: first match wins; `server` = the test starts `wasmbert serve` on a free port for the block. */
const CODE_RULES: [RegExp, Decision][] = [
  [/\b(Deno|Bun)\.serve\(|export default \{\s*fetch/, { run: false, why: 'a server for Deno, Bun or workerd: examples/serve-*.mjs and examples/workerd run in the runtime tests' }],
  [/\b(localhost|127\.0\.0\.1):8080\b/, { run: true, server: true }],
  [/\bfrom\s+['"]wasmbert(\/[\w./-]+)?['"]|\bimport\(\s*['"]wasmbert(\/[\w./-]+)?['"]\s*\)/, { run: true }],
  // a continuation of the page's earlier example: it uses wasmbert's exports (Bert.load, …) without importing
  [/^(?![\s\S]*\bimport\b)[\s\S]*\b(Bert|BertTokenizer)\./, { run: true, continuation: true }],
];

/** Every name a block imports from 'wasmbert' (or 'wasmbert/node') is an export of that entry. */
async function expectImportsExist(where: string, code: string): Promise<void> {
  const entries: Record<string, string[]> = {
    wasmbert: Object.keys(await import('../src/index.js')),
    'wasmbert/node': Object.keys(await import('../src/node.js')),
  };
  for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](wasmbert(?:\/node)?)['"]/g)) {
    const names = m[1].split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean);
    for (const n of names) expect(entries[m[2]], `${where}: imports ${n} from '${m[2]}', which has no such export`).toContain(n);
  }
}

/** `import { … } from 'wasmbert'` (or 'wasmbert/node', for what only Node has) for the exports a block uses. */
async function importsFor(code: string): Promise<string> {
  const main = Object.keys(await import('../src/index.js'));
  const node = Object.keys(await import('../src/node.js')).filter((n) => !main.includes(n));
  const used = (names: string[]) => names.filter((n) => new RegExp(`\\b${n}\\b`).test(code));
  const lines = [];
  if (used(main).length) lines.push(`import { ${used(main).join(', ')} } from 'wasmbert';`);
  if (used(node).length) lines.push(`import { ${used(node).join(', ')} } from 'wasmbert/node';`);
  return lines.join('\n');
}

interface Block {
  file: string; // relative to ROOT
  line: number; // of the opening fence, 1-based
  lang: string;
  body: string;
  skip?: string; // the marker's reason
}

const SHELL = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
const CODE = new Set(['js', 'mjs', 'javascript', 'ts', 'typescript']);

/** Every Markdown file of the checkout, outside dependencies, builds and caches. */
function markdownFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || ['node_modules', 'dist', 'build'].includes(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...markdownFiles(p));
    else if (e.name.endsWith('.md')) out.push(p);
  }
  return out.sort();
}

function fencedBlocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence); i++) body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i]);
    let prev = start - 1;
    while (prev >= 0 && lines[prev].trim() === '') prev--;
    const marker = prev >= 0 ? /<!--\s*example:\s*skip:?\s*(.*?)\s*-->/.exec(lines[prev]) : null;
    blocks.push({ file: relative(ROOT, file), line: start + 1, lang: lang.toLowerCase(), body: body.join('\n'), skip: marker ? marker[1] || 'marked skip' : undefined });
  }
  return blocks;
}

/** A shell block's commands: continuation lines joined, blank and comment-only lines and a leading `$ ` dropped. */
function commands(body: string): string[] {
  return body
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/^\$\s+/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const blocks = markdownFiles().flatMap(fencedBlocks).filter((b) => SHELL.has(b.lang) || CODE.has(b.lang));

// ---- the environment the examples run in -------------------------------------------------------------------

let tiny: { folder: string; wbin: string };
let hub: FileServer;
let base: string;

beforeAll(async () => {
  tiny = await ensureSynthetic('synthetic-tiny');
  base = mkdtempSync(join(tmpdir(), 'wasmbert-docs-'));
  // A hub-shaped server: <repo>/resolve/<revision>/<file> for synthetic-tiny's files, whatever the repo, with
  // the ETag and commit headers the hub sends (HEAD too); the model API answers with a fixed commit sha.
  const files = readdirSync(tiny.folder);
  const sha = createHash('sha1').update('wasmbert docs hub').digest('hex');
  hub = await startServer({
    route: (req, res, path) => {
      const api = /^\/api\/models\/(.+?)(?:\/revision\/[^/]+)?$/.exec(path);
      if (api) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: api[1], sha, siblings: files.map((rfilename) => ({ rfilename })) }));
        return true;
      }
      const m = /^\/(.+)\/resolve\/[^/]+\/([^/]+)$/.exec(path);
      if (!m || !files.includes(m[2])) return false;
      const body = readFileSync(join(tiny.folder, m[2]));
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range && range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      const headers = {
        ETag: `"${createHash('sha256').update(body).digest('hex')}"`,
        'X-Repo-Commit': sha,
        'Accept-Ranges': 'bytes',
        'Content-Length': String(end - start + 1),
        ...(range ? { 'Content-Range': `bytes ${start}-${end}/${body.length}` } : {}),
      };
      res.writeHead(range ? 206 : 200, headers).end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
      return true;
    },
  });
}, 300_000);

afterAll(async () => {
  await hub?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

/**
 * A fresh working folder with a tmp/ for /tmp/. A shell example's holds links to the checkout's top-level
 * entries (node_modules included: Deno resolves imports through the link, not the real path), so it is the
 * clone as its user sees it; a code example's is an app whose node_modules/wasmbert is this checkout.
 */
function workdir(name: string, kind: 'shell' | 'app'): string {
  const dir = mkdtempSync(join(base, `${name.replace(/[^\w.-]+/g, '_')}-`));
  mkdirSync(join(dir, 'tmp'));
  if (kind === 'shell') {
    for (const e of readdirSync(ROOT)) if (e !== '.git' && e !== '.cache') symlinkSync(join(ROOT, e), join(dir, e));
  } else {
    // the clone's dependencies (what a user's app would have installed beside wasmbert), and wasmbert itself
    mkdirSync(join(dir, 'node_modules'));
    for (const e of readdirSync(join(ROOT, 'node_modules'))) if (!e.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', e), join(dir, 'node_modules', e));
    symlinkSync(ROOT, join(dir, 'node_modules', 'wasmbert'), 'dir');
    // relative paths in code examples (vocab/…) mean the clone's, as when run from its root
    for (const e of ['vocab', 'examples', 'weights']) symlinkSync(join(ROOT, e), join(dir, e));
  }
  return dir;
}

const substitute = (text: string, dir: string): string =>
  text
    .replace(/(^|[\s'"=(|])\/tmp\//g, `$1${dir}/tmp/`)
    .replace(/(^|[\s'"=(])model\.wbin\b/g, `$1${tiny.wbin}`)
    .replace(/\bnpx wasmbert\b/g, `node ${join(ROOT, 'dist', 'cli', 'main.js')}`)
    .replace(/(^|\|\s*)wasmbert(?=\s)/gm, `$1node ${join(ROOT, 'dist', 'cli', 'main.js')}`)
    .replace(/(^|[\s|])node dist\/cli\/main\.js\b/g, `$1node ${join(ROOT, 'dist', 'cli', 'main.js')}`);

async function waitForHealth(port: number, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error(`wasmbert serve exited (code ${server.exitCode}) before answering /health`);
    if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`wasmbert serve on port ${port} did not answer /health in 60 s`);
}

const runtimeHere = (name: 'deno' | 'bun') => existsSync(bin(name));

const env = (dir: string) => ({
  HF_ENDPOINT: hub.url,
  WASMBERT_CACHE: join(dir, 'cache'),
  PATH: `${join(PEERS, 'node_modules', '.bin')}:${process.env.PATH}`,
});

const CLI = join(ROOT, 'dist', 'cli', 'main.js');
/** Port 8080 of an example (its --port, its URLs) becomes the test's free port. */
const onPort = (text: string, port: number) =>
  text.replace(/\b(localhost|127\.0\.0\.1):8080\b/g, `127.0.0.1:${port}`).replace(/--port[ =]8080\b/g, `--port ${port}`);

/** Bash lines that start a `wasmbert serve` command in the background and wait for its /health (or its death). */
function serveLines(cmd: string, port: number, dir: string): string[] {
  let c = cmd.replace(/\s+#\s.*$/, '').replace(/\s*&\s*$/, '');
  if (!/--port\b/.test(c)) c += ` --port ${port}`;
  const log = join(dir, `serve-${port}.log`);
  return [
    `${c} > ${log} 2>&1 &`,
    'WB_SERVE=$!',
    `for i in $(seq 1 600); do curl -s -o /dev/null http://127.0.0.1:${port}/health && break; kill -0 $WB_SERVE 2>/dev/null || { echo "wasmbert serve exited:" >&2; cat ${log} >&2; exit 1; }; sleep 0.1; done`,
  ];
}

// ---- the tests ---------------------------------------------------------------------------------------------

describe('docs examples', () => {
  it('finds the examples (README.md has both kinds)', () => {
    const readme = blocks.filter((b) => b.file === 'README.md');
    expect(readme.some((b) => SHELL.has(b.lang))).toBe(true);
    expect(readme.some((b) => CODE.has(b.lang))).toBe(true);
  });

  // skip-flags: Windows has no executable bit (npx runs the bin through node there)
  it.skipIf(process.platform === 'win32')('the build leaves dist/cli/main.js executable: `npx wasmbert` in a clone execs it', () => {
    // tsc writes it 0644 in a fresh clone; npx links it without setting the bit when its cache already has the link
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
  });

  for (const b of blocks) {
    const where = `${b.file}:${b.line} (${b.lang})`;
    if (b.skip) {
      // Not run, by the docs' own decision; no skip either (CI's flags allow none): what can be checked without
      // running it is — the marker gives its reason, and the names it imports from wasmbert exist.
      it(`${where}: not run: ${b.skip}`, async () => {
        expect(b.skip, `${where}: an <!-- example: skip --> marker must say why`).not.toBe('marked skip');
        await expectImportsExist(where, b.body);
      });
      continue;
    }
    if (SHELL.has(b.lang)) {
      const cmds = commands(b.body).map((cmd) => ({ cmd, d: decide(cmd) }));
      const notRun = cmds.flatMap(({ cmd, d }) => {
        const why = d && !d.run ? d.why : d?.run && d.needs && !runtimeHere(d.needs) ? `${d.needs} not installed: \`npm run peers\`` : undefined;
        return why ? [`${cmd.replace(/\s+#.*$/, '')} (${why})`] : [];
      });
      const title = `${where}${notRun.length ? `; not run: ${notRun.join('; ')}` : ''}`;
      it(title, async () => {
        const unknown = cmds.filter((c) => !c.d).map((c) => c.cmd);
        expect(unknown, `${where}: no rule in test/docs-examples.test.ts decides these commands: add one (run, or not run and why), or mark the block <!-- example: skip: why -->`).toEqual([]);
        const missing = cmds.flatMap((c) => (c.d?.run && c.d.needs && !runtimeHere(c.d.needs) ? [c.d.needs] : []));
        if (missing.length && REQUIRE_RUNTIMES) throw new Error(`WASMBERT_REQUIRE_RUNTIMES=1 but ${missing.join(', ')} is missing (\`npm run peers\`)`);
        const todo = cmds.filter((c) => c.d?.run && !(c.d.needs && !runtimeHere(c.d.needs))).map((c) => c.cmd);
        if (!todo.length) return;
        const dir = workdir(`${b.file}-${b.line}`, 'shell');
        const port = await freePort();
        // a server is stopped (SIGTERM: it drains) when the block ends, however it ends
        const script = ['set -euo pipefail', "trap 'rc=$?; j=$(jobs -p); if [ -n \"$j\" ]; then kill $j 2>/dev/null; wait; fi; exit $rc' EXIT"];
        for (const c of todo) {
          const line = onPort(substitute(c, dir), port);
          const d = decide(c);
          script.push(...(d?.run && d.server ? serveLines(line, port, dir) : [line]));
        }
        const r = await run('bash', ['-c', script.join('\n')], { cwd: dir, env: env(dir), timeoutMs: 150_000 });
        expect(r.code, `${where} failed:\n${script.join('\n')}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`).toBe(0);
      }, 180_000);
      continue;
    }
    // code
    const d = CODE_RULES.find(([re]) => re.test(b.body))?.[1];
    if (d && !d.run) {
      // Not run here (a CODE_RULES decision with its reason: another runtime's server), but not skipped: the
      // names it imports from wasmbert must exist, so a renamed export breaks this test, not the reader.
      it(`${where}: not run: ${d.why}`, () => expectImportsExist(where, b.body));
      continue;
    }
    it(where, async () => {
      expect(d, `${where}: a code example that imports nothing from 'wasmbert' and calls no local server: make it import what it uses, add a rule to CODE_RULES, or mark it <!-- example: skip: why -->`).toBeDefined();
      const dir = workdir(`${b.file}-${b.line}`, 'app');
      let code = substitute(b.body, dir);
      if (d?.run && d.continuation) code = `${await importsFor(code)}\n${code}`;
      const port = await freePort();
      if (d?.run && d.server) {
        code = onPort(code, port);
        const server = spawn(process.execPath, [CLI, 'serve', '--model', tiny.wbin, '--port', String(port)], { stdio: 'ignore' });
        onTestFinished(() => new Promise<void>((done) => (server.exitCode !== null ? done() : (server.once('exit', () => done()), server.kill('SIGTERM')))));
        await waitForHealth(port, server);
      }
      if (b.lang === 'ts' || b.lang === 'typescript') code = (await esbuild.transform(code, { loader: 'ts', format: 'esm' })).code;
      const file = join(dir, 'example.mjs');
      writeFileSync(file, code);
      const r = await run(process.execPath, [file], { cwd: dir, env: env(dir), timeoutMs: 150_000 });
      expect(r.code, `${where} failed:\n${code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`).toBe(0);
    }, 180_000);
  }
});
