// Packing weights at load time: each Linear's (weight, bias) tensors are read into staging (several
// stacked for query|key|value) and packed into the GEMM's panel layout in their final place.
import type { Arena } from '../runtime/arena.js';
import type { KernelExports } from '../runtime/exports.js';
import type { Linear } from './compute.js';
import type { BertLayer } from './modeling_bert.js';

const layerName = (i: number, rest: string) => `encoder.layer.${i}.${rest}`;

/** The linear layers of one BertLayer as (weight, bias) tensor names; query|key|value stack into one. */
export function layerLinears(i: number): { rows: [string, string][] }[] {
  const n = (rest: string) => layerName(i, rest);
  return [
    { rows: [[n('attention.self.query.weight'), n('attention.self.query.bias')], [n('attention.self.key.weight'), n('attention.self.key.bias')], [n('attention.self.value.weight'), n('attention.self.value.bias')]] },
    { rows: [[n('attention.output.dense.weight'), n('attention.output.dense.bias')]] },
    { rows: [[n('intermediate.dense.weight'), n('intermediate.dense.bias')]] },
    { rows: [[n('output.dense.weight'), n('output.dense.bias')]] },
  ];
}

export /** Reads weight tensors into staging and packs them into GEMM panels. */
class Packer {
  constructor(
    private readonly k: KernelExports,
    private readonly arena: Arena,
    private readonly staging: number,
    private readonly read: (name: string, dest: Float32Array) => Promise<void>,
  ) {}

  /** Stacks the (weight [n_i, k], bias [n_i]) pairs into staging as one [Σn_i, k] weight, then packs it. */
  async packLinear(lin: Linear, parts: [string, string][]): Promise<void> {
    const perPart = lin.n / parts.length;
    const wPtr = this.staging;
    const bPtr = this.staging + 4 * lin.n * lin.k;
    for (let p = 0; p < parts.length; p++) {
      await this.read(parts[p][0], this.arena.f32(wPtr + 4 * p * perPart * lin.k, perPart * lin.k));
      await this.read(parts[p][1], this.arena.f32(bPtr + 4 * p * perPart, perPart));
    }
    this.k.gemm_pack_f32(lin.n, lin.k, wPtr, lin.k, bPtr, lin.w);
  }

  async packLayer(i: number, layer: BertLayer): Promise<void> {
    const [qkv, attnOut, inter, out] = layerLinears(i);
    await this.packLinear(layer.attention.self.qkv, qkv.rows);
    await this.packLinear(layer.attention.output.dense, attnOut.rows);
    await this.packLinear(layer.intermediate.dense, inter.rows);
    await this.packLinear(layer.output.dense, out.rows);
    const H = layer.attention.output.dense.n;
    const n = (rest: string) => layerName(i, rest);
    await this.read(n('attention.output.LayerNorm.weight'), this.arena.f32(layer.attention.output.LayerNorm.weight, H));
    await this.read(n('attention.output.LayerNorm.bias'), this.arena.f32(layer.attention.output.LayerNorm.bias, H));
    await this.read(n('output.LayerNorm.weight'), this.arena.f32(layer.output.LayerNorm.weight, H));
    await this.read(n('output.LayerNorm.bias'), this.arena.f32(layer.output.LayerNorm.bias, H));
  }
}

