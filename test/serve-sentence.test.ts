// A sentence-transformers model served: createEmbeddingHandler must give bert.embed's bits, with the model's
// own settings (1_Pooling's mode and include_prompt, Normalize, max_seq_length, prompts, do_lower_case) as
// the defaults and the request's fields (prompt_name, normalize, truncate) over them — the handler pools
// with bert.embed's plan and poolRow, not a pooling of its own. /info reports what the model really uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bert } from '../src/model/bert.js';
import { synthesize } from '../src/weights/synth.js';
import { createEmbeddingHandler } from '../src/serve/handler.js';
import type { PoolingMode } from '../src/sentence/config.js';

const TEXTS = ['The quick brown fox jumps over the lazy dog near the river bank today.', 'Short one.', '  Padded TEXT with Caps  '];
const PROMPTS = { query: 'query: ', passage: 'passage: ' };

let tmp: string;
let base: string;
const loaded: Bert[] = [];

/** A sentence-transformers folder (as test/sentence.test.ts builds them): synthetic-tiny plus the settings files. */
function stFolder(name: string, modes: PoolingMode[], files: { includePrompt?: boolean; normalize?: boolean; sbert?: object; st?: object }): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']) copyFileSync(join(base, f), join(dir, f));
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ...(files.normalize === false ? [] : [{ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' }]),
  ];
  writeFileSync(join(dir, 'modules.json'), JSON.stringify(modules));
  const flags = {
    pooling_mode_cls_token: modes.includes('cls'),
    pooling_mode_max_tokens: modes.includes('max'),
    pooling_mode_mean_tokens: modes.includes('mean'),
    pooling_mode_mean_sqrt_len_tokens: modes.includes('mean_sqrt_len_tokens'),
    pooling_mode_weightedmean_tokens: modes.includes('weightedmean'),
    pooling_mode_lasttoken: modes.includes('lasttoken'),
  };
  writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 32, ...flags, include_prompt: files.includePrompt ?? true }));
  if (files.sbert) writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify(files.sbert));
  if (files.st) writeFileSync(join(dir, 'config_sentence_transformers.json'), JSON.stringify(files.st));
  return dir;
}

async function load(dir: string): Promise<Bert> {
  const b = await Bert.load(dir, { threads: 1 });
  loaded.push(b);
  return b;
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const x = Buffer.from(new Float32Array(Array.from(a)).buffer);
  const y = Buffer.from(new Float32Array(Array.from(b)).buffer);
  return a.length === b.length && x.equals(y);
}
const allSame = (got: number[][], want: ArrayLike<number>[]) => got.length === want.length && got.every((g, i) => sameBits(g, want[i]));

const post = (path: string, body: unknown) => new Request(`http://localhost${path}`, { method: 'POST', body: JSON.stringify(body) });
const openai = async (h: (r: Request) => Promise<Response>, body: object): Promise<number[][]> => {
  const res = await h(post('/v1/embeddings', body));
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { embedding: number[] }[] }).data.map((d) => d.embedding);
};
const tei = async (h: (r: Request) => Promise<Response>, body: object): Promise<number[][]> => {
  const res = await h(post('/embed', body));
  expect(res.status).toBe(200);
  return (await res.json()) as number[][];
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wasmbert-serve-sentence-'));
  base = join(tmp, 'base');
  await synthesize('synthetic-tiny', base);
});

afterAll(async () => {
  for (const b of loaded) await b.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a sentence-transformers model served: bert.embed\'s bits, its settings as defaults', () => {
  it('CLS pooling, max_seq_length 8, a query prompt, Normalize: /v1/embeddings and TEI /embed with prompt_name', async () => {
    const bert = await load(stFolder('st-cls', ['cls'], { sbert: { max_seq_length: 8, do_lower_case: false }, st: { prompts: PROMPTS, default_prompt_name: null } }));
    const h = createEmbeddingHandler(bert, { maxWaitMs: 20 });
    const info = (await (await h(new Request('http://localhost/info'))).json()) as { model_type: { embedding: { pooling: string } }; max_input_length: number };
    expect(info.model_type.embedding.pooling).toBe('cls');
    expect(info.max_input_length).toBe(8);
    // max_seq_length is the limit: a longer input without truncate is refused, with truncate cut as bert.embed cuts it
    expect((await h(post('/embed', { inputs: TEXTS[0] }))).status).toBe(413);
    expect(allSame(await openai(h, { input: TEXTS, truncate: true }), await bert.embed(TEXTS))).toBe(true);
    const query = await bert.embed(TEXTS, { promptName: 'query' });
    expect(allSame(await openai(h, { input: TEXTS, truncate: true, prompt_name: 'query' }), query)).toBe(true);
    expect(allSame(await tei(h, { inputs: TEXTS, truncate: true, prompt_name: 'query' }), query)).toBe(true);
    expect(allSame(await tei(h, { inputs: TEXTS, truncate: true, prompt_name: 'query', normalize: false }), await bert.embed(TEXTS, { promptName: 'query', normalize: false }))).toBe(true);
    // the prompt really changes the CLS vector (it is not ignored)
    expect(allSame(await tei(h, { inputs: TEXTS, truncate: true }), query)).toBe(false);
    const bad = await h(post('/embed', { inputs: 'x', prompt_name: 'nope' }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/query, passage/);
  });

  it('max pooling, no Normalize, default_prompt_name, do_lower_case: the model\'s defaults; concurrent requests with different options batched, each its own bits', async () => {
    const bert = await load(stFolder('st-max', ['max'], { normalize: false, sbert: { max_seq_length: 16, do_lower_case: true }, st: { prompts: PROMPTS, default_prompt_name: 'query' } }));
    const h = createEmbeddingHandler(bert, { maxWaitMs: 50 });
    const info = (await (await h(new Request('http://localhost/info'))).json()) as { model_type: { embedding: { pooling: string } }; max_input_length: number };
    expect(info.model_type.embedding.pooling).toBe('max');
    expect(info.max_input_length).toBe(16);
    const [dflt, passage, normed] = await Promise.all([
      tei(h, { inputs: TEXTS, truncate: true }),
      openai(h, { input: TEXTS, truncate: true, prompt_name: 'passage' }),
      tei(h, { inputs: TEXTS, truncate: true, normalize: true }),
    ]);
    expect(allSame(dflt, await bert.embed(TEXTS))).toBe(true);
    expect(allSame(passage, await bert.embed(TEXTS, { promptName: 'passage' }))).toBe(true);
    expect(allSame(normed, await bert.embed(TEXTS, { normalize: true }))).toBe(true);
    expect(allSame(dflt, normed)).toBe(false); // no Normalize module: the default really is unnormalised
  });

  it('several modes with include_prompt false; the handler\'s pooling option overrides the model\'s', async () => {
    const bert = await load(stFolder('st-multi', ['mean', 'max'], { includePrompt: false, sbert: { max_seq_length: 16 }, st: { prompts: PROMPTS } }));
    const h = createEmbeddingHandler(bert);
    const info = (await (await h(new Request('http://localhost/info'))).json()) as { model_type: { embedding: { pooling: string } } };
    expect(info.model_type.embedding.pooling).toBe('max+mean');
    const got = await openai(h, { input: TEXTS, truncate: true, prompt_name: 'passage' });
    expect(got[0].length).toBe(64);
    expect(allSame(got, await bert.embed(TEXTS, { promptName: 'passage' }))).toBe(true);
    const shorter = await openai(h, { input: TEXTS, truncate: true, dimensions: 40 });
    expect(shorter[0].length).toBe(40);
    const weighted = createEmbeddingHandler(bert, { pooling: 'weightedmean' });
    expect(allSame(await tei(weighted, { inputs: TEXTS, truncate: true, prompt_name: 'passage' }), await bert.embed(TEXTS, { pooling: 'weightedmean', promptName: 'passage' }))).toBe(true);
  });
});
