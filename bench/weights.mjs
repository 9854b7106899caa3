#!/usr/bin/env node
// Weights loading on synthetic-base (bert-base shapes, 438 MB f32): how long it takes to open the .wbin
// and bring its weights into WebAssembly memory, and the peak RSS that costs, in both residency modes:
//   resident  every tensor read once into one WebAssembly.Memory (what Bert.load does by default)
//   streamed  two layer-sized JS slots: layer n+1's byte range is read while layer n is decoded into a
//             single layer's worth of wasm memory (what a forward pass does with residency 'streamed');
//             word embeddings stay on disk (a forward reads only the rows its tokens use)
// Each mode runs in its own process (maxRSS is a process-lifetime peak). The file is in the page cache
// (it was just generated or read): these are warm-cache numbers, i.e. memcpy + syscall cost, not disk.
//
//   npm run build && node bench/weights.mjs [--dtype f32|f16] [--repeat 3] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: { mode: { type: 'string' }, wbin: { type: 'string' }, dtype: { type: 'string', default: 'f32' }, repeat: { type: 'string', default: '3' }, json: { type: 'boolean' } },
});
const dist = (p) => new URL(`../dist/weights/${p}`, import.meta.url).href;
const mb = (b) => (b / 1e6).toFixed(1);

if (a.mode) {
  // ---- child: one measurement
  const { openSource } = await import(dist('source.js'));
  const { openWbin } = await import(dist('wbin.js'));
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const file = await openWbin(await openSource(a.wbin));
  const tOpen = performance.now() - t0;
  const cfg = file.config;
  const numel = (t) => t.shape.reduce((x, y) => x * y, 1);
  let wasmBytes;
  let tLoad;
  if (a.mode === 'resident') {
    const floats = file.tensors.reduce((s, t) => s + numel(t), 0);
    const memory = new WebAssembly.Memory({ initial: Math.ceil((floats * 4) / 65536) });
    wasmBytes = memory.buffer.byteLength;
    const t1 = performance.now();
    let at = 0;
    for (const t of file.tensors) {
      await file.readTensorF32(t.name, new Float32Array(memory.buffer, at * 4, numel(t)));
      at += numel(t);
    }
    tLoad = performance.now() - t1;
  } else {
    const layers = file.groups.filter((g) => g.name.startsWith('layer.'));
    const maxLen = Math.max(...layers.map((g) => g.length));
    const layerFloats = Math.max(...layers.map((g) => g.tensors.reduce((s, t) => s + numel(t), 0)));
    const small = file.tensors.filter((t) => t.name !== 'embeddings.word_embeddings.weight' && !t.name.startsWith('encoder.'));
    const smallFloats = small.reduce((s, t) => s + numel(t), 0);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(((layerFloats + smallFloats) * 4) / 65536) });
    wasmBytes = memory.buffer.byteLength;
    const slots = [new Uint8Array(maxLen), new Uint8Array(maxLen)];
    const t1 = performance.now();
    let at = layerFloats;
    for (const t of small) {
      await file.readTensorF32(t.name, new Float32Array(memory.buffer, at * 4, numel(t)));
      at += numel(t);
    }
    const read = (i) => file.readRange(layers[i].offset, layers[i].length, slots[i % 2].subarray(0, layers[i].length));
    let pending = read(0);
    for (let i = 0; i < layers.length; i++) {
      await pending;
      if (i + 1 < layers.length) pending = read(i + 1); // prefetch the next layer while this one is decoded
      const g = layers[i];
      let p = 0;
      for (const t of g.tensors) {
        file.decodeInto(t, slots[i % 2].subarray(t.offset - g.offset, t.offset - g.offset + t.byteLength), new Float32Array(memory.buffer, p * 4, numel(t)));
        p += numel(t);
      }
    }
    tLoad = performance.now() - t1;
  }
  await file.close();
  process.stdout.write(JSON.stringify({ mode: a.mode, layers: cfg.num_hidden_layers, openMs: tOpen, loadMs: tLoad, wasmBytes, maxRss: process.resourceUsage().maxRSS * 1024, rssBefore }) + '\n');
  process.exit(0);
}

// ---- parent
if (!existsSync(fileURLToPath(dist('cache.js')))) {
  console.error('bench/weights.mjs: run `npm run build` first (it imports ../dist/weights)');
  process.exit(1);
}
const { ensureSynthetic } = await import(dist('cache.js'));
const { convertCheckpoint } = await import(dist('convert.js'));
const log = (m) => console.error(m);
let { folder, wbin } = await ensureSynthetic('synthetic-base', { onProgress: log });
if (a.dtype === 'f16') {
  const f16 = wbin.replace(/\.wbin$/, '.f16.wbin');
  if (!existsSync(f16)) await convertCheckpoint(folder, f16, { dtype: 'f16' });
  wbin = f16;
}
const repeat = Number(a.repeat);
const rows = [];
for (const mode of ['resident', 'streamed']) {
  const runs = [];
  for (let r = 0; r < repeat; r++) {
    const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--mode', mode, '--wbin', wbin], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${mode}: ${res.stderr}`);
    runs.push(JSON.parse(res.stdout));
  }
  const best = runs.reduce((x, y) => (y.openMs + y.loadMs < x.openMs + x.loadMs ? y : x));
  rows.push({ ...best, maxRss: Math.max(...runs.map((r) => r.maxRss)) });
}
if (a.json) console.log(JSON.stringify({ wbin, dtype: a.dtype, rows }, null, 2));
else {
  console.log(`synthetic-base .wbin (${a.dtype}), ${wbin}\nbest of ${repeat} (time), worst of ${repeat} (peak RSS), warm page cache, node ${process.version}\n`);
  console.log('mode      | open (header) | weights → wasm memory | wasm memory | peak RSS | RSS of an empty node');
  console.log('----------|---------------|-----------------------|-------------|----------|---------------------');
  for (const r of rows) {
    const what = r.mode === 'resident' ? 'all tensors' : `embeddings + ${r.layers} layers streamed`;
    console.log(`${r.mode.padEnd(9)} | ${r.openMs.toFixed(1).padStart(10)} ms | ${r.loadMs.toFixed(0).padStart(6)} ms (${what}) | ${mb(r.wasmBytes).padStart(8)} MB | ${mb(r.maxRss).padStart(5)} MB | ${mb(r.rssBefore)} MB`);
  }
}
