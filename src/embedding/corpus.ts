// A whole corpus in, one vector per row out, in input order (`wasmbert embed --input … --output …`; Node).
//
// Rows are read whole (JSONL with --field, or one text per line), tokenized once, and processed in windows
// of --window rows (input order); inside a window, rows are sorted by length and cut into batches of at
// most --token-budget tokens, so that one forward pass carries similar lengths. Each finished window is
// appended to `<output>.partial` and made durable (fsync), then `<output>.journal` records how far the
// run got (written to a temporary name and renamed: it is either the old or the new one). A rerun after
// an interruption truncates `.partial` to the journal's length (a torn append is dropped) and goes on
// with the next window; windows are the same rows in every run, so the result is byte for byte that of
// an uninterrupted run. The output appears under its own name only when complete (rename).
//
// Output formats, by extension: .jsonl (one {"line", "embedding"} record per row), .npy (float32 [rows,
// dim], C order), .safetensors ("embeddings" F32 [rows, dim] and "lines" I32 [rows]: each row's input
// line number). Bad rows (not JSON, no such field, not a string) are reported with their line number and
// left out, unless --strict.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { ModelError, WasmbertError } from '../errors.js';
import { embedPlan, poolRow, type EmbedModel, type EmbedOptions, type EmbedPlan } from './embed.js';

/** A corpus run's failures: the file or line and what was wrong. */
export class CorpusError extends WasmbertError {}

export type OutputFormat = 'jsonl' | 'npy' | 'safetensors';

export interface CorpusOptions {
  input: string;
  output: string;
  /** JSONL: the text field (default "text") */
  field?: string;
  /** 'jsonl' | 'lines' (default: .jsonl/.ndjson → jsonl; '-' → jsonl when field is given, else lines) */
  inputFormat?: 'jsonl' | 'lines';
  /** stop at the first bad row (default: report it, leave it out, go on) */
  strict?: boolean;
  /** most tokens in one forward pass (default 4096) */
  tokenBudget?: number;
  /** rows per window: the unit of ordering, writing and resuming (default 2048) */
  window?: number;
  /** replace a finished output or another run's journal */
  overwrite?: boolean;
  embed?: EmbedOptions;
  /** identifies the model in the journal (a resumed run must use the same one) */
  modelLabel: string;
  /** a progress line on stderr (default: when stderr is a terminal) */
  progress?: boolean;
  /** where messages and bad rows go (default stderr) */
  log?: (line: string) => void;
  /** stdin's bytes for input '-' (default: read process.stdin) */
  stdin?: () => Promise<Uint8Array>;
}

export interface CorpusReport {
  rows: number;
  bad: number;
  tokens: number;
  /** rows already done by an earlier, interrupted run */
  resumedRows: number;
  seconds: number;
  dim: number;
}

interface Row {
  line: number;
  text: string;
}

/** The rows of a corpus, and what was wrong with the others. */
export function parseCorpus(bytes: Uint8Array, format: 'jsonl' | 'lines', field: string): { rows: Row[]; bad: { line: number; reason: string }[] } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes); // bad bytes become U+FFFD; the rows stay where they are
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // a final newline ends the last row, it starts none
  const rows: Row[] = [];
  const bad: { line: number; reason: string }[] = [];
  lines.forEach((raw, i) => {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const line = i + 1;
    if (format === 'lines') {
      rows.push({ line, text: l });
      return;
    }
    if (l.trim() === '') {
      bad.push({ line, reason: 'empty line' });
      return;
    }
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (err) {
      bad.push({ line, reason: `not JSON (${(err as Error).message})` });
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad.push({ line, reason: 'not a JSON object' });
    else if (!(field in v)) bad.push({ line, reason: `no "${field}" field` });
    else if (typeof (v as Record<string, unknown>)[field] !== 'string') bad.push({ line, reason: `"${field}" is not a string` });
    else rows.push({ line, text: (v as Record<string, string>)[field] });
  });
  return { rows, bad };
}

/** The format of an output path, from its extension. */
export function outputFormat(path: string): OutputFormat {
  if (/\.jsonl$|\.ndjson$/i.test(path)) return 'jsonl';
  if (/\.npy$/i.test(path)) return 'npy';
  if (/\.safetensors$/i.test(path)) return 'safetensors';
  throw new CorpusError(`${path}: the output's extension must be .jsonl, .npy or .safetensors`);
}

// .npy and .safetensors begin with a header that holds the row count, known only at the end: the first
// bytes are reserved (RESERVED) and rewritten when the run completes; both formats allow padding spaces.
const RESERVED = 256;

function npyHeader(rows: number, dim: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const pre = 10; // magic (6) + version (2) + header length (2)
  const body = dict.padEnd(RESERVED - pre - 1, ' ') + '\n';
  const out = new Uint8Array(RESERVED);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, body.length, true);
  out.set(new TextEncoder().encode(body), pre);
  return out;
}

function safetensorsHeader(rows: number, dim: number): Uint8Array {
  const eBytes = rows * dim * 4;
  const json = JSON.stringify({
    embeddings: { dtype: 'F32', shape: [rows, dim], data_offsets: [0, eBytes] },
    lines: { dtype: 'I32', shape: [rows], data_offsets: [eBytes, eBytes + rows * 4] },
  });
  const out = new Uint8Array(RESERVED);
  new DataView(out.buffer).setBigUint64(0, BigInt(RESERVED - 8), true);
  out.set(new TextEncoder().encode(json.padEnd(RESERVED - 8, ' ')), 8);
  return out;
}

interface Journal {
  /** what this run is: input bytes, options, model — a rerun resumes only the same run */
  key: string;
  /** good rows done (whole windows) */
  rows: number;
  /** committed length of .partial (bytes) */
  bytes: number;
  tokens: number;
  dim: number;
}

const sha256 = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

/** Runs a corpus through the model; see the file's comment. */
export async function embedCorpus(bert: EmbedModel, o: CorpusOptions): Promise<CorpusReport> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const format = outputFormat(o.output);
  const field = o.field ?? 'text';
  const inputFormat = o.inputFormat ?? (o.input === '-' ? (o.field ? 'jsonl' : 'lines') : /\.(jsonl|ndjson)$/i.test(o.input) ? 'jsonl' : 'lines');
  const budget = o.tokenBudget ?? 4096;
  const window = o.window ?? 2048;
  if (!Number.isInteger(budget) || budget < 1) throw new CorpusError(`--token-budget must be a positive integer (got ${budget})`);
  if (!Number.isInteger(window) || window < 1) throw new CorpusError(`--window must be a positive integer (got ${window})`);

  let bytes: Uint8Array;
  if (o.input === '-') bytes = await (o.stdin ?? readStdin)();
  else {
    try {
      bytes = await readFile(o.input);
    } catch (err) {
      throw new CorpusError(`${o.input}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
  }
  const inputName = o.input === '-' ? 'stdin' : o.input;
  const { rows, bad } = parseCorpus(bytes, inputFormat, field);
  for (const b of bad.slice(0, 20)) log(`wasmbert embed: ${inputName}: line ${b.line}: ${b.reason}${o.strict ? '' : ' (left out)'}`);
  if (bad.length > 20) log(`wasmbert embed: ${inputName}: ${bad.length - 20} more bad rows (left out)`);
  if (bad.length && o.strict) throw new CorpusError(`${inputName}: line ${bad[0].line}: ${bad[0].reason} (--strict: nothing written)`);

  const plan = embedPlan(bert, o.embed);
  const H = bert.config.hidden_size;
  const dim = H * plan.modes.length;

  const partial = `${o.output}.partial`;
  const journalPath = `${o.output}.journal`;
  const key = sha256(JSON.stringify({ input: sha256(bytes), inputFormat, field, format, window, model: o.modelLabel, config: bert.config, sentence: bert.sentence, plan: { ...plan, prepare: undefined }, v: 1 }));
  let journal: Journal | undefined;
  if (existsSync(journalPath)) {
    try {
      journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
    } catch {
      journal = undefined;
    }
    if (journal && journal.key === key && !existsSync(partial) && existsSync(o.output)) {
      // the run finished (renamed its output) but stopped before removing the journal
      await rm(journalPath, { force: true });
      log(`wasmbert embed: ${o.output} was already complete`);
      return { rows: rows.length, bad: bad.length, tokens: journal.tokens, resumedRows: rows.length, seconds: 0, dim: journal.dim };
    }
    if (journal && (journal.key !== key || !existsSync(partial) || (await stat(partial)).size < journal.bytes)) {
      if (!o.overwrite) {
        throw new CorpusError(`${journalPath}: left by a run with another input, model or options${journal.key === key ? ' (its .partial is missing or short)' : ''}: pass --overwrite to start again, or another --output`);
      }
      journal = undefined;
    }
  } else if (existsSync(o.output) && !o.overwrite) {
    throw new CorpusError(`${o.output}: already exists (a finished run): pass --overwrite to replace it`);
  }
  const resumedRows = journal?.rows ?? 0;
  if (journal) log(`wasmbert embed: resuming ${o.output}: ${journal.rows} of ${rows.length} rows already done`);
  const head = format === 'npy' ? npyHeader(0, dim) : format === 'safetensors' ? safetensorsHeader(0, dim) : new Uint8Array(0);
  journal ??= { key, rows: 0, bytes: head.length, tokens: 0, dim };

  const fh = await open(partial, journal.rows === 0 ? 'w' : 'r+').catch((err: NodeJS.ErrnoException) => {
    throw new CorpusError(`${partial}: cannot write (${err.code ?? err.message})`, { cause: err });
  });
  let tokens = journal.tokens;
  const resumedTokens = journal.tokens;
  const t0 = performance.now();
  const progress = o.progress ?? !!process.stderr.isTTY;
  let lastDraw = 0;
  // the ETA goes by characters, known for every row up front: rows are done longest first in each window,
  // so a rate in rows would promise too much at the start of a window and too little at its end
  const charsBefore = new Float64Array(rows.length + 1);
  rows.forEach((r, i) => (charsBefore[i + 1] = charsBefore[i] + r.text.length + 1));
  let charsDone = 0;
  const draw = (doneRows: number, final = false) => {
    if (!progress) return;
    const now = performance.now();
    if (!final && now - lastDraw < 200) return;
    lastDraw = now;
    const s = (now - t0) / 1000;
    const newRows = doneRows - resumedRows;
    const rps = newRows / Math.max(s, 1e-9);
    const tps = (tokens - resumedTokens) / Math.max(s, 1e-9);
    const cps = charsDone / Math.max(s, 1e-9);
    const eta = cps > 0 ? (charsBefore[rows.length] - charsBefore[resumedRows] - charsDone) / cps : NaN;
    const fmtT = (x: number) => (Number.isFinite(x) ? `${Math.floor(x / 60)}:${String(Math.floor(x % 60)).padStart(2, '0')}` : '?');
    process.stderr.write(`\r\x1b[2Kembed ${doneRows.toLocaleString('en-US')}/${rows.length.toLocaleString('en-US')} rows  ${rps.toFixed(0)} rows/s  ${tps.toFixed(0)} tokens/s  ${final ? `done in ${fmtT(s)}` : `ETA ${fmtT(eta)}`}${final ? '\n' : ''}`);
  };
  try {
    if (journal.rows === 0) {
      await fh.truncate(0);
      await fh.write(head, 0, head.length, 0);
    } else await fh.truncate(journal.bytes); // a torn append after the last commit is dropped
    for (let w = journal.rows; w < rows.length; w += window) {
      const slice = rows.slice(w, Math.min(w + window, rows.length));
      const vectors = await embedWindow(bert, plan, slice, budget, (n) => {
        tokens += n;
      }, (done, chars) => {
        charsDone += chars;
        draw(w + done);
      });
      const out = encodeWindow(format, slice, vectors, dim);
      await fh.write(out, 0, out.length, journal.bytes);
      await fh.sync();
      journal = { ...journal, rows: w + slice.length, bytes: journal.bytes + out.length, tokens };
      const tmp = `${journalPath}.tmp`;
      await writeFile(tmp, JSON.stringify(journal));
      await rename(tmp, journalPath);
      draw(journal.rows);
    }
    // finish: the header with the real row count (.npy, .safetensors) and the lines tensor (.safetensors)
    if (format === 'npy') await fh.write(npyHeader(rows.length, dim), 0, RESERVED, 0);
    if (format === 'safetensors') {
      const l = new Uint8Array(Int32Array.from(rows, (r) => r.line).buffer);
      await fh.write(l, 0, l.length, journal.bytes);
      await fh.truncate(journal.bytes + l.length);
      await fh.write(safetensorsHeader(rows.length, dim), 0, RESERVED, 0);
    }
    await fh.sync();
    await fh.close();
    await rename(partial, o.output);
    await rm(journalPath, { force: true });
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
  draw(rows.length, true);
  return { rows: rows.length, bad: bad.length, tokens, resumedRows, seconds: (performance.now() - t0) / 1000, dim };
}

/** One window: tokenized, sorted by length, batched by the token budget, pooled; vectors in the window's order. */
async function embedWindow(bert: EmbedModel, plan: EmbedPlan, slice: Row[], budget: number, addTokens: (n: number) => void, onRows: (done: number, chars: number) => void): Promise<Float32Array[]> {
  const H = bert.config.hidden_size;
  const enc = slice.map((r) => bert.tokenizer.encode(plan.prepare(plan.prompt + r.text), undefined, { truncation: 'longest_first', maxLength: plan.maxLength }));
  // longest first, ties in input order: the same batches in every run
  const order = enc.map((_, i) => i).sort((a, b) => enc[b].inputIds.length - enc[a].inputIds.length || a - b);
  const vectors = new Array<Float32Array>(slice.length);
  let done = 0;
  for (let s = 0; s < order.length; ) {
    let e = s;
    let sum = 0;
    while (e < order.length && (e === s || sum + enc[order[e]].inputIds.length <= budget)) sum += enc[order[e++]].inputIds.length;
    const batch = order.slice(s, e);
    const L = enc[batch[0]].inputIds.length; // the longest: sorted
    const pad = (a: number[], v: number) => (a.length === L ? a : a.concat(new Array<number>(L - a.length).fill(v)));
    const input = {
      inputIds: batch.map((i) => pad(enc[i].inputIds, bert.tokenizer.padId ?? 0)),
      tokenTypeIds: batch.map((i) => pad(enc[i].tokenTypeIds, 0)),
      attentionMask: batch.map((i) => pad(enc[i].attentionMask, 0)),
    };
    const res = await bert.forward(input);
    batch.forEach((i, b) => {
      const v = new Float32Array(H * plan.modes.length);
      poolRow(plan, res.lastHiddenState.data, res.pooler?.data, b, L, H, input.attentionMask[b], v);
      vectors[i] = v;
    });
    addTokens(sum);
    done += batch.length;
    onRows(done, batch.reduce((a, i) => a + slice[i].text.length + 1, 0));
    s = e;
  }
  if (vectors.some((v) => !v)) throw new ModelError('internal: a row of the window was not embedded');
  return vectors;
}

function encodeWindow(format: OutputFormat, slice: Row[], vectors: Float32Array[], dim: number): Uint8Array {
  if (format === 'jsonl') {
    return new TextEncoder().encode(slice.map((r, i) => `{"line":${r.line},"embedding":${JSON.stringify(Array.from(vectors[i]))}}\n`).join(''));
  }
  const out = new Float32Array(slice.length * dim);
  vectors.forEach((v, i) => out.set(v, i * dim));
  const b = new Uint8Array(out.buffer);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new CorpusError('big-endian hosts cannot write little-endian .npy/.safetensors yet');
  return b;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

