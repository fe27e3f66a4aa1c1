/**
 * A strict JSON parser (RFC 8259, as Go's encoding/json validates it) that keeps object members in
 * document order INCLUDING duplicate names, so the Go decoding rules that depend on them (last value
 * wins for a struct field or map key; two `auths` members merge) can be reproduced. Errors carry an
 * offset and a description, never a snippet of the input (the input may hold secrets).
 */

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

const MAX_DEPTH = 10000; // Go's encoding/json nesting limit

export function parseJSON(text: string): JValue {
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
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, i);
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
                cp = 0xfffd;
              }
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
              cp = 0xfffd;
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
  const num = (): string => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (text[i] !== undefined && text[i]! >= '1' && text[i]! <= '9') {
      while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
    } else fail('invalid number');
    if (text[i] === '.') {
      i++;
      if (!(text[i] !== undefined && text[i]! >= '0' && text[i]! <= '9')) fail('invalid number');
      while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i] !== undefined && text[i]! >= '0' && text[i]! <= '9')) fail('invalid number');
      while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
    }
    return text.slice(start, i);
  };
  const lit = (word: string): void => {
    if (text.slice(i, i + word.length) !== word) fail('invalid literal');
    i += word.length;
  };
  const value = (depth: number): JValue => {
    if (depth > MAX_DEPTH) fail('exceeded max depth');
    ws();
    if (i >= n) fail('unexpected end of input');
    const c = text[i];
    switch (c) {
      case '{': {
        i++;
        const members: Array<readonly [string, JValue]> = [];
        ws();
        if (text[i] === '}') {
          i++;
          return { t: 'obj', members };
        }
        for (;;) {
          ws();
          if (text[i] !== '"') fail('expected string for object key');
          const k = str();
          ws();
          if (text[i] !== ':') fail("expected ':' after object key");
          i++;
          const v = value(depth + 1);
          members.push([k, v]);
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === '}') {
            i++;
            return { t: 'obj', members };
          }
          fail("expected ',' or '}' in object");
        }
      }
      // eslint-disable-next-line no-fallthrough
      case '[': {
        i++;
        const items: JValue[] = [];
        ws();
        if (text[i] === ']') {
          i++;
          return { t: 'arr', items };
        }
        for (;;) {
          items.push(value(depth + 1));
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            return { t: 'arr', items };
          }
          fail("expected ',' or ']' in array");
        }
      }
      // eslint-disable-next-line no-fallthrough
      case '"':
        return { t: 'str', v: str() };
      case 't':
        lit('true');
        return { t: 'bool', v: true };
      case 'f':
        lit('false');
        return { t: 'bool', v: false };
      case 'n':
        lit('null');
        return { t: 'null' };
      default:
        return { t: 'num', raw: num() };
    }
  };
  const v = value(1);
  ws();
  if (i < n) fail('unexpected data after top-level value');
  return v;
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
