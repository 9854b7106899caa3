#!/usr/bin/env node
// npm run peers [-- --check] [--no-node]
// Installs what a clone's `npm install` leaves out, because building, starting and testing wasmbert do not
// need it: the engines it is benchmarked against (onnxruntime-node, onnxruntime-web, transformers.js,
// tfjs-backend-wasm) and the extra runtimes its tests run in (Bun, Deno, workerd, Node 22 and 24).
//   .cache/peers/   npm ci of scripts/peers/package.json + package-lock.json (pinned, committed)
//   .cache/peers/node22/, node24/   the `node` package of that major (the binary, from the npm registry)
// All git-ignored (WASMBERT_PEERS=<folder> puts it elsewhere, or hides it: .ci/run's user's-clone pass). Tests and benches look there (test/runtimes/harness.ts, bench/lib/peers.mjs); a second
// run with the same lock does nothing. `--check` installs nothing: it lists what is here and exits 1 when
// something is missing. Progress goes to stderr; a failed install says which step and why, and leaves the
// previous install (or none) in place, never a half-written one.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = join(ROOT, 'scripts', 'peers');
export const PEERS = process.env.WASMBERT_PEERS ?? join(ROOT, '.cache', 'peers');
const NODE_MAJORS = [22, 24];
const { values: a } = parseArgs({ options: { check: { type: 'boolean' }, 'no-node': { type: 'boolean' } } });
const log = (s) => process.stderr.write(`peers: ${s}\n`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const lock = readFileSync(join(SPEC, 'package-lock.json'));
const manifest = readFileSync(join(SPEC, 'package.json'));
// The stamp is the hash of what was installed: a changed lock or manifest reinstalls.
const want = createHash('sha256').update(manifest).update(lock).digest('hex');
const stampFile = join(PEERS, '.installed');
const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
const nodeDir = (v) => join(PEERS, `node${v}`);
const nodeBin = (v) => join(nodeDir(v), 'node_modules', '.bin', 'node');

if (a.check) {
  const missing = [];
  if (have !== want) missing.push(`${PEERS} (${have ? 'an older lock' : 'not installed'})`);
  if (!a['no-node']) for (const v of NODE_MAJORS) if (!existsSync(nodeBin(v))) missing.push(`Node ${v} (${nodeDir(v)})`);
  if (missing.length) {
    log(`missing: ${missing.join(', ')}: run \`npm run peers\``);
    process.exit(1);
  }
  log(`all here (${PEERS}, Node ${NODE_MAJORS.join(', ')})`);
  process.exit(0);
}

function npmIn(dir, args, what) {
  const t = performance.now();
  log(`${what}…`);
  // onnxruntime-node's postinstall would fetch the CUDA provider (the CPU binary ships in the package): npm 11
  // skips it through allowScripts, older npm through this variable (the setting once in .npmrc, which npm 11
  // warns about as an unknown project config on every command).
  const r = spawnSync(npm, args, {
    cwd: dir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_fund: 'false', npm_config_audit: 'false' },
  });
  if (r.status !== 0) {
    log(`${what} failed (${r.error?.message ?? `npm exit ${r.status}`}): nothing was changed`);
    process.exit(1);
  }
  log(`${what}: done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

if (have === want) log(`${PEERS} is up to date`);
else {
  // Install beside, then swap: an interrupted install leaves the previous folder intact.
  const next = `${PEERS}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  try {
    copyFileSync(join(SPEC, 'package.json'), join(next, 'package.json'));
    copyFileSync(join(SPEC, 'package-lock.json'), join(next, 'package-lock.json'));
    // Bare specifiers in an import() resolve from the importing file: a module inside the folder lets benches
    // and tests import the peers (ESM exports conditions and all) without a node_modules of their own.
    writeFileSync(join(next, 'import.mjs'), '// written by scripts/peers.mjs\nexport default (specifier) => import(specifier);\n');
    npmIn(next, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], `npm ci of scripts/peers/package-lock.json into ${PEERS}`);
    writeFileSync(join(next, '.installed'), `${want}\n`);
    // the Node runtimes do not depend on the lock: carried over rather than downloaded again
    for (const v of NODE_MAJORS) if (existsSync(nodeBin(v))) renameSync(nodeDir(v), join(next, `node${v}`));
    rmSync(PEERS, { recursive: true, force: true });
    renameSync(next, PEERS);
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
}

if (!a['no-node']) {
  for (const v of NODE_MAJORS) {
    if (existsSync(nodeBin(v))) continue;
    const dir = nodeDir(v);
    mkdirSync(dir, { recursive: true });
    // The `node` package fetches its binary in a postinstall, which npm 11 runs only when allowScripts says so
    // (and it refuses --allow-scripts on the command line inside a project).
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, dependencies: { node: String(v) }, allowScripts: { node: true } }, null, 2)}\n`);
    npmIn(dir, ['install', '--no-audit', '--no-fund', '--loglevel=error'], `Node ${v} into ${dir}`);
  }
}
