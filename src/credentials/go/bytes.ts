/**
 * Go strings are byte strings. To reproduce Go's byte-wise string handling exactly (indexing, prefix
 * tests, sorting, percent-decoding that may produce invalid UTF-8), the Go ports in this directory work
 * on "binary strings": JS strings whose every code unit is one byte (0x00–0xFF), i.e. latin1 views of
 * the UTF-8 bytes. Plain `<` comparison of binary strings is then Go's byte-wise `sort.Strings` order.
 */

/** UTF-8 bytes of a JS string, as a binary string. */
export function toBinary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** A binary string back to a JS string (invalid UTF-8 becomes U+FFFD). */
export function fromBinary(b: string): string {
  return Buffer.from(b, 'latin1').toString('utf8');
}

/** Raw bytes to a binary string. */
export function bytesToBinary(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export const RUNE_ERROR = 0xfffd;

/**
 * Go's `utf8.DecodeRuneInString(s[i:])` on a binary string: the rune and its width in bytes.
 * Invalid encodings (including overlong forms and surrogates) give (RuneError, 1); empty gives (RuneError, 0).
 */
export function decodeRune(s: string, i = 0): { r: number; n: number } {
  const n = s.length - i;
  if (n <= 0) return { r: RUNE_ERROR, n: 0 };
  const c0 = s.charCodeAt(i);
  if (c0 < 0x80) return { r: c0, n: 1 };
  const bad = { r: RUNE_ERROR, n: 1 };
  const cont = (k: number): number => {
    if (k >= n) return -1;
    const c = s.charCodeAt(i + k);
    return c >= 0x80 && c <= 0xbf ? c & 0x3f : -1;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    const c1 = cont(1);
    if (c1 < 0) return bad;
    return { r: ((c0 & 0x1f) << 6) | c1, n: 2 };
  }
  if (c0 >= 0xe0 && c0 <= 0xef) {
    if (n < 2) return bad;
    const b1 = s.charCodeAt(i + 1);
    // E0 needs A0..BF, ED needs 80..9F (no surrogates)
    if (c0 === 0xe0 && (b1 < 0xa0 || b1 > 0xbf)) return bad;
    if (c0 === 0xed && (b1 < 0x80 || b1 > 0x9f)) return bad;
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return bad;
    return { r: ((c0 & 0x0f) << 12) | (c1 << 6) | c2, n: 3 };
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    if (n < 2) return bad;
    const b1 = s.charCodeAt(i + 1);
    if (c0 === 0xf0 && (b1 < 0x90 || b1 > 0xbf)) return bad;
    if (c0 === 0xf4 && (b1 < 0x80 || b1 > 0x8f)) return bad;
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return bad;
    return { r: ((c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, n: 4 };
  }
  return bad;
}

/** Go's `unicode.IsSpace`. */
export function isGoSpace(r: number): boolean {
  if (r <= 0xff) {
    return r === 0x09 || r === 0x0a || r === 0x0b || r === 0x0c || r === 0x0d || r === 0x20 || r === 0x85 || r === 0xa0;
  }
  return (
    r === 0x1680 ||
    (r >= 0x2000 && r <= 0x200a) ||
    r === 0x2028 ||
    r === 0x2029 ||
    r === 0x202f ||
    r === 0x205f ||
    r === 0x3000
  );
}

/** Go's `strings.TrimSpace` on a JS string (operates on code points). */
export function goTrimSpace(s: string): string {
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  while (a < b && isGoSpace(cps[a]!.codePointAt(0)!)) a++;
  while (b > a && isGoSpace(cps[b - 1]!.codePointAt(0)!)) b--;
  return cps.slice(a, b).join('');
}
