// test/global-setup.ts, run as vitest runs it (a vitest run inside this test, over two fixture files that each
// need ../shared): on a clone the skip is said in one line for the whole run, not once per file; under
// WASMBERT_REQUIRE_SHARED=1 the same run fails; a test that leaves a wasmbert-* temp folder fails the run.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run } from './runtimes/harness.js';

const vitest = (env: Record<string, string>) =>
  run(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/fixtures/setup/vitest.config.ts'], {
    env: { WASMBERT_SHARED: '/nonexistent/wasmbert-shared', WASMBERT_REQUIRE_SHARED: '', WASMBERT_REQUIRE_RUNTIMES: '', FIXTURE_LEAK: '', ...env },
    timeoutMs: 90_000,
  });
const count = (s: string, re: RegExp) => s.split('\n').filter((l) => re.test(l)).length;

describe('global setup', () => {
  it("a clone without ../shared: passes, the skip said in exactly one line for two files", async () => {
    const r = await vitest({});
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(count(r.stdout + r.stderr, /wasmbert-shared not found: the tests against the shared goldens are skipped/)).toBe(1);
  }, 100_000);

  it('WASMBERT_REQUIRE_SHARED=1 without ../shared: the run fails, naming the folder', async () => {
    const r = await vitest({ WASMBERT_REQUIRE_SHARED: '1' });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/WASMBERT_REQUIRE_SHARED=1 but \/nonexistent\/wasmbert-shared is missing/);
  }, 100_000);

  it('a test that leaves a wasmbert-* temp folder fails the run with its name, and the folder is gone', async () => {
    const r = await vitest({ FIXTURE_LEAK: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAILED: tests left 2 temp entries behind .*wasmbert-leak-/);
    // the nested run's private temp folder was made inside this run's (TMPDIR is inherited) and removed
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('vitest-wasmbert-run-'))).toEqual([]);
  }, 100_000);
});
