import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The machines running CI have 2 cores; heavy goldens allocate hundreds of MB each.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
    // Once per run: one line for each thing not here (../shared, runtimes, ONNX vectors), failures under CI's
    // flags, and a private TMPDIR that must be empty of wasmbert-* entries at the end.
    globalSetup: ['test/global-setup.ts'],
  },
});
