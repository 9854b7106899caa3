// esbuild, as an app bundling wasmbert would run it: `wasmbert` resolved from an app's node_modules (a
// symlink to this checkout), so the package's exports conditions and browser field are what decide.
import { mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from './harness.js';

/**
 * A node_modules folder holding wasmbert (this checkout), for esbuild's nodePaths. One fixed folder under the
 * git-ignored .cache/, made once and kept: a temp folder per process had no moment to be removed in.
 */
export function appNodeModules(): string {
  const nodeModules = join(ROOT, '.cache', 'runtimes', 'app', 'node_modules');
  mkdirSync(nodeModules, { recursive: true });
  try {
    symlinkSync(ROOT, join(nodeModules, 'wasmbert'), 'dir');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return nodeModules;
}

export async function bundle(opts: { contents: string; resolveDir?: string; conditions?: string[]; outfile?: string; write?: boolean }): Promise<esbuild.BuildResult & { metafile: esbuild.Metafile }> {
  return esbuild.build({
    stdin: { contents: opts.contents, resolveDir: opts.resolveDir ?? ROOT, loader: 'js', sourcefile: 'app.mjs' },
    nodePaths: [appNodeModules()],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: opts.conditions ?? [],
    metafile: true,
    write: opts.write ?? false,
    outfile: opts.outfile ?? join(tmpdir(), 'wasmbert-bundle.js'),
    logLevel: 'silent',
    plugins: [
      {
        // the workerd entry's kernels stay .wasm module imports (what wrangler does)
        name: 'wasm-modules',
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (a) => ({ path: a.path, external: true }));
        },
      },
    ],
  }) as Promise<esbuild.BuildResult & { metafile: esbuild.Metafile }>;
}

/** Every import in the bundle's module graph that reaches a Node built-in (`node:x`, not disabled by the browser field). */
export function nodeImports(meta: esbuild.Metafile): string[] {
  const found: string[] = [];
  for (const [file, input] of Object.entries(meta.inputs)) {
    for (const im of input.imports) if (/^node:/.test(im.path) || (im.external && /^node:|^(fs|path|os|url|crypto|worker_threads|v8)$/.test(im.original ?? im.path))) found.push(`${file} → ${im.path}`);
  }
  return found;
}
