/**
 * The parts of Go's `net/url.Parse` and `net.SplitHostPort` that the kubelet keyring depends on,
 * ported from golang/go src/net/url/url.go and src/net/ipsock.go. All strings are binary strings
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

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new GoURLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new GoURLError('invalid port after host');
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      const host1 = unescape(host.slice(0, zone), 'host');
      const host2 = unescape(host.slice(zone, i), 'zone');
      const host3 = unescape(host.slice(i), 'host');
      return host1 + host2 + host3;
    }
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new GoURLError('invalid port after host');
    }
  }
  return unescape(host, 'host');
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
