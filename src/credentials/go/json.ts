/**
 * A strict JSON parser (RFC 8259, as Go's encoding/json validates it) that keeps object members in
 * document order INCLUDING duplicate names, so the Go decoding rules that depend on them (last value
 * wins for a struct field or map key; two `auths` members merge) can be reproduced. Errors carry an
 * offset and a description, never a snippet of the input (the input may hold secrets).
 */
import { decodeRune, RUNE_ERROR } from './bytes.js';

export type JValue =
  | { readonly t: 'null' }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'num'; readonly raw: string }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'arr'; readonly items: readonly JValue[] }
  | { readonly t: 'obj'; readonly members: ReadonlyArray<readonly [string, JValue]> };

export class JSONSyntaxError extends Error {
  constructor(
    readonly offset: number,
    what: string,
  ) {
    super(`invalid JSON at offset ${offset}: ${what}`);
  }
}

/**
 * Go's encoding/json nesting limit: golang/go src/encoding/json/scanner.go `maxNestingDepth = 10000`,
 * enforced by `pushParseState` (`len(s.parseState) <= maxNestingDepth`). Only arrays and objects push
 * a parse state, so 10,000 nested containers are accepted (with any scalar inside the innermost) and
 * the 10,001st is the error "exceeded max depth". Unchanged in Go 1.26 (encoding/json v1, the default
 * without GOEXPERIMENT=jsonv2).
 */
export const MAX_NESTING_DEPTH = 10000;

/** One open container while parsing: its items or members so far, and a pending member name. */
type Frame =
  | { readonly t: 'arr'; readonly items: JValue[] }
  | { readonly t: 'obj'; readonly members: Array<readonly [string, JValue]>; key: string };

/**
 * Parse JSON text the way Go's `json.Unmarshal` reads it. Input is bytes (or a JS string, taken as its
 * UTF-8 bytes).
 *
 * - Iterative: nesting costs heap, never call stack, so any depth up to MAX_NESTING_DEPTH parses and
 *   anything deeper is a JSONSyntaxError — never a RangeError.
 * - Strings are decoded as Go's `unquoteBytes` (src/encoding/json/decode.go) does: bytes that are not
 *   valid UTF-8 become U+FFFD, ONE PER BAD BYTE (`utf8.DecodeRune` returns (RuneError, 1) and the loop
 *   advances one byte), unlike the WHATWG decoder of Buffer/TextDecoder, which folds a truncated
 *   sequence into one U+FFFD. A lone surrogate escape becomes U+FFFD; a valid pair is combined.
 * - Outside strings only JSON's own ASCII is accepted (the scanner rejects any other byte).
 */
export function parseJSON(input: string | Uint8Array): JValue {
  // A binary string (one code unit per byte): byte-wise indexing at string speed.
  const text = typeof input === 'string' ? Buffer.from(input, 'utf8').toString('latin1') : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (what: string): never => {
    throw new JSONSyntaxError(i, what);
  };
  const str = (): string => {
    // at opening quote
    i++;
    let out = '';
    let start = i;
    const flush = (): void => {
      // ASCII run: latin1 code units are the characters themselves.
      if (i > start) out += text.slice(start, i);
    };
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        flush();
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c >= 0x80) {
        flush();
        const d = decodeRune(text, i);
        out += String.fromCodePoint(d.r);
        i += d.n;
        start = i;
        continue;
      }
      if (c === 0x5c) {
        flush();
        i++;
        if (i >= n) fail('unterminated string');
        const e = text[i]!;
        i++;
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
            i += 4;
            let cp = parseInt(hex, 16);
            if (cp >= 0xd800 && cp <= 0xdbff) {
              // Go combines a valid surrogate pair; a lone surrogate becomes U+FFFD.
              const m = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(text.slice(i, i + 6));
              if (m) {
                const lo = parseInt(m[1]!, 16);
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
              } else {
                cp = RUNE_ERROR;
              }
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
              cp = RUNE_ERROR;
            }
            out += String.fromCodePoint(cp);
            break;
          }
          default:
            i--;
            fail('invalid escape in string');
        }
        start = i;
        continue;
      }
      i++;
    }
  };
  const isDigit = (k: number): boolean => {
    const c = text.charCodeAt(k);
    return c >= 0x30 && c <= 0x39;
  };
  const num = (): string => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (i < n && text[i]! >= '1' && text[i]! <= '9') {
      while (i < n && isDigit(i)) i++;
    } else fail('invalid number');
    if (text[i] === '.') {
      i++;
      if (!(i < n && isDigit(i))) fail('invalid number');
      while (i < n && isDigit(i)) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(i < n && isDigit(i))) fail('invalid number');
      while (i < n && isDigit(i)) i++;
    }
    return text.slice(start, i);
  };
  const lit = (word: string): void => {
    if (text.slice(i, i + word.length) !== word) fail('invalid literal');
    i += word.length;
  };

  const stack: Frame[] = [];
  let result: JValue | undefined;
  /** Hand a finished value to the enclosing container, or make it the result. */
  const emit = (v: JValue): void => {
    const top = stack[stack.length - 1];
    if (!top) result = v;
    else if (top.t === 'arr') top.items.push(v);
    else top.members.push([top.key, v]);
  };
  /** After a value inside a container: `,` or the closing bracket (which may close several). */
  const afterValue = (): 'value' | 'key' | 'done' => {
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) return 'done';
      ws();
      const c = text[i];
      if (c === ',') {
        i++;
        return top.t === 'arr' ? 'value' : 'key';
      }
      if (top.t === 'arr' && c === ']') {
        i++;
        stack.pop();
        emit({ t: 'arr', items: top.items });
        continue;
      }
      if (top.t === 'obj' && c === '}') {
        i++;
        stack.pop();
        emit({ t: 'obj', members: top.members });
        continue;
      }
      fail(top.t === 'arr' ? "expected ',' or ']' in array" : "expected ',' or '}' in object");
    }
  };
  const open = (frame: Frame): void => {
    if (stack.length >= MAX_NESTING_DEPTH) fail(`exceeded max depth (${MAX_NESTING_DEPTH} nested arrays and objects)`);
    stack.push(frame);
  };
  let want: 'value' | 'key' | 'done' = 'value';
  while (want !== 'done') {
    ws();
    if (want === 'key') {
      const top = stack[stack.length - 1] as Frame & { t: 'obj' };
      if (text[i] !== '"') fail('expected string for object key');
      top.key = str();
      ws();
      if (text[i] !== ':') fail("expected ':' after object key");
      i++;
      want = 'value';
      continue;
    }
    if (i >= n) fail('unexpected end of input');
    switch (text[i]) {
      case '{':
        i++;
        open({ t: 'obj', members: [], key: '' });
        ws();
        if (text[i] === '}') {
          i++;
          const f = stack.pop() as Frame & { t: 'obj' };
          emit({ t: 'obj', members: f.members });
          want = afterValue();
        } else {
          want = 'key';
        }
        continue;
      case '[':
        i++;
        open({ t: 'arr', items: [] });
        ws();
        if (text[i] === ']') {
          i++;
          const f = stack.pop() as Frame & { t: 'arr' };
          emit({ t: 'arr', items: f.items });
          want = afterValue();
        }
        continue;
      case '"':
        emit({ t: 'str', v: str() });
        break;
      case 't':
        lit('true');
        emit({ t: 'bool', v: true });
        break;
      case 'f':
        lit('false');
        emit({ t: 'bool', v: false });
        break;
      case 'n':
        lit('null');
        emit({ t: 'null' });
        break;
      default:
        emit({ t: 'num', raw: num() });
    }
    want = afterValue();
  }
  ws();
  if (i < n) fail('unexpected data after top-level value');
  return result!;
}

/** A JSON type name as Go's UnmarshalTypeError reports it. */
export function jsonKind(v: JValue): string {
  switch (v.t) {
    case 'null':
      return 'null';
    case 'bool':
      return 'bool';
    case 'num':
      return 'number';
    case 'str':
      return 'string';
    case 'arr':
      return 'array';
    case 'obj':
      return 'object';
  }
}

/**
 * Go's encoding/json field-name folding (`foldName`): ASCII upper-cased, and the two non-ASCII runes
 * whose simple case fold reaches an ASCII letter (U+017F LATIN SMALL LETTER LONG S → S, U+212A KELVIN
 * SIGN → K) mapped to it. Enough to compare against ASCII field names exactly as Go does.
 */
export function goFoldName(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch.toUpperCase();
    else if (cp === 0x17f) out += 'S';
    else if (cp === 0x212a) out += 'K';
    else out += ch;
  }
  return out;
}

/** Go's json.Marshal of a string (HTML-safe escaping, U+2028/2029 escaped). */
export function goJSONString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\b': // Go 1.22+
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      default:
        break;
    }
    if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
      continue;
    }
    out += ch;
  }
  return out + '"';
}

const HEX = '0123456789abcdef';

/**
 * Go's json.Marshal of a Go string given as a binary string (./bytes.ts): golang/go
 * src/encoding/json/encode.go `appendString` with escapeHTML. Unlike goJSONString this sees bytes, so a
 * byte that is not valid UTF-8 is written as the six characters `\ufffd` (an escape, not the raw
 * U+FFFD), as Go does. Returns a binary string (always valid UTF-8).
 */
export function goJSONBinaryString(bin: string): string {
  let out = '"';
  let start = 0;
  let i = 0;
  while (i < bin.length) {
    const b = bin.charCodeAt(i);
    if (b < 0x80) {
      if (b >= 0x20 && b !== 0x22 && b !== 0x5c && b !== 0x3c && b !== 0x3e && b !== 0x26) {
        i++;
        continue;
      }
      out += bin.slice(start, i);
      switch (b) {
        case 0x22:
          out += '\\"';
          break;
        case 0x5c:
          out += '\\\\';
          break;
        case 0x08:
          out += '\\b';
          break;
        case 0x0c:
          out += '\\f';
          break;
        case 0x0a:
          out += '\\n';
          break;
        case 0x0d:
          out += '\\r';
          break;
        case 0x09:
          out += '\\t';
          break;
        default:
          out += '\\u00' + HEX[b >> 4]! + HEX[b & 0xf]!;
      }
      i++;
      start = i;
      continue;
    }
    const d = decodeRune(bin, i);
    if (d.r === RUNE_ERROR && d.n === 1) {
      out += bin.slice(start, i) + '\\ufffd';
      i++;
      start = i;
      continue;
    }
    if (d.r === 0x2028 || d.r === 0x2029) {
      out += bin.slice(start, i) + '\\u202' + HEX[d.r & 0xf]!;
      i += d.n;
      start = i;
      continue;
    }
    i += d.n;
  }
  return out + bin.slice(start) + '"';
}
