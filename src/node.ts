// wasmbert's Node-only tools: checkpoint conversion, synthetic checkpoints, the hub, safetensors files.
export * from './index.js';
export { convertCheckpoint, type ConvertReport } from './weights/convert.js';
export { synthesize } from './weights/synth.js';
export { ensureSynthetic, defaultCacheDir } from './weights/cache.js';
export { pull } from './weights/hub.js';
export { resolveModel, type ResolveOptions, type ResolvedModel } from './weights/resolve.js';
export { embedCorpus, parseCorpus, CorpusError, type CorpusOptions, type CorpusReport } from './embedding/corpus.js';
export { readSafetensors, writeSafetensors } from './weights/safetensors.js';
export { fileSource } from './weights/source-node.js';
