// Every failure wasmbert reports is one of these types, named for the room it comes from, with a
// message that names the file, tensor or field and what was wrong with it.

/** Base class: `instanceof WasmbertError` catches every error this library raises on purpose. */
export class WasmbertError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad tokenizer files or input that is not text. */
export class TokenizerError extends WasmbertError {}

/** A weights file, checkpoint folder or weight source that is missing, malformed or inconsistent. */
export class WeightsError extends WasmbertError {
  /** The file (or URL) concerned, when there is one. */
  readonly file?: string;
  /** The tensor concerned, when there is one. */
  readonly tensor?: string;
  constructor(message: string, where: { file?: string; tensor?: string; cause?: unknown } = {}) {
    const prefix = [where.file, where.tensor && `tensor "${where.tensor}"`].filter(Boolean).join(': ');
    super(prefix ? `${prefix}: ${message}` : message, { cause: where.cause });
    this.file = where.file;
    this.tensor = where.tensor;
  }
}

/** Inputs the model cannot run (shapes, ids, lengths) or a model used after dispose(). */
export class ModelError extends WasmbertError {}

/** The JavaScript runtime lacks something wasmbert needs (WebAssembly SIMD, a file system, ...). */
export class RuntimeError extends WasmbertError {}

/**
 * A request the embedding service refuses (src/serve): the HTTP status, the request field concerned (OpenAI's
 * `param`) and the kind of failure (TEI's `error_type`). `retryAfter` (seconds) goes out as Retry-After.
 */
export class ServeError extends WasmbertError {
  constructor(
    message: string,
    readonly status: number,
    readonly kind: 'validation' | 'tokenizer' | 'overloaded' | 'unhealthy' | 'backend' | 'auth' | 'not_found' = 'validation',
    readonly field?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** A call cancelled through its AbortSignal (`cause`: the signal's reason). */
export class AbortError extends WasmbertError {}
