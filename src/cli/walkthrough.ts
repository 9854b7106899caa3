// The classic BERT walkthrough, printed from the model's own intermediates: tokens, the three
// embeddings and their sum, the first layer's Q, K, V and attention, every hidden state, the pooler.
// Used by `npm start` (demo) and `wasmbert inspect`.
import type { Bert, ForwardOutput } from '../model/bert.js';
import type { Tensor } from '../models/tensor.js';

export interface WalkthroughOptions {
  /** print every layer's heads (inspect) or only the first layer's (demo) */
  allLayers?: boolean;
  out?: (line: string) => void;
}

const fmt = (v: number) => (v >= 0 ? ' ' : '') + v.toFixed(4);
const shape = (t: Tensor | readonly number[]) => `[${('shape' in t ? t.shape : t).join(', ')}]`;

function stats(t: Tensor, mask: number[][]): { mean: number; std: number; maxAbs: number } {
  const [B, L, H] = t.shape;
  let n = 0, s = 0, ss = 0, maxAbs = 0;
  for (let b = 0; b < B; b++) for (let p = 0; p < L; p++) {
    if (mask[b][p] !== 1) continue;
    for (let i = 0; i < H; i++) {
      const v = t.data[(b * L + p) * H + i];
      n++; s += v; ss += v * v; maxAbs = Math.max(maxAbs, Math.abs(v));
    }
  }
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(ss / n - mean * mean, 0)), maxAbs };
}

const row = (t: Tensor, b: number, p: number) => {
  const [, L, H] = t.shape;
  return t.data.subarray((b * L + p) * H, (b * L + p + 1) * H);
};
const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

export async function walkthrough(bert: Bert, texts: string[], opts: WalkthroughOptions = {}): Promise<void> {
  const say = opts.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const cfg = bert.config;
  const H = cfg.hidden_size;
  const heads = cfg.num_attention_heads;
  const d = H / heads;

  let t0 = performance.now();
  const enc = bert.tokenizer.encodeBatch(texts, { padding: 'longest', truncation: 'longest_first', maxLength: cfg.max_position_embeddings });
  const tTok = performance.now() - t0;
  const B = enc.inputIds.length;
  const L = enc.inputIds[0].length;
  const mask = enc.attentionMask as number[][];

  say(`\n1. Tokenization (WordPiece, ${bert.tokenizer.vocab.length} pieces)  →  input_ids ${shape([B, L])}   ${tTok.toFixed(2)} ms`);
  for (let b = 0; b < B; b++) {
    const n = mask[b].reduce((a, x) => a + x, 0);
    say(`   text ${b + 1}: ${n} tokens + ${L - n} [PAD]: ${enc.tokens[b].slice(0, n).join(' ')}`);
  }

  t0 = performance.now();
  const out: ForwardOutput = await bert.forward(enc, { hiddenStates: true, attentions: true, qkv: true, embeddings: true });
  const tAll = performance.now() - t0;
  t0 = performance.now();
  await bert.forward(enc);
  const tPlain = performance.now() - t0;

  const e = out.embeddings!;
  const tok1 = enc.tokens[0][1] ?? enc.tokens[0][0];
  say(`\n2. Embeddings, each ${shape(e.word)}: one ${H}-vector per token, summed, then LayerNorm (eps ${cfg.layer_norm_eps})`);
  const show = (label: string, t: Tensor) => {
    const v = row(t, 0, 1 < L ? 1 : 0);
    say(`   ${label.padEnd(36)} ${shape(t)}  "${tok1}": [${Array.from(v.subarray(0, 4), fmt).join(',')} …]  ‖·‖ ${norm(v).toFixed(4)}`);
  };
  show('token embeddings (emb.word)', e.word);
  show('position embeddings (emb.position)', e.position);
  show('segment embeddings (emb.token_type)', e.tokenType);
  show('sum (emb.sum)', e.sum);
  show('LayerNorm(sum) = hidden_states.0', out.hiddenStates![0]);

  const qkv = out.qkv!;
  say(`\n3. Layer 1 self-attention with the model's own weights: Q, K, V = hidden_states.0 · Wᵀ + b, each ${shape(qkv.q)}`);
  say(`   split into ${heads} heads of ${d}; scores = Q·Kᵀ / √${d} (= ${Math.sqrt(d).toFixed(3)}), softmax over the keys → attentions.0 ${shape(out.attentions![0])}`);
  for (const [label, t] of [['Q', qkv.q], ['K', qkv.k], ['V', qkv.v]] as const) {
    const v = row(t, 0, 1 < L ? 1 : 0);
    say(`   ${label} "${tok1}" head 0: [${Array.from(v.subarray(0, 4), fmt).join(',')} …]`);
  }
  const layers = opts.allLayers ? out.attentions!.map((_, i) => i) : [0];
  for (const layer of layers) {
    const att = out.attentions![layer];
    say(`   layer ${layer + 1}, text 1: each head's most attended token per query (first 6 queries)`);
    const n = mask[0].reduce((a, x) => a + x, 0);
    for (let h = 0; h < heads; h++) {
      const picks: string[] = [];
      for (let q = 0; q < Math.min(6, n); q++) {
        const base = ((0 * heads + h) * L + q) * L;
        let best = 0;
        for (let k = 1; k < L; k++) if (att.data[base + k] > att.data[base + best]) best = k;
        picks.push(`${enc.tokens[0][q]}→${enc.tokens[0][best]} ${att.data[base + best].toFixed(2)}`);
      }
      say(`     head ${String(h).padStart(2)}: ${picks.join('  ')}`);
    }
  }

  say(`\n4. Hidden states (valid positions), each ${shape(out.lastHiddenState)}`);
  out.hiddenStates!.forEach((t, i) => {
    const s = stats(t, mask);
    const label = i === 0 ? 'embeddings (hidden_states.0)' : `layer ${String(i).padStart(2)} (hidden_states.${i})`;
    say(`   ${label.padEnd(30)} mean ${fmt(s.mean)}  std ${s.std.toFixed(4)}  max|h| ${s.maxAbs.toFixed(3)}`);
  });

  if (out.pooler) {
    say(`\n5. Pooled output = tanh(dense(hidden_states.${cfg.num_hidden_layers}[:, 0])): ${shape(out.pooler)}`);
    for (let b = 0; b < B; b++) say(`   text ${b + 1}: [${Array.from(out.pooler.data.subarray(b * H, b * H + 4), fmt).join(',')} …]`);
  }
  if (B > 1) {
    const vecs = await bert.embed(texts, { pooling: 'mean', normalize: true });
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
    say(`   sentence embeddings (mean pooling, normalised): cosine(1,2) ${cos(vecs[0], vecs[1]).toFixed(4)}${B > 2 ? `  cosine(1,3) ${cos(vecs[0], vecs[2]).toFixed(4)}  cosine(2,3) ${cos(vecs[1], vecs[2]).toFixed(4)}` : ''}`);
  }

  say(`\nTime: tokenize ${tTok.toFixed(2)} ms · forward with every intermediate ${tAll.toFixed(1)} ms · plain forward ${tPlain.toFixed(1)} ms (${bert.variant} build, ${bert.threads} thread${bert.threads === 1 ? "" : "s"})`);
}
