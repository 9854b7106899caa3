// The kernel calls a model makes, in one place and knowing no model: the single-threaded implementation
// calls the wasm exports directly; the threaded one (src/threads/) splits the same calls across workers.
// Families (src/models/) call these; the engine (src/engine/) picks the implementation.
import type { KernelExports } from '../runtime/exports.js';
import type { GemmFn } from '../runtime/gemm-exports.js';

/** How a Linear's weight is stored; each format has its size (linearBytes), packing (packLinear) and GEMMs (linearExport) below. */
export type LinearFormat = 'f32';

/** A Linear layer's weights, packed once for the GEMM: `w` points at panels of [out=n, in=k] plus bias. */
export interface Linear {
  /** how `w` is stored: 'f32' = gemm_pack_f32's panels (the packer and linear() dispatch on it) */
  readonly format: LinearFormat;
  readonly w: number;
  /** out_features */
  readonly n: number;
  /** in_features */
  readonly k: number;
}

/** What follows a Linear's GEMM: its bias, then an activation (HF's ACT2FN names) or the residual add. */
export type Epilogue = 'bias' | 'bias_residual' | 'gelu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'relu';

export interface Compute {
  /** threads the kernels run on (1 = the calling thread alone) */
  readonly threads: number;
  /** Releases the threads (workers); idempotent. The compute must not be used afterwards. */
  dispose(): Promise<void>;
  /**
   * y[m×n] = epilogue(x[m×k] · Wᵀ + b); for 'bias_residual', y holds the residual on entry. With `scratch`
   * (a free buffer of gemm_pack_a_size(m, k) bytes), x is first packed into 4-row strips there and the
   * packed-A GEMM runs: same bits, 8–14% faster on x64 (one A pointer instead of four).
   */
  linear(m: number, x: number, ldx: number, lin: Linear, y: number, ldy: number, epilogue: Epilogue, scratch?: number): void;
  /**
   * Self-attention of one sequence of n valid tokens, all heads: qkv is [n, 3H] (Q | K | V), ctx [n, H].
   * `scratch`: attentionScratchBytes(k, n, headSize) bytes (or more: sized once for the longest sequence).
   * `probs(h)` (optional) receives each head's probabilities [n, n], for output_attentions.
   */
  attention(n: number, heads: number, headSize: number, qkv: number, ctx: number, scratch: number, probs?: (h: number, ptr: number) => void): void;
  layernorm(m: number, n: number, x: number, ldx: number, gamma: number, beta: number, eps: number, y: number, ldy: number): void;
  tanh(n: number, x: number, y: number): void;
}

/**
 * Bytes of attention scratch for sequences up to maxSeq tokens: the kernel's own (packed K and V, a block of
 * scores) and, after it, room for one head's [n, n] probabilities when they are asked for.
 */
export function attentionScratchBytes(k: KernelExports, maxSeq: number, headSize: number): number {
  return k.attention_scratch_size(maxSeq, headSize) + 4 * maxSeq * maxSeq;
}

/** The GEMM export for an epilogue: gemm_f32__* over plain A, gemm_f32_pa__* over A packed by gemm_pack_a_f32. */
export function gemmExport(e: Epilogue, packedA: boolean): keyof KernelExports & `gemm_f32${string}` {
  const suffix = e === 'bias' ? 'bias' : e === 'bias_residual' ? 'bias_residual' : e === 'gelu' ? 'bias_gelu' : e === 'relu' ? 'bias_relu' : 'bias_gelu_tanh';
  return `gemm_f32${packedA ? '_pa' : ''}__${suffix}` as keyof KernelExports & `gemm_f32${string}`;
}

/** Bytes of a packed [n, k] Linear weight (bias included) in this format: where the engine's walk gets its sizes. */
export function linearBytes(k: KernelExports, format: LinearFormat, n: number, kk: number): number {
  switch (format) {
    case 'f32':
      return k.gemm_pack_size(n, kk);
  }
}

/**
 * Packs W [n, k] (f32, row stride k) and bias [n] into `dst` (linearBytes of them) for this format's GEMMs.
 * The engine's packer stages every Linear in f32 and calls this: a new format (int8 'qc8w') quantizes here.
 */
export function packLinear(k: KernelExports, format: LinearFormat, n: number, kk: number, w: number, bias: number, dst: number): void {
  switch (format) {
    case 'f32':
      return k.gemm_pack_f32(n, kk, w, kk, bias, dst);
  }
}

/** The GEMM export for a Linear of this format (a new format adds its case here, in linearBytes and in packLinear). */
export function linearExport(lin: Linear, e: Epilogue, packedA: boolean): keyof KernelExports {
  switch (lin.format) {
    case 'f32':
      return gemmExport(e, packedA);
  }
}

export class SingleThreadCompute implements Compute {
  readonly threads: number = 1;
  constructor(readonly k: KernelExports) {}

  async dispose(): Promise<void> {}

  linear(m: number, x: number, ldx: number, lin: Linear, y: number, ldy: number, epilogue: Epilogue, scratch?: number): void {
    if (m === 0) return;
    const k = this.k;
    if (scratch) {
      k.gemm_pack_a_f32(m, lin.k, x, ldx, scratch);
      return (k[linearExport(lin, epilogue, true)] as GemmFn)(m, lin.n, lin.k, scratch, lin.k, lin.w, y, ldy);
    }
    return (k[linearExport(lin, epilogue, false)] as GemmFn)(m, lin.n, lin.k, x, ldx, lin.w, y, ldy);
  }

  attention(n: number, heads: number, d: number, qkv: number, ctx: number, scratch: number, probs?: (h: number, ptr: number) => void): void {
    const k = this.k;
    const H = heads * d;
    const ld = 3 * H;
    const scale = 1 / Math.sqrt(d);
    // the probabilities, when asked for, go after the kernel's scratch (see attentionScratchBytes)
    const p = probs ? scratch + k.attention_scratch_size(n, d) : 0;
    for (let h = 0; h < heads; h++) {
      const q = qkv + 4 * h * d;
      // over the n valid keys only: padded keys would get exp(finfo.min) = 0 anyway
      k.attention_f32(n, d, q, q + 4 * H, q + 8 * H, ld, scale, ctx + 4 * h * d, H, p, scratch);
      if (probs) probs(h, p);
    }
  }

  layernorm(m: number, n: number, x: number, ldx: number, gamma: number, beta: number, eps: number, y: number, ldy: number): void {
    this.k.layernorm_f32(m, n, x, ldx, gamma, beta, eps, y, ldy);
  }

  tanh(n: number, x: number, y: number): void {
    this.k.tanh_f32(n, x, y);
  }
}
