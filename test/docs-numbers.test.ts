// Every figure in README.md, docs/ and src/tokenizer/README.md comes from a committed results file that a
// script wrote: scripts/docs-numbers.mjs renders each `<!-- numbers:KIND:SOURCE -->` block from
// bench/results/SOURCE.json. This test fails when a block's text differs from what its file says (someone
// edited a figure, or refreshed a results file without `npm run docs:numbers`), when a kind of figure the
// docs must carry is gone, and when a measurement-like figure (ms, MB, ×, GFLOP/s …) sits outside a block.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, no types
import { documents, regenerate, renderDocument, ROOT } from '../scripts/docs-numbers.mjs';

interface Rendered {
  out: string;
  blocks: string[];
  changed: string[];
}
const render = renderDocument as (text: string, label: string, results?: (source: string) => unknown) => Rendered;

/**
 * Figures outside blocks that are not measurements: each names what it is. Anything else that looks like a
 * measured number (a quantity with ms, s, MB, MiB, GB/s, GFLOP/s, tokens/s, × or %) fails the last test.
 */
const NOT_MEASURED: Record<string, string> = {
  '440 MB': "synthetic-base's f32 file size: 110 M parameters × 4 bytes",
  '32 MB': 'a V8 flag (the old-space cap), not a measurement',
  '5 MB': "the streamed layer buffers' size, chosen in the code",
  '128 MB': "a Workers isolate's memory limit (the platform's number)",
  '1e-6': "the runtime tier's bound against Node's vectors (TOLERANCE in test/runtimes/harness.ts)",
  '1.2e-7': "GELU's error contract (assembly/ops/math.ts), a bound the kernel tests hold it to",
  '30 s': "the HTTP source's stall timeout default (DEFAULT_HTTP_TIMEOUT_MS, src/weights/source.ts)",
  '2 s': "the worker pool's stall bound default (DEFAULT_STALL_MS, src/threads/pool.ts)",
  '50 ms': "the worker pool's wait slice while a job's last tasks run (src/threads/pool.ts)",
};
const FIGURE = /(?<![\w.])(\d[\d,]*(?:\.\d+)?(?:e-\d+)?)\s*(ms|µs|s\b|MiB|MB|GB\/s|GFLOP\/s|tok\/s|tokens\/s|×|%)(?![\w/])/g;
/** an error figure in scientific notation (3.8e-6), unit or not */
const SCI = /(?<![\w.])\d(?:\.\d+)?e-\d+/g;
/** a table cell that is only a number (1123, 0.55×, 1,218): a measured table typed by hand */
const CELL = /\|\s*(\d[\d,]*(?:\.\d+)?\s*(?:×|%|ms|MiB|MB)?)\s*(?=\|)/g;

describe('figures in the docs are written by scripts', () => {
  it('every figure block agrees with its committed results file', () => {
    const { blocks, changed } = regenerate({ check: true }) as { blocks: string[]; changed: string[] };
    expect(changed, 'blocks that differ from their results file: run `npm run docs:numbers`').toEqual([]);
    // the figures the issue names: golden errors, tokenizer speed, encoder, kernels, per-runtime, workerd memory
    const kinds = new Set(blocks.map((b) => b.split('numbers:')[1].split(':')[0]));
    for (const k of ['golden', 'golden-table', 'tokenizer-speedup', 'tokenizer', 'encoder', 'kernels', 'runtimes', 'workerd', 'workerd-claim']) {
      expect(kinds.has(k), `a numbers:${k} block`).toBe(true);
    }
  });

  it('a hand-edited figure is caught (the check can fail)', () => {
    const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
    expect(render(readme, 'README.md').changed).toEqual([]);
    // change one digit inside the encoder table, as a hand edit would
    const edited = readme.replace(/(<!-- numbers:encoder:[\w.-]+ -->[\s\S]*?\| 1 \| 1×128 \| )(\d)/, (_, head: string, d: string) => head + ((Number(d) + 1) % 10));
    expect(edited).not.toBe(readme);
    expect(render(edited, 'README.md').changed).toEqual([expect.stringMatching(/numbers:encoder:/)]);
    // and a results file that moved on without the docs
    const golden = JSON.parse(readFileSync(`${ROOT}/bench/results/golden-errors.json`, 'utf8'));
    const moved = structuredClone(golden);
    for (const run of Object.values(moved.runs) as { worst: Record<string, number> }[]) run.worst.hidden *= 2;
    const read = (source: string) => (source === 'golden-errors' ? moved : JSON.parse(readFileSync(`${ROOT}/bench/results/${source}.json`, 'utf8')));
    expect(render(readme, 'README.md', read).changed).toEqual([expect.stringMatching(/numbers:golden:/)]);
  });

  /** Measurement-like figures outside blocks, per file; `read` gives a document's text. */
  function looseFigures(read: (file: string) => string): string[] {
    const loose: string[] = [];
    for (const file of documents() as string[]) {
      const text = read(file)
        .replace(/<!-- numbers:[\s\S]*?<!-- \/numbers -->/g, '')
        .replace(/```[\s\S]*?```/g, '');
      for (const re of [FIGURE, SCI]) for (const m of text.matchAll(re)) if (!(m[0] in NOT_MEASURED)) loose.push(`${relative(ROOT, file)}: "${m[0]}"`);
      for (const line of text.split('\n').filter((l) => l.trimStart().startsWith('|'))) {
        for (const m of line.matchAll(CELL)) loose.push(`${relative(ROOT, file)}: table cell "${m[1].trim()}"`);
      }
    }
    return loose;
  }

  it('no measurement-like figure outside a block', () => {
    expect(looseFigures((f) => readFileSync(f, 'utf8')), 'figures typed by hand: put them in a numbers block, or list why they are not measurements').toEqual([]);
  });

  it('the scan finds the hand-typed figures the docs once had', () => {
    // before docs:numbers: docs/runtimes.md's table and the README's golden errors and tokenizer claim
    const old = [
      '| Node 20.20 | relaxed | 1123 |',
      'max abs error on synthetic-base: hidden states 3.8e-6, attentions 2.3e-6',
      'About 10× faster than `tokenizers`',
      'peak 164.7 MiB (+110 MiB while serving)',
    ];
    for (const line of old) {
      const found = looseFigures((f) => (f.endsWith('README.md') && !f.includes('tokenizer') ? line : ''));
      expect(found.length, line).toBeGreaterThan(0);
    }
  });
});
