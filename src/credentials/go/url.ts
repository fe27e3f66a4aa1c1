/**
 * The parts of Go's `net/url.Parse` and `net.SplitHostPort` that the kubelet keyring depends on,
 * ported from golang/go src/net/url/url.go (as of Go 1.26: see parseHost) and src/net/ipsock.go. All strings are binary strings
 * (see ./bytes.ts): Host and Path are returned percent-decoded, byte for byte as Go has them.
 */

export interface GoURL {
  readonly scheme: string;
  readonly opaque: string;
  /** True when the authority held `userinfo@` (dropped by the keyring). */
  readonly hasUser: boolean;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly fragment: string;
}

export class GoURLError extends Error {}

type Mode = 'host' | 'zone' | 'path' | 'userPassword' | 'fragment';

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 0;
}

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

/** Go's `shouldEscape(c, mode)`, for the modes used by Parse. */
function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if (mode === 'host' || mode === 'zone') {
    if ("!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  }
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'userPassword':
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case 'fragment':
        return false;
      default:
        break;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

/** Go's `unescape(s, mode)` (no query mode needed). Throws GoURLError. */
function unescape(s: string, mode: Mode): string {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      n++;
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
        throw new GoURLError('invalid URL escape');
      }
      if (mode === 'host' && unhex(s.charCodeAt(i + 1)) < 8 && s.slice(i, i + 3) !== '%25') {
        throw new GoURLError('invalid URL escape');
      }
      if (mode === 'zone') {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (s.slice(i, i + 3) !== '%25' && v !== 0x20 && shouldEscape(v, 'host')) {
          throw new GoURLError('invalid URL escape');
        }
      }
      i += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode)) {
        throw new GoURLError('invalid character in host name');
      }
      i++;
    }
  }
  if (n === 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      out += String.fromCharCode((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  for (let i = 1; i < port.length; i++) {
    const c = port.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Go 1.26's `parseHost` (src/net/url/url.go) for the keyring's http/https URLs:
 *
 * - A `[` anywhere but at the start of the host is an error ("invalid IP-literal") — the fix for
 *   CVE-2025-47912 (Go 1.24.8 / 1.25.2), which uses the LAST `[` (`strings.LastIndex(host, "[")`).
 * - A bracketed host must hold a valid IPv6 address, checked with `netip.ParseAddr` on the unescaped
 *   text (zone `%25…` allowed); an IPv4 address in brackets is "invalid IP-literal" — the fix for
 *   CVE-2026-25679 (Go 1.25.8 / 1.26.1). The result is `[` + unescaped address + `]` + port, which
 *   equals what the older code returned for every host it still accepts.
 * - Colons outside brackets: Go 1.26 added strict colons (the FIRST colon must start a valid port)
 *   behind GODEBUG `urlstrictcolons` (src/internal/godebugs/table.go: `Changed: 26, Old: "0"`), i.e.
 *   only for main modules whose go.mod says go 1.26 or later. Kubernetes pins its GODEBUG defaults to
 *   an older release in go.mod (`godebug default=go1.N`, kubernetes/kubernetes#127271 and the
 *   release-branch picks #129533/#129534/#129551), so the kubelet keeps the lax rule: the LAST colon
 *   starts the port. Unlike the bracket checks, those CVE fixes have no GODEBUG switch.
 */
function parseHost(host: string): string {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new GoURLError('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new GoURLError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new GoURLError('invalid port after host');
    const unescapedColonPort = unescape(colonPort, 'host');
    const hostname = host.slice(1, close);
    const zone = hostname.indexOf('%25');
    const unescapedHostname =
      zone >= 0 ? unescape(hostname.slice(0, zone), 'host') + unescape(hostname.slice(zone), 'zone') : unescape(hostname, 'host');
    const addr = goParseAddrKind(unescapedHostname);
    if (addr === null) throw new GoURLError('invalid host');
    if (addr === 4) throw new GoURLError('invalid IP-literal');
    return '[' + unescapedHostname + ']' + unescapedColonPort;
  }
  const i = host.lastIndexOf(':');
  if (i !== -1) {
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) throw new GoURLError('invalid port after host');
  }
  return unescape(host, 'host');
}

/**
 * Which kind of address Go's `netip.ParseAddr(s)` returns — 4, 6, or null for an error — ported from
 * golang/go src/net/netip/netip.go (`ParseAddr`, `parseIPv4`, `parseIPv4Fields`, `parseIPv6`). The
 * first of `.`, `:`, `%` decides the family; IPv6 takes an optional non-empty `%zone`, at most one
 * `::`, groups of 1–4 hex digits, and an embedded dotted IPv4 only as the last 32 bits.
 */
export function goParseAddrKind(s: string): 4 | 6 | null {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') return parseIPv4Fields(s, 0, s.length) ? 4 : null;
    if (c === ':') return parseIPv6(s) ? 6 : null;
    if (c === '%') return null; // missing IPv6 address
  }
  return null; // unable to parse IP
}

/** Go's `parseIPv4Fields(in, off, end, …)`: four decimal fields, no leading zeros, each ≤ 255. */
function parseIPv4Fields(input: string, off: number, end: number): boolean {
  const s = input.slice(off, end);
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digLen === 1 && val === 0) return false; // leading zero
      val = val * 10 + (c - 0x30);
      digLen++;
      if (val > 255) return false;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') return false;
      if (pos === 3) return false; // too long
      pos++;
      val = 0;
      digLen = 0;
    } else {
      return false;
    }
  }
  return pos >= 3;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Go's `parseIPv6(in)`: true when Go returns an address. */
function parseIPv6(input: string): boolean {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') return false; // zone must be a non-empty string
  }
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return true; // "::"
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const h = hexVal(s.charCodeAt(off));
      if (h < 0) break;
      acc = acc * 16 + h;
      if (off > 3) return false; // more than 4 digits in a group
      if (acc > 0xffff) return false;
    }
    if (off === 0) return false; // each colon-separated field must have at least one digit
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return false; // embedded IPv4 must replace the final 2 fields
      if (i + 4 > 16) return false;
      let end = input.length;
      if (zone.length > 0) end -= zone.length + 1;
      if (!parseIPv4Fields(input, end - s.length, end)) return false;
      s = '';
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') return false; // unexpected character, want colon
    if (s.length === 1) return false; // colon must be followed by more characters
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return false; // multiple ::
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return false; // trailing garbage
  if (i < 16) return ellipsis >= 0; // address string too short without ::
  return ellipsis < 0; // :: must expand to at least one field of zeros
}

function validUserinfo(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isAlnum(c)) continue;
    if ("-._:~!$&'()*+,;=%@".includes(s[i]!)) continue;
    return false;
  }
  return true;
}

function parseAuthority(authority: string): { hasUser: boolean; host: string } {
  const i = authority.lastIndexOf('@');
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return { hasUser: false, host };
  const userinfo = authority.slice(0, i);
  if (!validUserinfo(userinfo)) throw new GoURLError('invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) {
    unescape(userinfo, 'userPassword');
  } else {
    unescape(userinfo.slice(0, colon), 'userPassword');
    unescape(userinfo.slice(colon + 1), 'userPassword');
  }
  return { hasUser: true, host };
}

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === 0x3a /* : */) {
      if (i === 0) throw new GoURLError('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function containsCTL(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Go's `url.Parse(raw)` (raw is a binary string). Throws GoURLError where Go returns an error. */
export function goParseURL(raw: string): GoURL {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);

  if (containsCTL(u)) throw new GoURLError('invalid control character in URL');
  let scheme = '';
  let opaque = '';
  let hasUser = false;
  let host = '';
  let path = '';
  let rawQuery = '';
  let rest: string;
  if (u === '*') {
    path = '*';
  } else {
    ({ scheme, rest } = getScheme(u));
    scheme = scheme.toLowerCase();
    if (rest.endsWith('?') && rest.split('?').length - 1 === 1) {
      rest = rest.slice(0, -1);
    } else {
      const q = rest.indexOf('?');
      if (q >= 0) {
        rawQuery = rest.slice(q + 1);
        rest = rest.slice(0, q);
      }
    }
    let done = false;
    if (!rest.startsWith('/')) {
      if (scheme !== '') {
        opaque = rest;
        done = true;
      } else {
        const seg = rest.split('/')[0]!;
        if (seg.includes(':')) throw new GoURLError('first path segment in URL cannot contain colon');
      }
    }
    if (!done) {
      if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
        let authority = rest.slice(2);
        rest = '';
        const slash = authority.indexOf('/');
        if (slash >= 0) {
          rest = authority.slice(slash);
          authority = authority.slice(0, slash);
        }
        ({ hasUser, host } = parseAuthority(authority));
      }
      path = unescape(rest, 'path');
    }
  }
  let fragment = '';
  if (frag !== '') fragment = unescape(frag, 'fragment');
  return { scheme, opaque, hasUser, host, path, rawQuery, fragment };
}

/** Go's `url.Parse` returning null instead of an error. */
export function tryGoParseURL(raw: string): GoURL | null {
  try {
    return goParseURL(raw);
  } catch (e) {
    if (e instanceof GoURLError) return null;
    throw e;
  }
}

/** Go's `net.SplitHostPort`; null where Go returns an error. */
export function goSplitHostPort(hostport: string): { host: string; port: string } | null {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return null; // missing port
  let j = 0;
  let k = 0;
  let host: string;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return null;
    if (end + 1 === hostport.length) return null; // missing port
    if (end + 1 !== i) return null; // too many colons / missing port
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return null; // too many colons
  }
  if (hostport.slice(j).includes('[')) return null;
  if (hostport.slice(k).includes(']')) return null;
  return { host, port: hostport.slice(i + 1) };
}
