// ForwardOutput under the names of ../shared/reference/README.md (and of Hugging Face's outputs):
// what `wasmbert forward` writes and what users compare with PyTorch.
import type { ForwardOutput } from './bert.js';
import type { Tensor } from '../models/tensor.js';

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** emb.word|position|token_type|sum, hidden_states.N, layer0.q|k|v, attentions.N, pooler_output — those present. */
export function namedOutputs(out: ForwardOutput): NamedTensor[] {
  const list: NamedTensor[] = [];
  const e = out.embeddings;
  if (e) {
    list.push({ name: 'emb.word', tensor: e.word });
    // HF's position_embeddings(position_ids) is [1, L, H]: the same rows for every sequence
    const [, L, H] = e.position.shape;
    list.push({ name: 'emb.position', tensor: { data: positionRows(e.position), shape: [1, L, H] } });
    list.push({ name: 'emb.token_type', tensor: e.tokenType });
    list.push({ name: 'emb.sum', tensor: e.sum });
  }
  if (out.hiddenStates) out.hiddenStates.forEach((t, i) => list.push({ name: `hidden_states.${i}`, tensor: t }));
  else list.push({ name: 'last_hidden_state', tensor: out.lastHiddenState });
  if (out.qkv) {
    list.push({ name: 'layer0.q', tensor: out.qkv.q }, { name: 'layer0.k', tensor: out.qkv.k }, { name: 'layer0.v', tensor: out.qkv.v });
  }
  out.attentions?.forEach((t, i) => list.push({ name: `attentions.${i}`, tensor: t }));
  if (out.pooler) list.push({ name: 'pooler_output', tensor: out.pooler });
  return list;
}

/** Row t = the position embedding of t (the same in every sequence; see Bert.forward). */
function positionRows(pos: Tensor): Float32Array {
  const [, L, H] = pos.shape;
  return pos.data.slice(0, L * H);
}
