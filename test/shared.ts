// Tests that compare against ../shared (goldens, checksums, vocab) read it in place. A user's clone has
// no ../shared: there those tests skip, and test/global-setup.ts says so in one line for the whole run (each
// test file runs in its own fork, so a line printed here would repeat per file). CI sets
// WASMBERT_REQUIRE_SHARED=1, which turns the skip into a failure, so CI always runs them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = process.env.WASMBERT_SHARED ?? join(ROOT, '..', 'shared');
export const HAVE_SHARED = existsSync(join(SHARED, 'golden', 'cases.json'));
export const REQUIRE_SHARED = process.env.WASMBERT_REQUIRE_SHARED === '1';

/** The one line a run prints (or throws, under WASMBERT_REQUIRE_SHARED=1) when ../shared is not here. */
export const sharedMissing = (): string => `${SHARED} not found: the tests against the shared goldens are skipped (WASMBERT_SHARED=<folder> points at it)`;

/** true when ../shared is here; false when it is not and CI did not require it (the global setup said so once). */
export function sharedAvailable(): boolean {
  if (HAVE_SHARED) return true;
  if (REQUIRE_SHARED) throw new Error(`WASMBERT_REQUIRE_SHARED=1 but ${SHARED} is missing: the golden tests cannot run`);
  return false;
}

export const shared = (...parts: string[]): string => join(SHARED, ...parts);
