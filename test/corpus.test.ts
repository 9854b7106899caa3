// `wasmbert embed --input … --output …` as a user runs it (dist/, built by `npm test`'s pretest), on
// synthetic-tiny: every output format, bad rows, the progress line, and the interruption test — a run
// killed (SIGKILL) halfway, a torn append left behind, then run again, must give the very bytes of an
// uninterrupted run, with nothing under the output's name in between.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bert } from '../src/model/bert.js';
import { ensureSynthetic } from '../src/weights/cache.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { ROOT } from './shared.js';

const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const cli = (args: string[], input?: string) => spawnSync(process.execPath, [MAIN, 'embed', ...args], { encoding: 'utf8', timeout: 120_000, input });

let tmp: string;
let corpus: string;
let texts: { line: number; text: string }[];
const ROWS = 1200;
const BAD = new Map([[17, 'not json'], [40, '{"x": 1}'], [99, '{"text": 5}']]);

beforeAll(async () => {
  await ensureSynthetic('synthetic-tiny');
  tmp = mkdtempSync(join(tmpdir(), 'wasmbert-corpus-'));
  corpus = join(tmp, 'corpus.jsonl');
  const words = 'the quick brown fox jumps over a lazy dog by the river bank while BERT reads every token of the sentence'.split(' ');
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const lines: string[] = [];
  texts = [];
  for (let i = 1; i <= ROWS; i++) {
    if (BAD.has(i)) {
      lines.push(BAD.get(i)!);
      continue;
    }
    const text = Array.from({ length: 1 + rnd(i % 10 === 0 ? 200 : 30) }, () => words[rnd(words.length)]).join(' ');
    texts.push({ line: i, text });
    lines.push(JSON.stringify({ id: i, text }));
  }
  writeFileSync(corpus, lines.join('\n') + '\n');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base = ['--model', 'synthetic-tiny', '--threads', '1', '--window', '64', '--input'];

describe('embed --input/--output: a corpus in, vectors out', () => {
  it('writes .jsonl, .npy and .safetensors in input order, bad rows reported by line and left out; vectors are embed()\'s', async () => {
    const r = cli([...base, corpus, '--output', join(tmp, 'a.jsonl')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/line 17: not JSON .*\(left out\)/);
    expect(r.stderr).toMatch(/line 40: no "text" field/);
    expect(r.stderr).toMatch(/line 99: "text" is not a string/);
    expect(r.stderr).not.toMatch(/rows\/s/); // piped: no progress line
    const records = readFileSync(join(tmp, 'a.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; embedding: number[] });
    expect(records.map((x) => x.line)).toEqual(texts.map((t) => t.line));
    // the same vectors as one embed() call per text (batching and length sorting change nothing beyond rounding)
    const { wbin } = await ensureSynthetic('synthetic-tiny');
    const bert = await Bert.load(wbin, { threads: 1 });
    try {
      const pick = [0, 1, 9, 500, texts.length - 1];
      const ref = await Promise.all(pick.map(async (i) => (await bert.embed(texts[i].text))[0]));
      let worst = 0;
      pick.forEach((i, j) => records[i].embedding.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - ref[j][k])))));
      expect(worst).toBeLessThanOrEqual(1e-6); // float32 rounding of other summation orders at most
    } finally {
      await bert.dispose();
    }
    expect(cli([...base, corpus, '--output', join(tmp, 'a.npy')]).status).toBe(0);
    const npy = readFileSync(join(tmp, 'a.npy'));
    const hl = npy.readUInt16LE(8);
    expect(npy.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    expect(npy.subarray(10, 10 + hl).toString()).toMatch(new RegExp(`'descr': '<f4', 'fortran_order': False, 'shape': \\(${texts.length}, 32\\)`));
    expect((10 + hl) % 64).toBe(0);
    const m = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + hl, npy.byteOffset + npy.length));
    expect(m.length).toBe(texts.length * 32);
    expect(Array.from(m.subarray(32 * 500, 32 * 501))).toEqual(records[500].embedding);
    expect(cli([...base, corpus, '--output', join(tmp, 'a.safetensors')]).status).toBe(0);
    const st = await readSafetensors(join(tmp, 'a.safetensors'));
    expect(st.get('embeddings')!.shape).toEqual([texts.length, 32]);
    expect(Array.from(st.get('lines')!.data)).toEqual(texts.map((t) => t.line));
    expect(Array.from(st.get('embeddings')!.data.subarray(32 * 7, 32 * 8))).toEqual(records[7].embedding);
  });

  it.each([['jsonl'], ['npy'], ['safetensors']])('killed halfway (.%s), a torn append left behind, run again: byte-identical to an uninterrupted run', async (ext) => {
    const whole = join(tmp, `a.${ext}`);
    if (!existsSync(whole)) expect(cli([...base, corpus, '--output', whole]).status).toBe(0);
    const out = join(tmp, `killed.${ext}`);
    const journal = `${out}.journal`;
    const child = spawn(process.execPath, [MAIN, 'embed', ...base, corpus, '--output', out], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    // kill it once at least one window is committed and before the last
    let rowsAtKill = 0;
    for (let i = 0; i < 6000 && child.exitCode === null; i++) {
      try {
        rowsAtKill = (JSON.parse(readFileSync(journal, 'utf8')) as { rows: number }).rows;
      } catch {
        rowsAtKill = 0;
      }
      if (rowsAtKill >= 64) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    expect(rowsAtKill, 'the run was interrupted after its first window').toBeGreaterThanOrEqual(64);
    expect(rowsAtKill).toBeLessThan(texts.length);
    expect(existsSync(out), 'nothing under the final name before the run completes').toBe(false);
    appendFileSync(`${out}.partial`, Buffer.from('{"line":9999,"embedd')); // a torn append past the last commit
    const r = cli([...base, corpus, '--output', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming .*: \d+ of 1197 rows already done/);
    expect(readFileSync(out).equals(readFileSync(whole))).toBe(true);
    expect(existsSync(journal) || existsSync(`${out}.partial`)).toBe(false);
  });

  it('--strict stops at the first bad row with nothing written; a finished output is not overwritten unasked; stdin; --progress', () => {
    const out = join(tmp, 'strict.jsonl');
    const s = cli([...base, corpus, '--output', out, '--strict']);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/CorpusError: .*line 17: not JSON.*--strict: nothing written/);
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
    const again = cli([...base, corpus, '--output', join(tmp, 'a.jsonl')]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/a\.jsonl: already exists .*--overwrite/);
    const lines = join(tmp, 'stdin.jsonl');
    const p = cli(['--model', 'synthetic-tiny', '--threads', '1', '--input', '-', '--output', lines, '--progress'], 'hello world\nsecond line\n');
    expect(p.status, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/embed 2\/2 rows {2}\d+ rows\/s {2}\d+ tokens\/s {2}done in 0:\d\d/);
    expect(readFileSync(lines, 'utf8').trim().split('\n').map((l) => JSON.parse(l).line)).toEqual([1, 2]);
    expect(cli([...base, corpus, '--output', join(tmp, 'x.csv')]).stderr).toMatch(/extension must be \.jsonl, \.npy or \.safetensors/);
  });
});
