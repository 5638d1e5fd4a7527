/**
 * Float conversions for safetensors dtypes: raw little-endian bytes → Float32Array (exact for F16/BF16), and
 * float32 → bf16 / f16 bit patterns with round-to-nearest-even (what torch's `.to(dtype)` does).
 */

let f16Table: Float32Array | undefined;
/** Float32 value of every IEEE half bit pattern (built once, 256 kB). */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  f16Table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) f16Table[h] = sign * frac * 2 ** -24;
    else if (exp === 31) f16Table[h] = frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else f16Table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return f16Table;
}

/** Convert raw little-endian bytes of `dtype` to float32 (exact for F16/BF16; I64 beyond 2^53 rounds). */
export function toFloat32(dtype: string, bytes: Uint8Array, count: number): Float32Array {
  const buf = bytes.buffer;
  const o = bytes.byteOffset;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf, o, count);
    case 'F16': {
      const src = new Uint16Array(buf, o, count);
      const t = halfTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = t[src[i]];
      return out;
    }
    case 'BF16': {
      const src = new Uint16Array(buf, o, count);
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = src[i] << 16;
      return out;
    }
    case 'F64':
      return Float32Array.from(new Float64Array(buf, o, count));
    case 'I32':
      return Float32Array.from(new Int32Array(buf, o, count));
    case 'I64':
      return Float32Array.from(new BigInt64Array(buf, o, count), (v) => Number(v));
    default:
      throw new Error(`unknown dtype ${dtype}`);
  }
}

/** Round float32 to bfloat16 bits (round to nearest even; NaN stays NaN). */
export function toBf16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const b = bits[i];
    if ((b & 0x7fffffff) > 0x7f800000) out[i] = (b >>> 16) | 0x40;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Round float32 to IEEE half bits (round to nearest even, overflow to ±inf, subnormals kept). */
export function toF16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const b = bits[i];
    const sign = (b >>> 16) & 0x8000;
    const exp = (b >>> 23) & 0xff;
    let mant = b & 0x7fffff;
    if (exp === 0xff) out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
    else if (exp > 142) out[i] = sign | 0x7c00;
    else if (exp > 112) {
      const v = ((exp - 112) << 10) | (mant >>> 13);
      const rest = mant & 0x1fff;
      out[i] = sign | (v + (rest > 0x1000 || (rest === 0x1000 && v & 1) ? 1 : 0));
    } else if (exp >= 102) {
      mant |= 0x800000;
      const shift = 126 - exp;
      const v = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      out[i] = sign | (v + (rest > half || (rest === half && v & 1) ? 1 : 0));
    } else out[i] = sign;
  }
  return out;
}
