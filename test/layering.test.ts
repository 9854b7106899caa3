// The layering of src/, checked. README's Layout table lists src/'s folders (and its root files) in layer
// order, lowest first: a file may import from its own folder and from folders listed before it, never
// after. This test reads that order from the README (so the table cannot drift from what is enforced),
// reads every static and dynamic import of src/, and fails on an import that goes up the order (which is
// also what a folder-level cycle needs) and on a folder the table does not list.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './shared.js';

const SRC = join(ROOT, 'src');

/** README's Layout rows that name src/ entries, in order: each row one rank (a row may name several). */
function declaredOrder(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.split(/^## Layout\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  return table
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => [...l.split('|')[1].matchAll(/`src\/([^`]*)`/g)].map((m) => m[1].replace(/\/$/, '')).filter((n) => n !== ''))
    .filter((names) => names.length > 0);
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mts)$/.test(f) ? [p] : [];
  });
}

/** The unit a file belongs to: its folder below src/ ('models/bert'), or a root file's name ('errors.ts'). */
const unitOf = (file: string) => {
  const rel = relative(SRC, file).split('\\').join('/');
  return rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : rel;
};

/** Relative specifiers of every import: `import … from`, `export … from`, `import '…'`, `import('…')`. */
function imports(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

const order = declaredOrder();
const rank = new Map<string, number>();
order.forEach((names, i) => names.forEach((n) => rank.set(n, i)));

/** The imports of `file` (its text) that go up the declared order. */
function upward(file: string, text: string): string[] {
  const from = unitOf(file);
  const out: string[] = [];
  for (const spec of imports(text)) {
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(SRC)) continue; // build/*.wasm, vocab/: not src/
    const to = unitOf(target.replace(/\.js$/, '.ts'));
    if (to !== from && rank.has(to) && rank.has(from) && rank.get(to)! > rank.get(from)!) out.push(`${relative(ROOT, file)} imports ${spec} (${from} → ${to})`);
  }
  return out;
}

describe('layering of src/', () => {
  it("README's Layout table declares the layers", () => {
    // the lowest and the highest, so a table that lost its rows fails here rather than checking nothing
    expect(order[0]).toContain('errors.ts');
    expect(rank.get('runtime')).toBeLessThan(rank.get('compute')!);
    expect(rank.get('compute')).toBeLessThan(rank.get('threads')!);
    expect(rank.get('threads')).toBeLessThan(rank.get('engine')!);
    expect(rank.get('engine')).toBeLessThan(rank.get('model')!);
    expect(rank.get('model')).toBeLessThan(rank.get('cli')!);
  });

  it('every folder is declared, and no import goes up the order', () => {
    const undeclared = new Set<string>();
    const bad: string[] = [];
    let seen = 0;
    for (const file of files(SRC)) {
      if (!rank.has(unitOf(file))) undeclared.add(unitOf(file));
      const text = readFileSync(file, 'utf8');
      seen += imports(text).length;
      bad.push(...upward(file, text));
    }
    expect(seen).toBeGreaterThan(100); // the import scan itself works
    expect([...undeclared]).toEqual([]);
    expect(bad).toEqual([]);
  });

  it('flags upward imports, static and dynamic, and lets downward ones through', () => {
    const f = join(SRC, 'compute', 'made-up.ts');
    expect(upward(f, "import type { Session } from '../engine/session.js';")).toHaveLength(1);
    expect(upward(f, "const m = await import('../threads/pool.js');")).toHaveLength(1);
    expect(upward(f, "export { x } from '../models/spec.js';")).toHaveLength(1);
    expect(upward(f, "import { Arena } from '../runtime/arena.js';\nimport { x } from './compute.js';")).toEqual([]);
  });
});
