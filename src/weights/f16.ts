// IEEE 754 binary16 <-> binary32, exactly as numpy and PyTorch convert: round to nearest, ties to even,
// subnormals kept, overflow to ±Inf, NaN stays NaN. Decoding goes through a 65,536-entry table (256 KiB,
// built on first use): one load per element, which is what a converter and the streaming loader need.

let table: Float32Array | undefined;

function decodeTable(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) t[h] = sign * m * 2 ** -24;
    else if (e === 31) t[h] = m ? NaN : sign * Infinity;
    else t[h] = sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (table = t);
}

/** float16 bits → float32 value. */
export function f16ToF32(h: number): number {
  return decodeTable()[h & 0xffff];
}

/** float32 bits (as an unsigned 32-bit integer) → float16 bits, round to nearest even. */
export function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant ? sign | 0x7e00 : sign | 0x7c00; // NaN (quiet) or Inf
  if (exp >= 0x8f) return sign | 0x7c00; // |x| >= 2^16: beyond binary16's range
  if (exp <= 0x70) {
    // |x| < 2^-14: a binary16 subnormal m * 2^-24, m = M >> (126 - exp) with M the 24-bit significand
    if (exp < 0x66) return sign; // below 2^-25: rounds to zero
    const M = mant | 0x800000;
    const s = 126 - exp;
    let m = M >>> s;
    const rem = M & ((1 << s) - 1);
    const half = 1 << (s - 1);
    if (rem > half || (rem === half && m & 1)) m++; // m may reach 1024: that is the smallest normal, encoded right
    return sign | m;
  }
  const h = sign | ((exp - 112) << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // a carry out of the mantissa bumps the exponent, and out of the largest exponent gives Inf: both correct
  return rem > 0x1000 || (rem === 0x1000 && h & 1) ? h + 1 : h;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 value → float16 bits. */
export function f32ToF16(v: number): number {
  f32[0] = v;
  return f32BitsToF16(u32[0]);
}

/** Encodes `src` into `dest` (float16 bits). Returns how many finite values overflowed to ±Inf. */
export function encodeF16(src: Float32Array, dest: Uint16Array): number {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  let overflow = 0;
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i];
    const h = f32BitsToF16(x);
    dest[i] = h;
    if ((h & 0x7fff) === 0x7c00 && ((x >>> 23) & 0xff) !== 0xff) overflow++;
  }
  return overflow;
}

/**
 * Decodes float16 bits from little-endian bytes into `dest` (dest.length elements). Normal numbers (all
 * but zeros, subnormals, Inf and NaN) are re-biased with integer arithmetic straight into the float32
 * bits: a 256 KiB table lookup per element misses the cache on real weights and is 3x slower.
 */
export function decodeF16Bytes(bytes: Uint8Array, dest: Float32Array): void {
  const t = decodeTable();
  const n = dest.length;
  const out = new Uint32Array(dest.buffer, dest.byteOffset, n);
  const tbits = new Uint32Array(t.buffer);
  const aligned = bytes.byteOffset % 2 === 0;
  const h16 = aligned ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : undefined;
  for (let i = 0; i < n; i++) {
    const h = h16 ? h16[i] : bytes[2 * i] | (bytes[2 * i + 1] << 8);
    const e = h & 0x7c00;
    // exponent 1..30: f32 exponent = e16 + 112, mantissa shifted up 13 bits; sign moves from bit 15 to 31
    out[i] = e !== 0 && e !== 0x7c00 ? (((h & 0x8000) << 16) | (((h & 0x7fff) + 0x1c000) << 13)) >>> 0 : tbits[h];
  }
}

/** Decodes bfloat16 (the top half of a float32) from little-endian bytes into `dest`. */
export function decodeBf16Bytes(bytes: Uint8Array, dest: Float32Array): void {
  const out = new Uint32Array(dest.buffer, dest.byteOffset, dest.length);
  for (let i = 0; i < out.length; i++) out[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >>> 0;
}
