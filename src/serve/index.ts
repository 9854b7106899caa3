// The embedding service: a web-standard fetch handler (OpenAI- and TEI-compatible), batched.
export { createEmbeddingHandler, errorResponse, type EmbeddingHandler, type HandlerOptions, type RequestLog } from './handler.js';
export { Batcher, type BatcherOptions, type EmbedJob, type EmbeddingModel, type Pooling } from './batcher.js';
export { Metrics } from './metrics.js';
export { parseKeys, keyMatches } from './auth.js';
