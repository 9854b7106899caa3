// Node (and Deno's node: compatibility) file source: positioned reads (pread) straight into the caller's
// buffer, usually a view of WebAssembly memory, so weights reach wasm with one copy, from the page cache.
import { open, type FileHandle } from 'node:fs/promises';
import { WeightsError } from '../errors.js';
import { checkRange, type WeightSource } from './source.js';

// One read() call moves at most INT32_MAX bytes; stay well under it.
const CHUNK = 1 << 30;

export function fileSource(path: string): WeightSource {
  let handle: Promise<{ fh: FileHandle; size: number }> | undefined;
  const opened = () =>
    (handle ??= (async () => {
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new WeightsError(code === 'ENOENT' ? 'no such file' : `cannot open: ${(err as Error).message}`, { file: path, cause: err });
      }
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        throw new WeightsError('not a regular file', { file: path });
      }
      return { fh, size: st.size };
    })());
  return {
    name: path,
    async size() {
      return (await opened()).size;
    },
    async read(offset, length, dest) {
      const { fh, size } = await opened();
      checkRange(path, size, offset, length, dest);
      let done = 0;
      while (done < length) {
        const n = Math.min(CHUNK, length - done);
        const { bytesRead } = await fh.read(dest, done, n, offset + done);
        // the file shrank after it was opened: refuse rather than hand back a half-filled buffer
        if (bytesRead === 0) throw new WeightsError(`unexpected end of file at byte ${offset + done} (was the file truncated while open?)`, { file: path });
        done += bytesRead;
      }
    },
    async close() {
      if (!handle) return;
      const h = handle;
      handle = undefined;
      await (await h).fh.close();
    },
  };
}
