// An independent float64 BERT in plain TypeScript loops, kept apart from the engine (no wasm, no
// packing, no shared code but the safetensors reader): the truth for configs that have no golden files.
// It follows modeling_bert.py literally: padded positions are computed too, the mask is added as
// finfo(float32).min to the scores.

export interface RefConfig {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: string;
  layer_norm_eps: number;
}

export type Weights = Map<string, { shape: number[]; data: ArrayLike<number> }>;

/** erf to ~1e-15: Maclaurin series below 3 (terms stay < 1e3, so < 1e-13 is lost), Lentz's continued fraction for erfc above. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
    let f = 0;
    for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  }
  return x < 0 ? -r : r;
}

function act(name: string, x: number): number {
  switch (name) {
    case 'gelu':
      return 0.5 * x * (1 + erf64(x / Math.SQRT2));
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    case 'relu':
      return Math.max(0, x);
  }
  throw new Error(`unknown act ${name}`);
}

export interface RefOutput {
  hiddenStates: Float64Array[]; // each [B, L, H]
  attentions: Float64Array[]; // each [B, heads, L, L]
  pooler: Float64Array; // [B, H]
}

export function bertF64(cfg: RefConfig, w: Weights, ids: number[][], types: number[][], mask: number[][]): RefOutput {
  const B = ids.length;
  const L = ids[0].length;
  const H = cfg.hidden_size;
  const nh = cfg.num_attention_heads;
  const d = H / nh;
  const I = cfg.intermediate_size;
  const get = (name: string) => {
    const t = w.get(name) ?? w.get(`bert.${name}`);
    if (!t) throw new Error(`missing ${name}`);
    return t.data;
  };
  const linear = (x: Float64Array, rows: number, inF: number, outF: number, wName: string, bName: string) => {
    const W = get(wName);
    const bias = get(bName);
    const y = new Float64Array(rows * outF);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < outF; o++) {
        let s = bias[o];
        for (let i = 0; i < inF; i++) s += x[r * inF + i] * W[o * inF + i];
        y[r * outF + o] = s;
      }
    return y;
  };
  const layerNorm = (x: Float64Array, rows: number, wName: string, bName: string) => {
    const g = get(wName);
    const b = get(bName);
    const y = new Float64Array(x.length);
    for (let r = 0; r < rows; r++) {
      let mean = 0;
      for (let i = 0; i < H; i++) mean += x[r * H + i];
      mean /= H;
      let v = 0;
      for (let i = 0; i < H; i++) v += (x[r * H + i] - mean) ** 2;
      v /= H;
      const inv = 1 / Math.sqrt(v + cfg.layer_norm_eps);
      for (let i = 0; i < H; i++) y[r * H + i] = (x[r * H + i] - mean) * inv * g[i] + b[i];
    }
    return y;
  };
  const rows = B * L;
  const we = get('embeddings.word_embeddings.weight');
  const pe = get('embeddings.position_embeddings.weight');
  const te = get('embeddings.token_type_embeddings.weight');
  let x = new Float64Array(rows * H);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < L; t++)
      for (let i = 0; i < H; i++) x[(b * L + t) * H + i] = we[ids[b][t] * H + i] + te[types[b][t] * H + i] + pe[t * H + i];
  x = layerNorm(x, rows, 'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias');
  const hiddenStates = [x];
  const attentions: Float64Array[] = [];
  const FMIN = -3.4028234663852886e38;
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    const q = linear(x, rows, H, H, p + 'attention.self.query.weight', p + 'attention.self.query.bias');
    const k = linear(x, rows, H, H, p + 'attention.self.key.weight', p + 'attention.self.key.bias');
    const v = linear(x, rows, H, H, p + 'attention.self.value.weight', p + 'attention.self.value.bias');
    const ctx = new Float64Array(rows * H);
    const probs = new Float64Array(B * nh * L * L);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < nh; h++)
        for (let i = 0; i < L; i++) {
          const s = new Float64Array(L);
          let mx = -Infinity;
          for (let j = 0; j < L; j++) {
            let dot = 0;
            for (let c = 0; c < d; c++) dot += q[(b * L + i) * H + h * d + c] * k[(b * L + j) * H + h * d + c];
            s[j] = dot / Math.sqrt(d) + (1 - mask[b][j]) * FMIN;
            mx = Math.max(mx, s[j]);
          }
          let sum = 0;
          for (let j = 0; j < L; j++) sum += s[j] = Math.exp(s[j] - mx);
          for (let j = 0; j < L; j++) {
            const pr = s[j] / sum;
            probs[((b * nh + h) * L + i) * L + j] = pr;
            for (let c = 0; c < d; c++) ctx[(b * L + i) * H + h * d + c] += pr * v[(b * L + j) * H + h * d + c];
          }
        }
    attentions.push(probs);
    const ao = linear(ctx, rows, H, H, p + 'attention.output.dense.weight', p + 'attention.output.dense.bias');
    for (let i = 0; i < ao.length; i++) ao[i] += x[i];
    const a = layerNorm(ao, rows, p + 'attention.output.LayerNorm.weight', p + 'attention.output.LayerNorm.bias');
    const inter = linear(a, rows, H, I, p + 'intermediate.dense.weight', p + 'intermediate.dense.bias').map((z) => act(cfg.hidden_act, z));
    const o = linear(inter, rows, I, H, p + 'output.dense.weight', p + 'output.dense.bias');
    for (let i = 0; i < o.length; i++) o[i] += a[i];
    x = layerNorm(o, rows, p + 'output.LayerNorm.weight', p + 'output.LayerNorm.bias');
    hiddenStates.push(x);
  }
  const cls = new Float64Array(B * H);
  for (let b = 0; b < B; b++) cls.set(x.subarray(b * L * H, b * L * H + H), b * H);
  const pooler = linear(cls, B, H, H, 'pooler.dense.weight', 'pooler.dense.bias').map(Math.tanh);
  return { hiddenStates, attentions, pooler };
}
