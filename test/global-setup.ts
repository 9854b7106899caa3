// Runs once per `vitest run`, in the main process, before any test file's fork starts.
//
// 1. What is not here, said once. Each test file runs in its own fork, so a notice printed by a test file
//    repeats per file; here it is one line per missing thing for the whole run: ../shared (goldens), the extra
//    runtimes (`npm run peers`, Chromium), ONNX's operator vectors. Under CI's flags (WASMBERT_REQUIRE_SHARED=1,
//    WASMBERT_REQUIRE_RUNTIMES=1) a missing folder or runtime fails the run here, before anything is timed.
// 2. A private temp folder. TMPDIR points every fork (and every process they spawn) at a folder of this run's
//    own, so runs side by side never see each other's files; at the end, any `wasmbert-*` entry a test left
//    there fails the run with its name (tests must remove what they make), and the folder is removed either way.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_SHARED, REQUIRE_SHARED, SHARED, sharedMissing } from './shared.js';
import { REQUIRE_RUNTIMES, runtimes } from './runtimes/harness.js';
import { HAVE_ONNX, ONNX_NODE } from './reference/onnx.js';

const say = (s: string) => process.stderr.write(`wasmbert tests: ${s}\n`);

export default function setup(): () => void {
  if (!HAVE_SHARED) {
    if (REQUIRE_SHARED) throw new Error(`WASMBERT_REQUIRE_SHARED=1 but ${SHARED} is missing: the golden tests cannot run`);
    say(sharedMissing());
  }
  const missing = runtimes().filter((r) => !r.present);
  if (missing.length) {
    const list = missing.map((r) => `${r.name} (${r.hint})`).join(', ');
    if (REQUIRE_RUNTIMES) throw new Error(`WASMBERT_REQUIRE_RUNTIMES=1 but these runtimes are missing: ${list}`);
    say(`runtimes not installed, their tests are skipped: ${list}`);
  }
  if (!HAVE_ONNX) say(`${ONNX_NODE} not found: ONNX's operator vectors are skipped (\`apt-get install libonnx-testdata\`)`);

  // os.tmpdir() reads TMPDIR on POSIX, TEMP/TMP on Windows; forks and their children inherit all three.
  const vars = ['TMPDIR', 'TEMP', 'TMP'] as const;
  const saved = vars.map((v) => process.env[v]);
  const mine = mkdtempSync(join(tmpdir(), 'vitest-wasmbert-run-'));
  for (const v of vars) process.env[v] = mine;
  return () => {
    vars.forEach((v, i) => (saved[i] === undefined ? delete process.env[v] : (process.env[v] = saved[i])));
    let left: string[] = [];
    try {
      left = readdirSync(mine).filter((f) => f.startsWith('wasmbert-'));
    } finally {
      rmSync(mine, { recursive: true, force: true });
    }
    if (left.length) {
      // A thrown error here is printed but does not change vitest's exit code; exitCode does.
      say(`FAILED: tests left ${left.length} temp entr${left.length === 1 ? 'y' : 'ies'} behind (removed now; the test that made it must remove it): ${left.sort().join(', ')}`);
      process.exitCode = 1;
    }
  };
}
