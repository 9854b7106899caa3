// The worker pool's job table (src/threads/jobs.ts): the one declaration of what a job's arguments are.
// A change of a kernel's argument list is a type error at every post() (checked by tsc, npm run
// typecheck); here, what holds at run time: the built kernels match the table, a stale build is refused
// by name on both sides, and the per-thread mask comes from the declaration.
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../src/errors.js';
import { loadKernels } from '../src/runtime/wasm.js';
import { JOBS, checkJobs, perThreadMask } from '../src/threads/jobs.js';
import { nodeWorkerSource, webWorkerSource } from '../src/threads/worker.js';

describe('job table', () => {
  it('matches the builds this engine runs (auto, simd)', async () => {
    for (const simd of ['auto', 'simd'] as const) expect(() => checkJobs(loadKernelsSync(simd))).not.toThrow();
  });

  it('refuses a build whose kernel takes other arguments, naming the job', async () => {
    const k = await loadKernels({ simd: 'simd' });
    const stale = { ...k.exports, tanh_f32: (n: number, x: number) => n + x };
    expect(() => checkJobs(stale as never)).toThrow(RuntimeError);
    expect(() => checkJobs(stale as never)).toThrow(/kernel tanh_f32 takes 2 arguments but the job table .* declares 3/);
    const missing = { ...k.exports, layernorm_f32: undefined };
    expect(() => checkJobs(missing as never)).toThrow(/no export "layernorm_f32"/);
  });

  it("derives the per-thread mask from the declaration (attention's scratch, argument 10)", () => {
    expect(perThreadMask('attention_f32')).toBe(1 << 10);
    expect(perThreadMask('gemm_f32__bias')).toBe(0);
  });

  it("hands the workers the same table (they check their own instance)", () => {
    for (const src of [nodeWorkerSource(), webWorkerSource()]) {
      for (const [name, d] of Object.entries(JOBS)) expect(src).toContain(`"${name}":${d.args.length}`);
    }
  });
});

const cache: Record<string, Awaited<ReturnType<typeof loadKernels>>['exports']> = {};
function loadKernelsSync(simd: 'simd' | 'auto') {
  return cache[simd];
}
await Promise.all((['simd', 'auto'] as const).map(async (s) => (cache[s] = (await loadKernels({ simd: s })).exports)));
