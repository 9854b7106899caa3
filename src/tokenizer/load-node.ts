// Node-only loading from files and folders (kept apart so that browsers never import node:fs).
import { readFile, stat } from 'node:fs/promises';
import { join, dirname, basename } from 'node:path';
import { TokenizerError } from '../errors.js';
import { BertTokenizer } from './tokenizer.js';
import { tokenizerFromFiles, type TokenizerFiles } from './load.js';

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function read(p: string): Promise<string> {
  try {
    return await readFile(p, 'utf8');
  } catch (err) {
    throw new TokenizerError(`${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

/** Reads a folder's tokenizer files (tokenizer.json, vocab.txt, tokenizer_config.json), those present. */
export async function readTokenizerFiles(folder: string): Promise<TokenizerFiles> {
  const get = async (f: string) => ((await exists(join(folder, f))) ? read(join(folder, f)) : undefined);
  return { tokenizerJson: await get('tokenizer.json'), vocabTxt: await get('vocab.txt'), tokenizerConfig: await get('tokenizer_config.json') };
}

/**
 * A model folder, a tokenizer.json file or a vocab.txt file (tokenizer_config.json beside it applied), through
 * the one loader `wasmbert convert` and the hub use too (tokenizerFromFiles: HF's precedence).
 */
export async function loadFromPath(path: string): Promise<BertTokenizer> {
  if (typeof path !== 'string' || path === '') throw new TokenizerError('tokenizer path must be a non-empty string');
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new TokenizerError(`${path}: no such file or folder (expected vocab.txt, tokenizer.json or a model folder)`);
  }
  let files: TokenizerFiles;
  let where = path;
  if (info.isDirectory()) files = await readTokenizerFiles(path);
  else {
    where = dirname(path);
    const cfgPath = join(where, 'tokenizer_config.json');
    const tokenizerConfig = (await exists(cfgPath)) ? await read(cfgPath) : undefined;
    files = basename(path).endsWith('.json') ? { tokenizerJson: await read(path), tokenizerConfig } : { vocabTxt: await read(path), tokenizerConfig };
  }
  const { vocab, options } = tokenizerFromFiles(files, where);
  try {
    return BertTokenizer.fromVocab(vocab, options);
  } catch (err) {
    if (err instanceof TokenizerError) throw new TokenizerError(`${where}: ${err.message}`, { cause: err });
    throw err;
  }
}
