// Node-only loading from files and folders (kept apart so that browsers never import node:fs).
import { readFile, stat } from 'node:fs/promises';
import { join, dirname, basename } from 'node:path';
import { TokenizerError } from '../errors.js';
import { BertTokenizer } from './tokenizer.js';
import { parseTokenizerConfig } from './load.js';

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

/**
 * A model folder (tokenizer.json preferred, else vocab.txt; tokenizer_config.json beside either is applied), a
 * tokenizer.json file, or a vocab.txt file.
 */
export async function loadFromPath(path: string): Promise<BertTokenizer> {
  if (typeof path !== 'string' || path === '') throw new TokenizerError('tokenizer path must be a non-empty string');
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new TokenizerError(`${path}: no such file or folder (expected vocab.txt, tokenizer.json or a model folder)`);
  }
  let file = path;
  if (info.isDirectory()) {
    const json = join(path, 'tokenizer.json'), txt = join(path, 'vocab.txt');
    if (await exists(json)) file = json;
    else if (await exists(txt)) file = txt;
    else throw new TokenizerError(`${path}: folder has neither tokenizer.json nor vocab.txt`);
  }
  const cfgPath = join(dirname(file), 'tokenizer_config.json');
  const config = (await exists(cfgPath)) ? await read(cfgPath) : undefined;
  const text = await read(file);
  const where = (err: unknown): never => {
    if (err instanceof TokenizerError) throw new TokenizerError(`${file}: ${err.message}`, { cause: err });
    throw err;
  };
  if (basename(file).endsWith('.json')) {
    try {
      return BertTokenizer.fromTokenizerJson(text, config);
    } catch (err) {
      return where(err);
    }
  }
  try {
    return BertTokenizer.fromVocab(text, config === undefined ? {} : parseTokenizerConfig(config, cfgPath));
  } catch (err) {
    return where(err);
  }
}
