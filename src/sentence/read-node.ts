// Node: a sentence-transformers folder's settings files → SentenceConfig (src/sentence/config.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeightsError } from '../errors.js';
import { parseModules, parseSentenceFiles, type SentenceConfig } from './config.js';

async function text(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WeightsError(`cannot read: ${(err as Error).message}`, { file: path, cause: err });
  }
}

export interface SentenceFolder {
  /** undefined: not a sentence-transformers folder */
  sentence: SentenceConfig | undefined;
  /** where the BERT itself (config.json, weights, tokenizer) lives: the folder, or its Transformer module's path (old models: 0_BERT/) */
  transformerDir: string;
}

/** Reads modules.json and the files it points to, as SentenceTransformer.__init__ does. */
export async function readSentenceFolder(folder: string): Promise<SentenceFolder> {
  const modulesText = await text(join(folder, 'modules.json'));
  const modules = modulesText !== undefined ? parseModules(modulesText, join(folder, 'modules.json')) : undefined;
  const transformerDir = join(folder, modules?.find((m) => m.type === 'Transformer')?.path ?? '');
  const poolingDir = join(folder, modules?.find((m) => m.type === 'Pooling')?.path ?? '1_Pooling');
  const sentence = parseSentenceFiles(
    {
      modules: modulesText,
      pooling: await text(join(poolingDir, 'config.json')),
      sentenceBertConfig: await text(join(transformerDir, 'sentence_bert_config.json')),
      configSentenceTransformers: await text(join(folder, 'config_sentence_transformers.json')),
    },
    folder,
  );
  return { sentence, transformerDir };
}
