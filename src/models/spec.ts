// What a model family's spec is (src/models/<family>/spec.ts holds the table), and everything derived
// from one: the checkpoint's tensor list in file order, each tensor's group, and the walker that lays a
// group's packed weights out in wasm memory. The .wbin validation and writer, synth, convert's renames,
// the packer, the streamed groups and the engine's weight carving all read the spec through this file,
// so a family's tensor list is written once.
//
// Names: a tensor's Hugging Face key path is its group's prefix (with {i} = the layer index in repeated
// groups) followed by the tensor's key, e.g. 'blocks.{i}.' + 'mlp.weight' (names made up).

import type { LinearFormat } from '../compute/compute.js';

/** The config sizes a shape is made of (the family's config keys). */
export type Dim = string;

/** SYNTHETIC.md §5.4's (mean, k, fan) for a tensor; fan is a config size or 1. */
export type SynthScale = readonly [mean: number, k: number, fan: Dim | 1];

export interface TensorSpec {
  /** key path below the group's prefix */
  readonly key: string;
  readonly shape: readonly Dim[];
  /** the synthetic recipe's scale for this tensor */
  readonly synth: SynthScale;
}

/** A lookup table [rows, width]: stays f32, one row per id. */
export interface EmbeddingSpec {
  readonly role: 'embedding';
  /** the module's attribute name (modeling_<family>.py's) */
  readonly name: string;
  readonly table: TensorSpec;
}

export interface LayerNormSpec {
  readonly role: 'layernorm';
  readonly name: string;
  readonly weight: TensorSpec;
  readonly bias: TensorSpec;
  /** SYNTHETIC.md §5.5: the scales of weight@o1, weight@o2, bias@o1, bias@o2 */
  readonly outliers: readonly [SynthScale, SynthScale, SynthScale, SynthScale];
}

/**
 * A Linear (y = x·Wᵀ + b): one GEMM whose weight is the parts' [out_i, in] weights stacked in order
 * (query | key | value for BERT's fused QKV), bias likewise.
 */
export interface LinearSpec {
  readonly role: 'linear';
  readonly name: string;
  /** out_features of ONE part; the GEMM's n is parts.length × out */
  readonly out: Dim;
  readonly in: Dim;
  readonly parts: readonly { readonly weight: TensorSpec; readonly bias: TensorSpec }[];
  /** whether the weight may be stored quantized (int8 per channel) without leaving HF's contract */
  readonly quantizable: boolean;
}

export type ParamSpec = EmbeddingSpec | LayerNormSpec | LinearSpec;

export interface GroupSpec {
  /** 'embeddings', 'layer' (repeated num_layers times, named layer.0 …), 'pooler' */
  readonly kind: string;
  /** key path prefix; '{i}' stands for the layer index in a repeated group */
  readonly prefix: string;
  /** repeated once per layer (the config key holding the count) */
  readonly repeat?: Dim;
  /** a checkpoint may lack the whole group (BERT's pooler) */
  readonly optional?: boolean;
  /** in file order: the .wbin stores, and the walker lays out, the tensors in this order */
  readonly params: readonly ParamSpec[];
}

export interface ModelSpec {
  /** config.json's model_type */
  readonly modelType: string;
  readonly groups: readonly GroupSpec[];
  /** checkpoint name variants → canonical names, applied in order (prefixes of task heads, TF-era names) */
  readonly renames: readonly (readonly [RegExp, string])[];
}

/** A config: its sizes by Dim name. */
export type Sizes = Readonly<Record<Dim, unknown>>;

export interface SpecTensor {
  /** the canonical key path */
  readonly name: string;
  readonly shape: number[];
  /** 'embeddings', 'layer.N', 'pooler' */
  readonly group: string;
  /** layer index in a repeated group */
  readonly layer?: number;
  readonly param: ParamSpec;
  readonly tensor: TensorSpec;
}

/** The tensors of one param, in file order. */
export function paramTensors(p: ParamSpec): TensorSpec[] {
  if (p.role === 'embedding') return [p.table];
  if (p.role === 'layernorm') return [p.weight, p.bias];
  return p.parts.flatMap((x) => [x.weight, x.bias]);
}

const size = (cfg: Sizes, d: Dim): number => cfg[d] as number;
export const prefixOf = (g: GroupSpec, layer?: number): string => g.prefix.replace('{i}', String(layer ?? 0));
export const groupName = (g: GroupSpec, layer?: number): string => (g.repeat ? `${g.kind}.${layer}` : g.kind);

/** Number of tensors of a checkpoint (with or without its optional groups), counted without listing them. */
export function tensorCount(spec: ModelSpec, cfg: Sizes, withOptional: boolean): number {
  let n = 0;
  for (const g of spec.groups) {
    if (g.optional && !withOptional) continue;
    n += g.params.reduce((a, p) => a + paramTensors(p).length, 0) * (g.repeat ? size(cfg, g.repeat) : 1);
  }
  return n;
}

/** Every tensor of a checkpoint in file (forward) order, shapes from the config. */
export function specTensors(spec: ModelSpec, cfg: Sizes, withOptional = true): SpecTensor[] {
  const out: SpecTensor[] = [];
  for (const g of spec.groups) {
    if (g.optional && !withOptional) continue;
    const reps = g.repeat ? size(cfg, g.repeat) : 1;
    for (let i = 0; i < reps; i++) {
      const layer = g.repeat ? i : undefined;
      const prefix = prefixOf(g, layer);
      for (const p of g.params) {
        for (const t of paramTensors(p)) {
          out.push({ name: prefix + t.key, shape: t.shape.map((d) => size(cfg, d)), group: groupName(g, layer), layer, param: p, tensor: t });
        }
      }
    }
  }
  return out;
}

/** Where a canonical key path belongs: its group, layer and tensor spec (undefined: not the family's). */
export function locate(spec: ModelSpec, name: string): { group: GroupSpec; layer?: number; param: ParamSpec; tensor: TensorSpec } | undefined {
  for (const g of spec.groups) {
    let rest: string;
    let layer: number | undefined;
    if (g.repeat) {
      const [head, tail] = g.prefix.split('{i}');
      if (!name.startsWith(head)) continue;
      const m = /^(\d+)/.exec(name.slice(head.length));
      if (!m || !name.slice(head.length + m[1].length).startsWith(tail)) continue;
      layer = Number(m[1]);
      rest = name.slice(head.length + m[1].length + tail.length);
    } else {
      if (!name.startsWith(g.prefix)) continue;
      rest = name.slice(g.prefix.length);
    }
    for (const p of g.params) for (const t of paramTensors(p)) if (t.key === rest) return { group: g, layer, param: p, tensor: t };
  }
  return undefined;
}

/** The layer index of a name under the repeated group's prefix, whatever key follows it. */
export function layerOf(spec: ModelSpec, name: string): number | undefined {
  for (const g of spec.groups) {
    if (!g.repeat) continue;
    const [head, tail] = g.prefix.split('{i}');
    const m = /^(\d+)/.exec(name.startsWith(head) ? name.slice(head.length) : '');
    if (m && name.slice(head.length + m[1].length).startsWith(tail)) return Number(m[1]);
  }
  return undefined;
}

/** A checkpoint's tensor name → the canonical key path (the spec's renames applied). */
export function canonicalName(spec: ModelSpec, name: string): string {
  return spec.renames.reduce((n, [from, to]) => n.replace(from, to), name);
}

/** The canonical key paths of one group instance. */
export function groupTensorNames(spec: ModelSpec, kind: string, layer?: number): string[] {
  const g = spec.groups.find((x) => x.kind === kind);
  if (!g) throw new Error(`spec: no group "${kind}"`);
  return g.params.flatMap((p) => paramTensors(p).map((t) => prefixOf(g, layer) + t.key));
}

export function group(spec: ModelSpec, kind: string): GroupSpec {
  const g = spec.groups.find((x) => x.kind === kind);
  if (!g) throw new Error(`spec: no group "${kind}"`);
  return g;
}

// ---- the walker: one pass over a group's params yields both its packed size and every pointer --------

/** Bytes of one Linear's packed weight (its format's packing: bias included). */
export type LinearBytes = (n: number, k: number, format: LinearFormat) => number;

export interface PlacedLinear {
  readonly role: 'linear';
  readonly spec: LinearSpec;
  /** packed weight (panels, bias first) */
  readonly w: number;
  readonly n: number;
  readonly k: number;
  readonly format: LinearFormat;
}
export interface PlacedLayerNorm {
  readonly role: 'layernorm';
  readonly spec: LayerNormSpec;
  readonly weight: number;
  readonly bias: number;
  readonly n: number;
}
export interface PlacedEmbedding {
  readonly role: 'embedding';
  readonly spec: EmbeddingSpec;
  /** [rows, width] f32; 0 when the table stays in the file (streamed word embeddings) */
  readonly table: number;
  readonly rows: number;
  readonly width: number;
}
export type Placed = PlacedLinear | PlacedLayerNorm | PlacedEmbedding;

export interface WalkOptions {
  /** where the group starts (0: just measure) */
  readonly base?: number;
  /** formats by param name ('f32' when absent) */
  readonly format?: (p: LinearSpec) => LinearFormat;
  /** params left out of memory (e.g. a table read row by row) */
  readonly skip?: (p: ParamSpec) => boolean;
}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/**
 * Lays out one group's params from `base`, each 64-byte aligned, in the spec's order: returns the bytes the
 * group takes and where each param lives. Sizes and pointers come from this one walk, so they cannot
 * disagree.
 */
export function walkGroup(g: GroupSpec, cfg: Sizes, linearBytes: LinearBytes, opts: WalkOptions = {}): { bytes: number; params: Map<string, Placed> } {
  const base = opts.base ?? 0;
  let at = base;
  const take = (bytes: number) => {
    const ptr = at;
    at += align64(bytes);
    return ptr;
  };
  const params = new Map<string, Placed>();
  for (const p of g.params) {
    if (opts.skip?.(p)) {
      if (p.role === 'embedding') params.set(p.name, { role: 'embedding', spec: p, table: 0, rows: size(cfg, p.table.shape[0]), width: size(cfg, p.table.shape[1]) });
      continue;
    }
    if (p.role === 'linear') {
      const n = p.parts.length * size(cfg, p.out);
      const k = size(cfg, p.in);
      const format = opts.format?.(p) ?? 'f32';
      params.set(p.name, { role: 'linear', spec: p, w: take(linearBytes(n, k, format)), n, k, format });
    } else if (p.role === 'layernorm') {
      const n = size(cfg, p.weight.shape[0]);
      params.set(p.name, { role: 'layernorm', spec: p, weight: take(4 * n), bias: take(4 * n), n });
    } else {
      const rows = size(cfg, p.table.shape[0]);
      const width = size(cfg, p.table.shape[1]);
      params.set(p.name, { role: 'embedding', spec: p, table: take(4 * rows * width), rows, width });
    }
  }
  return { bytes: at - base, params };
}
