// Shared by bench/kernels.mjs and bench/compare.mjs: machine description, report file names, tables.
import os from 'node:os';

/** The JavaScript runtime this runs on: { runtime: 'node' | 'deno' | 'bun', version }. */
export function runtimeInfo() {
  const g = globalThis;
  if (g.Deno) return { runtime: 'deno', version: g.Deno.version.deno };
  if (g.Bun) return { runtime: 'bun', version: g.Bun.version };
  return { runtime: 'node', version: process.versions.node };
}

export function cpuInfo() {
  const cpus = os.cpus();
  return {
    cpu: (cpus[0]?.model ?? 'unknown cpu').replace(/\s+/g, ' ').trim(),
    cores: cpus.length,
    arch: os.arch(),
  };
}

/** "AMD EPYC 7B13 64-Core Processor" → "amd-epyc-7b13-64-core-processor" */
export function slug(s) {
  return s.toLowerCase().replace(/\(r\)|\(tm\)|@.*$/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Left-aligned first column, right-aligned others; rows are arrays of strings. */
export function table(header, rows) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(w[i]) : String(c ?? '').padStart(w[i]))).join('  ');
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

export const fmt = (v, digits = 2) => (v === undefined || v === null || Number.isNaN(v) ? '' : v.toFixed(digits));
