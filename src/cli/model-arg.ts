// Resolves a CLI `--model` argument: a .wbin file, a Hugging Face folder (converted once into the cache and
// reused while the folder is unchanged), a hub repo id (pulled and converted once per revision), or nothing
// (the embedded default: synthetic-base, generated and cached on first use).
import { Bert, type LoadOptions } from '../model/bert.js';
import { ensureSynthetic } from '../weights/cache.js';
import { downloadProgress } from '../weights/progress.js';
import { resolveModel } from '../weights/resolve.js';

export interface ResolvedModel {
  bert: Bert;
  /** what to call it in messages */
  label: string;
  /** true for the embedded synthetic default */
  synthetic: boolean;
  /** the .wbin on disk the model was loaded from, when there is one (serve's page downloads it) */
  file?: string;
}

export async function loadModelArg(arg: string | undefined, options: LoadOptions = {}, log: (s: string) => void = () => {}): Promise<ResolvedModel> {
  if (!arg || arg === 'synthetic-base' || arg === 'synthetic-tiny') {
    const name = (arg ?? 'synthetic-base') as 'synthetic-base' | 'synthetic-tiny';
    const { wbin } = await ensureSynthetic(name, { onProgress: log, keepFolder: false });
    return { bert: await Bert.load(wbin, options), label: name, synthetic: true, file: wbin };
  }
  // a download's progress: one bar per file on a terminal (progressBar draws nothing when stderr is not one)
  const progress = downloadProgress(log);
  const r = await resolveModel(arg, {
    cache: options.cache ?? true,
    revision: options.revision,
    onProgress: (m) => progress.info(m),
    onDownload: (file, done, total) => progress.file(file, done, total),
  });
  progress.done();
  return { bert: await Bert.load(r.source, options), label: r.label, synthetic: false, file: typeof r.source === 'string' ? r.source : undefined };
}
