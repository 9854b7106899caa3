// wasmbert tokenize --vocab <vocab.txt | tokenizer.json | model folder>
// JSONL in (stdin), one JSON line out per input line (stdout). See usage() for the format.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { BertTokenizer, TokenizerError, type TruncationStrategy } from '../tokenizer/index.js';

function usage(): string {
  return `usage: wasmbert tokenize --vocab <vocab.txt | tokenizer.json | model folder>

Reads JSON lines on stdin, one object per line:
  {"text": string, "text_pair"?: string, "max_length"?: number,
   "truncation"?: "longest_first" | "only_first" | "only_second"}
and writes one JSON line per input line on stdout, in the same order:
  {"input_ids": [...], "token_type_ids": [...], "tokens": [...], "offsets": [[start, end], ...]}
Offsets are [start, end) in UTF-16 code units of "text" (type id 0) or "text_pair" (type id 1), as JavaScript
string indices; [0, 0] for the added [CLS]/[SEP]. Without "max_length" nothing is truncated; with it, truncation
is "longest_first" unless "truncation" says otherwise ("max_length" counts [CLS]/[SEP]).

A line that cannot be tokenized (not JSON, no string "text", a refused truncation, ...) gives
  {"error": "<message>", "line": <line number>}
in its place and the exit code is 1 once all input is read. Blank lines are skipped. Exit code 2: bad arguments
or an unreadable vocabulary.

A folder is read like Hugging Face does: tokenizer.json (else vocab.txt), with tokenizer_config.json applied
(do_lower_case, strip_accents, tokenize_chinese_chars, special tokens, model_max_length).
`;
}

export interface TokenizeIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

const STRATEGIES = new Set(['longest_first', 'only_first', 'only_second']);

function encodeLine(tok: BertTokenizer, line: string): string {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch (err) {
    throw new TokenizerError(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new TokenizerError('expected a JSON object with "text"');
  const r = req as Record<string, unknown>;
  if (typeof r.text !== 'string') throw new TokenizerError(`"text" must be a string, got ${r.text === undefined ? 'nothing' : JSON.stringify(r.text)}`);
  if (r.text_pair !== undefined && r.text_pair !== null && typeof r.text_pair !== 'string') throw new TokenizerError('"text_pair" must be a string');
  let opts = {};
  if (r.max_length !== undefined && r.max_length !== null) {
    if (!Number.isInteger(r.max_length)) throw new TokenizerError(`"max_length" must be an integer, got ${JSON.stringify(r.max_length)}`);
    const truncation = (r.truncation ?? 'longest_first') as TruncationStrategy;
    if (!STRATEGIES.has(truncation)) throw new TokenizerError(`"truncation" must be one of longest_first, only_first, only_second, got ${JSON.stringify(r.truncation)}`);
    opts = { maxLength: r.max_length as number, truncation };
  } else if (r.truncation !== undefined && r.truncation !== null) {
    throw new TokenizerError('"truncation" needs "max_length" (without it nothing is truncated)');
  }
  const enc = tok.encode(r.text, (r.text_pair as string | null | undefined) ?? undefined, opts);
  return JSON.stringify({ input_ids: enc.inputIds, token_type_ids: enc.tokenTypeIds, tokens: enc.tokens, offsets: enc.offsets });
}

export async function main(argv: string[], io: TokenizeIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let vocab: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      io.stdout.write(usage());
      return 0;
    } else if (a === '--vocab') {
      vocab = argv[++i];
    } else if (a.startsWith('--vocab=')) {
      vocab = a.slice('--vocab='.length);
    } else {
      io.stderr.write(`wasmbert tokenize: unknown argument "${a}" (wasmbert tokenize --help for usage)\n`);
      return 2;
    }
  }
  if (!vocab) {
    io.stderr.write(`wasmbert tokenize: --vocab <vocab.txt | folder> is required (wasmbert tokenize --help for usage)\n`);
    return 2;
  }
  let tok: BertTokenizer;
  try {
    tok = await BertTokenizer.fromFolder(vocab);
  } catch (err) {
    if (!(err instanceof TokenizerError)) throw err;
    io.stderr.write(`wasmbert tokenize: ${err.message}\n`);
    return 2;
  }

  let failed = 0;
  let lineNo = 0;
  let buf = '';
  // Batch writes (one write per line is slow) and respect back-pressure so a slow reader bounds memory.
  const flush = async () => {
    if (!buf) return;
    const ok = io.stdout.write(buf);
    buf = '';
    if (!ok) await new Promise<void>((resolve) => io.stdout.once('drain', () => resolve()));
  };
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    try {
      buf += encodeLine(tok, line) + '\n';
    } catch (err) {
      if (!(err instanceof TokenizerError)) throw err;
      failed++;
      buf += JSON.stringify({ error: err.message, line: lineNo }) + '\n';
    }
    if (buf.length > 1 << 16) await flush();
  }
  await flush();
  if (failed) io.stderr.write(`wasmbert tokenize: ${failed} of the input lines failed (see the "error" lines)\n`);
  return failed ? 1 : 0;
}
