#!/usr/bin/env node
// Writes the figures of weights/FORMAT.md §5 (the worked example) and §7 (verify throughput) from real
// files, between the `<!-- format-example:begin -->` / `<!-- format-example:end -->` markers (and the
// verify markers), so no figure there is typed by hand. Needs `npm run build` (it runs dist/).
//
//   node scripts/format-example.mjs            rewrite the blocks (synthesizes synthetic-tiny in a temp folder;
//                                             synthetic-base from the cache, generated on first use)
//   node scripts/format-example.mjs --check    exit 1 if the example block differs from a fresh render
//                                             (the throughput block is a measurement: not checked)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const { synthesize } = await dist('weights/synth.js');
const { convertCheckpoint } = await dist('weights/convert.js');
const { ensureSynthetic } = await dist('weights/cache.js');
const { fileSource } = await dist('weights/source-node.js');
const { openWbin, preambleBytes } = await dist('weights/wbin.js');

const n = (x) => x.toLocaleString('en-US');
const hexLine = (b, at) => {
  const bytes = [...b.subarray(at, at + 16)].map((x) => x.toString(16).padStart(2, '0'));
  const ascii = [...b.subarray(at, at + 16)].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
  return `${at.toString(16).padStart(8, '0')}  ${bytes.slice(0, 8).join(' ')}  ${bytes.slice(8).join(' ')}   ${ascii}`;
};

async function exampleBlock() {
  const tmp = mkdtempSync(join(tmpdir(), 'wasmbert-format-'));
  try {
    await synthesize('synthetic-tiny', join(tmp, 'tiny'));
    await convertCheckpoint(join(tmp, 'tiny'), join(tmp, 'tiny.wbin'));
    const bytes = readFileSync(join(tmp, 'tiny.wbin'));
    const src = fileSource(join(tmp, 'tiny.wbin'));
    const f = await openWbin(src);
    await src.close();
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const N = dv.getUint32(12, true);
    const D = f.dataOffset;
    const L = f.size - D;
    const at = preambleBytes(f.version);
    const header = JSON.parse(bytes.subarray(at, at + N).toString('utf8'));
    const layer0 = f.group('layer.0');
    const word = f.tensor('embeddings.word_embeddings.weight');
    const H = f.config.hidden_size;
    const rowAt = word.offset + 2023 * H * 4;
    const t = header.tensors;
    const entry = (e) => `  {"name":"${e.name}","dtype":"${e.dtype}","shape":${JSON.stringify(e.shape)},"offset":${e.offset},"length":${e.length},"sha256":"${e.sha256.slice(0, 8)}…"},`;

    const base = await ensureSynthetic('synthetic-base');
    const bsrc = fileSource(base.wbin);
    const b = await openWbin(bsrc);
    await bsrc.close();
    const emb = b.group('embeddings');
    const bl0 = b.group('layer.0');
    const params = bl0.tensors.reduce((s, x) => s + x.shape.reduce((p, d) => p * d, 1), 0);

    return [
      `\`wasmbert synth synthetic-tiny /tmp/tiny && wasmbert convert /tmp/tiny /tmp/tiny.wbin\` (hidden ${H},`,
      `${f.config.num_hidden_layers} layers, intermediate ${f.config.intermediate_size}, vocab ${n(f.config.vocab_size)}) gives a ${n(f.size)}-byte file, version ${f.version}:`,
      '',
      '```',
      `${hexLine(bytes, 0)}   magic, version ${f.version}, N = 0x${N.toString(16).padStart(6, '0')} = ${n(N)}`,
      `${hexLine(bytes, 16)}   D = ${n(D)} = align64(${at} + ${n(N)}), L = ${n(L)}`,
      `${hexLine(bytes, 32)}   header checksum: sha256(bytes [0, 32) ‖ header)`,
      `${hexLine(bytes, 48)}`,
      `${hexLine(bytes, 64)}`,
      '```',
      '',
      `and D + L = ${n(D + L)}, the file size. The header (vocabulary elided):`,
      '',
      '```json',
      `{"format":"wasmbert-wbin","version":${header.version},`,
      ` "config":${JSON.stringify(header.config)},`,
      ` "tokenizer":{"vocab":${JSON.stringify(header.tokenizer.vocab.slice(0, 2)).slice(0, -1)}, ... ${n(header.tokenizer.vocab.length)} tokens],`,
      `              "options":${JSON.stringify(header.tokenizer.options)}},`,
      ' "tensors":[',
      ...t.slice(0, 6).map(entry),
      `  ... ${t.length - 6} more ...],`,
      ` "metadata":${JSON.stringify(header.metadata)}}`,
      '```',
      '',
      `\`embeddings.word_embeddings.weight\` starts at absolute byte ${n(D)} + 0; \`layer.0\` is the single range`,
      `[${n(D)} + ${n(layer0.offset - D)}, ${n(D)} + ${n(layer0.offset - D + layer0.length)}) = ${n(layer0.length)} bytes (${layer0.tensors.length} tensors, each starting on a multiple of 64);`,
      '`layer.1` follows at once; the pooler\'s two tensors end the file. Its word-embedding row for token id',
      `2023 ("${header.tokenizer.vocab[2023]}") is the ${H * 4} bytes at ${n(D)} + 2023 × ${H} × 4 = ${n(rowAt)}: the streamed model reads exactly those.`,
      '',
      `For synthetic-base (f32) the data section starts at D = ${n(b.dataOffset)} and holds ${((b.size - b.dataOffset) / 1e6).toFixed(1)} MB; the embeddings group is`,
      `${n(emb.length)} bytes and each layer ${n(bl0.length)} bytes (${n(params)} parameters, 64-byte padding included).`,
    ].join('\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function verifyBlock() {
  const base = await ensureSynthetic('synthetic-base');
  const src = fileSource(base.wbin);
  const f = await openWbin(src);
  // twice: the first run may read from disk, the second from the page cache; both are reported
  const runs = [];
  for (let i = 0; i < 2; i++) runs.push(await f.verify());
  await src.close();
  const rate = (r) => (r.bytes / 1e6 / (r.ms / 1000)).toFixed(0);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return [
    `Measured by \`node scripts/format-example.mjs\` on synthetic-base (f32, ${(runs[0].bytes / 1e6).toFixed(1)} MB of tensors), ${cpu},`,
    `${cpus().length} vCPUs, Node ${process.versions.node}: ${rate(runs[0])} MB/s on the first run, ${rate(runs[1])} MB/s on the second (file in the page cache).`,
  ].join('\n');
}

function replaceBlock(text, name, body) {
  const re = new RegExp(`(<!-- ${name}:begin[^>]*-->)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`weights/FORMAT.md has no ${name} markers`);
  return text.replace(re, (_, a, z) => `${a}\n${body}\n${z}`);
}

const path = join(root, 'weights', 'FORMAT.md');
const text = readFileSync(path, 'utf8');
const example = await exampleBlock();
if (process.argv.includes('--check')) {
  const fresh = replaceBlock(text, 'format-example', example);
  if (fresh !== text) {
    process.stderr.write('weights/FORMAT.md §5 is stale: run node scripts/format-example.mjs\n');
    process.exit(1);
  }
  process.stdout.write('weights/FORMAT.md §5 is up to date\n');
} else {
  const out = replaceBlock(replaceBlock(text, 'format-example', example), 'verify-throughput', await verifyBlock());
  writeFileSync(path, out);
  process.stdout.write('wrote weights/FORMAT.md §5 and §7\n');
}
