/**
 * The image-reference grammar of distribution/reference v0.6.0 (the version the kubelet vendors:
 * kubernetes/kubernetes go.mod `github.com/distribution/reference v0.6.0`), written once here and
 * built from small named pieces exactly as distribution's `regexp.go` builds it.
 *
 *   reference                  := name [ ":" tag ] [ "@" digest ]
 *   name                       := [domain '/'] remote-name
 *   domain                     := host [':' port-number]
 *   host                       := domain-name | IPv4address | \[ IPv6address \]   ; rfc3986 appendix-A
 *   domain-name                := domain-component ['.' domain-component]*
 *   domain-component           := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   IPv6address                := /[a-fA-F0-9:]+/            ; inside brackets, no zone, no IPv4-mapped
 *   port-number                := /[0-9]+/                   ; any number of digits
 *   path-component             := alpha-numeric [separator alpha-numeric]*
 *   path (or "remote-name")    := path-component ['/' path-component]*
 *   alpha-numeric              := /[a-z0-9]+/
 *   separator                  := /[_.]|__|[-]+/
 *
 *   tag                        := /[\w][\w.-]{0,127}/
 *
 *   digest                     := digest-algorithm ":" digest-hex
 *   digest-algorithm           := digest-algorithm-component [ digest-algorithm-separator digest-algorithm-component ]*
 *   digest-algorithm-separator := /[+.-_]/
 *   digest-algorithm-component := /[A-Za-z][A-Za-z0-9]*\/
 *   digest-hex                 := /[0-9a-fA-F]{32,}/         ; at least 128 bits
 *
 *   identifier                 := /[a-f0-9]{64}/
 *
 * Sources: distribution/reference `reference.go` (package doc: the grammar above), `regexp.go`
 * (the pieces below; note the real separator is `(?:[._]|__|[-]+)` — the doc comment's `[-]*` is a
 * typo), `normalize.go`; opencontainers/go-digest v1.0.0 `digest.go` / `algorithm.go` (digest validation).
 *
 * Semantics notes for the port (Go RE2 vs JS):
 *  - Go's FindStringSubmatch picks the match a backtracking engine would (leftmost-first), so capture
 *    groups agree with JS for the same pattern.
 *  - `\w` is ASCII `[0-9A-Za-z_]` in both (no `u` flag here); `[[:xdigit:]]` is spelled `[0-9A-Fa-f]`.
 *  - `^`/`$` without the `m` flag anchor at the very start/end of input in both (JS `$` does not match
 *    before a trailing newline).
 *  - Every character class is ASCII, so any non-ASCII character makes a reference invalid in both.
 */

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

/** reference.go RepositoryNameTotalLengthMax: max length of the repository PATH (v0.6.0 measures the path only, not the domain). */
export const NAME_TOTAL_LENGTH_MAX = 255;
/** Max tag length, from the tag pattern `[\w][\w.-]{0,127}` (1 + 127). */
export const TAG_MAX_LENGTH = 128;
/** Minimum number of hex characters the reference grammar accepts in a digest (`[[:xdigit:]]{32,}`). */
export const DIGEST_HEX_MIN_LENGTH = 32;
/** Length of an identifier (a bare sha256 hex string, rejected as a repository name). */
export const IDENTIFIER_LENGTH = 64;

/**
 * Digest algorithms the kubelet can validate, with their hex length (go-digest algorithm.go: size*2).
 * go-digest v1.0.0 registers sha256, sha384 and sha512 (crypto.SHA384 lives in crypto/sha512, which
 * the kubelet links); every other algorithm is ErrDigestUnsupported.
 */
export const DIGEST_ALGORITHMS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

// ---------------------------------------------------------------------------------------------
// Combinators (regexp.go: optional, anyTimes, capture, anchored)
// ---------------------------------------------------------------------------------------------

/** Non-capturing group, optional. */
export const optional = (...res: string[]): string => `(?:${res.join('')})?`;
/** Non-capturing group, any number of times. */
export const anyTimes = (...res: string[]): string => `(?:${res.join('')})*`;
/** Capturing group. */
export const capture = (...res: string[]): string => `(${res.join('')})`;
/** Anchored at both ends. */
export const anchored = (...res: string[]): string => `^${res.join('')}$`;

// ---------------------------------------------------------------------------------------------
// Pieces (regexp.go, in the same order and with the same names)
// ---------------------------------------------------------------------------------------------

/** Lower-case letters and digits: the atom of path components. */
export const alphanumeric = '[a-z0-9]+';
/** One period, one or two underscores, or any number of dashes. */
export const separator = '(?:[._]|__|[-]+)';
/** `localhost` is always a domain when it is the first of several components (normalize.go). */
export const localhost = 'localhost';
/** One DNS-like label; upper case allowed (domains are not lower-cased). */
export const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
/** `:` and one or more digits (no upper bound on the number). */
export const optionalPort = '(?::[0-9]+)?';
/** A tag: a word character, then up to 127 word characters, dots or dashes. */
export const tag = '[\\w][\\w.-]{0,127}';
/** A digest as the reference grammar accepts it (validated further by go-digest). */
export const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
/** A bare sha256 hex string (capturing, as in regexp.go). */
export const identifier = '([a-f0-9]{64})';
/** An IPv6 address in brackets: hex digits and colons only (no zone `%eth0`, no IPv4-mapped dots). */
export const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
/** Dot-separated domain components (also covers dotted IPv4). */
export const domainName = domainNameComponent + anyTimes('\\.', domainNameComponent);
/** A domain name or a bracketed IPv6 address. */
export const host = `(?:${domainName}|${ipv6address})`;
/** A host with an optional port: the `domain` of the grammar. */
export const domainAndPort = host + optionalPort;
/** One path component. */
export const pathComponent = alphanumeric + anyTimes(separator, alphanumeric);
/** The repository path ("remote name"): slash-separated path components. */
export const remoteName = pathComponent + anyTimes('/', pathComponent);
/** A name: optional domain and `/`, then the path. */
export const namePat = optional(domainAndPort, '/') + remoteName;
/** regexp.go anchoredNamePat: captures (1) domain, (2) path. */
export const anchoredNamePat = anchored(optional(capture(domainAndPort), '/'), capture(remoteName));
/** regexp.go referencePat: captures (1) name, (2) tag, (3) digest. */
export const referencePat = anchored(capture(namePat), optional(':', capture(tag)), optional('@', capture(digestPat)));

// ---------------------------------------------------------------------------------------------
// Compiled once (module load). Exported for tests and oracles; the parser uses the small anchored
// pieces (see parse.ts for why), which accept exactly what REFERENCE_RE accepts.
// ---------------------------------------------------------------------------------------------

/** regexp.go ReferenceRegexp / referenceRegexp (anchored, 3 groups). */
export const REFERENCE_RE = new RegExp(referencePat);
/** regexp.go anchoredNameRegexp (2 groups: domain, path). */
export const ANCHORED_NAME_RE = new RegExp(anchoredNamePat);
/** `^domainAndPort$` (regexp_test.go TestDomainRegexp). */
export const ANCHORED_DOMAIN_RE = new RegExp(anchored(domainAndPort));
/** `^remoteName$`. */
export const ANCHORED_REMOTE_NAME_RE = new RegExp(anchored(remoteName));
/** `^pathComponent$`. */
export const ANCHORED_PATH_COMPONENT_RE = new RegExp(anchored(pathComponent));
/** `^domainNameComponent$` (one host label). */
export const ANCHORED_DOMAIN_COMPONENT_RE = new RegExp(anchored(domainNameComponent));
/** regexp.go anchoredTagRegexp. */
export const ANCHORED_TAG_RE = new RegExp(anchored(tag));
/** regexp.go anchoredDigestRegexp. */
export const ANCHORED_DIGEST_RE = new RegExp(anchored(digestPat));
/** regexp.go anchoredIdentifierRegexp. */
export const ANCHORED_IDENTIFIER_RE = new RegExp(anchored(identifier));
/** The digest-algorithm part of digestPat, anchored (for diagnostics). */
export const ANCHORED_DIGEST_ALGORITHM_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;

/** go-digest digest.go DigestRegexpAnchored (used only to choose InvalidFormat vs Unsupported). */
export const GO_DIGEST_ANCHORED_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** go-digest algorithm.go anchoredEncodedRegexps: lower-case hex of the exact length. */
export const GO_DIGEST_ENCODED_RE: ReadonlyMap<string, RegExp> = new Map([
  ['sha256', /^[a-f0-9]{64}$/],
  ['sha384', /^[a-f0-9]{96}$/],
  ['sha512', /^[a-f0-9]{128}$/],
]);
