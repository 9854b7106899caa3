// `wasmbert pull`: a BERT checkpoint from the Hugging Face hub (or anything serving the hub's URL layout,
// `<base>/<repo>/resolve/<revision>/<file>`) into the cache, then converted to .wbin. Downloads resume
// (`<file>.part` + a Range request); every file is checked against the hash the hub publishes: the
// X-Linked-Etag / ETag of LFS files is their sha256, that of small files their git blob sha1.
//
// Converted once: the revision folder keeps a manifest (.wasmbert.json) of each file's verified hash, size
// and mtime and of the .wbin's key (the revision's commit from X-Repo-Commit, else the files' hashes). A
// second pull of an unchanged revision only asks the hub for the hashes (HEAD requests): no file is
// hashed again and nothing is converted again. With the hub out of reach, the last .wbin of that revision
// is used, and says so; with HF_HUB_OFFLINE=1 the hub is not asked at all.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeightsError } from '../errors.js';
import { hubCacheDir } from './cache.js';
import { convertCheckpoint, type ConvertDtype, type ConvertReport } from './convert.js';

export interface PullOptions {
  revision?: string;
  /** default https://huggingface.co (or $HF_ENDPOINT) */
  baseUrl?: string;
  cacheDir?: string;
  /** f32, f16 or q8 (src/weights/convert.ts) */
  dtype?: ConvertDtype;
  fetch?: typeof fetch;
  /** bearer token for gated/private repos (default $HF_TOKEN) */
  token?: string;
  /** attempts after the first when a download breaks off (each resumes) */
  retries?: number;
  onProgress?: (file: string, done: number, total: number) => void;
  onInfo?: (message: string) => void;
}

export interface PullResult {
  folder: string;
  wbin: string;
  files: string[];
  /** undefined when the .wbin of this revision was already converted (or the hub was out of reach) */
  report: ConvertReport | undefined;
  /** the revision's commit when the hub said it (X-Repo-Commit), else the revision asked for */
  revision: string;
}

/** A hub repo id: `name` or `org/name`. */
export const REPO_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

interface Manifest {
  files: Record<string, { hash: string; size: number; mtimeMs: number }>;
  wbin: Record<string, { file: string; key: string; commit?: string }>;
}

interface Remote {
  url: string;
  size?: number;
  hash?: { kind: 'sha256' | 'git-sha1'; hex: string };
}

const HASH_RE = /^[0-9a-f]{64}$|^[0-9a-f]{40}$/;

function etagHash(etag: string | null): Remote['hash'] {
  const v = etag?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
  if (!v || !HASH_RE.test(v)) return undefined;
  return { kind: v.length === 64 ? 'sha256' : 'git-sha1', hex: v };
}

async function fileHash(path: string, kind: 'sha256' | 'git-sha1'): Promise<string> {
  const h = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') h.update(`blob ${(await stat(path)).size}\0`);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function pull(repo: string, opts: PullOptions = {}): Promise<PullResult> {
  if (!REPO_ID.test(repo) || repo.includes('..')) {
    throw new WeightsError(`${JSON.stringify(repo)} is not a repo id (like bert-base-uncased or sentence-transformers/all-MiniLM-L6-v2)`);
  }
  const revision = opts.revision ?? 'main';
  if (!revision || revision.includes('..') || /[\\\0]/.test(revision)) throw new WeightsError(`bad revision ${JSON.stringify(revision)}`);
  const base = (opts.baseUrl ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const doFetch = opts.fetch ?? globalThis.fetch;
  const token = opts.token ?? process.env.HF_TOKEN;
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const retries = opts.retries ?? 3;
  const info = opts.onInfo ?? (() => {});
  const folder = join(opts.cacheDir ?? hubCacheDir(), 'hub', repo.replace('/', '--'), revision.replace(/\//g, '--'));
  await mkdir(folder, { recursive: true });
  const urlOf = (file: string) => `${base}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
  const manifestPath = join(folder, '.wasmbert.json');
  const manifest: Manifest = await readFile(manifestPath, 'utf8').then(
    (t) => {
      const m = JSON.parse(t) as Manifest;
      return m && typeof m.files === 'object' && typeof m.wbin === 'object' ? m : { files: {}, wbin: {} };
    },
    () => ({ files: {}, wbin: {} }),
  );
  const saveManifest = async () => {
    const tmp = `${manifestPath}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(manifest, null, 1));
    await rename(tmp, manifestPath);
  };
  let commit: string | undefined;
  if (process.env.HF_HUB_OFFLINE === '1' || process.env.HF_HUB_OFFLINE === 'true') {
    // Hugging Face's switch for "never ask the hub": the cache or nothing
    const last = manifest.wbin[opts.dtype ?? 'f32'];
    if (last && existsSync(join(folder, last.file))) return { folder, wbin: join(folder, last.file), files: [], report: undefined, revision: last.commit ?? revision };
    throw new WeightsError(`HF_HUB_OFFLINE is set and ${repo}@${revision} (${opts.dtype ?? 'f32'}) is not in the cache`, { file: folder });
  }

  /** HEAD without following redirects: the hub puts an LFS file's sha256 and size on the redirect. */
  async function probe(file: string): Promise<Remote | undefined> {
    const url = urlOf(file);
    let res: Response;
    try {
      res = await doFetch(url, { method: 'HEAD', redirect: 'manual', headers });
    } catch (err) {
      throw new WeightsError(`cannot reach the hub: ${(err as Error).message}`, { file: url, cause: err });
    }
    if (res.status === 404) return undefined;
    commit ??= res.headers.get('x-repo-commit') ?? undefined;
    if (res.status === 401 || res.status === 403) throw new WeightsError(`HTTP ${res.status}: gated or private (set HF_TOKEN)`, { file: url });
    if (!(res.status >= 200 && res.status < 400)) throw new WeightsError(`HTTP ${res.status} ${res.statusText}`, { file: url });
    const linked = res.headers.get('x-linked-etag');
    const size = Number(res.headers.get('x-linked-size') ?? (res.status === 200 ? res.headers.get('content-length') : NaN));
    return { url, hash: etagHash(linked ?? res.headers.get('etag')), size: Number.isSafeInteger(size) ? size : undefined };
  }

  async function download(file: string, remote: Remote): Promise<void> {
    const dest = join(folder, file);
    const part = `${dest}.part`;
    const check = async (path: string) => !remote.hash || (await fileHash(path, remote.hash.kind)) === remote.hash.hex;
    const known = manifest.files[file];
    const here = existsSync(dest) ? await stat(dest) : undefined;
    // verified before, untouched since, and the hub still publishes the same hash: no need to hash it again
    if (here && remote.hash && known && known.hash === remote.hash.hex && known.size === here.size && known.mtimeMs === here.mtimeMs) return;
    if (here && (remote.size === undefined || here.size === remote.size) && (await check(dest))) {
      info(`${file}: already here`);
      if (remote.hash) manifest.files[file] = { hash: remote.hash.hex, size: here.size, mtimeMs: here.mtimeMs };
      return;
    }
    if (!remote.hash) info(`${file}: the server published no sha256 for it: not verified`);
    let lastErr: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1))); // let a flaky link recover
      let have = existsSync(part) ? (await stat(part)).size : 0;
      if (remote.size !== undefined && have > remote.size) have = 0;
      if (remote.size !== undefined && have === remote.size) break;
      const res = await doFetch(remote.url, { headers: { ...headers, ...(have ? { Range: `bytes=${have}-` } : {}) } }).catch((err: unknown) => err as Error);
      if (res instanceof Error) {
        lastErr = res;
        continue;
      }
      if (res.status === 416 && have > 0) {
        await res.body?.cancel();
        await rm(part, { force: true }); // the partial file is longer than the remote one: start over
        continue;
      }
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        throw new WeightsError(`HTTP ${res.status} ${res.statusText}`, { file: remote.url });
      }
      let offset = 0;
      if (res.status === 206) {
        const m = /bytes\s+(\d+)-/.exec(res.headers.get('content-range') ?? '');
        if (!m || Number(m[1]) !== have) {
          await res.body?.cancel();
          lastErr = new Error(`206 reply starts at ${m?.[1]}, asked for ${have}`);
          continue;
        }
        offset = have;
        if (have) info(`${file}: resuming at byte ${have}`);
      } else if (have) info(`${file}: the server ignored the range request: downloading from the start`);
      const total = remote.size ?? offset + Number(res.headers.get('content-length') ?? NaN);
      const fh = await open(part, offset ? 'r+' : 'w');
      try {
        if (!offset) await fh.truncate(0);
        let pos = offset;
        const reader = res.body!.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          await fh.write(value, 0, value.length, pos);
          pos += value.length;
          opts.onProgress?.(file, pos, total);
        }
        await fh.truncate(pos);
      } catch (err) {
        lastErr = err; // connection dropped: keep what arrived, resume on the next attempt
        continue;
      } finally {
        await fh.close();
      }
      const got = (await stat(part)).size;
      if (remote.size === undefined || got === remote.size) break;
      lastErr = new Error(`connection ended after ${got} of ${remote.size} bytes`);
    }
    const got = existsSync(part) ? (await stat(part)).size : -1;
    if (remote.size !== undefined && got !== remote.size) {
      throw new WeightsError(`download incomplete after ${retries + 1} attempts (${Math.max(got, 0)} of ${remote.size} bytes): ${(lastErr as Error)?.message ?? ''} — run pull again to resume`, { file: remote.url, cause: lastErr });
    }
    if (!(await check(part))) {
      await rm(part, { force: true });
      throw new WeightsError(`${remote.hash!.kind} mismatch: the downloaded bytes do not hash to ${remote.hash!.hex} (deleted; run pull again)`, { file: remote.url });
    }
    await rename(part, dest);
    if (remote.hash) {
      const s = await stat(dest);
      manifest.files[file] = { hash: remote.hash.hex, size: s.size, mtimeMs: s.mtimeMs };
    }
  }

  const files: string[] = [];
  const hashes: string[] = [];
  const dtype = opts.dtype ?? 'f32';
  const get = async (file: string, required: boolean) => {
    let remote: Remote | undefined;
    try {
      remote = await probe(file);
    } catch (err) {
      // the hub out of reach (not an HTTP error): the last conversion of this revision, if there is one
      const last = manifest.wbin[dtype];
      if (file === 'config.json' && last && err instanceof WeightsError && /cannot reach the hub/.test(err.message) && existsSync(join(folder, last.file))) {
        info(`${err.message}: using the cached ${repo}@${last.commit ?? revision}`);
        throw new Offline(join(folder, last.file), last.commit);
      }
      throw err;
    }
    hashes.push(`${file}:${remote?.hash?.hex ?? remote?.size ?? '-'}`);
    if (!remote) {
      if (required) throw new WeightsError(`not found (HTTP 404): is ${repo}@${revision} a BERT repo with this file?`, { file: urlOf(file) });
      return false;
    }
    await download(file, remote);
    files.push(file);
    return true;
  };
  try {
    await get('config.json', true);
  } catch (err) {
    if (err instanceof Offline) return { folder, wbin: err.wbin, files: [], report: undefined, revision: err.commit ?? revision };
    throw err;
  }
  await get('tokenizer_config.json', false);
  // sentence-transformers' settings (src/sentence/): the pooling, normalisation, max_seq_length and prompts
  if (await get('modules.json', false)) {
    const { parseModules } = await import('../sentence/config.js');
    const modules = parseModules(await readFile(join(folder, 'modules.json'), 'utf8'), join(folder, 'modules.json'));
    const pooling = modules.find((m) => m.type === 'Pooling')?.path ?? '1_Pooling';
    const transformer = modules.find((m) => m.type === 'Transformer')?.path ?? '';
    if (transformer) throw new WeightsError(`the Transformer module sits in ${JSON.stringify(transformer)}: pull supports sentence-transformers repos whose BERT is at the top level`, { file: urlOf('modules.json') });
    if (!/^[\w.-]+$/.test(pooling)) throw new WeightsError(`Pooling module path ${JSON.stringify(pooling)} is not a plain folder name`, { file: urlOf('modules.json') });
    await mkdir(join(folder, pooling), { recursive: true });
    await get(`${pooling}/config.json`, false);
  }
  await get('sentence_bert_config.json', false);
  await get('config_sentence_transformers.json', false);
  const hasVocab = await get('vocab.txt', false);
  const hasTokJson = await get('tokenizer.json', false);
  if (!hasVocab && !hasTokJson) throw new WeightsError(`${repo}@${revision} has neither vocab.txt nor tokenizer.json`, { file: urlOf('vocab.txt') });
  if (!(await get('model.safetensors', false))) {
    if (!(await get('model.safetensors.index.json', false))) {
      throw new WeightsError(`${repo}@${revision} has no model.safetensors (or sharded index): only safetensors weights are supported`, { file: urlOf('model.safetensors') });
    }
    const { readFile } = await import('node:fs/promises');
    const index = JSON.parse(await readFile(join(folder, 'model.safetensors.index.json'), 'utf8')) as { weight_map?: Record<string, string> };
    const shards = [...new Set(Object.values(index.weight_map ?? {}))];
    for (const s of shards) {
      if (!/^[\w.-]+\.safetensors$/.test(s)) throw new WeightsError(`shard name ${JSON.stringify(s)} is not a plain .safetensors file name`, { file: join(folder, 'model.safetensors.index.json') });
      await get(s, true);
    }
  }
  const wbin = join(folder, `model.${dtype}.wbin`);
  const key = commit ?? createHash('sha256').update(hashes.join('\n')).digest('hex');
  const last = manifest.wbin[dtype];
  if (last && last.key === key && existsSync(wbin)) {
    await saveManifest();
    return { folder, wbin, files, report: undefined, revision: commit ?? revision };
  }
  const report = await convertCheckpoint(folder, wbin, { dtype, onInfo: info });
  manifest.wbin[dtype] = { file: `model.${dtype}.wbin`, key, ...(commit ? { commit } : {}) };
  await saveManifest();
  return { folder, wbin, files, report, revision: commit ?? revision };
}

/** Thrown inside pull when the hub cannot be reached but a converted .wbin of the revision is here. */
class Offline extends Error {
  constructor(
    readonly wbin: string,
    readonly commit: string | undefined,
  ) {
    super('offline');
  }
}
