// The engine's load options: every bad option (a wrong value, a typo'd name) is one ModelError naming the
// option, thrown before anything is opened or started (issue #15); nothing stays open after it.
import { describe, expect, it } from 'vitest';
import { Bert, ModelError, WeightsError, type WeightSource } from '../src/index.js';
import { ensureSynthetic } from '../src/weights/cache.js';

describe('Bert.load options', () => {
  const bad: [string, unknown, RegExp][] = [
    ['simd', { simd: 'nope' }, /load option "simd" must be 'auto' or 'relaxed' or 'simd' \(got "nope"\)/],
    ['residency', { residency: 'disk' }, /load option "residency"/],
    ['threads', { threads: 0 }, /load option "threads" must be a positive integer \(got 0\)/],
    ['threads', { threads: 1.5 }, /load option "threads"/],
    ['maxTokens', { maxTokens: -1 }, /load option "maxTokens"/],
    ['onProgress', { onProgress: 'yes' }, /load option "onProgress" must be a function/],
    ['a typo', { thread: 2 }, /unknown load option "thread" \(the options are residency, threads, simd, maxTokens, onProgress, verify, workerTimeoutMs\)/],
  ];
  it.each(bad)('%s: %j is a ModelError naming it', async (_what, options, message) => {
    const { wbin } = await ensureSynthetic('synthetic-tiny');
    const err = await Bert.load(wbin, options as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(message);
  });

  it('good options load', async () => {
    const { wbin } = await ensureSynthetic('synthetic-tiny');
    const seen: string[] = [];
    const bert = await Bert.load(wbin, { simd: 'simd', threads: 1, residency: 'resident', maxTokens: 600, onProgress: (m) => seen.push(m) });
    expect(bert.threads).toBe(1);
    expect(seen.length).toBeGreaterThan(1);
    await bert.dispose();
  });

  it('a file that is not a .wbin: WeightsError, and the source is closed', async () => {
    let closed = 0;
    const bytes = new Uint8Array(64).fill(7);
    const src: WeightSource = {
      name: 'junk.bin',
      size: async () => bytes.length,
      read: async (offset, length, dest) => void dest.set(bytes.subarray(offset, offset + length)),
      close: async () => void closed++,
    };
    await expect(Bert.load(src, { threads: 1 })).rejects.toThrow(WeightsError);
    expect(closed).toBe(1);
  });
});
