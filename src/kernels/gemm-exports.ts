// Typed signatures of assembly/gemm/ exports.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GemmExports {}
