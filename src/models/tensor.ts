// A dense float32 tensor handed back to the caller: row-major data and its shape.
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export function tensor(shape: readonly number[]): Tensor {
  return { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
}
