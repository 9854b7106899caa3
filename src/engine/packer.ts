// Packing weights at load time, driven by the spec's walk (src/models/spec.ts): each placed param's
// tensors are read into staging (a Linear's parts stacked, e.g. query|key|value) and packed for its
// kernels in their final place, in the Linear's format (compute.ts packLinear: a new format needs no
// change here).
import { packLinear } from '../compute/compute.js';
import type { Arena } from '../runtime/arena.js';
import type { KernelExports } from '../runtime/exports.js';
import type { Placed, PlacedLinear } from '../models/spec.js';

export type ReadTensor = (name: string, dest: Float32Array) => Promise<void>;

/** Reads weight tensors into staging and packs them into GEMM panels. */
export class Packer {
  constructor(
    private readonly k: KernelExports,
    private readonly arena: Arena,
    /** at least stagingBytes() of the largest Linear: its stacked weight and bias */
    private readonly staging: number,
    private readonly read: ReadTensor,
  ) {}

  /** Staging bytes a Linear of [n, k] needs: the stacked f32 weight, then the bias. */
  static stagingBytes(n: number, k: number): number {
    return 4 * (n * k + n);
  }

  /** Stacks the parts' (weight [n_i, k], bias [n_i]) into staging as one [Σn_i, k] weight, then packs it. */
  async packLinear(lin: PlacedLinear, prefix: string): Promise<void> {
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
