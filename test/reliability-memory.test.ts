// Reliability (issue #13, failure 7): dispose() gives a model's memory back at once. 20 load/dispose
// cycles of a bert-base-sized model (the cached synthetic-base, f32, 438 MB) must stay within one model's
// memory: without a forced GC, the disposed models' wasm memories used to pile up until V8 collected them
// (RSS swung between 0.5 and 2.25 GB over 15 cycles). Default load options: every core, so the memory is
// a shared one that the workers hold too. Its own file, so its own process and peak RSS.
import { describe, expect, it } from 'vitest';
import { Bert } from '../src/model/bert.js';
import { ensureSynthetic } from '../src/weights/cache.js';

const MB = 2 ** 20;

describe('7. load/dispose cycles of a bert-base-sized model', () => {
  it('20 cycles: peak RSS stays within one model (its wasm memory) + 256 MB over the RSS before the first load', async () => {
    const { wbin } = await ensureSynthetic('synthetic-base');
    const before = process.memoryUsage().rss;
    let peak = before;
    let wasm = 0;
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      const bert = await Bert.load(wbin);
      wasm = Math.max(wasm, bert.wasmBytes);
      await bert.embed('one forward per cycle');
      peak = Math.max(peak, process.memoryUsage().rss);
      await bert.dispose();
    }
    peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
    const seconds = (performance.now() - t0) / 1000;
    process.stderr.write(`20 load/dispose cycles of synthetic-base in ${seconds.toFixed(1)} s: wasm memory ${(wasm / MB).toFixed(0)} MB, RSS before ${(before / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB\n`);
    // One model's wasm memory is resident at a time (the next load reuses the disposed one's); 256 MB is
    // room for the JS side of a load (header JSON, vocabulary, tokenizer tables: ~10 MB each) and V8's heap
    // growth. A second model alive at once would add another ~460 MB and fail this.
    expect((peak - before) / MB, 'peak RSS over the RSS before the first load, MB').toBeLessThan((wasm + 256 * MB) / MB);
  }, 240_000);
});
