// The WASI kernel benchmark (bench/wasi/main.ts, `npm run bench:kernels:wasi`): it builds with
// asconfig.json's "wasi" target and @assemblyscript/wasi-shim, runs under node:wasi with nothing from a
// JavaScript host but WASI imports, and prints bench:kernels' report schema. Smoke mode: tiny shapes and
// millisecond budgets (the figures themselves are not checked: timings on a shared CI core are noise).
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Row { kernel: string; shape: string; ms: number; gflops?: number; gbs?: number; pctPeak?: number }

describe('WASI kernel benchmark', () => {
  it('builds, runs under node:wasi and prints the bench:kernels JSON schema', async () => {
    const runner = new URL('../bench/wasi-run.mjs', import.meta.url).href;
    const { build, runWasi } = (await import(runner)) as {
      build(variant: string, options?: { outFile?: string; optimizeLevel?: number }): Promise<string>;
      runWasi(file: string, extra?: string[]): Promise<string>;
    };
    // the SIMD128 variant (Node 20 would need a V8 flag for relaxed SIMD, set before any compile), at
    // -O1 into its own file: half the -O3 compile time, and the benchmark's own build stays untouched
    const file = await build('simd', { outFile: join(tmpdir(), `wasmbert-bench-smoke-${process.pid}.wasm`), optimizeLevel: 1 });
    expect(existsSync(file)).toBe(true);
    const report = JSON.parse(await runWasi(file, ['--smoke'])) as {
      cpu: string; runtime: string; variant: string; peakGflops: number; quick: boolean; results: Row[];
    };
    expect(report.runtime).toBe('node-wasi');
    expect(report.variant).toBe('simd');
    expect(report.quick).toBe(true);
    expect(report.cpu.length).toBeGreaterThan(0); // passed in by the runner: WASI cannot read it
    // a real measurement: any core does more than 0.1 GFLOP/s of f32x4 work, none 10 TFLOP/s
    expect(report.peakGflops).toBeGreaterThan(0.1);
    expect(report.peakGflops).toBeLessThan(10_000);
    const kernels = new Set(report.results.map((r) => r.kernel));
    for (const k of ['copy_f32', 'gelu_f32', 'softmax_f32', 'layernorm_f32', 'gemm_f32__bias', 'attention_f32', 'matmul_f32_nt', 'matmul_f32_nn'])
      expect(kernels.has(k), k).toBe(true);
    for (const r of report.results) {
      expect(r.ms, `${r.kernel} ${r.shape}`).toBeGreaterThan(0);
      expect(r.shape).toMatch(/^\d+(x\d+)+$/);
      if (r.gflops !== undefined) expect(r.pctPeak).toBeCloseTo((100 * r.gflops) / report.peakGflops, 0);
      else expect(r.gbs).toBeGreaterThan(0);
    }
    const gemm = report.results.find((r) => r.kernel === 'gemm_f32__bias');
    expect(gemm?.shape).toBe('16x64x64'); // MxNxK
    rmSync(file, { force: true });
  }, 30_000);
});
