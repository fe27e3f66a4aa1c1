/**
 * Line-for-line port of the distribution/reference v0.6.0 functions the kubelet runs
 * (`ParseNormalizedNamed` → `splitDockerDomain` → `Parse` → go-digest v1.0.0 `Digest.Validate`).
 * This module decides the VERDICT (valid / which Go error); diagnose.ts turns Go's errors into
 * specific causes and fixes. Nothing here may accept or reject anything Go would not.
 *
 * Why the reference regexp is applied in pieces rather than as one big pattern: JS regexps
 * backtrack (Go's are RE2, linear-time), and the image string is untrusted and unbounded (the API
 * server only limits the object size, ~1.5 MB). A length cap would be wrong, because Go accepts
 * arbitrarily long domains and ports. Instead the anchored referencePat is split at the places the
 * grammar forces (see `matchReference`), and each piece is matched by a small anchored pattern whose
 * matching is linear in practice (each repetition is separated by a character the next repetition
 * cannot start with). test/reference/fuzz.test.ts checks this split against the full REFERENCE_RE
 * and ANCHORED_NAME_RE, and times 100 KB–1.5 MB adversarial inputs.
 */
import {
  ANCHORED_DIGEST_RE,
  ANCHORED_DOMAIN_RE,
  ANCHORED_IDENTIFIER_RE,
  ANCHORED_REMOTE_NAME_RE,
  ANCHORED_TAG_RE,
  DIGEST_ALGORITHMS,
  GO_DIGEST_ANCHORED_RE,
  GO_DIGEST_ENCODED_RE,
  NAME_TOTAL_LENGTH_MAX,
} from './grammar.js';

/** normalize.go constants. */
export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
export const LOCALHOST = 'localhost';

/** The errors distribution/reference (and go-digest) return on the kubelet's path. */
export type GoErrorKind =
  /** ParseNormalizedNamed: the whole string is a 64-hex identifier. */
  | 'IDENTIFIER'
  /** ParseNormalizedNamed: `strings.ToLower(remote) != remote`. */
  | 'REMOTE_UPPERCASE'
  /** reference.go ErrNameEmpty. */
  | 'NAME_EMPTY'
  /** reference.go ErrReferenceInvalidFormat. */
  | 'INVALID_FORMAT'
  /** reference.go ErrNameContainsUppercase. */
  | 'NAME_CONTAINS_UPPERCASE'
  /** reference.go ErrNameTooLong. */
  | 'NAME_TOO_LONG'
  /** go-digest ErrDigestInvalidFormat. */
  | 'DIGEST_INVALID_FORMAT'
  /** go-digest ErrDigestInvalidLength. */
  | 'DIGEST_INVALID_LENGTH'
  /** go-digest ErrDigestUnsupported. */
  | 'DIGEST_UNSUPPORTED';

/** A parsed reference in Go's representation: empty string means "absent". */
export interface GoReference {
  readonly domain: string;
  readonly path: string;
  readonly tag: string;
  readonly digest: string;
}

export type GoResult =
  | { readonly ok: true; readonly ref: GoReference }
  | { readonly ok: false; readonly kind: GoErrorKind; readonly message: string; readonly path?: string };

const ERR_MESSAGES: Readonly<Record<Exclude<GoErrorKind, 'IDENTIFIER' | 'REMOTE_UPPERCASE'>, string>> = {
  NAME_EMPTY: 'repository name must have at least one component',
  INVALID_FORMAT: 'invalid reference format',
  NAME_CONTAINS_UPPERCASE: 'repository name must be lowercase',
  NAME_TOO_LONG: `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
  DIGEST_INVALID_FORMAT: 'invalid checksum digest format',
  DIGEST_INVALID_LENGTH: 'invalid checksum digest length',
  DIGEST_UNSUPPORTED: 'unsupported digest algorithm',
};

function fail(kind: Exclude<GoErrorKind, 'IDENTIFIER' | 'REMOTE_UPPERCASE'>, path?: string): GoResult {
  return path === undefined
    ? { ok: false, kind, message: ERR_MESSAGES[kind] }
    : { ok: false, kind, message: ERR_MESSAGES[kind], path };
}

const NON_ASCII_RE = /[^\x00-\x7f]/;

/**
 * Go `strings.ToLower`: per-rune simple case mapping. For ASCII it is `toLowerCase`; for other runes
 * JS applies SpecialCasing (U+0130 → "i̇", final sigma), which Go does not, so map rune by rune.
 */
export function goToLower(s: string): string {
  if (!NON_ASCII_RE.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0x130) {
      out += 'i'; // unicode.ToLower('İ') == 'i'
      continue;
    }
    const lower = ch.toLowerCase();
    out += lower.length === ch.length || [...lower].length === 1 ? lower : ch;
  }
  return out;
}

/** normalize.go splitDockerDomain (v0.6.0). Returns [domain, remainder]. */
export function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/'); // strings.Cut(name, "/")
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemoteName = name.slice(slash + 1);
  let domain: string;
  let remoteName: string;
  if (maybeDomain === LOCALHOST) {
    [domain, remoteName] = [maybeDomain, maybeRemoteName];
  } else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) {
    [domain, remoteName] = [DEFAULT_DOMAIN, maybeRemoteName];
  } else if (maybeDomain.includes('.') || maybeDomain.includes(':')) {
    [domain, remoteName] = [maybeDomain, maybeRemoteName];
  } else if (goToLower(maybeDomain) !== maybeDomain) {
    // "Uppercase namespaces are not allowed, so if the first element is not lowercase, we assume it to be a domain-name."
    [domain, remoteName] = [maybeDomain, maybeRemoteName];
  } else {
    [domain, remoteName] = [DEFAULT_DOMAIN, name];
  }
  if (domain === DEFAULT_DOMAIN && !remoteName.includes('/')) remoteName = OFFICIAL_REPO_PREFIX + remoteName;
  return [domain, remoteName];
}

/**
 * `^(?:(domainAndPort)/)?(remoteName)$` with Go's leftmost-first submatch semantics: the optional
 * domain group is tried first; since a domain cannot contain "/", it can only end at the FIRST "/".
 * If that fails, the whole name is the path and the domain is "" (e.g. `foo_bar.com/x`).
 */
export function matchName(name: string): { domain: string; path: string } | null {
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const domain = name.slice(0, slash);
    const path = name.slice(slash + 1);
    if (ANCHORED_DOMAIN_RE.test(domain) && ANCHORED_REMOTE_NAME_RE.test(path)) return { domain, path };
  }
  return ANCHORED_REMOTE_NAME_RE.test(name) ? { domain: '', path: name } : null;
}

/**
 * `referencePat` = `^(name)(?::(tag))?(?:@(digest))?$`, split where the grammar forces it:
 *  - "@" occurs in no production but the digest separator, so the digest is everything after the
 *    first "@" (a second "@" fails the digest pattern);
 *  - the name contains every "/" before the "@" (tags have none), and a name has no ":" after its
 *    last "/" (paths have none; a domain is always followed by "/"). So a ":" after the last "/" must
 *    be the tag separator; with several, the name or tag pattern fails either way.
 * Returns [name, tag, digest] ("" = absent) exactly like FindStringSubmatch's groups 1..3, or null.
 */
export function matchReference(s: string): [string, string, string] | null {
  const m = matchReferenceParts(s);
  return m === null ? null : [m.name, m.tag, m.digest];
}

interface ReferenceParts {
  readonly name: string;
  readonly tag: string;
  readonly digest: string;
  /** anchoredNameRegexp's groups for `name`. */
  readonly domain: string;
  readonly path: string;
}

/** matchReference plus the name's domain/path split (saves Parse a second name match). */
function matchReferenceParts(s: string): ReferenceParts | null {
  let left = s;
  let digest = '';
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1);
    left = s.slice(0, at);
    if (!ANCHORED_DIGEST_RE.test(digest)) return null;
  }
  let name = left;
  let tag = '';
  const colon = left.lastIndexOf(':');
  if (colon > left.lastIndexOf('/')) {
    tag = left.slice(colon + 1);
    name = left.slice(0, colon);
    if (!ANCHORED_TAG_RE.test(tag)) return null;
  }
  const nm = matchName(name);
  if (nm === null) return null;
  return { name, tag, digest, domain: nm.domain, path: nm.path };
}

/** go-digest v1.0.0 `Digest.Validate` (via `digest.Parse`). Returns null when valid. */
export function validateDigest(d: string): 'DIGEST_INVALID_FORMAT' | 'DIGEST_INVALID_LENGTH' | 'DIGEST_UNSUPPORTED' | null {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) return 'DIGEST_INVALID_FORMAT';
  const algorithm = d.slice(0, i);
  const encoded = d.slice(i + 1);
  const size = DIGEST_ALGORITHMS.get(algorithm); // Algorithm.Available()
  if (size === undefined) return GO_DIGEST_ANCHORED_RE.test(d) ? 'DIGEST_UNSUPPORTED' : 'DIGEST_INVALID_FORMAT';
  if (encoded.length !== size) return 'DIGEST_INVALID_LENGTH';
  return (GO_DIGEST_ENCODED_RE.get(algorithm) as RegExp).test(encoded) ? null : 'DIGEST_INVALID_FORMAT';
}

/** reference.go `Parse` (v0.6.0): not normalised; the domain is "" when there is none. */
export function goParse(s: string): GoResult {
  if (s === '') return fail('NAME_EMPTY');
  const matches = matchReferenceParts(s);
  if (matches === null) {
    const sl = goToLower(s);
    // "Succeeds when lower-casing, so input contains an invalid repository name."
    if (sl !== s && matchReferenceParts(sl) !== null) return fail('NAME_CONTAINS_UPPERCASE');
    return fail('INVALID_FORMAT');
  }
  // anchoredNameRegexp.FindStringSubmatch(matches[1]) always matches here (the name group did).
  const { tag, digest, domain, path } = matches;
  if (path.length > NAME_TOTAL_LENGTH_MAX) return fail('NAME_TOO_LONG', path);
  if (digest !== '') {
    const err = validateDigest(digest);
    if (err !== null) return fail(err);
  }
  // getBestReferenceType: Name() is never "" here (the name group is non-empty), so every result is Named.
  return { ok: true, ref: { domain, path, tag, digest } };
}

/** normalize.go `ParseNormalizedNamed` (v0.6.0). */
export function goParseNormalizedNamed(s: string): GoResult {
  if (ANCHORED_IDENTIFIER_RE.test(s)) {
    return {
      ok: false,
      kind: 'IDENTIFIER',
      message: `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
    };
  }
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (goToLower(remote) !== remote) {
    return {
      ok: false,
      kind: 'REMOTE_UPPERCASE',
      message: `invalid reference format: repository name (${remote}) must be lowercase`,
    };
  }
  // The "reference %s has no name" branch is unreachable: the parsed string always has a name.
  return goParse(`${domain}/${remainder}`);
}

/** True when the kubelet would accept the image (ParseNormalizedNamed succeeds). */
export function isValidImageReference(s: string): boolean {
  return goParseNormalizedNamed(s).ok;
}
