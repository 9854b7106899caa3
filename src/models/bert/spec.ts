// BERT's one spec: every tensor of Hugging Face's BertModel, in file (forward) order, with its shape,
// group, role and the synthetic recipe's scale. The key path strings are written here and nowhere else
// (test/spec.test.ts fails otherwise): .wbin validation, synth, convert's renames, the packer, the
// streamed groups and the weight walker derive from this table (src/models/spec.ts).
import type { ModelSpec, SynthScale, TensorSpec } from '../spec.js';

const H = 'hidden_size';
const I = 'intermediate_size';
const t = (key: string, shape: string[], synth: SynthScale): TensorSpec => ({ key, shape, synth });
// SYNTHETIC.md §5.4: every LayerNorm's weight and bias draw from the same scales
const lnW: SynthScale = [0.9, 0.1, 1];
const lnB: SynthScale = [0, 0.05, 1];
const ln = (name: string, outliers: [SynthScale, SynthScale, SynthScale, SynthScale]) =>
  ({ role: 'layernorm', name, weight: t(`${name}.weight`, [H], lnW), bias: t(`${name}.bias`, [H], lnB), outliers }) as const;

export const BERT: ModelSpec = {
  modelType: 'bert',
  groups: [
    {
      kind: 'embeddings',
      prefix: 'embeddings.',
      params: [
        { role: 'embedding', name: 'word_embeddings', table: t('word_embeddings.weight', ['vocab_size', H], [0, 0.05, 1]) },
        { role: 'embedding', name: 'position_embeddings', table: t('position_embeddings.weight', ['max_position_embeddings', H], [0, 0.02, 1]) },
        { role: 'embedding', name: 'token_type_embeddings', table: t('token_type_embeddings.weight', ['type_vocab_size', H], [0, 0.05, 1]) },
        ln('LayerNorm', [[2.5, 0.05, 1], [2.0, 0.05, 1], [-1.0, 0.05, 1], [0.5, 0.05, 1]]),
      ],
    },
    {
      kind: 'layer',
      prefix: 'encoder.layer.{i}.',
      repeat: 'num_hidden_layers',
      params: [
        {
          role: 'linear',
          name: 'attention.self.qkv', // query | key | value: one GEMM
          out: H,
          in: H,
          parts: [
            { weight: t('attention.self.query.weight', [H, H], [0, 2.0, H]), bias: t('attention.self.query.bias', [H], [0, 0.5, 1]) },
            { weight: t('attention.self.key.weight', [H, H], [0, 2.0, H]), bias: t('attention.self.key.bias', [H], [0, 0.2, 1]) },
            { weight: t('attention.self.value.weight', [H, H], [0, 1.0, H]), bias: t('attention.self.value.bias', [H], [0, 0.05, 1]) },
          ],
          quantizable: true,
        },
        {
          role: 'linear',
          name: 'attention.output.dense',
          out: H,
          in: H,
          parts: [{ weight: t('attention.output.dense.weight', [H, H], [0, 0.25, H]), bias: t('attention.output.dense.bias', [H], [0, 0.05, 1]) }],
          quantizable: true,
        },
        ln('attention.output.LayerNorm', [[0.3, 0.05, 1], [0.3, 0.05, 1], [0.0, 0.05, 1], [0.0, 0.05, 1]]),
        {
          role: 'linear',
          name: 'intermediate.dense',
          out: I,
          in: H,
          parts: [{ weight: t('intermediate.dense.weight', [I, H], [0, 1.0, H]), bias: t('intermediate.dense.bias', [I], [-0.7, 0.3, 1]) }],
          quantizable: true,
        },
        {
          role: 'linear',
          name: 'output.dense',
          out: H,
          in: I,
          parts: [{ weight: t('output.dense.weight', [H, I], [0, 0.7, I]), bias: t('output.dense.bias', [H], [0, 0.05, 1]) }],
          quantizable: true,
        },
        ln('output.LayerNorm', [[2.5, 0.05, 1], [2.5, 0.05, 1], [-2.0, 0.05, 1], [1.5, 0.05, 1]]),
      ],
    },
    {
      kind: 'pooler',
      prefix: 'pooler.',
      optional: true,
      params: [
        {
          role: 'linear',
          name: 'dense',
          out: H,
          in: H,
          parts: [{ weight: t('dense.weight', [H, H], [0, 0.8, H]), bias: t('dense.bias', [H], [0, 0.05, 1]) }],
          // tanh of a [CLS] row: one small GEMM per sequence, not worth an int8 error
          quantizable: false,
        },
      ],
    },
  ],
  renames: [
    // BertForPreTraining / BertForMaskedLM / BertForSequenceClassification keep BertModel under `bert.`
    [/^bert\./, ''],
    // TF-era checkpoints name LayerNorm's parameters gamma and beta
    [/LayerNorm\.gamma$/, 'LayerNorm.weight'],
    [/LayerNorm\.beta$/, 'LayerNorm.bias'],
  ],
};
