// One bump allocator over the wasm linear memory. JavaScript owns the layout: weights, packed panels and
// the activation arena are carved out once at load time; forward() only reuses what is here.
import { ModelError } from '../errors.js';
import { MAX_PAGES } from './wasm.js';

const PAGE = 65536;

export class Arena {
  private top: number;
  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = align(base, 64);
  }

  /** Bytes handed out so far, counted from address 0. */
  get used(): number {
    return this.top;
  }

  /** Reserve `bytes` (64-byte aligned, so every SIMD load is aligned and rows share no cache line). */
  alloc(bytes: number, what = 'buffer'): number {
    const ptr = align(this.top, 64);
    const end = ptr + align(bytes, 64);
    if (end > MAX_PAGES * PAGE) {
      throw new ModelError(`out of wasm memory allocating ${what} (${bytes} bytes): wasm32 addresses at most 4 GiB`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  /** Give back everything allocated after `mark` (a value of `used`). */
  release(mark: number): void {
    this.top = mark;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }
}

export function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
