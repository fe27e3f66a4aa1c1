/**
 * Go's `encoding/base64` StdEncoding (padded) and RawStdEncoding (unpadded) decoders, non-strict,
 * ported from golang/go src/encoding/base64/base64.go (`Decode` / `decodeQuantum`): `\r` and `\n` are
 * skipped anywhere, every other byte outside the alphabet is an error, padding must be complete and
 * only newlines may follow it, and non-zero trailing bits are accepted.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export class CorruptInputError extends Error {
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

function isNL(b: number | undefined): boolean {
  return b === 0x0a || b === 0x0d;
}

/**
 * Decode `src` (bytes) with StdEncoding when `padded`, else RawStdEncoding.
 * Throws CorruptInputError (whose message carries only an offset, never data).
 */
export function goBase64Decode(src: Uint8Array, padded: boolean): Uint8Array {
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailingErr: CorruptInputError | null = null;
    let j = 0;
    for (; j < 4; j++) {
      if (src.length === si) {
        if (j === 0) return Uint8Array.from(out);
        if (j === 1 || padded) throw new CorruptInputError(si - j);
        dlen = j;
        break;
      }
      const inb = src[si]!;
      si++;
      const v = DECODE[inb]!;
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (isNL(inb)) {
        j--;
        continue;
      }
      if (!padded || inb !== 0x3d /* = */) throw new CorruptInputError(si - 1);
      // padding
      if (j === 0 || j === 1) throw new CorruptInputError(si - 1);
      if (j === 2) {
        while (si < src.length && isNL(src[si])) si++;
        if (si === src.length) throw new CorruptInputError(src.length);
        if (src[si] !== 0x3d) throw new CorruptInputError(si - 1);
        si++;
      }
      while (si < src.length && isNL(src[si])) si++;
      if (si < src.length) trailingErr = new CorruptInputError(si);
      dlen = j;
      break;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const b0 = (val >> 16) & 0xff;
    const b1 = (val >> 8) & 0xff;
    const b2 = val & 0xff;
    if (dlen >= 2) out.push(b0);
    if (dlen >= 3) out.push(b1);
    if (dlen >= 4) out.push(b2);
    if (trailingErr) throw trailingErr;
  }
  return Uint8Array.from(out);
}
