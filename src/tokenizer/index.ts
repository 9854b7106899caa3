// wasmbert's tokenizer: Hugging Face's BertTokenizerFast, token for token and offset for offset.
// Offsets everywhere are [start, end) UTF-16 code unit indices into the original string (JavaScript's
// convention: text.slice(start, end) is the token's source text). See README.md in this folder.
export {
  BertTokenizer,
  truncate,
  parseVocabText,
  type TokenizerOptions,
  type Encoding,
  type BatchEncoding,
  type EncodeOptions,
  type BatchEncodeOptions,
  type DecodeOptions,
  type TruncationStrategy,
} from './tokenizer.js';
export { parseTokenizerJson, parseTokenizerConfig, tokenizerFromFiles, type TokenizerFiles } from './load.js';
export { TokenizerError } from '../errors.js';
