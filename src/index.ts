// wasmbert: the full BERT encoder as WebAssembly SIMD kernels, driven from TypeScript.
// This entry runs everywhere (Node, Deno, Bun, browsers, workers): Node-only tools (converting
// checkpoints, synthetic checkpoints, the hub) are in 'wasmbert/node'.
export * from './errors.js';
export {
  Bert,
  type LoadOptions as BertLoadOptions,
  type ForwardOptions,
  type ForwardOutput,
  type EmbedOptions,
  type CallOptions,
  type ModelSource,
  type Residency,
} from './model/bert.js';
export { POOLING_MODES, type PoolingMode, type SentenceConfig } from './sentence/config.js';
export { parseBertConfig, type BertConfig, type HiddenAct } from './models/bert/config.js';
export { namedOutputs, type NamedTensor } from './model/outputs.js';
export type { Tensor } from './models/tensor.js';
export type { EncodedInput } from './engine/inputs.js';
export {
  BertTokenizer,
  type TokenizerOptions,
  type Encoding,
  type BatchEncoding,
  type EncodeOptions,
  type BatchEncodeOptions,
  type DecodeOptions,
  type TruncationStrategy,
} from './tokenizer/index.js';
export { openWbin, WbinFile, type TensorEntry, type TensorGroup } from './weights/wbin.js';
export { memorySource, httpSource, bunMmapSource, openSource, type WeightSource, type HttpSourceOptions } from './weights/source.js';
export { loadKernels, chooseVariant, type Variant, type Kernels, type KernelLoadOptions } from './runtime/wasm.js';
/** @deprecated the kernels' load options, now named KernelLoadOptions (Bert.load's are BertLoadOptions). */
export type { KernelLoadOptions as LoadOptions } from './runtime/wasm.js';
export { probeFeatures, type WasmFeatures } from './runtime/features.js';
export { threadsAvailable, defaultThreadCount } from './threads/compute.js';
export { createEmbeddingHandler, type EmbeddingHandler, type HandlerOptions, type RequestLog } from './serve/index.js';
