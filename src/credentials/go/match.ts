/**
 * Go's `path/filepath.Match` on a Unix build (separator `/`, backslash escapes enabled), ported from
 * golang/go src/path/filepath/match.go (the current form, which reports ErrBadPattern for a malformed
 * pattern even when the name already failed to match). Operates on binary strings (./bytes.ts) and
 * decodes UTF-8 runes where Go does.
 */
import { decodeRune, RUNE_ERROR } from './bytes.js';

export class ErrBadPattern extends Error {
  constructor() {
    super('syntax error in pattern');
  }
}

const SEPARATOR = '/';

function scanChunk(pattern: string): { star: boolean; chunk: string; rest: string } {
  let star = false;
  while (pattern.length > 0 && pattern[0] === '*') {
    pattern = pattern.slice(1);
    star = true;
  }
  let inrange = false;
  let i: number;
  scan: for (i = 0; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inrange = true;
        break;
      case ']':
        inrange = false;
        break;
      case '*':
        if (!inrange) break scan;
        break;
      default:
        break;
    }
  }
  return { star, chunk: pattern.slice(0, i), rest: pattern.slice(i) };
}

function getEsc(chunk: string): { r: number; nchunk: string } {
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw new ErrBadPattern();
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw new ErrBadPattern();
  }
  const { r, n } = decodeRune(chunk);
  if (r === RUNE_ERROR && n === 1) throw new ErrBadPattern();
  const nchunk = chunk.slice(n);
  if (nchunk.length === 0) throw new ErrBadPattern();
  return { r, nchunk };
}

/** Returns the rest of s after chunk matched its beginning, or null. Throws ErrBadPattern. */
function matchChunk(chunk: string, s: string): string | null {
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === '[') {
      let r = 0;
      if (!failed) {
        const d = decodeRune(s);
        r = d.r;
        s = s.slice(d.n);
      }
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk.length > 0 && chunk[0] === '^') {
        negated = true;
        chunk = chunk.slice(1);
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const lo = getEsc(chunk);
        chunk = lo.nchunk;
        let hi = lo.r;
        if (chunk[0] === '-') {
          const h = getEsc(chunk.slice(1));
          chunk = h.nchunk;
          hi = h.r;
        }
        if (lo.r <= r && r <= hi) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === SEPARATOR) failed = true;
        const d = decodeRune(s);
        s = s.slice(d.n);
      }
      chunk = chunk.slice(1);
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) throw new ErrBadPattern();
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  return failed ? null : s;
}

/** Go's `filepath.Match(pattern, name)`. Throws ErrBadPattern where Go returns it. */
export function goFilepathMatch(pattern: string, name: string): boolean {
  pattern: while (pattern.length > 0) {
    const sc = scanChunk(pattern);
    const { star, chunk } = sc;
    pattern = sc.rest;
    if (star && chunk === '') {
      return !name.includes(SEPARATOR);
    }
    let err: ErrBadPattern | null = null;
    let t: string | null = null;
    try {
      t = matchChunk(chunk, name);
    } catch (e) {
      if (!(e instanceof ErrBadPattern)) throw e;
      err = e;
    }
    if (t !== null && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (err) throw err;
    if (star) {
      for (let i = 0; i < name.length && name[i] !== SEPARATOR; i++) {
        const t2 = matchChunk(chunk, name.slice(i + 1));
        if (t2 !== null) {
          if (pattern.length === 0 && t2.length > 0) continue;
          name = t2;
          continue pattern;
        }
      }
    }
    while (pattern.length > 0) {
      const sc2 = scanChunk(pattern);
      pattern = sc2.rest;
      matchChunk(sc2.chunk, '');
    }
    return false;
  }
  return name.length === 0;
}

/** Match that maps ErrBadPattern to "no match" (what the keyring does with the error). */
export function goFilepathMatchOrFalse(pattern: string, name: string): boolean {
  try {
    return goFilepathMatch(pattern, name);
  } catch (e) {
    if (e instanceof ErrBadPattern) return false;
    throw e;
  }
}
