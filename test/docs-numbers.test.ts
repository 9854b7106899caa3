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
};
const FIGURE = /(?<![\w.])(\d[\d,]*(?:\.\d+)?(?:e-\d+)?)\s*(ms|µs|s\b|MiB|MB|GB\/s|GFLOP\/s|tok\/s|tokens\/s|×|%)(?![\w/])/g;

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

  it('no measurement-like figure outside a block', () => {
    const loose: string[] = [];
    for (const file of documents() as string[]) {
      const text = readFileSync(file, 'utf8')
        .replace(/<!-- numbers:[\s\S]*?<!-- \/numbers -->/g, '')
        .replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(FIGURE)) if (!(m[0] in NOT_MEASURED)) loose.push(`${relative(ROOT, file)}: "${m[0]}"`);
    }
    expect(loose, 'figures typed by hand: put them in a numbers block, or list why they are not measurements').toEqual([]);
  });
});
