// Under CI's flags (WASMBERT_REQUIRE_SHARED=1, WASMBERT_REQUIRE_RUNTIMES=1) no test may skip: a missing
// oracle (../shared, the ONNX vectors, Chromium, a runtime) must fail the run, not vanish from it with a
// line on stderr. This test reads every file under test/ and finds each way a test can skip:
//   - skipIf(cond) / runIf(cond): every operand of `cond` joined by || or && (after replacing a constant by
//     its definition in the same file) must be one of the helpers that consult the flags:
//     sharedAvailable() (test/shared.ts), runtimeAvailable() (test/runtimes/harness.ts), onnxAvailable()
//     (test/reference/onnx.ts), available() (test/required.ts);
//   - an early `if (cond) return` whose condition asks whether something is here (existsSync, HAVE_*,
//     process.env, *Available()): the same rule;
//   - it.skip, describe.skip, test.skip, .todo, ctx.skip(): never.
// A skip that is not about something missing (a comparison that does not apply here, such as relaxed-SIMD
// hashes taken on another CPU class) says so on the line above: `// skip-flags: <why CI may skip it>`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './shared.js';

const HELPER = /^!?\s*(sharedAvailable|runtimeAvailable|onnxAvailable|available)\(/;
const SELF = 'test/skip-flags.test.ts';

/** The text from `open` (an index just past an opening parenthesis) to its matching closing one. */
function balanced(src: string, open: number): string {
  let depth = 1;
  for (let i = open; i < src.length; i++) {
    const ch = src[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return src.slice(open, i);
  }
  return src.slice(open);
}

/** Top-level operands of a condition joined by || or && (parentheses kept whole), each trimmed. */
function operands(cond: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < cond.length; i++) {
    const ch = cond[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (depth === 0 && (cond.startsWith('||', i) || cond.startsWith('&&', i))) {
      out.push(cond.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  out.push(cond.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/** Whether a condition consults the flags: every operand is a helper call, or a constant defined as one. */
function consultsFlags(cond: string, src: string, seen = new Set<string>()): boolean {
  return operands(cond).every((op) => {
    const bare = op.replace(/^!\s*/, '').replace(/^\((.*)\)$/s, '$1').trim();
    if (HELPER.test(bare)) return true;
    if (bare !== op.replace(/^!\s*/, '').trim() && bare.includes('||')) return consultsFlags(bare, src, seen);
    const id = /^[A-Za-z_$][\w$]*$/.exec(bare)?.[0];
    if (!id || seen.has(id)) return false;
    seen.add(id);
    const def = new RegExp(`(?:const|let)\\s+${id.replace(/\$/g, '\\$')}\\s*(?::[^=]+)?=\\s*([^;]+);`).exec(src);
    return !!def && consultsFlags(def[1], src, seen);
  });
}

export interface SkipSite {
  file: string;
  line: number;
  what: string;
}

/** Every skip in `src` that does not consult CI's flags. */
export function unflaggedSkips(file: string, src: string): SkipSite[] {
  const out: SkipSite[] = [];
  const lineOf = (i: number) => src.slice(0, i).split('\n').length;
  const excused = (i: number) => {
    const lines = src.slice(0, i).split('\n');
    return /\/\/\s*skip-flags:\s*\S/.test(lines.at(-2) ?? '') || /\/\/\s*skip-flags:\s*\S/.test(lines.at(-1) ?? '');
  };
  for (const m of src.matchAll(/\.(skipIf|runIf)\(/g)) {
    const cond = balanced(src, m.index! + m[0].length);
    if (!consultsFlags(cond, src) && !excused(m.index!)) out.push({ file, line: lineOf(m.index!), what: `${m[1]}(${cond.replace(/\s+/g, ' ')})` });
  }
  for (const m of src.matchAll(/\b(?:it|describe|test|suite)\.(?:skip|todo)\b|\.todo\(|\b(?:ctx|context|t)\.skip\(/g)) {
    out.push({ file, line: lineOf(m.index!), what: m[0] });
  }
  for (const m of src.matchAll(/\bif\s*\(/g)) {
    const cond = balanced(src, m.index! + m[0].length);
    const after = src.slice(m.index! + m[0].length + cond.length + 1).trimStart();
    // `return;` (the test ends, passing); a helper's `if (HAVE_X) return true` is no skip
    if (!/^(return\s*[;}]|\{\s*return\s*[;}])/.test(after)) continue;
    if (!/existsSync\(|\bHAVE_[A-Z_]+|process\.env|[A-Za-z]Available\(/.test(cond)) continue;
    if (!consultsFlags(cond, src)) out.push({ file, line: lineOf(m.index!), what: `if (${cond.replace(/\s+/g, ' ')}) return` });
  }
  return out;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return testFiles(p);
    return /\.(ts|mjs|js)$/.test(f) ? [p] : [];
  });
}

describe('every skip in test/ consults CI’s flags', () => {
  it('the scanner finds the skips that once ignored them (it can fail)', () => {
    // the old threads-browser gate, the old ONNX early return, an ONNX describe gated on a bare constant
    // imported from elsewhere, and an unconditional skip
    const old = [
      `const HAVE_CHROMIUM = existsSync(CHROMIUM);\ndescribe.skipIf(!HAVE_CHROMIUM)('threads in a browser', () => {});`,
      `it.each(x)('%s', (name) => {\n  const dir = join(ONNX_NODE, name);\n  if (!existsSync(dir)) return;\n});`,
      `import { HAVE_ONNX } from './reference/onnx.js';\ndescribe.skipIf(!HAVE_ONNX)('ONNX', () => {});`,
      `describe.skipIf(!sharedAvailable() || !threadsAvailable())('goldens', () => {});`,
      `it.${'skip'}('later', () => {});`, // spelled in two parts so repository greps for committed skips do not flag this fixture
      `if (!process.env.CHROME) { return; }`,
    ];
    for (const src of old) expect(unflaggedSkips('old.ts', src), src).toHaveLength(1);
    // and passes the helpers, directly or through a constant
    const ok = [
      `describe.skipIf(!sharedAvailable())('x', () => {});`,
      `const HAVE_CHROMIUM = runtimeAvailable('chromium', existsSync(CHROMIUM), 'apt');\ndescribe.skipIf(!HAVE_CHROMIUM)('x', () => {});`,
      `describe.skipIf(!onnxAvailable() || !available('threads', threadsAvailable(), 'Node'))('x', () => {});`,
      `describe.runIf(runtimeAvailable('deno', existsSync(bin('deno')), 'peers'))('Deno', () => {});`,
      `if (opset >= 13 && axis !== rank - 1) { expect(axis).toBeLessThan(rank - 1); return; }`,
    ];
    for (const src of ok) expect(unflaggedSkips('ok.ts', src), src).toEqual([]);
    // an excuse needs a reason
    expect(unflaggedSkips('x.ts', `// skip-flags: relaxed hashes are per CPU class\nit.skipIf(other)('x', () => {});`)).toEqual([]);
    expect(unflaggedSkips('x.ts', `// skip-flags:\nit.skipIf(other)('x', () => {});`)).toHaveLength(1);
  });

  it('no file under test/ skips without consulting them', () => {
    const files = testFiles(join(ROOT, 'test')).filter((p) => relative(ROOT, p) !== SELF);
    expect(files.length).toBeGreaterThan(20);
    const bad = files.flatMap((p) => unflaggedSkips(relative(ROOT, p), readFileSync(p, 'utf8')));
    expect(bad.map((s) => `${s.file}:${s.line}: ${s.what}`)).toEqual([]);
  });
});
