// The lean clone: the root package.json holds what build, start and test need; the peers and extra runtimes
// are pinned in scripts/peers/ and installed by `npm run peers` (scripts/peers.mjs) into .cache/peers/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from './runtimes/harness.js';

const json = (p: string) => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));
const PEERS = ['onnxruntime-node', 'onnxruntime-web', '@huggingface/transformers', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'bun', 'deno', 'workerd'];

describe('npm run peers', () => {
  it("the clone's package.json depends on none of the peers; scripts/peers pins each to one version, as its lock does", () => {
    const root = json('package.json');
    for (const p of PEERS) expect(root.devDependencies?.[p] ?? root.dependencies?.[p], p).toBeUndefined();
    const peers = json('scripts/peers/package.json');
    const lock = json('scripts/peers/package-lock.json');
    expect(Object.keys(peers.dependencies).sort()).toEqual([...PEERS].sort());
    for (const [name, version] of Object.entries(peers.dependencies)) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
    // npm 11 runs dependency install scripts only where allowScripts says: the runtimes' yes, onnxruntime-node's
    // CUDA download no (and no unknown-config warning from an .npmrc setting)
    expect(peers.allowScripts).toMatchObject({ bun: true, deno: true, workerd: true, 'onnxruntime-node': false });
  });

  it('--check on a folder without them: exit 1, naming what is missing and the command that installs it', async () => {
    const r = await run(process.execPath, [join(ROOT, 'scripts', 'peers.mjs'), '--check'], { env: { WASMBERT_PEERS: '/nonexistent/wasmbert-peers' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing: \/nonexistent\/wasmbert-peers \(not installed\), Node 22 .*Node 24 .*run `npm run peers`/);
  });
});
