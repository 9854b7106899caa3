// wasmbert pull <repo-id> [--revision R] [--base-url URL] [--dtype f32|f16|q8] [--cache DIR]
import { parseArgs } from 'node:util';
import { asUsageError, checkOutputDir, UsageError } from './args.js';
import { hubCacheDir } from '../weights/cache.js';
import { pull } from '../weights/hub.js';
import { downloadProgress } from '../weights/progress.js';

const USAGE = `usage: wasmbert pull <repo-id> [--revision R] [--base-url URL] [--dtype f32|f16|q8] [--cache DIR]

Downloads config.json, the vocabulary and the safetensors weights of a BERT checkpoint from the Hugging
Face hub into the cache (resuming partial downloads, checking each file's sha256), converts them to .wbin
and prints the .wbin's path.

  --revision R     branch, tag or commit (default main)
  --base-url URL   hub endpoint (default $HF_ENDPOINT or https://huggingface.co)
  --dtype f32|f16|q8  stored precision of the .wbin (default f32; q8: int8 Linear weights, see convert)
  --cache DIR      cache folder (default $WASMBERT_CACHE, else ${hubCacheDir()})
Set HF_TOKEN for gated or private repos.
`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        revision: { type: 'string', default: 'main' },
        'base-url': { type: 'string' },
        dtype: { type: 'string', default: 'f32' },
        cache: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (err) {
    throw asUsageError(err);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one <repo>, got ${parsed.positionals.length} arguments`);
  if (v.dtype !== 'f32' && v.dtype !== 'f16' && v.dtype !== 'q8') throw new UsageError(`--dtype must be f32, f16 or q8 (got ${JSON.stringify(v.dtype)})`);
  if (v.cache) checkOutputDir(v.cache, '--cache folder');
  const say = (m: string) => process.stderr.write(`wasmbert pull: ${m}\n`);
  const progress = downloadProgress(say);
  const r = await pull(parsed.positionals[0], {
    revision: v.revision,
    baseUrl: v['base-url'],
    cacheDir: v.cache,
    dtype: v.dtype,
    onInfo: (m) => progress.info(m),
    onProgress: (file, done, total) => progress.file(file, done, total),
  });
  progress.done();
  say(`${r.files.length} files in ${r.folder}`);
  process.stdout.write(`${r.wbin}\n`);
  return 0;
}
