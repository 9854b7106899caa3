// synthetic-base as an f16 .wbin, converted once from the f32 checkpoint and cached under .cache/runtimes/:
// what the streamed tests (test/streamed.test.ts), the workerd test and bench/workerd-memory.mjs read.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSynthetic } from '../src/weights/cache.js';
import { convertCheckpoint } from '../src/weights/convert.js';
import { ROOT } from './shared.js';

export async function syntheticBaseF16(): Promise<string> {
  const { folder } = await ensureSynthetic('synthetic-base');
  const dir = join(ROOT, '.cache', 'runtimes');
  const out = join(dir, 'synthetic-base.f16.wbin');
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    // converted beside, then renamed: a run beside this one never reads half a file
    const tmp = `${out}.tmp-${process.pid}`;
    try {
      await convertCheckpoint(folder, tmp, { dtype: 'f16' });
      renameSync(tmp, out);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return out;
}
