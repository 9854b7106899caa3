// A test that cannot run here (no worker threads, no built CLI, ...) skips on a user's clone, but under CI's
// flags (WASMBERT_REQUIRE_SHARED=1 or WASMBERT_REQUIRE_RUNTIMES=1, both set by .ci/run) it must fail
// instead: CI runs every test or says which one it could not. test/skip-flags.test.ts holds every skip
// condition in test/ to calling this, sharedAvailable(), runtimeAvailable() or onnxAvailable().

export const CI_FLAGS = process.env.WASMBERT_REQUIRE_SHARED === '1' || process.env.WASMBERT_REQUIRE_RUNTIMES === '1';

/** `present`, or false (skip) on a clone; under CI's flags a missing `what` throws, naming `hint`. */
export function available(what: string, present: boolean, hint: string): boolean {
  if (present) return true;
  if (CI_FLAGS) throw new Error(`${what} is missing (${hint}) and CI's flags (WASMBERT_REQUIRE_SHARED / WASMBERT_REQUIRE_RUNTIMES) forbid skipping`);
  return false;
}
