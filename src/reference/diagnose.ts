/**
 * Turns a failed parse (the verdict comes from go.ts, never from here) into one specific, actionable
 * diagnosis. Where Go returns a specific error (64-hex name, name too long, digest length/unsupported)
 * the reason follows it. Where Go's error is generic ("invalid reference format") or misleading (the
 * lowercase check of ParseNormalizedNamed also fires for an upper-case digest algorithm), the string
 * is examined piece by piece — as the user most plausibly meant it, i.e. with splitDockerDomain's
 * reading of the first component — to name the first offending piece and character. (Bad tags are
 * an example: Parse returns only ErrReferenceInvalidFormat for them; distribution's ErrTagInvalidFormat
 * comes from WithTag, which the kubelet does not call. pullguard reports TAG_INVALID with the tag,
 * the offending character or the length, and the tag grammar.)
 *
 * Causes and fixes have no trailing period; callers print `${cause}; ${fix}`. Quoted input is
 * truncated so that lines stay short (kubectl warnings should stay under ~120 characters). Every
 * concrete `use "…"` suggestion is checked with the Go verdict before it is offered.
 */
import {
  ANCHORED_DIGEST_ALGORITHM_RE,
  ANCHORED_DOMAIN_RE,
  ANCHORED_PATH_COMPONENT_RE,
  ANCHORED_REMOTE_NAME_RE,
  ANCHORED_TAG_RE,
  DIGEST_ALGORITHMS,
  NAME_TOTAL_LENGTH_MAX,
  TAG_MAX_LENGTH,
} from './grammar.js';
import {
  LOCALHOST,
  OFFICIAL_REPO_PREFIX,
  goParseNormalizedNamed,
  type GoErrorKind,
  type GoResult,
} from './go.js';
import type { ReferenceError, ReferenceErrorReason } from './types.js';

/** A ReferenceError plus the error text Go itself returns (what the kubelet's event would show). */
export interface DetailedReferenceError extends ReferenceError {
  /** The error message distribution/reference returns for this input, verbatim. */
  readonly goError: string;
}

type Failure = Extract<GoResult, { ok: false }>;
type Problem = { reason: ReferenceErrorReason; cause: string; fix: string };

/** Longest quoted excerpt of user input in a cause. */
const QUOTE_MAX = 48;
/** Longest concrete suggestion offered as `use "…"`. */
const SUGGESTION_MAX = 80;

/**
 * Quote a piece of input for a message (JSON string syntax, so control characters and lone
 * surrogates are escaped), truncated with an ellipsis so that the quoted text stays within `max`
 * characters. Only a bounded prefix of the input is ever examined.
 */
export function quote(s: string, max = QUOTE_MAX): string {
  const bounded = s.slice(0, 4 * max);
  const escaped: string[] = [];
  let length = 0;
  let complete = bounded.length === s.length;
  for (const ch of bounded) {
    const piece = JSON.stringify(ch).slice(1, -1);
    if (length + piece.length > max) {
      complete = false;
      break;
    }
    escaped.push(piece);
    length += piece.length;
  }
  if (complete) return `"${escaped.join('')}"`;
  let out = '';
  for (const piece of escaped) {
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `"${out}…"`;
}

/** The character (code point) starting at index i. */
function charAt(s: string, i: number): string {
  return String.fromCodePoint(s.codePointAt(i) as number);
}

function hex4(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Human description of one character: `"$"`, `a space`, `a tab`, `"é" (U+00E9)`, `U+200B`. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  if (ch === ' ') return 'a space';
  if (ch === '\t') return 'a tab';
  if (ch === '\n') return 'a newline';
  if (ch === '\r') return 'a carriage return';
  if (cp < 0x20 || cp === 0x7f) return `control character ${hex4(cp)}`;
  if (cp < 0x7f) return JSON.stringify(ch);
  if (isGoSpace(cp) || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfeff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return `invisible character ${hex4(cp)}`;
  }
  return `${JSON.stringify(ch)} (${hex4(cp)})`;
}

/** Go `unicode.IsSpace` (what `strings.TrimSpace` trims; the API server rejects it at either end). */
export function isGoSpace(cp: number): boolean {
  if (cp <= 0xff) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0;
  return (
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** Offer `use "x"` only when x is short and the kubelet would accept it. */
function suggest(candidate: string | null, fallback: string): string {
  if (candidate !== null && candidate.length <= SUGGESTION_MAX && goParseNormalizedNamed(candidate).ok) {
    return `use ${JSON.stringify(candidate)}`;
  }
  return fallback;
}

function firstMatch(s: string, re: RegExp): string | null {
  const m = re.exec(s);
  return m === null ? null : charAt(s, m.index);
}

// ---------------------------------------------------------------------------------------------
// The pieces of the reference as written
// ---------------------------------------------------------------------------------------------

interface Pieces {
  /** Everything before the tag/digest. */
  readonly name: string;
  /** The tag after the last ":" following the last "/", or null. */
  readonly tag: string | null;
  /** Everything after the first "@", or null. */
  readonly digest: string | null;
  /** The registry as written (first component, when splitDockerDomain treats it as one), or null. */
  readonly domain: string | null;
  /** True when the first component is a domain only because it has upper-case letters. */
  readonly domainFromUppercase: boolean;
  /** The repository path as written (name without the written domain). */
  readonly path: string;
}

function pieces(s: string): Pieces {
  const at = s.indexOf('@');
  const left = at >= 0 ? s.slice(0, at) : s;
  const digest = at >= 0 ? s.slice(at + 1) : null;
  const colon = left.lastIndexOf(':');
  const hasTag = colon > left.lastIndexOf('/');
  const name = hasTag ? left.slice(0, colon) : left;
  const tag = hasTag ? left.slice(colon + 1) : null;
  const slash = name.indexOf('/');
  let domain: string | null = null;
  let domainFromUppercase = false;
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first === LOCALHOST || first.includes('.') || first.includes(':')) domain = first;
    else if (first.toLowerCase() !== first) {
      domain = first;
      domainFromUppercase = true;
    }
  }
  const path = domain === null ? name : name.slice((domain as string).length + 1);
  return { name, tag, digest, domain, domainFromUppercase, path };
}

/** Reassemble a reference from pieces, replacing some. */
function assemble(p: Pieces, name: string): string {
  return name + (p.tag !== null ? `:${p.tag}` : '') + (p.digest !== null ? `@${p.digest}` : '');
}

// ---------------------------------------------------------------------------------------------
// Piece diagnostics (each returns null when the piece is fine)
// ---------------------------------------------------------------------------------------------

const HOST_CHARS_RE = /[^A-Za-z0-9.-]/;
const IPV6_CHARS_RE = /[^A-Fa-f0-9:]/;
const DIGITS_RE = /^[0-9]+$/;

function diagnosePort(domain: string, port: string, p: Pieces): Problem | null {
  if (port === '') {
    return {
      reason: 'INVALID_FORMAT',
      cause: `registry ${quote(domain)} has an empty port after ":"`,
      fix: suggest(domain.slice(0, -1) + '/' + p.path, 'remove the ":" or add the port number'),
    };
  }
  if (!DIGITS_RE.test(port)) {
    const maybeTag = !(p.domainFromUppercase || domain.includes('.') || domain.startsWith('['));
    return {
      reason: 'INVALID_FORMAT',
      cause: `port ${quote(port, 24)} of registry ${quote(domain, 40)} is not a number`,
      fix: maybeTag ? 'if it is a tag: tags cannot contain "/"' : 'use a numeric port, e.g. "registry.example.com:5000"',
    };
  }
  return null;
}

function diagnoseDomain(domain: string, p: Pieces): Problem | null {
  if (ANCHORED_DOMAIN_RE.test(domain)) return null;
  const generic = 'write the registry as host[:port], e.g. "registry.example.com:5000"';
  if (domain.startsWith('[')) {
    const close = domain.indexOf(']');
    if (close < 0) {
      return { reason: 'INVALID_FORMAT', cause: `IPv6 registry address ${quote(domain)} is missing "]"`, fix: generic };
    }
    const inner = domain.slice(1, close);
    const rest = domain.slice(close + 1);
    if (inner.includes('%')) {
      return {
        reason: 'INVALID_FORMAT',
        cause: `IPv6 registry address ${quote(domain)} has a zone ("%…"), which is not allowed`,
        fix: suggest(`[${inner.slice(0, inner.indexOf('%'))}]${rest}/${p.path}`, 'remove the zone identifier'),
      };
    }
    if (inner.includes('.')) {
      return {
        reason: 'INVALID_FORMAT',
        cause: `IPv6 registry address ${quote(domain)} embeds an IPv4 address (not supported)`,
        fix: 'write it with hex groups only, or use the IPv4 address',
      };
    }
    const bad = firstMatch(inner, IPV6_CHARS_RE);
    if (bad !== null || inner === '') {
      return {
        reason: 'INVALID_FORMAT',
        cause:
          inner === ''
            ? `IPv6 registry address ${quote(domain)} is empty`
            : `IPv6 registry address ${quote(domain)} contains ${describeChar(bad as string)}`,
        fix: 'use hex digits and ":" inside the brackets, e.g. "[fc00::1]"',
      };
    }
    if (rest !== '') {
      if (!rest.startsWith(':')) {
        return {
          reason: 'INVALID_FORMAT',
          cause: `unexpected ${quote(rest, 24)} after "]" in registry ${quote(domain, 40)}`,
          fix: 'write the port as "]:port", e.g. "[fc00::1]:5000"',
        };
      }
      return diagnosePort(domain, rest.slice(1), p);
    }
    return { reason: 'INVALID_FORMAT', cause: `registry ${quote(domain)} is not a valid address`, fix: generic };
  }
  const colon = domain.indexOf(':');
  if (colon >= 0 && domain.indexOf(':', colon + 1) >= 0) {
    return {
      reason: 'INVALID_FORMAT',
      cause: `registry ${quote(domain)} has more than one ":"`,
      fix: 'write IPv6 registry addresses in brackets, e.g. "[fc00::1]:5000"',
    };
  }
  const hostPart = colon >= 0 ? domain.slice(0, colon) : domain;
  const labels = hostPart.split('.');
  if (hostPart === '' || labels.some((l) => l === '')) {
    const where = hostPart.startsWith('.') ? 'starts with "."' : hostPart.endsWith('.') ? 'ends with "."' : 'contains ".."';
    return {
      reason: 'INVALID_FORMAT',
      cause: hostPart === '' ? `registry ${quote(domain)} has no host name` : `registry host ${quote(hostPart)} ${where}`,
      fix: generic,
    };
  }
  const bad = firstMatch(hostPart, HOST_CHARS_RE);
  if (bad !== null) {
    return {
      reason: 'INVALID_FORMAT',
      cause: `registry host ${quote(hostPart)} contains ${describeChar(bad)}`,
      fix: 'use only letters, digits, "-" and "." in the registry host',
    };
  }
  const dashed = labels.find((l) => l.startsWith('-') || l.endsWith('-'));
  if (dashed !== undefined) {
    const which = dashed.startsWith('-') ? 'starting' : 'ending';
    return {
      reason: 'INVALID_FORMAT',
      cause: `registry host ${quote(hostPart)} has a label ${which} with "-" (${quote(dashed, 24)})`,
      fix: 'start and end each host label with a letter or digit',
    };
  }
  if (colon >= 0) return diagnosePort(domain, domain.slice(colon + 1), p);
  return { reason: 'INVALID_FORMAT', cause: `registry ${quote(domain)} is not a valid host[:port]`, fix: generic };
}

const PATH_CHARS_RE = /[^A-Za-z0-9._\-/]/;
const SEPARATOR_RUN_RE = /[._-]+/g;
const PATH_GRAMMAR = 'use lowercase letters and digits, joined by ".", "_", "__" or "-"';

function ofName(component: string, name: string): string {
  return component === name.toLowerCase() ? '' : ` of ${quote(name, 40)}`;
}

function diagnosePathComponent(component: string, name: string): Problem | null {
  if (ANCHORED_PATH_COMPONENT_RE.test(component)) return null;
  if (/^[._-]/.test(component)) {
    return {
      reason: 'INVALID_FORMAT',
      cause: `path component ${quote(component, 32)}${ofName(component, name)} starts with ${JSON.stringify(component[0])}`,
      fix: 'start it with a lowercase letter or digit',
    };
  }
  if (/[._-]$/.test(component)) {
    return {
      reason: 'INVALID_FORMAT',
      cause: `path component ${quote(component, 32)}${ofName(component, name)} ends with ${JSON.stringify(component.slice(-1))}`,
      fix: 'end it with a lowercase letter or digit',
    };
  }
  for (const m of component.matchAll(SEPARATOR_RUN_RE)) {
    const run = m[0];
    if (run === '.' || run === '_' || run === '__' || /^-+$/.test(run)) continue;
    return {
      reason: 'INVALID_FORMAT',
      cause: `path component ${quote(component, 32)} has the separator ${quote(run, 8)}`,
      fix: 'separate letters and digits with one ".", one or two "_", or dashes',
    };
  }
  return null;
}

function diagnoseName(written: Pieces, s: string): Problem | null {
  let p = written;
  // A first component that is not a valid host is, for Go, part of the path when the whole name is a
  // valid path (e.g. `foo_bar.com/x` has no domain); diagnose it that way.
  if (p.domain !== null && !ANCHORED_DOMAIN_RE.test(p.domain) && ANCHORED_REMOTE_NAME_RE.test(p.name.toLowerCase())) {
    p = { ...p, domain: null, domainFromUppercase: false, path: p.name };
  }
  const lowerPath = p.path.toLowerCase();
  if (p.name === '') {
    const sep = s.charAt(0);
    const example = `nginx${s}`;
    return {
      reason: 'INVALID_FORMAT',
      cause: `no repository name before ${JSON.stringify(sep)}`,
      fix: `write the repository first, e.g. ${quote(example, 24)}`,
    };
  }
  if (p.domain !== null) {
    const d = diagnoseDomain(p.domain, p);
    if (d !== null) return d;
  }
  if (p.path === '') {
    return {
      reason: 'INVALID_FORMAT',
      cause: `registry ${quote(p.domain ?? p.name)} is not followed by a repository path`,
      fix: `add one, e.g. ${quote(`${p.domain ?? ''}/team/app`, 60)}`,
    };
  }
  const bad = firstMatch(p.path, PATH_CHARS_RE);
  if (bad !== null) {
    return {
      reason: 'INVALID_FORMAT',
      cause: `repository name ${quote(p.name)} contains ${describeChar(bad)}`,
      fix: PATH_GRAMMAR,
    };
  }
  if (p.path.startsWith('/') || p.path.endsWith('/') || p.path.includes('//')) {
    const where = p.path.startsWith('/') ? 'starts with "/"' : p.path.endsWith('/') ? 'ends with "/"' : 'contains "//"';
    const trimmed = p.path.split('/').filter((c) => c !== '').join('/');
    return {
      reason: 'INVALID_FORMAT',
      cause: `repository name ${quote(p.name)} ${where}`,
      fix: suggest(trimmed === '' ? null : assemble(p, (p.domain !== null ? `${p.domain}/` : '') + trimmed), 'remove the empty path component'),
    };
  }
  for (const component of lowerPath.split('/')) {
    const d = diagnosePathComponent(component, p.name);
    if (d !== null) return d;
  }
  if (lowerPath !== p.path) {
    const domainPart = p.domain === null ? '' : `${p.domainFromUppercase ? p.domain.toLowerCase() : p.domain}/`;
    const fixedName = domainPart + lowerPath;
    const full = assemble(p, fixedName);
    return {
      reason: 'UPPERCASE',
      cause: `repository name ${quote(p.name, 40)} contains uppercase letters`,
      fix: suggest(full, suggest(fixedName, 'use only lowercase letters in the repository path')),
    };
  }
  return null;
}

function diagnoseTag(tagValue: string, p: Pieces): Problem | null {
  if (ANCHORED_TAG_RE.test(tagValue)) return null;
  const grammar = `use letters, digits, "_", "." and "-" (not first), at most ${TAG_MAX_LENGTH} characters`;
  if (tagValue === '') {
    return {
      reason: 'TAG_INVALID',
      cause: 'the tag after ":" is empty',
      fix: suggest(assemble({ ...p, tag: null }, p.name), 'remove the ":" or write a tag after it'),
    };
  }
  const bad = firstMatch(tagValue, /[^A-Za-z0-9_.-]/);
  if (bad !== null) {
    return { reason: 'TAG_INVALID', cause: `tag ${quote(tagValue, 40)} contains ${describeChar(bad)}`, fix: grammar };
  }
  if (tagValue.startsWith('.') || tagValue.startsWith('-')) {
    return {
      reason: 'TAG_INVALID',
      cause: `tag ${quote(tagValue, 40)} starts with ${JSON.stringify(tagValue[0])}`,
      fix: 'start the tag with a letter, digit or "_"',
    };
  }
  return {
    reason: 'TAG_INVALID',
    cause: `tag ${quote(tagValue, 24)} is ${tagValue.length} characters, over the limit of ${TAG_MAX_LENGTH}`,
    fix: `shorten it to at most ${TAG_MAX_LENGTH} characters`,
  };
}

const DIGEST_EXAMPLE = 'write "sha256:" followed by 64 lowercase hex characters';
const ALGORITHMS = [...DIGEST_ALGORITHMS.keys()].join(', ');

/** Diagnose the text after "@"; null when it is a valid digest the kubelet accepts. */
export function diagnoseDigest(d: string): Problem | null {
  if (d === '') return { reason: 'DIGEST_INVALID', cause: 'the digest after "@" is empty', fix: `${DIGEST_EXAMPLE}, or remove the "@"` };
  if (d.includes('@')) {
    return { reason: 'DIGEST_INVALID', cause: 'the reference contains more than one "@"', fix: 'keep one "@" between the name (and tag) and the digest' };
  }
  const colon = d.indexOf(':');
  if (colon < 0) {
    if (DIGEST_ALGORITHMS.has(d.toLowerCase())) {
      return { reason: 'DIGEST_INVALID', cause: `digest ${quote(d, 16)} has no hex value after the algorithm`, fix: `write "${d.toLowerCase()}:" followed by ${DIGEST_ALGORITHMS.get(d.toLowerCase())} lowercase hex characters` };
    }
    const fix = /^[a-f0-9]{64}$/.test(d) ? 'prefix the hex with its algorithm: "sha256:…"' : DIGEST_EXAMPLE;
    return { reason: 'DIGEST_INVALID', cause: `digest ${quote(d, 24)} has no algorithm (like "sha256:")`, fix };
  }
  const algorithm = d.slice(0, colon);
  const encoded = d.slice(colon + 1);
  if (algorithm === '') return { reason: 'DIGEST_INVALID', cause: `digest ${quote(d, 24)} has no algorithm before ":"`, fix: DIGEST_EXAMPLE };
  const size = DIGEST_ALGORITHMS.get(algorithm) ?? DIGEST_ALGORITHMS.get(algorithm.toLowerCase());
  if (size !== undefined) {
    const lowerAlg = algorithm.toLowerCase();
    const bad = firstMatch(encoded, /[^A-Fa-f0-9]/);
    if (bad !== null) {
      return {
        reason: 'DIGEST_INVALID',
        cause: `${lowerAlg} digest contains ${describeChar(bad)}, which is not a hex digit`,
        fix: `use the ${size} lowercase hex characters of the ${lowerAlg} digest`,
      };
    }
    if (encoded.length !== size) {
      return {
        reason: 'DIGEST_INVALID',
        cause: `${lowerAlg} digest has ${encoded.length} hex characters instead of ${size}`,
        fix: `copy the complete ${lowerAlg} digest`,
      };
    }
    if (algorithm !== lowerAlg) {
      return {
        reason: 'DIGEST_INVALID',
        cause: `digest algorithm ${quote(algorithm, 16)} must be lowercase`,
        fix: `write it as "${lowerAlg}:…"${encoded.toLowerCase() !== encoded ? ' with lowercase hex' : ''}`,
      };
    }
    if (encoded.toLowerCase() !== encoded) {
      return { reason: 'DIGEST_INVALID', cause: `${lowerAlg} digest must use lowercase hex`, fix: 'lowercase the hex characters of the digest' };
    }
    return null;
  }
  if (!ANCHORED_DIGEST_ALGORITHM_RE.test(algorithm)) {
    return {
      reason: 'DIGEST_INVALID',
      cause: `digest algorithm ${quote(algorithm, 24)} is malformed`,
      fix: `use one of ${ALGORITHMS}, e.g. "sha256:" plus 64 hex characters`,
    };
  }
  return {
    reason: 'DIGEST_UNSUPPORTED',
    cause: `digest algorithm ${quote(algorithm, 24)} is not supported`,
    fix: 'pin the image by its sha256 (or sha384, sha512) digest instead',
  };
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

function genericFallback(kind: GoErrorKind): Problem {
  switch (kind) {
    case 'DIGEST_UNSUPPORTED':
      return { reason: 'DIGEST_UNSUPPORTED', cause: 'the digest algorithm is not supported', fix: `use one of ${ALGORITHMS}` };
    case 'DIGEST_INVALID_FORMAT':
    case 'DIGEST_INVALID_LENGTH':
      return { reason: 'DIGEST_INVALID', cause: 'the digest is malformed', fix: DIGEST_EXAMPLE };
    case 'NAME_CONTAINS_UPPERCASE':
    case 'REMOTE_UPPERCASE':
      return { reason: 'UPPERCASE', cause: 'the repository name contains uppercase letters', fix: 'use only lowercase letters in the repository path' };
    default:
      return {
        reason: 'INVALID_FORMAT',
        cause: 'the reference does not match [registry/]repository[:tag][@digest]',
        fix: 'write it like "registry.example.com/team/app:1.0" or "nginx:1.27"',
      };
  }
}

function scheme(s: string): Problem | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(s);
  if (m === null) return null;
  const rest = s.slice(m[0].length);
  return {
    reason: 'INVALID_FORMAT',
    cause: `image references have no URL scheme (${quote(m[0], 24)})`,
    fix: suggest(rest, `remove ${quote(m[0], 24)}`),
  };
}

function diagnoseGeneric(s: string): Problem | null {
  const sch = scheme(s);
  if (sch !== null) return sch;
  if (s.startsWith('[')) {
    // A bracketed IPv6 registry: its ":" (and a zone's "@") would otherwise be read as tag or
    // digest separators, so look at the registry up to the first "/" directly.
    const slash = s.indexOf('/');
    if (slash < 0) {
      const at = s.indexOf('@');
      const whole = at < 0 ? s : s.slice(0, at);
      // Build an example from the written address: "[addr]" + ":port" if numeric, then "/app", then the tag.
      const m = /^(\[[^\]]*\])(?::([0-9]+))?(?::(.*))?$/.exec(whole);
      const example = m === null ? '[fc00::1]:5000/app' : `${m[1]}${m[2] !== undefined ? `:${m[2]}` : ''}/app${m[3] !== undefined ? `:${m[3]}` : ''}`;
      return {
        reason: 'INVALID_FORMAT',
        cause: `IPv6 registry address ${quote(whole)} is not followed by a repository path`,
        fix: `add one, e.g. ${quote(example.length > 60 ? '[fc00::1]:5000/app' : example, 64)}`,
      };
    }
    const domain = s.slice(0, slash);
    if (!ANCHORED_DOMAIN_RE.test(domain)) {
      const rest = s.slice(slash + 1);
      const d = diagnoseDomain(domain, { name: s, tag: null, digest: null, domain, domainFromUppercase: false, path: rest });
      if (d !== null) return d;
    }
  }
  const p = pieces(s);
  return (
    diagnoseName(p, s) ??
    (p.tag !== null ? diagnoseTag(p.tag, p) : null) ??
    (p.digest !== null ? diagnoseDigest(p.digest) : null)
  );
}

function tooLong(s: string, path: string): Problem {
  const p = pieces(s);
  const added = path.startsWith(OFFICIAL_REPO_PREFIX) && !p.path.startsWith(OFFICIAL_REPO_PREFIX) ? ', with "library/"' : '';
  return {
    reason: 'NAME_TOO_LONG',
    cause: `repository path ${quote(path, 20)} is ${path.length} characters (max ${NAME_TOTAL_LENGTH_MAX}${added})`,
    fix: `shorten it to at most ${NAME_TOTAL_LENGTH_MAX} characters`,
  };
}

/**
 * Diagnose a string the Go port rejected. `failure` is goParseNormalizedNamed's (or goParse's) error.
 */
export function diagnose(s: string, failure: Failure): DetailedReferenceError {
  let problem: Problem | null = null;
  switch (failure.kind) {
    case 'IDENTIFIER':
      problem = {
        reason: 'HEX_REPOSITORY',
        cause: 'a 64-character hex string cannot be a repository name',
        fix: 'to pin a digest write "<repository>@sha256:<hex>"',
      };
      break;
    case 'NAME_TOO_LONG':
      problem = tooLong(s, failure.path ?? '');
      break;
    case 'DIGEST_INVALID_FORMAT':
    case 'DIGEST_INVALID_LENGTH':
    case 'DIGEST_UNSUPPORTED': {
      const d = pieces(s).digest;
      problem = d === null ? null : diagnoseDigest(d);
      break;
    }
    case 'NAME_EMPTY':
      problem = { reason: 'EMPTY', cause: 'the image reference is empty', fix: 'set an image such as "nginx:1.27" or "registry.example.com/team/app:1.0"' };
      break;
    default:
      problem = diagnoseGeneric(s);
  }
  if (problem === null) problem = genericFallback(failure.kind);
  return { ...problem, goError: failure.message };
}

/** Diagnosis for a reference with whitespace at either end (checked before the grammar, like the API server). */
export function diagnoseWhitespace(s: string, failure: Failure): DetailedReferenceError | null {
  if (s === '') return null;
  // Every Go space is a single UTF-16 unit, so plain index arithmetic is enough.
  const lead = isGoSpace(s.charCodeAt(0));
  const trail = isGoSpace(s.charCodeAt(s.length - 1));
  if (!lead && !trail) return null;
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  const trimmed = s.slice(start, end);
  const side = lead && trail ? 'leading and trailing' : lead ? 'leading' : 'trailing';
  const which = describeChar(lead ? s.charAt(0) : s.charAt(s.length - 1));
  return {
    reason: 'WHITESPACE',
    cause: `the image reference has ${side} whitespace (${which})`,
    fix: trimmed === '' ? 'set a non-blank image' : suggest(trimmed, `remove the ${side} whitespace`),
    goError: failure.message,
  };
}
