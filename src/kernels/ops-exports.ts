// Typed signatures of assembly/ops/ exports.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface OpsExports {}
