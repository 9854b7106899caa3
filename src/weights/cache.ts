// Where generated and downloaded checkpoints live, and the one call the demo, tests and benchmarks use
// to get a synthetic model: generated and converted once, then reused. Several vitest worker processes
// may ask at the same moment: one generates under a lock, the others wait, and every result appears
// under its final name only when complete (temporary name + rename).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeightsError } from '../errors.js';
import { convertCheckpoint } from './convert.js';
import { fileSource } from './source-node.js';
import { SYNTHETIC_SPEC, synthesize, type SyntheticName } from './synth.js';
import { openWbin, WBIN_VERSION } from './wbin.js';

/** The package's root folder (this file is <root>/src/weights or <root>/dist/weights). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The user's cache folder for wasmbert: $XDG_CACHE_HOME/wasmbert, ~/Library/Caches/wasmbert, %LOCALAPPDATA%\wasmbert. */
export function userCacheDir(): string {
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'wasmbert', 'Cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'wasmbert');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'wasmbert');
}

/**
 * $WASMBERT_CACHE if set; else, in a checkout of wasmbert (tests, demo, benchmarks), <repo>/.cache (git-
 * ignored); else (wasmbert installed under node_modules) the user's cache folder.
 */
export function defaultCacheDir(): string {
  if (process.env.WASMBERT_CACHE) return process.env.WASMBERT_CACHE;
  return PACKAGE_ROOT.split(sep).includes('node_modules') ? userCacheDir() : join(PACKAGE_ROOT, '.cache');
}

/** Downloads from the hub: $WASMBERT_CACHE, else the user's cache folder. */
export function hubCacheDir(): string {
  return process.env.WASMBERT_CACHE || userCacheDir();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding a lock directory (mkdir is atomic). A lock whose owner process is gone, or that has
 * no owner recorded after 30 s, is stale and removed.
 */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>, opts: { ready?: () => Promise<boolean>; timeoutMs?: number } = {}): Promise<T | undefined> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new WeightsError(`cannot create lock: ${(err as Error).message}`, { file: lockDir, cause: err });
    }
    if (opts.ready && (await opts.ready())) return undefined;
    const owner = await readFile(join(lockDir, 'pid'), 'utf8').then((s) => Number(s), () => NaN);
    const age = await stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0);
    if ((Number.isInteger(owner) && !alive(owner)) || (Number.isNaN(owner) && age > 30_000)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new WeightsError(`gave up waiting for the lock held by process ${owner}`, { file: lockDir });
    await sleep(150);
  }
  try {
    await writeFile(join(lockDir, 'pid'), String(process.pid));
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function wbinOk(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const src = fileSource(path);
  try {
    await openWbin(src);
    return true;
  } catch {
    return false;
  } finally {
    await src.close?.();
  }
}

export interface EnsureOptions {
  cacheDir?: string;
  onProgress?: (message: string) => void;
}

/**
 * The synthetic checkpoint `name` as a Hugging Face folder and a converted f32 .wbin, generated on first
 * use under `<cache>/wasmbert-synthetic-v1/<name>/` (model.wbin beside the HF files). Returns at once when
 * both are there.
 */
export async function ensureSynthetic(name: SyntheticName, opts: EnsureOptions = {}): Promise<{ folder: string; wbin: string }> {
  if (name !== 'synthetic-tiny' && name !== 'synthetic-base') throw new WeightsError(`unknown synthetic checkpoint ${JSON.stringify(name)} (synthetic-tiny or synthetic-base)`);
  const root = join(opts.cacheDir ?? defaultCacheDir(), SYNTHETIC_SPEC);
  const folder = join(root, name);
  // the wbin's name carries the format version: a newer wasmbert converts again instead of misreading
  const wbin = join(folder, `model.v${WBIN_VERSION}.wbin`);
  const log = opts.onProgress ?? (() => {});
  const ready = () => wbinOk(wbin);
  if (await ready()) return { folder, wbin };
  await mkdir(root, { recursive: true });
  await withLock(
    join(root, `${name}.lock`),
    async () => {
      if (await ready()) return;
      if (!existsSync(join(folder, 'model.safetensors'))) {
        const tmp = join(root, `${name}.tmp-${process.pid}`);
        await rm(tmp, { recursive: true, force: true });
        log(`generating ${name} (${SYNTHETIC_SPEC}) in ${folder}`);
        const t0 = performance.now();
        await synthesize(name, tmp);
        await rm(folder, { recursive: true, force: true }); // a folder left incomplete by hand
        await rename(tmp, folder);
        log(`generated ${name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      const t0 = performance.now();
      await convertCheckpoint(folder, wbin, { dtype: 'f32' });
      log(`converted ${name} to ${wbin} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    },
    { ready },
  );
  if (!(await ready())) throw new WeightsError('generation finished but the .wbin does not open', { file: wbin });
  return { folder, wbin };
}
