// What `Bert.load(string)` and the CLI's `--model` accept, the way people have models (Node only):
//   a .wbin file                  → itself
//   a Hugging Face folder         → converted (config.json + safetensors + tokenizer files, and a
//                                   sentence-transformers folder's settings); no file kept, or with `cache`
//                                   once into the cache, keyed by the folder's files (name, size, mtime)
//   a hub repo id ('org/name')    → pulled from the hub (or HF_ENDPOINT) and converted once, the .wbin
//                                   cached beside the download, keyed by the revision's commit
import { createHash } from 'node:crypto';
import { readdirSync, statSync, type Stats } from 'node:fs';
import { mkdir, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { WeightsError } from '../errors.js';
import { hubCacheDir, wbinOk, withLock } from './cache.js';
import { convertCheckpoint, type ConvertDtype } from './convert.js';
import { pull, REPO_ID, type PullOptions } from './hub.js';
import { WBIN_VERSION } from './wbin.js';
import { fileSource } from './source-node.js';
import type { WeightSource } from './source.js';

export interface ResolveOptions {
  /**
   * A folder's converted .wbin kept in the cache (true: $WASMBERT_CACHE or the user's cache folder; a string:
   * that folder) and reused while the folder's files are unchanged. Default false: converted on every load, no file kept.
   * Hub models are always cached.
   */
  cache?: boolean | string;
  /** hub: branch, tag or commit (default main) */
  revision?: string;
  /** hub endpoint (default $HF_ENDPOINT or https://huggingface.co) */
  baseUrl?: string;
  /** what a folder or hub checkpoint is converted to (default f32) */
  dtype?: ConvertDtype;
  /** messages about long steps (download, conversion) */
  onProgress?: (message: string) => void;
  /** hub: bytes of `file` downloaded so far, of total */
  onDownload?: (file: string, done: number, total: number) => void;
  /** hub: bearer token (default $HF_TOKEN) */
  token?: string;
  fetch?: typeof fetch;
}

export interface ResolvedModel {
  /** a .wbin path, or (a folder converted on the fly) an open source */
  source: string | WeightSource;
  kind: 'wbin' | 'folder' | 'hub';
  /** where it came from, for messages */
  label: string;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The files a conversion reads from `folder` (two levels: sentence-transformers' module folders), with size and mtime. */
function folderStamp(folder: string): string {
  const h = createHash('sha256');
  const walk = (dir: string, depth: number) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory() && depth < 1 && !e.name.startsWith('.')) walk(p, depth + 1);
      else if (e.isFile() && /\.(json|txt|safetensors)$/.test(e.name)) {
        const s = statSync(p);
        h.update(`${relative(folder, p)}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(folder, 0);
  return h.digest('hex').slice(0, 16);
}

/** A Hugging Face folder → a .wbin in the cache, converted only when the folder's files changed. */
export async function cachedFolderWbin(folder: string, opts: ResolveOptions = {}): Promise<string> {
  const dtype = opts.dtype ?? 'f32';
  const real = await realpath(folder);
  const root = join(typeof opts.cache === 'string' ? opts.cache : hubCacheDir(), 'folders', createHash('sha256').update(real).digest('hex').slice(0, 16));
  const wbin = join(root, `model.v${WBIN_VERSION}.${dtype}.${folderStamp(real)}.wbin`);
  const say = opts.onProgress ?? (() => {});
  if (await wbinOk(wbin)) return wbin;
  await mkdir(root, { recursive: true });
  await withLock(
    join(root, 'lock'),
    async () => {
      if (await wbinOk(wbin)) return;
      say(`converting ${folder} (once: kept as ${wbin})`);
      await convertCheckpoint(real, wbin, { dtype, onInfo: say });
      // older conversions of this folder are stale now
      for (const f of await readdir(root)) if (f.endsWith('.wbin') && join(root, f) !== wbin) await rm(join(root, f), { force: true });
    },
    { ready: () => wbinOk(wbin) },
  );
  return wbin;
}

/**
 * A Hugging Face folder → its .wbin as a WeightSource, no file kept: converted into a temporary file that is
 * opened and then removed at once (the open handle keeps it readable, and its bytes are read only once,
 * straight into wasm memory, instead of first into a JavaScript buffer of the whole model). Where an open
 * file cannot be removed (Windows), it is removed when the source closes.
 */
export async function convertFolderOnTheFly(folder: string, opts: ResolveOptions = {}): Promise<WeightSource> {
  const dir = join(tmpdir(), `wasmbert-convert-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dir, { recursive: true });
  const out = join(dir, 'model.wbin');
  let src: WeightSource | undefined;
  try {
    (opts.onProgress ?? (() => {}))(`converting ${folder} (no file kept)`);
    await convertCheckpoint(folder, out, { dtype: opts.dtype ?? 'f32', onInfo: opts.onProgress });
    src = fileSource(out);
    await src.size(); // opens it
  } catch (err) {
    await src?.close?.()?.catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const removed = await rm(dir, { recursive: true, force: true }).then(() => true, () => false);
  const file = src;
  return {
    name: `${folder} (converted)`,
    size: () => file.size(),
    read: (offset, length, dest) => file.read(offset, length, dest),
    close: async () => {
      await file.close?.();
      if (!removed) await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/** Resolves what a user calls a model: a .wbin, a Hugging Face folder, or a hub repo id. */
export async function resolveModel(arg: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const st = statOrUndefined(arg);
  if (st?.isDirectory()) {
    if (!statOrUndefined(join(arg, 'config.json')) && !statOrUndefined(join(arg, 'modules.json'))) {
      throw new WeightsError('a folder, but not a Hugging Face model folder (no config.json): pass a .wbin file or a model folder', { file: arg });
    }
    const source = opts.cache ? await cachedFolderWbin(arg, opts) : await convertFolderOnTheFly(arg, opts);
    return { source, kind: 'folder', label: arg };
  }
  if (st || !REPO_ID.test(arg) || /\.wbin$/i.test(arg) || arg.startsWith('.')) return { source: arg, kind: 'wbin', label: arg };
  const pullOpts: PullOptions = {
    revision: opts.revision,
    baseUrl: opts.baseUrl,
    dtype: opts.dtype,
    token: opts.token,
    fetch: opts.fetch,
    cacheDir: typeof opts.cache === 'string' ? opts.cache : undefined,
    onInfo: opts.onProgress,
    onProgress: opts.onDownload,
  };
  try {
    const r = await pull(arg, pullOpts);
    return { source: r.wbin, kind: 'hub', label: `${arg}@${r.revision}` };
  } catch (err) {
    if (err instanceof WeightsError) throw new WeightsError(`no such file or folder, and as a hub repo id: ${err.message}`, { file: arg, cause: err });
    throw err;
  }
}
