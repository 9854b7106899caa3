// BERT's configuration, with Hugging Face BertConfig's key names so config.json maps one to one.
import { ModelError } from '../../errors.js';

export type HiddenAct = 'gelu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'relu';

export interface BertConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: HiddenAct;
  max_position_embeddings: number;
  type_vocab_size: number;
  layer_norm_eps: number;
  pad_token_id: number;
}

export const BERT_DEFAULTS: Omit<BertConfig, 'hidden_size' | 'num_hidden_layers' | 'num_attention_heads' | 'intermediate_size'> = {
  vocab_size: 30522,
  hidden_act: 'gelu',
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
};

const ACTS: readonly HiddenAct[] = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'];

/** Validates a parsed config.json (or .wbin header config) and fills Hugging Face's defaults. */
export function parseBertConfig(raw: unknown, where = 'config'): BertConfig {
  if (typeof raw !== 'object' || raw === null) throw new ModelError(`${where}: not a JSON object`);
  const r = raw as Record<string, unknown>;
  const int = (key: string, dflt?: number): number => {
    const v = r[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ModelError(`${where}: "${key}" must be a positive integer (got ${JSON.stringify(r[key])})`);
    }
    return v;
  };
  const hidden_act = (r.hidden_act ?? BERT_DEFAULTS.hidden_act) as HiddenAct;
  if (!ACTS.includes(hidden_act)) {
    throw new ModelError(`${where}: "hidden_act" ${JSON.stringify(r.hidden_act)} is not one of ${ACTS.join(', ')}`);
  }
  const eps = r.layer_norm_eps ?? BERT_DEFAULTS.layer_norm_eps;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ModelError(`${where}: "layer_norm_eps" must be a number > 0`);
  if (r.position_embedding_type !== undefined && r.position_embedding_type !== 'absolute') {
    throw new ModelError(`${where}: position_embedding_type ${JSON.stringify(r.position_embedding_type)} is not supported (only "absolute")`);
  }
  const c: BertConfig = {
    vocab_size: int('vocab_size', BERT_DEFAULTS.vocab_size),
    hidden_size: int('hidden_size'),
    num_hidden_layers: int('num_hidden_layers'),
    num_attention_heads: int('num_attention_heads'),
    intermediate_size: int('intermediate_size'),
    hidden_act,
    max_position_embeddings: int('max_position_embeddings', BERT_DEFAULTS.max_position_embeddings),
    type_vocab_size: int('type_vocab_size', BERT_DEFAULTS.type_vocab_size),
    layer_norm_eps: eps,
    pad_token_id: typeof r.pad_token_id === 'number' ? r.pad_token_id : BERT_DEFAULTS.pad_token_id,
  };
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new ModelError(`${where}: hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}`);
  }
  return c;
}
