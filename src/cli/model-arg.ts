// Resolves a CLI `--model` argument: a .wbin file, a Hugging Face folder (converted on the fly into a
// temporary .wbin), or nothing (the embedded default: synthetic-base, generated and cached on first use).
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeightsError } from '../errors.js';
import { Bert, type LoadOptions } from '../model/bert.js';
import { ensureSynthetic } from '../weights/cache.js';
import { convertCheckpoint } from '../weights/convert.js';

export interface ResolvedModel {
  bert: Bert;
  /** what to call it in messages */
  label: string;
  /** true for the embedded synthetic default */
  synthetic: boolean;
}

export async function loadModelArg(arg: string | undefined, options: LoadOptions = {}, log: (s: string) => void = () => {}): Promise<ResolvedModel> {
  if (!arg || arg === 'synthetic-base' || arg === 'synthetic-tiny') {
    const name = (arg ?? 'synthetic-base') as 'synthetic-base' | 'synthetic-tiny';
    const { wbin } = await ensureSynthetic(name, { onProgress: log });
    return { bert: await Bert.load(wbin, options), label: name, synthetic: true };
  }
  let st;
  try {
    st = statSync(arg);
  } catch {
    throw new WeightsError('no such file or folder', { file: arg });
  }
  if (!st.isDirectory()) return { bert: await Bert.load(arg, options), label: arg, synthetic: false };
  const dir = mkdtempSync(join(tmpdir(), 'wasmbert-'));
  try {
    const wbin = join(dir, 'model.wbin');
    log(`converting ${arg} → ${wbin}`);
    await convertCheckpoint(arg, wbin, { dtype: 'f32' });
    return { bert: await Bert.load(wbin, options), label: arg, synthetic: false };
  } finally {
    // resident models hold everything in wasm memory; the temporary file is no longer needed
    if ((options.residency ?? 'resident') === 'resident') rmSync(dir, { recursive: true, force: true });
  }
}
