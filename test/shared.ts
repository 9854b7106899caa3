// Tests that compare against ../shared (goldens, checksums, vocab) read it in place. A user's clone has
// no ../shared: there those tests skip with one clear line. CI sets WASMBERT_REQUIRE_SHARED=1, which turns
// the skip into a failure, so CI always runs them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = process.env.WASMBERT_SHARED ?? join(ROOT, '..', 'shared');
export const HAVE_SHARED = existsSync(join(SHARED, 'golden', 'cases.json'));

let said = false;
/** true when ../shared is here; false (with one line on stderr) when it is not and CI did not require it. */
export function sharedAvailable(): boolean {
  if (HAVE_SHARED) return true;
  if (process.env.WASMBERT_REQUIRE_SHARED === '1') {
    throw new Error(`WASMBERT_REQUIRE_SHARED=1 but ${SHARED} is missing: the golden tests cannot run`);
  }
  if (!said) {
    said = true;
    process.stderr.write(`wasmbert tests: ${SHARED} not found: skipping the tests against shared goldens\n`);
  }
  return false;
}

export const shared = (...parts: string[]): string => join(SHARED, ...parts);
