// Where the benches find the engines they compare against: .cache/peers/ (`npm run peers`,
// scripts/peers.mjs), not the clone's node_modules, which holds only what build, start and test need.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PEERS = process.env.WASMBERT_PEERS ?? join(ROOT, '.cache', 'peers');

/** A package's folder in the peers install, or null when it is not installed there. */
export function peerDir(name) {
  const dir = join(PEERS, 'node_modules', name);
  return existsSync(join(dir, 'package.json')) ? dir : null;
}

/** The installed version of a peer, or null. */
export function peerVersion(name) {
  const dir = peerDir(name);
  return dir ? JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version : null;
}

/**
 * import(name) as seen from the peers folder (its import.mjs resolves bare specifiers from there, export
 * conditions and all). Throws an Error saying what is missing and how to get it.
 */
export async function importPeer(name) {
  if (!peerDir(name)) throw new Error(`${name} is not installed in ${PEERS} (\`npm run peers\` installs it)`);
  const { default: load } = await import(pathToFileURL(join(PEERS, 'import.mjs')).href);
  return load(name);
}

/**
 * Runs `npm run peers` (without the Node 22/24 runtimes, which no bench needs) unless it is already done.
 * Returns null on success, else one line saying why the peers are not there; the bench then runs without them.
 */
export function ensurePeers(log = (s) => process.stderr.write(`${s}\n`)) {
  const check = spawnSync(process.execPath, [join(ROOT, 'scripts', 'peers.mjs'), '--check', '--no-node'], { stdio: 'ignore' });
  if (check.status === 0) return null;
  log('installing the peers (npm run peers) …');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'peers.mjs'), '--no-node'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0 ? null : `\`npm run peers\` failed (exit ${r.status}): see its output above`;
}
