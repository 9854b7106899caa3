// `npm run bench` never rewrites the committed results unless asked (--replace), and then only with every
// engine asked for: a clone without the peers once overwrote bench/results/encoder-*.{json,md} with a
// wasmbert-only table. Each engine that cannot run is named with its reason.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, run } from './runtimes/harness.js';

const BENCH = join(ROOT, 'bench', 'encoder.mjs');
const RESULTS = join(ROOT, 'bench', 'results');
const out = mkdtempSync(join(tmpdir(), 'wasmbert-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
// no peers and no ../shared: what a clone has before `npm run peers`
const env = { WASMBERT_PEERS: join(out, 'no-peers'), WASMBERT_SHARED: join(out, 'no-shared') };
// a ../shared with the peer runner and graph in place (empty: never run here), so only the install is missing
const fakeShared = join(out, 'shared');
mkdirSync(join(fakeShared, 'reference'), { recursive: true });
mkdirSync(join(fakeShared, 'onnx'));
writeFileSync(join(fakeShared, 'reference', 'ort_peer.mjs'), '');
writeFileSync(join(fakeShared, 'onnx', 'synthetic-base.fused.onnx'), '');
const committed = () => readdirSync(RESULTS).map((f) => `${f} ${statSync(join(RESULTS, f)).mtimeMs}`);

describe('npm run bench: results', () => {
  it('--replace with a peer that cannot run: refuses before timing anything, names the peer and why, writes nothing', async () => {
    const before = committed();
    const r = await run(process.execPath, [BENCH, '--replace', '--no-install', '--engines', 'wasmbert,onnxruntime-node'], { env: { ...env, WASMBERT_SHARED: fakeShared }, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/onnxruntime-node: NOT RUN: not installed in .*no-peers/);
    expect(r.stderr).toMatch(/--replace: refusing to overwrite the committed results/);
    expect(r.stderr).not.toMatch(/wasmbert, 1 thread/); // nothing was timed
    expect(committed()).toEqual(before);
  });

  it('without --replace: a new file per run (never the committed ones), the peers that could not run listed in it', async () => {
    const before = committed();
    const args = [BENCH, '--no-install', '--quick', '--shapes', '1x16', '--threads', '1', '--dtypes', 'f32', '--engines', 'wasmbert,onnxruntime-web', '--out-dir', out];
    const r = await run(process.execPath, args, { env, timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(committed()).toEqual(before);
    const files = readdirSync(out).filter((f) => f.startsWith('encoder-'));
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.md'))).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(out, files.find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(report.results.map((x: { engine: string }) => x.engine)).toEqual(['wasmbert']);
    // no ../shared: the peer runner is missing, so nothing was installed for nothing
    expect(report.notRun['onnxruntime-web']).toMatch(/ort_peer\.mjs not found/);
    expect(r.stdout).toMatch(/- onnxruntime-web: not run: .*ort_peer\.mjs not found/);
    expect(r.stderr).not.toMatch(/installing the peers/);
    expect(existsSync(join(out, files[0]))).toBe(true);
  }, 320_000);
});
