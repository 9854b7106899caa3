// Node (and Deno's node: compatibility) file source: positioned reads (pread) straight into the caller's
// buffer, usually a view of WebAssembly memory, so weights reach wasm with one copy, from the page cache.
//
// Failure rules (issue #13): a handle is closed on every path that opened it (a failed open, a failed
// stat, close()); a closed source refuses reads instead of opening the file again; and a file rewritten
// in place under an open source (size or mtime changed) is a WeightsError, never a mix of two files.
import { open, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { WeightsError } from '../errors.js';
import { checkRange, type WeightSource } from './source.js';

// One read() call moves at most INT32_MAX bytes; stay well under it.
const CHUNK = 1 << 30;

interface Opened {
  fh: FileHandle;
  size: number;
  mtimeMs: number;
}

export function fileSource(path: string): WeightSource {
  let handle: Promise<Opened> | undefined;
  let closed = false;
  const opened = () => {
    if (closed) return Promise.reject(new WeightsError('read after close (the model was disposed)', { file: path }));
    return (handle ??= (async () => {
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new WeightsError(code === 'ENOENT' ? 'no such file' : `cannot open: ${(err as Error).message}`, { file: path, cause: err });
      }
      let st: Stats;
      try {
        st = await fh.stat();
      } catch (err) {
        await fh.close().catch(() => {});
        throw new WeightsError(`cannot stat: ${(err as Error).message}`, { file: path, cause: err });
      }
      if (!st.isFile()) {
        await fh.close().catch(() => {});
        throw new WeightsError('not a regular file', { file: path });
      }
      return { fh, size: st.size, mtimeMs: st.mtimeMs };
    })());
  };
  return {
    name: path,
    async size() {
      return (await opened()).size;
    },
    async read(offset, length, dest) {
      const { fh, size, mtimeMs } = await opened();
      checkRange(path, size, offset, length, dest);
      let done = 0;
      while (done < length) {
        const n = Math.min(CHUNK, length - done);
        const { bytesRead } = await fh.read(dest, done, n, offset + done);
        // the file shrank after it was opened: refuse rather than hand back a half-filled buffer
        if (bytesRead === 0) throw new WeightsError(`unexpected end of file at byte ${offset + done} (was the file truncated while open?)`, { file: path });
        done += bytesRead;
      }
      // Checked after the read: bytes read while (or after) the file changed are never handed back as
      // good. An fstat is ~µs; a streamed forward makes a few dozen reads.
      const st = await fh.stat();
      if (st.size !== size || st.mtimeMs !== mtimeMs) {
        throw new WeightsError(
          `the file changed since it was opened (size ${size} → ${st.size}, mtime ${new Date(mtimeMs).toISOString()} → ${new Date(st.mtimeMs).toISOString()}): load it again`,
          { file: path },
        );
      }
    },
    async close() {
      closed = true;
      if (!handle) return;
      const h = handle;
      handle = undefined;
      let o: Opened;
      try {
        o = await h;
      } catch {
        return; // the open itself failed: nothing to close
      }
      await o.fh.close();
    },
  };
}
