// wasmbert embed [--model …] [options] "text" …             one JSON vector per text on stdout
// wasmbert embed [--model …] --input <corpus> --output <file>  a whole corpus (src/embedding/corpus.ts)
import type { EmbedOptions } from '../embedding/embed.js';
import { embedCorpus } from '../embedding/corpus.js';
import { loadModelArg } from './model-arg.js';
import { checkOutputFile, parseCommandArgs, UsageError } from './args.js';

const USAGE = `usage: wasmbert embed [--model M] [options] "text" ["text" …]
       wasmbert embed [--model M] [options] --input <corpus.jsonl | lines.txt | -> --output <vectors.jsonl | .npy | .safetensors>

Sentence embeddings the way sentence-transformers computes them. The model's own settings (a
sentence-transformers folder's pooling, Normalize, max_seq_length, prompts) are the defaults; the options
below override them. A plain BERT: mean over valid tokens, L2-normalised.

  --model M             a .wbin, a Hugging Face folder (converted once, cached), a hub repo id (org/name:
                        pulled and converted once per revision), or synthetic-base (default) / synthetic-tiny
  --revision R          hub revision (default main)
  --pooling P           mean | cls | max | mean_sqrt_len_tokens | weightedmean | lasttoken | pooler
  --no-normalize        leave the vectors as pooled
  --normalize           L2-normalise (a model without a Normalize module too)
  --max-length N        truncate to N tokens
  --prompt-name NAME    one of the model's prompts (config_sentence_transformers.json), e.g. query
  --prompt TEXT         a prompt text put before every text
  --threads N           threads (default: all cores)

Corpus mode:
  --input F             JSONL (.jsonl/.ndjson: the text in --field), else one text per line; - reads stdin
  --output F            .jsonl ({"line", "embedding"} per row), .npy (float32 [rows, dim]) or .safetensors
                        ("embeddings" [rows, dim] and "lines": each row's input line); rows in input order
  --field NAME          JSONL text field (default text)
  --strict              stop at the first bad row (default: report its line number, leave it out)
  --token-budget N      most tokens per forward pass (default 4096)
  --window N            rows per ordered, resumable window (default 2048)
  --overwrite           replace a finished output (or an unrelated run's journal)
  --progress / --no-progress   the progress line (default: when stderr is a terminal)
An interrupted run resumes where it stopped when run again with the same arguments: the finished output
is byte for byte that of an uninterrupted run, and appears only when complete.
`;

export async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, {
    model: { type: 'string' },
    revision: { type: 'string' },
    pooling: { type: 'string' },
    'no-normalize': { type: 'boolean' },
    normalize: { type: 'boolean' },
    'max-length': { type: 'string' },
    'prompt-name': { type: 'string' },
    prompt: { type: 'string' },
    threads: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    field: { type: 'string' },
    strict: { type: 'boolean' },
    'token-budget': { type: 'string' },
    window: { type: 'string' },
    overwrite: { type: 'boolean' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const corpus = v.input !== undefined || v.output !== undefined;
  const int = (name: string, s: string | undefined): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer (got ${JSON.stringify(s)})`);
    return n;
  };
  if (corpus) {
    if (!v.input || !v.output) throw new UsageError('--input and --output go together');
    if (positionals.length > 0) throw new UsageError('texts on the command line and --input: one or the other');
    checkOutputFile(v.output, '--output');
  } else if (positionals.length === 0) throw new UsageError('no text to embed');
  const opts: EmbedOptions = {};
  if (v.pooling !== undefined) opts.pooling = v.pooling as EmbedOptions['pooling'];
  if (v['no-normalize']) opts.normalize = false;
  else if (v.normalize) opts.normalize = true;
  if (v['max-length'] !== undefined) opts.maxLength = int('max-length', v['max-length']);
  if (v['prompt-name'] !== undefined) opts.promptName = v['prompt-name'];
  if (v.prompt !== undefined) opts.prompt = v.prompt;
  const threads = int('threads', v.threads);
  const tokenBudget = int('token-budget', v['token-budget']);
  const window = int('window', v.window);
  const { bert, label } = await loadModelArg(v.model, { revision: v.revision, ...(threads ? { threads } : {}) }, (s) => process.stderr.write(`${s}\n`));
  try {
    if (!corpus) {
      const vectors = await bert.embed(positionals, opts);
      for (const x of vectors) process.stdout.write(`${JSON.stringify(Array.from(x))}\n`);
      return 0;
    }
    const r = await embedCorpus(bert, {
      input: v.input!,
      output: v.output!,
      field: v.field,
      strict: v.strict,
      tokenBudget,
      window,
      overwrite: v.overwrite,
      embed: opts,
      modelLabel: label,
      progress: v['no-progress'] ? false : v.progress ? true : undefined,
    });
    const notes = [r.bad ? `${r.bad} bad rows left out` : '', r.resumedRows ? `${r.resumedRows} done by the interrupted run` : ''].filter(Boolean).join('; ');
    process.stderr.write(`wasmbert embed: ${r.rows} rows${notes ? ` (${notes})` : ''} → ${v.output} [${r.rows}, ${r.dim}] in ${r.seconds.toFixed(1)} s\n`);
    return 0;
  } finally {
    await bert.dispose();
  }
}
