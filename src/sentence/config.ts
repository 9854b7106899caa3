// sentence-transformers' settings for a model folder: how a sentence-transformers model says how it is to be
// used. Read from modules.json, 1_Pooling/config.json (or whatever path modules.json names),
// sentence_bert_config.json and config_sentence_transformers.json; carried in the .wbin header as
// `sentence` (weights/FORMAT.md) so that `embed` defaults follow them. No Node API here: browsers load this.
import { WeightsError } from '../errors.js';

/**
 * sentence-transformers' pooling modes (models/Pooling.py), in the order Pooling.forward concatenates them
 * when several are on.
 */
export const POOLING_MODES = ['cls', 'max', 'mean', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'] as const;
export type PoolingMode = (typeof POOLING_MODES)[number];

export interface SentenceConfig {
  /** the Pooling module's modes, in POOLING_MODES order; several = their outputs concatenated */
  pooling: PoolingMode[];
  /** Pooling's include_prompt: false leaves the prompt's tokens (and [CLS]) out of the pooling */
  includePrompt: boolean;
  /** a Normalize module follows the pooling */
  normalize: boolean;
  /** sentence_bert_config.json: inputs truncated to this many tokens */
  maxSeqLength?: number;
  /** sentence_bert_config.json: texts lowercased before tokenization (on top of the tokenizer's own) */
  doLowerCase: boolean;
  /** config_sentence_transformers.json: named prompts ({ query: 'query: ', ... }) */
  prompts: Record<string, string>;
  /** config_sentence_transformers.json: the prompt used when embed names none */
  defaultPromptName?: string;
}

/** The JSON texts of a sentence-transformers folder (undefined = file absent). */
export interface SentenceFiles {
  /** modules.json */
  modules?: string;
  /** the Pooling module's config.json (path from modules.json, usually 1_Pooling/config.json) */
  pooling?: string;
  sentenceBertConfig?: string;
  configSentenceTransformers?: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new WeightsError(`not valid JSON: ${(err as Error).message}`, { file, cause: err });
  }
}

export interface ModuleEntry {
  type: string;
  path: string;
}

/** modules.json → its entries; a module wasmbert cannot run (Dense, ...) is a WeightsError naming it. */
export function parseModules(text: string, file = 'modules.json'): ModuleEntry[] {
  const v = parse(text, file);
  if (!Array.isArray(v)) throw new WeightsError('expected a list of modules', { file });
  return v.map((m, i) => {
    if (!isObj(m) || typeof m.type !== 'string') throw new WeightsError(`module ${i} has no "type"`, { file });
    const type = m.type.replace(/^sentence_transformers\.models\./, '');
    const path = typeof m.path === 'string' ? m.path : '';
    if (type !== 'Transformer' && type !== 'Pooling' && type !== 'Normalize') {
      throw new WeightsError(`module ${i} is ${JSON.stringify(m.type)}: wasmbert runs Transformer, Pooling and Normalize modules only`, { file });
    }
    if (path.includes('..') || path.startsWith('/')) throw new WeightsError(`module ${i} path ${JSON.stringify(path)} leaves the folder`, { file });
    return { type, path };
  });
}

const POOLING_KEYS: Record<PoolingMode, string> = {
  cls: 'pooling_mode_cls_token',
  max: 'pooling_mode_max_tokens',
  mean: 'pooling_mode_mean_tokens',
  mean_sqrt_len_tokens: 'pooling_mode_mean_sqrt_len_tokens',
  weightedmean: 'pooling_mode_weightedmean_tokens',
  lasttoken: 'pooling_mode_lasttoken',
};

/**
 * The sentence-transformers config of a folder, or undefined when it has none of the files (a plain BERT).
 * Pooling defaults are Pooling.__init__'s (mean only, include_prompt true); without modules.json the
 * Normalize module is absent, as sentence-transformers would build it.
 */
export function parseSentenceFiles(files: SentenceFiles, where = ''): SentenceConfig | undefined {
  if (files.modules === undefined && files.pooling === undefined && files.sentenceBertConfig === undefined && files.configSentenceTransformers === undefined) return undefined;
  const at = (f: string) => (where ? `${where}/${f}` : f);
  const modules = files.modules !== undefined ? parseModules(files.modules, at('modules.json')) : undefined;
  const cfg: SentenceConfig = { pooling: ['mean'], includePrompt: true, normalize: !!modules?.some((m) => m.type === 'Normalize'), doLowerCase: false, prompts: {} };
  if (modules && !modules.some((m) => m.type === 'Pooling')) {
    throw new WeightsError('no Pooling module: wasmbert needs one to turn token vectors into a sentence vector', { file: at('modules.json') });
  }
  if (files.pooling !== undefined) {
    const file = at('1_Pooling/config.json');
    const p = parse(files.pooling, file);
    if (!isObj(p)) throw new WeightsError('not a JSON object', { file });
    if (typeof p.pooling_mode === 'string') {
      const m = p.pooling_mode.toLowerCase();
      if (!(POOLING_MODES as readonly string[]).includes(m)) throw new WeightsError(`pooling_mode ${JSON.stringify(p.pooling_mode)} is not one of ${POOLING_MODES.join(', ')}`, { file });
      cfg.pooling = [m as PoolingMode];
    } else {
      cfg.pooling = POOLING_MODES.filter((m) => {
        const v = p[POOLING_KEYS[m]];
        if (v !== undefined && typeof v !== 'boolean') throw new WeightsError(`"${POOLING_KEYS[m]}" must be true or false, got ${JSON.stringify(v)}`, { file });
        return v ?? m === 'mean';
      });
    }
    if (cfg.pooling.length === 0) throw new WeightsError('every pooling_mode_* is false: no sentence vector', { file });
    if (p.include_prompt !== undefined && typeof p.include_prompt !== 'boolean') throw new WeightsError(`"include_prompt" must be true or false`, { file });
    cfg.includePrompt = p.include_prompt !== false;
  }
  if (files.sentenceBertConfig !== undefined) {
    const file = at('sentence_bert_config.json');
    const s = parse(files.sentenceBertConfig, file);
    if (!isObj(s)) throw new WeightsError('not a JSON object', { file });
    if (s.max_seq_length !== undefined && s.max_seq_length !== null) {
      if (!Number.isInteger(s.max_seq_length) || (s.max_seq_length as number) < 2) throw new WeightsError(`max_seq_length ${JSON.stringify(s.max_seq_length)} is not an integer ≥ 2`, { file });
      cfg.maxSeqLength = s.max_seq_length as number;
    }
    if (s.do_lower_case !== undefined && typeof s.do_lower_case !== 'boolean') throw new WeightsError('"do_lower_case" must be true or false', { file });
    cfg.doLowerCase = s.do_lower_case === true;
  }
  if (files.configSentenceTransformers !== undefined) {
    const file = at('config_sentence_transformers.json');
    const c = parse(files.configSentenceTransformers, file);
    if (!isObj(c)) throw new WeightsError('not a JSON object', { file });
    if (c.prompts !== undefined && c.prompts !== null) {
      if (!isObj(c.prompts) || !Object.values(c.prompts).every((x) => typeof x === 'string')) throw new WeightsError('"prompts" must map names to strings', { file });
      cfg.prompts = { ...(c.prompts as Record<string, string>) };
    }
    if (c.default_prompt_name !== undefined && c.default_prompt_name !== null) {
      if (typeof c.default_prompt_name !== 'string' || !(c.default_prompt_name in cfg.prompts)) {
        throw new WeightsError(`default_prompt_name ${JSON.stringify(c.default_prompt_name)} is not one of the prompts (${Object.keys(cfg.prompts).join(', ') || 'none'})`, { file });
      }
      cfg.defaultPromptName = c.default_prompt_name;
    }
  }
  return cfg;
}

/** Checks a `sentence` object read back from a .wbin header (the shape convert writes). */
export function checkSentenceConfig(v: unknown, file?: string): SentenceConfig {
  const bad = (what: string): never => {
    throw new WeightsError(`header "sentence": ${what}`, { file });
  };
  if (!isObj(v)) return bad('not an object');
  if (!Array.isArray(v.pooling) || v.pooling.length === 0 || !v.pooling.every((m) => (POOLING_MODES as readonly unknown[]).includes(m))) bad(`pooling must be a non-empty list of ${POOLING_MODES.join(', ')}`);
  for (const k of ['includePrompt', 'normalize', 'doLowerCase'] as const) if (typeof v[k] !== 'boolean') bad(`${k} must be true or false`);
  if (v.maxSeqLength !== undefined && (!Number.isInteger(v.maxSeqLength) || (v.maxSeqLength as number) < 2)) bad('maxSeqLength must be an integer ≥ 2');
  if (!isObj(v.prompts) || !Object.values(v.prompts).every((x) => typeof x === 'string')) bad('prompts must map names to strings');
  if (v.defaultPromptName !== undefined && (typeof v.defaultPromptName !== 'string' || !(v.defaultPromptName in (v.prompts as Json)))) bad('defaultPromptName is not one of the prompts');
  return v as unknown as SentenceConfig;
}
