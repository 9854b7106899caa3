// Turns what callers hand to forward() — one encoding or a padded batch, arrays or typed arrays — into
// validated rows with the valid positions (attention_mask 1) of each; the engine packs those.
import { ModelError } from '../errors.js';
import type { BatchRows } from '../models/family.js';

/** What the inputs are checked against (a family's config has these HF keys). */
export interface InputLimits {
  readonly vocab_size: number;
  readonly type_vocab_size: number;
  readonly max_position_embeddings: number;
}

type Ids = ArrayLike<number>;

/** What the tokenizer's encode()/encodeBatch() return (camelCase) or Hugging Face's names. */
export interface EncodedInput {
  inputIds?: Ids | Ids[];
  tokenTypeIds?: Ids | Ids[];
  attentionMask?: Ids | Ids[];
  input_ids?: Ids | Ids[];
  token_type_ids?: Ids | Ids[];
  attention_mask?: Ids | Ids[];
}


const isRowArray = (x: unknown): x is Ids[] =>
  Array.isArray(x) && x.length > 0 && typeof x[0] === 'object' && x[0] !== null && 'length' in (x[0] as object);

function rows(x: Ids | Ids[] | undefined, field: string): Ids[] | undefined {
  if (x === undefined) return undefined;
  if (isRowArray(x)) return x;
  if (Array.isArray(x) && x.length === 0) return [];
  if (typeof x === 'object' && x !== null && 'length' in x) return [x as Ids];
  throw new ModelError(`${field}: expected an array of token ids or an array of rows`);
}

export function normalizeInput(input: EncodedInput, cfg: InputLimits): BatchRows {
  if (typeof input !== 'object' || input === null) throw new ModelError('forward: expected an encoding object with inputIds');
  const idRows = rows(input.inputIds ?? input.input_ids, 'inputIds');
  if (!idRows) throw new ModelError('forward: inputIds (or input_ids) is missing');
  const B = idRows.length;
  if (B === 0) throw new ModelError('forward: empty batch (no sequences)');
  const L = idRows[0].length;
  if (L === 0) throw new ModelError('forward: sequence 0 is empty (even "" encodes as [CLS] [SEP])');
  if (L > cfg.max_position_embeddings) {
    throw new ModelError(
      `forward: sequence length ${L} exceeds max_position_embeddings ${cfg.max_position_embeddings} (tokenize with truncation, maxLength ≤ ${cfg.max_position_embeddings})`,
    );
  }
  const typeRows = rows(input.tokenTypeIds ?? input.token_type_ids, 'tokenTypeIds');
  const maskRows = rows(input.attentionMask ?? input.attention_mask, 'attentionMask');
  for (const [name, r] of [['tokenTypeIds', typeRows], ['attentionMask', maskRows]] as const) {
    if (r && r.length !== B) throw new ModelError(`forward: ${name} has ${r.length} rows but inputIds has ${B}`);
  }
  const out: BatchRows = { B, L, ids: [], types: [], valid: [] };
  for (let b = 0; b < B; b++) {
    const id = idRows[b];
    if (id.length !== L) throw new ModelError(`forward: row ${b} has ${id.length} ids but row 0 has ${L} (pad the batch to one length)`);
    const ty = typeRows?.[b];
    const mk = maskRows?.[b];
    if (ty && ty.length !== L) throw new ModelError(`forward: tokenTypeIds row ${b} has ${ty.length} entries, inputIds ${L}`);
    if (mk && mk.length !== L) throw new ModelError(`forward: attentionMask row ${b} has ${mk.length} entries, inputIds ${L}`);
    const ids = new Int32Array(L);
    const types = new Int32Array(L);
    const valid: number[] = [];
    for (let t = 0; t < L; t++) {
      const v = id[t];
      if (!Number.isInteger(v) || v < 0 || v >= cfg.vocab_size) {
        throw new ModelError(`forward: input id ${v} at [${b}, ${t}] is outside the vocabulary [0, ${cfg.vocab_size})`);
      }
      ids[t] = v;
      const tt = ty ? ty[t] : 0;
      if (!Number.isInteger(tt) || tt < 0 || tt >= cfg.type_vocab_size) {
        throw new ModelError(`forward: token type id ${tt} at [${b}, ${t}] is outside [0, ${cfg.type_vocab_size})`);
      }
      types[t] = tt;
      const m = mk ? mk[t] : 1;
      if (m !== 0 && m !== 1) throw new ModelError(`forward: attention mask value ${m} at [${b}, ${t}] is not 0 or 1`);
      if (m === 1) valid.push(t);
    }
    out.ids.push(ids);
    out.types.push(types);
    out.valid.push(Int32Array.from(valid));
  }
  return out;
}
