// assembly/ops/math.ts states the error of its erf fit per branch; scripts/fit-erf.mjs measures the
// committed constants in f32 arithmetic (both builds' rounding) and holds them to those bounds. Editing a
// constant, or the comment's figures without the script's, fails here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './shared.js';

it("the erf constants meet math.ts's stated bounds (scripts/fit-erf.mjs --check)", () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'scripts', 'fit-erf.mjs'), '--check'], { encoding: 'utf8' });
  expect(out).toMatch(/: ok$/m);
  // the script's bounds are the ones math.ts's comment states
  const math = readFileSync(join(ROOT, 'assembly', 'ops', 'math.ts'), 'utf8');
  expect(math).toContain('≤ 6.7e-8 / 5.3e-8 absolute');
  expect(math).toContain('≤ 7.7e-6 / 5.8e-6 relative');
});
