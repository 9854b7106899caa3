// sentence-transformers folders, the way every sentence-transformers BERT on the hub ships (modules.json,
// 1_Pooling/config.json, Normalize, sentence_bert_config.json, config_sentence_transformers.json):
// Bert.load(folder) converts them in memory and embed's vectors are those configs' — checked against a
// float64 BERT (test/reference/bert_f64.ts) pooled in float64 the way sentence-transformers'
// models/Pooling.py does, for each pooling mode. Needs nothing from ../shared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bert } from '../src/model/bert.js';
import { WeightsError, ModelError } from '../src/errors.js';
import { synthesize } from '../src/weights/synth.js';
import { convertCheckpoint } from '../src/weights/convert.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { fileSource } from '../src/weights/source-node.js';
import { openWbin } from '../src/weights/wbin.js';
import { POOLING_MODES, type PoolingMode } from '../src/sentence/config.js';
import { bertF64, type RefConfig } from './reference/bert_f64.js';

const TEXTS = ['The quick brown fox jumps over the lazy dog near the river bank today.', 'Short one.', '  Padded TEXT with Caps  '];
const PROMPTS = { query: 'query: ', passage: 'passage: ' };
// the encoder's contract on hidden states (README: 1.5e-5 max abs); pooling adds only float32 rounding
const HIDDEN_BOUND = 1.5e-5;

let tmp: string;
let base: string;
let weights: Awaited<ReturnType<typeof readSafetensors>>;
let cfg: RefConfig & { num_hidden_layers: number };
const loaded: Bert[] = [];

/** A sentence-transformers folder: the synthetic-tiny BERT at the top, plus the given settings files. */
function stFolder(name: string, files: { pooling?: object; sbert?: object; st?: object; modules?: object[] }): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']) copyFileSync(join(base, f), join(dir, f));
  const modules = files.modules ?? [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
  ];
  writeFileSync(join(dir, 'modules.json'), JSON.stringify(modules));
  if (files.pooling) writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 32, ...files.pooling }));
  if (files.sbert) writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify(files.sbert));
  if (files.st) writeFileSync(join(dir, 'config_sentence_transformers.json'), JSON.stringify(files.st));
  return dir;
}

const poolingFlags = (modes: PoolingMode[]) => ({
  pooling_mode_cls_token: modes.includes('cls'),
  pooling_mode_max_tokens: modes.includes('max'),
  pooling_mode_mean_tokens: modes.includes('mean'),
  pooling_mode_mean_sqrt_len_tokens: modes.includes('mean_sqrt_len_tokens'),
  pooling_mode_weightedmean_tokens: modes.includes('weightedmean'),
  pooling_mode_lasttoken: modes.includes('lasttoken'),
});

async function load(dir: string): Promise<Bert> {
  const b = await Bert.load(dir, { threads: 1 });
  loaded.push(b);
  return b;
}

interface RefSpec {
  prompt: string;
  maxLength: number;
  includePrompt: boolean;
  modes: PoolingMode[];
  normalize: boolean;
  lower?: boolean;
}

/**
 * sentence-transformers' encode in float64: strip (+ lower), prompt first, tokenizer with truncation to
 * max_seq_length, BertModel, Pooling.forward (prompt_length = len(tokenize(prompt)) - 1 masked when
 * include_prompt is false), Normalize.
 */
function reference(bert: Bert, texts: string[], s: RefSpec): { vectors: Float64Array[]; L: number } {
  const prep = (t: string) => (s.lower ? t.trim().toLowerCase() : t.trim());
  const enc = bert.tokenizer.encodeBatch(texts.map((t) => prep(s.prompt + t)), { padding: 'longest', truncation: 'longest_first', maxLength: s.maxLength });
  const ids = enc.inputIds as number[][];
  const mask = (enc.attentionMask as number[][]).map((r) => r.slice());
  const out = bertF64(cfg, weights as never, ids, enc.tokenTypeIds as number[][], enc.attentionMask as number[][]);
  const h = out.hiddenStates[cfg.num_hidden_layers];
  const H = 32;
  const L = ids[0].length;
  const promptLength = s.prompt && !s.includePrompt ? bert.tokenizer.encode(prep(s.prompt)).inputIds.length - 1 : 0;
  for (const r of mask) for (let t = 0; t < promptLength; t++) r[t] = 0;
  const vectors = texts.map((_, b) => {
    const at = (t: number, i: number) => h[(b * L + t) * H + i];
    const parts: number[][] = [];
    for (const mode of POOLING_MODES.filter((m) => s.modes.includes(m))) {
      const v = new Array<number>(H).fill(0);
      if (mode === 'cls') for (let i = 0; i < H; i++) v[i] = at(0, i);
      if (mode === 'max') for (let i = 0; i < H; i++) v[i] = Math.max(...mask[b].map((m, t) => (m ? at(t, i) : -1e9)));
      if (mode === 'mean' || mode === 'mean_sqrt_len_tokens' || mode === 'weightedmean') {
        const w = mask[b].map((m, t) => m * (mode === 'weightedmean' ? t + 1 : 1));
        const sw = Math.max(w.reduce((a, x) => a + x, 0), 1e-9);
        for (let i = 0; i < H; i++) v[i] = w.reduce((a, x, t) => a + x * at(t, i), 0) / (mode === 'mean_sqrt_len_tokens' ? Math.sqrt(sw) : sw);
      }
      if (mode === 'lasttoken') {
        const last = mask[b].lastIndexOf(1);
        for (let i = 0; i < H; i++) v[i] = last < 0 ? 0 : at(last, i);
      }
      parts.push(v);
    }
    const flat = Float64Array.from(parts.flat());
    if (s.normalize) {
      const n = Math.max(Math.hypot(...flat), 1e-12);
      for (let i = 0; i < flat.length; i++) flat[i] /= n;
    }
    return flat;
  });
  return { vectors, L };
}

/** Largest |ours - ref| over all vectors, and the bound it must meet. */
function compare(ours: Float32Array[], ref: Float64Array[], s: RefSpec): { worst: number; bound: number } {
  let worst = 0;
  let bound = 0;
  ours.forEach((v, b) => {
    expect(v.length).toBe(ref[b].length);
    for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i] - ref[b][i]));
    // sum/sqrt(n) scales the hidden states' error by sqrt(n) ≤ sqrt(maxLength); normalising divides it by the
    // norm before normalising (≥ 0.05 here: the assertion below keeps the bound meaningful); 2× for rounding
    const grow = s.modes.includes('mean_sqrt_len_tokens') ? Math.sqrt(s.maxLength) : 1;
    bound = Math.max(bound, 2 * HIDDEN_BOUND * grow);
  });
  return { worst, bound };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmbert-sentence-'));
  base = join(tmp, 'base');
  await synthesize('synthetic-tiny', base);
  weights = await readSafetensors(join(base, 'model.safetensors'));
  cfg = { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, hidden_act: 'gelu', layer_norm_eps: 1e-12 };
});

afterAll(async () => {
  for (const b of loaded) await b.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('sentence-transformers folders: Bert.load(folder) and embed follow their settings', () => {
  it.each(POOLING_MODES.map((m) => [m]))('pooling %s, max_seq_length 8, the query prompt, Normalize: float64 sentence-transformers within the bound', async (mode) => {
    const dir = stFolder(`st-${mode}`, { pooling: { ...poolingFlags([mode]), include_prompt: true }, sbert: { max_seq_length: 8, do_lower_case: false }, st: { prompts: PROMPTS, default_prompt_name: null } });
    const bert = await load(dir);
    expect(bert.sentence).toMatchObject({ pooling: [mode], maxSeqLength: 8, normalize: true, includePrompt: true, prompts: PROMPTS });
    const spec: RefSpec = { prompt: PROMPTS.query, maxLength: 8, includePrompt: true, modes: [mode], normalize: true };
    const ours = await bert.embed(TEXTS, { promptName: 'query' });
    const ref = reference(bert, TEXTS, spec);
    expect(ref.L).toBe(8); // the long text really was cut to max_seq_length
    const { worst, bound } = compare(ours, ref.vectors, spec);
    expect(worst, `${mode}: max abs error ${worst}`).toBeLessThanOrEqual(bound);
    // and the vectors are not those of another mode (the setting is honoured, not ignored)
    const other = reference(bert, TEXTS, { ...spec, modes: [mode === 'cls' ? 'mean' : 'cls'] });
    expect(compare(ours, other.vectors, spec).worst).toBeGreaterThan(100 * bound);
  });

  it('several modes at once are concatenated in Pooling.forward order; include_prompt false leaves [CLS] and the prompt out', async () => {
    const modes: PoolingMode[] = ['mean', 'max', 'cls'];
    const dir = stFolder('st-multi', { pooling: { ...poolingFlags(modes), include_prompt: false }, sbert: { max_seq_length: 16, do_lower_case: true }, st: { prompts: PROMPTS } });
    const bert = await load(dir);
    const spec: RefSpec = { prompt: PROMPTS.passage, maxLength: 16, includePrompt: false, modes, normalize: true, lower: true };
    const ours = await bert.embed(TEXTS, { promptName: 'passage' });
    expect(ours[0].length).toBe(3 * 32);
    const { worst, bound } = compare(ours, reference(bert, TEXTS, spec).vectors, spec);
    expect(worst).toBeLessThanOrEqual(bound);
    const withPrompt = reference(bert, TEXTS, { ...spec, includePrompt: true });
    expect(compare(ours, withPrompt.vectors, spec).worst).toBeGreaterThan(100 * bound);
  });

  it('options override the folder: pooling, normalize, maxLength, a literal prompt; default_prompt_name applies when none is given', async () => {
    const dir = stFolder('st-default-prompt', { pooling: poolingFlags(['cls']), sbert: { max_seq_length: 8 }, st: { prompts: PROMPTS, default_prompt_name: 'query' } });
    const bert = await load(dir);
    const byDefault = await bert.embed(TEXTS);
    const named = await bert.embed(TEXTS, { promptName: 'query' });
    const literal = await bert.embed(TEXTS, { prompt: 'query: ' });
    expect(byDefault).toEqual(named);
    expect(literal).toEqual(named);
    const spec: RefSpec = { prompt: '', maxLength: 24, includePrompt: true, modes: ['weightedmean'], normalize: false };
    const over = await bert.embed(TEXTS, { prompt: '', pooling: 'weightedmean', normalize: false, maxLength: 24 });
    const { worst, bound } = compare(over, reference(bert, TEXTS, spec).vectors, spec);
    expect(worst).toBeLessThanOrEqual(bound);
    await expect(bert.embed(TEXTS, { promptName: 'nope' })).rejects.toThrow(/promptName "nope" is not one of this model's prompts \(query, passage\)/);
    await expect(bert.embed(TEXTS, { pooling: 'median' as never })).rejects.toThrow(ModelError);
  });

  it('the settings ride in the .wbin header: convert writes them, openWbin reads them, Bert.load(.wbin) embeds the same', async () => {
    const dir = stFolder('st-wbin', { pooling: poolingFlags(['cls']), sbert: { max_seq_length: 8 }, st: { prompts: PROMPTS } });
    const out = join(tmp, 'st.wbin');
    await convertCheckpoint(dir, out);
    const src = fileSource(out);
    const f = await openWbin(src);
    expect(f.sentence).toEqual({ pooling: ['cls'], includePrompt: true, normalize: true, maxSeqLength: 8, doLowerCase: false, prompts: PROMPTS });
    await src.close?.();
    const a = await load(out);
    const b = await load(dir);
    expect(await a.embed(TEXTS, { promptName: 'query' })).toEqual(await b.embed(TEXTS, { promptName: 'query' }));
  });

  it('a plain Hugging Face folder: Bert.load converts it in memory; mean pooling, normalised, no sentence settings', async () => {
    const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`wasmbert-convert-${process.pid}-`));
    const bert = await load(base);
    expect(leftovers()).toEqual([]); // converted on the fly: no file kept
    expect(bert.sentence).toBeUndefined();
    const spec: RefSpec = { prompt: '', maxLength: 512, includePrompt: true, modes: ['mean'], normalize: true };
    // a plain BERT gets the texts as given (no strip): the reference's trim() is a no-op on these inputs
    const texts = TEXTS.slice(0, 2);
    const { worst, bound } = compare(await bert.embed(texts), reference(bert, texts, spec).vectors, spec);
    expect(worst).toBeLessThanOrEqual(bound);
  });

  it('settings wasmbert cannot honour are WeightsErrors naming the file', async () => {
    const dense = stFolder('st-dense', { modules: [{ idx: 0, path: '', type: 'sentence_transformers.models.Transformer' }, { idx: 1, path: '1_Pooling', type: 'sentence_transformers.models.Pooling' }, { idx: 2, path: '2_Dense', type: 'sentence_transformers.models.Dense' }] });
    await expect(Bert.load(dense)).rejects.toThrow(/modules\.json: module 2 is "sentence_transformers\.models\.Dense"/);
    const none = stFolder('st-nomode', { pooling: { ...poolingFlags([]), pooling_mode_mean_tokens: false } });
    const err = await Bert.load(none).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toMatch(/1_Pooling\/config\.json: every pooling_mode_\* is false/);
    const prompt = stFolder('st-badprompt', { st: { prompts: PROMPTS, default_prompt_name: 'document' } });
    await expect(Bert.load(prompt)).rejects.toThrow(/config_sentence_transformers\.json: default_prompt_name "document" is not one of the prompts/);
    await expect(Bert.load(join(tmp))).rejects.toThrow(/not a Hugging Face model folder/);
  });
});

describe('parseSentenceFiles: sentence-transformers defaults', () => {
  it('Pooling.__init__ defaults (mean, include_prompt true), the pooling_mode string, Normalize only when listed, nothing for a plain BERT', async () => {
    const { parseSentenceFiles } = await import('../src/sentence/config.js');
    expect(parseSentenceFiles({})).toBeUndefined();
    expect(parseSentenceFiles({ pooling: '{}' })).toEqual({ pooling: ['mean'], includePrompt: true, normalize: false, doLowerCase: false, prompts: {} });
    expect(parseSentenceFiles({ pooling: '{"pooling_mode": "LastToken"}' })!.pooling).toEqual(['lasttoken']);
    const noNorm = JSON.stringify([{ path: '', type: 'sentence_transformers.models.Transformer' }, { path: '1_Pooling', type: 'sentence_transformers.models.Pooling' }]);
    expect(parseSentenceFiles({ modules: noNorm })!.normalize).toBe(false);
    expect(() => parseSentenceFiles({ sentenceBertConfig: '{"max_seq_length": 1}' })).toThrow(WeightsError);
    expect(() => parseSentenceFiles({ pooling: '{"pooling_mode": "median"}' }, 'm')).toThrow(/m\/1_Pooling\/config\.json: pooling_mode "median" is not one of/);
  });
});

describe('embed calls at the same time', () => {
  it('Promise.all over embed on one model gives the vectors of one call after the other (passes do not interleave)', async () => {
    const bert = await load(base);
    const texts = ['while the river fox fox over by the dog', 'BERT while jumps while the by', 'a b c d e f g h i j k l m n o p', 'short'];
    const sequential: Float32Array[] = [];
    for (const t of texts) sequential.push((await bert.embed(t))[0]);
    const together = (await Promise.all(texts.map((t) => bert.embed(t)))).map((v) => v[0]);
    expect(together).toEqual(sequential);
  });
});
