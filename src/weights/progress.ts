// A one-line progress bar on stderr, drawn only when stderr is a terminal (logs and CI get nothing).
export interface Progress {
  update(done: number, total: number): void;
  done(message?: string): void;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  const draw = (done: number, total: number) => {
    const width = 30;
    const f = total > 0 ? Math.min(1, done / total) : 0;
    const bar = '█'.repeat(Math.round(f * width)).padEnd(width, '░');
    const mb = (n: number) => (n / 1e6).toFixed(1);
    stream.write(`\r${label} ${bar} ${(f * 100).toFixed(0).padStart(3)}%  ${mb(done)}/${mb(total)} MB`);
  };
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && done < total) return; // 10 redraws a second is plenty
      last = now;
      draw(done, total);
    },
    done(message) {
      stream.write(`\r\x1b[2K${message ? `${message}\n` : ''}`);
    },
  };
}

/**
 * A download's messages and per-file bars, for a CLI: `info` ends the current bar before a message line,
 * `file` draws one bar per file (a new file ends the previous bar), `done` ends the last one.
 */
export interface DownloadProgress {
  info(message: string): void;
  file(name: string, done: number, total: number): void;
  done(): void;
}

export function downloadProgress(say: (message: string) => void): DownloadProgress {
  let bar: Progress | undefined;
  let current = '';
  return {
    info(message) {
      bar?.done();
      bar = undefined;
      say(message);
    },
    file(name, done, total) {
      if (name !== current) {
        bar?.done();
        current = name;
        bar = progressBar(name);
      }
      bar?.update(done, total);
    },
    done() {
      bar?.done();
      bar = undefined;
    },
  };
}
