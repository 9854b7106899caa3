import { describe, expect, it } from 'vitest';
import { chooseVariant, loadKernels } from '../src/runtime/wasm.js';
import { probeFeatures } from '../src/runtime/features.js';
import { RuntimeError } from '../src/errors.js';

describe('wasm variant selection', () => {
  it('probes SIMD and picks a build that instantiates', async () => {
    const k = await loadKernels();
    expect(probeFeatures().simd).toBe(true);
    expect(k.exports.heap_base()).toBeGreaterThan(0);
    expect(['simd', 'relaxed']).toContain(k.variant);
  });

  it('takes relaxed SIMD where the engine has it (Node 20 after the V8 flag)', async () => {
    const k = await loadKernels();
    expect(k.features.relaxedSimd).toBe(true);
    expect(k.variant).toBe('relaxed');
  });

  it('the deterministic SIMD128 build is selectable', async () => {
    const k = await loadKernels({ simd: 'simd' });
    expect(k.variant).toBe('simd');
  });

  it('the shared-memory build imports a shared memory', async () => {
    const k = await loadKernels({ shared: true });
    expect(k.variant).toBe('relaxed-mt');
    expect(k.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('refuses engines without SIMD with a clear error, and warns when it falls back', () => {
    expect(() => chooseVariant({ simd: false, relaxedSimd: false, threads: false })).toThrow(RuntimeError);
    const warn = console.warn;
    const lines: string[] = [];
    console.warn = (s: string) => lines.push(s);
    try {
      expect(chooseVariant({ simd: true, relaxedSimd: false, threads: false })).toBe('simd');
      expect(chooseVariant({ simd: true, relaxedSimd: false, threads: false })).toBe('simd');
    } finally {
      console.warn = warn;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/relaxed SIMD is not available/);
  });
});
