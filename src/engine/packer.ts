// Packing weights at load time, driven by the spec's walk (src/models/spec.ts): each placed param's
// tensors are read into staging (a Linear's parts stacked, e.g. query|key|value) and packed for its
// kernels in their final place, in the Linear's format (compute.ts packLinear), except int8 Linears, whose
// stored int8 bytes and scales are packed as they are (packInt8: never re-quantized from f32).
import { ModelError } from '../errors.js';
import { packLinear, packLinearInt8 } from '../compute/compute.js';
import type { Arena } from '../runtime/arena.js';
import type { KernelExports } from '../runtime/exports.js';
import type { Placed, PlacedLinear } from '../models/spec.js';
import type { LinearFormat } from '../compute/compute.js';

export type ReadTensor = (name: string, dest: Float32Array) => Promise<void>;
/** A tensor's stored bytes (an i8 weight: its int8 values, then one f32 scale per row). */
export type ReadBytes = (name: string, dest: Uint8Array) => Promise<void>;

/** Reads weight tensors into staging and packs them into GEMM panels. */
export class Packer {
  constructor(
    private readonly k: KernelExports,
    private readonly arena: Arena,
    /** at least stagingBytes() of the largest Linear: its stacked weight and bias */
    private readonly staging: number,
    private readonly read: ReadTensor,
    private readonly readBytes?: ReadBytes,
  ) {}

  /** Staging bytes a Linear of [n, k] needs: the stacked f32 weight and bias, or the int8 weight, scales and bias. */
  static stagingBytes(n: number, k: number, format: LinearFormat = 'f32'): number {
    return format === 'qc8w' ? Math.ceil((n * k + 4 * n) / 4) * 4 + 4 * n : 4 * (n * k + n);
  }

  /** Stacks the parts' (weight [n_i, k], bias [n_i]) into staging as one [Σn_i, k] weight, then packs it. */
  async packLinear(lin: PlacedLinear, prefix: string): Promise<void> {
    if (lin.format === 'qc8w') return this.packInt8(lin, prefix);
    const parts = lin.spec.parts;
    const perPart = lin.n / parts.length;
    const wPtr = this.staging;
    const bPtr = this.staging + 4 * lin.n * lin.k;
    for (let p = 0; p < parts.length; p++) {
      await this.read(prefix + parts[p].weight.key, this.arena.f32(wPtr + 4 * p * perPart * lin.k, perPart * lin.k));
      await this.read(prefix + parts[p].bias.key, this.arena.f32(bPtr + 4 * p * perPart, perPart));
    }
    // the format's own packing (compute.ts): the engine stages f32 whatever the format
    packLinear(this.k, lin.format, lin.n, lin.k, wPtr, bPtr, lin.w);
  }

  /**
   * An int8 Linear, part by part (e.g. query, key, value): the part's stored bytes (int8 [n_i, k] then n_i
   * f32 scales) and its f32 bias read straight into staging, then packed into the part's own panels
   * (n_i is a multiple of the 8-column panel, so the parts' panels are the stacked weight's). No JS buffer.
   */
  private async packInt8(lin: PlacedLinear, prefix: string): Promise<void> {
    if (!this.readBytes) throw new ModelError(`int8 weights need the file's stored bytes (${prefix}${lin.spec.name})`);
    const parts = lin.spec.parts;
    const perPart = lin.n / parts.length;
    if (parts.length > 1 && perPart % this.k.gemm_nr()) throw new ModelError(`${prefix}${lin.spec.name}: int8 parts of ${perPart} rows are not whole 8-column panels`);
    const qPtr = this.staging;
    const stored = perPart * lin.k + 4 * perPart;
    const bPtr = qPtr + Math.ceil(stored / 4) * 4;
    for (let p = 0; p < parts.length; p++) {
      await this.readBytes(prefix + parts[p].weight.key, new Uint8Array(this.arena.memory.buffer, qPtr, stored));
      await this.read(prefix + parts[p].bias.key, this.arena.f32(bPtr, perPart));
      const dest = lin.w + this.k.gemm_qc8w_pack_offset(p * perPart, lin.k);
      packLinearInt8(this.k, perPart, lin.k, qPtr, lin.k, qPtr + perPart * lin.k, bPtr, dest);
    }
  }

  /** One placed param: a Linear packed, a LayerNorm's γ and β or an embedding table copied (a table at 0 stays in the file). */
  async pack(p: Placed, prefix: string): Promise<void> {
    if (p.role === 'linear') return this.packLinear(p, prefix);
    if (p.role === 'layernorm') {
      await this.read(prefix + p.spec.weight.key, this.arena.f32(p.weight, p.n));
      await this.read(prefix + p.spec.bias.key, this.arena.f32(p.bias, p.n));
      return;
    }
    if (p.table) await this.read(prefix + p.spec.table.key, this.arena.f32(p.table, p.rows * p.width));
  }

  /** Every param of a group instance, in the spec's (file) order. */
  async packGroup(params: ReadonlyMap<string, Placed>, prefix: string): Promise<void> {
    for (const p of params.values()) await this.pack(p, prefix);
  }
}
