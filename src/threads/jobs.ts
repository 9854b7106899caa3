// The jobs the worker pool runs, declared once. A job is a kernel export called with the arguments of its
// typed signature (src/runtime/gemm-exports.ts, ops-exports.ts): the declaration names each argument, in
// order, and says which are per-thread (an offset from the running thread's scratch base, which the
// board adds on the worker: board.ts `rel`). The caller encodes calls only through post(), whose argument
// list is the export's own Parameters<>: adding an argument to a kernel's signature makes both this table
// (its names tuple has the wrong length) and every post() of that job a type error, not a silent misread
// of argument positions. At pool start both sides hold the built wasm to the same table: checkJobs() on
// the calling thread, and each worker (worker.ts gets the table as name → argument count) on its own
// instance; a stale build whose export takes a different number of arguments fails there, by name.
import { RuntimeError } from '../errors.js';
import type { KernelExports } from '../runtime/exports.js';

type Fn = (...args: never[]) => unknown;
/** The exports a job may name: kernels whose arguments are all numbers. */
type KernelName = { [K in keyof KernelExports]: KernelExports[K] extends (...args: number[]) => unknown ? K : never }[keyof KernelExports];
/** One name per argument of F, in order: a tuple exactly as long as F's parameter list. */
type Names<T extends readonly unknown[]> = { readonly [I in keyof T]: string };
type ArgNames<F extends Fn> = Names<Parameters<F>>;

export interface JobDecl<N extends KernelName> {
  readonly args: ArgNames<KernelExports[N]>;
  /** the arguments that are offsets into the running thread's own scratch */
  readonly perThread?: readonly ArgNames<KernelExports[N]>[number][];
}

const GEMM_ARGS = ['m', 'n', 'k', 'a', 'lda', 'w', 'c', 'ldc'] as const;

/** Every job the pool runs. */
export const JOBS = {
  gemm_f32__bias: { args: GEMM_ARGS },
  gemm_f32__bias_gelu: { args: GEMM_ARGS },
  gemm_f32__bias_gelu_tanh: { args: GEMM_ARGS },
  gemm_f32__bias_relu: { args: GEMM_ARGS },
  gemm_f32__bias_residual: { args: GEMM_ARGS },
  gemm_f32_pa__bias: { args: GEMM_ARGS },
  gemm_f32_pa__bias_gelu: { args: GEMM_ARGS },
  gemm_f32_pa__bias_gelu_tanh: { args: GEMM_ARGS },
  gemm_f32_pa__bias_relu: { args: GEMM_ARGS },
  gemm_f32_pa__bias_residual: { args: GEMM_ARGS },
  // each thread packs K and V into its own attention scratch
  attention_f32: { args: ['n', 'd', 'q', 'k', 'v', 'ld', 'scale', 'ctx', 'ldc', 'probs', 'scratch'], perThread: ['scratch'] },
  layernorm_f32: { args: ['m', 'n', 'x', 'ldx', 'gamma', 'beta', 'eps', 'y', 'ldy'] },
  tanh_f32: { args: ['n', 'x', 'y'] },
} as const satisfies { readonly [N in KernelName]?: JobDecl<N> };

export type JobName = keyof typeof JOBS;

/** The `rel` mask of a job (bit i: argument i is per-thread), derived from the declaration. */
export function perThreadMask(name: JobName): number {
  const d: { readonly args: readonly string[]; readonly perThread?: readonly string[] } = JOBS[name];
  let mask = 0;
  for (const a of d.perThread ?? []) mask |= 1 << d.args.indexOf(a);
  return mask;
}

/** Checks the built kernels against the table: every job exported, with the declared number of arguments. */
export function checkJobs(exports: KernelExports): void {
  for (const [name, d] of Object.entries(JOBS)) {
    const f = (exports as unknown as Record<string, unknown>)[name] as ((...a: number[]) => unknown) & { original?: (...a: number[]) => unknown };
    if (typeof f !== 'function') throw new RuntimeError(`the kernels have no export "${name}" (stale build? run \`npm run build:wasm\`)`);
    // @assemblyscript/loader wraps each export in a (...args) function (length 0) and keeps the wasm one as .original
    const argc = (f.original ?? f).length;
    if (argc !== d.args.length) {
      throw new RuntimeError(`kernel ${name} takes ${argc} arguments but the job table (src/threads/jobs.ts) declares ${d.args.length}: rebuild (npm run build:wasm) or update the table`);
    }
  }
}

/** What post() writes into: WorkerPool.call (fn id, per-thread mask, arguments). */
export interface JobSink {
  call(fn: number, rel: number, ...args: number[]): void;
  id(name: string): number;
}

/** Job ids and masks resolved once per pool. */
export class Jobs {
  private readonly ids = new Map<JobName, { id: number; rel: number }>();
  constructor(private readonly sink: JobSink) {}

  /** Appends one call of `name` with exactly its kernel's arguments. */
  post<N extends JobName>(name: N, ...args: Parameters<KernelExports[N]>): void {
    let j = this.ids.get(name);
    if (!j) this.ids.set(name, (j = { id: this.sink.id(name), rel: perThreadMask(name) }));
    this.sink.call(j.id, j.rel, ...(args as number[]));
  }
}
