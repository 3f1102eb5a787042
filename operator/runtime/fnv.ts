// 64-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/, draft-eastlake-fnv): the hash the
// API server's sharded list and watch uses (KEP-5866, k8s.io/apimachinery/pkg/sharding/hash.go:
// fnv.New64a over the field's bytes), so a replica that filters on its own side agrees with the
// server bit for bit. Computed on two 32-bit halves in plain numbers (no BigInt per byte).

const encoder = new TextEncoder();
const TWO_32 = 0x1_0000_0000;
// Offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3.
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const PRIME_LO = 0x1b3;

/** FNV-1a 64 of the UTF-8 bytes of `value`, as an unsigned 64-bit bigint. */
export function fnv1a64(value: string | Uint8Array): bigint {
  const bytes = typeof value === 'string' ? encoder.encode(value) : value;
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  for (const byte of bytes) {
    lo = (lo ^ byte) >>> 0;
    // (hi·2^32 + lo) · (2^40 + 0x1b3) mod 2^64: lo·0x1b3 < 2^41 and hi·0x1b3 < 2^41 stay exact in
    // a double; lo·2^40 lands in the high half as lo << 8.
    const loProduct = lo * PRIME_LO;
    const carry = Math.floor(loProduct / TWO_32);
    hi = (hi * PRIME_LO + carry + ((lo << 8) >>> 0)) % TWO_32;
    lo = loProduct % TWO_32;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** `0x` and 16 lowercase hex digits: the form KEP-5866's shardRange() bounds take. */
export function hex64(value: bigint): string {
  return `0x${value.toString(16).padStart(16, '0')}`;
}
