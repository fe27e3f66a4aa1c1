/**
 * Image-reference parsing exactly as the kubelet does it (kubernetes/kubernetes
 * pkg/kubelet/images/image_manager.go applyDefaultImageTag): distribution/reference v0.6.0
 * `ParseNormalizedNamed`, then `TagNameOnly` semantics (`:latest` when there is neither tag nor
 * digest). Any failure is the kubelet's `InvalidImageName`.
 *
 * The verdict comes only from the Go port in go.ts; diagnose.ts explains failures. pullguard's own
 * rules (EMPTY, WHITESPACE: the API server's checks) only choose the diagnosis for strings Go
 * rejects anyway, so they never change a verdict.
 *
 * Performance: each call is a handful of indexOf/lastIndexOf and ≤ 6 anchored regexp tests over
 * precompiled patterns, linear in the input length (see go.ts); no length cap is applied because Go
 * has none for domains.
 */
import { diagnose, diagnoseWhitespace, type DetailedReferenceError } from './diagnose.js';
import { DEFAULT_DOMAIN, DEFAULT_TAG, OFFICIAL_REPO_PREFIX, goParse, goParseNormalizedNamed, type GoResult } from './go.js';
import type { ImageReference } from './types.js';

export type { DetailedReferenceError } from './diagnose.js';

/** ParseResult (types.ts) whose errors also carry Go's own message; assignable to ParseResult. */
export type DetailedParseResult =
  | { readonly ok: true; readonly ref: ImageReference }
  | { readonly ok: false; readonly error: DetailedReferenceError };

/** A reference as distribution's non-normalising `Parse` returns it. */
export interface RawReference {
  /** Domain as matched, or "" when the name has none (`Parse("ubuntu")`, `Parse("foo_bar.com/x")`). */
  readonly domain: string;
  readonly path: string;
  /** `domain/path`, or `path` when there is no domain. */
  readonly name: string;
  /** The written tag, or null (no defaulting). */
  readonly tag: string | null;
  readonly digest: string | null;
}

export type RawParseResult =
  | { readonly ok: true; readonly ref: RawReference }
  | { readonly ok: false; readonly error: DetailedReferenceError };

/** What familiarString needs. */
export interface FamiliarInput {
  readonly domain: string;
  readonly path: string;
  readonly tag: string | null;
  readonly digest: string | null;
  /** When true the tag was added by TagNameOnly and is not part of the written reference. */
  readonly tagDefaulted?: boolean;
}

/** normalize.go familiarizeName: drop `docker.io/`, and `library/` when nothing nested follows it. */
export function familiarName(domain: string, path: string): string {
  if (domain !== DEFAULT_DOMAIN) return domain === '' ? path : `${domain}/${path}`;
  if (path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const remainder = path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!remainder.includes('/')) return remainder;
  }
  return path;
}

/**
 * helpers.go FamiliarString: the familiar name plus `:tag` and `@digest` as written. Note that, as in
 * distribution, this is not always re-parseable to the same name: `docker.io/localhost/x` and
 * `docker.io/a.b/c` familiarise to `localhost/x` and `a.b/c`, whose first component then reads as a
 * registry, and `docker.io/library/<64 hex>` familiarises to a bare 64-hex string, which is rejected.
 */
export function familiarString(ref: FamiliarInput): string {
  const tag = ref.tag !== null && ref.tagDefaulted !== true ? `:${ref.tag}` : '';
  const digest = ref.digest !== null ? `@${ref.digest}` : '';
  return familiarName(ref.domain, ref.path) + tag + digest;
}

/** reference.go String(): the full name plus `:tag` and `@digest` as written (ParseNamed's canonical form). */
export function canonicalString(ref: FamiliarInput): string {
  const name = ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
  const tag = ref.tag !== null && ref.tagDefaulted !== true ? `:${ref.tag}` : '';
  return name + tag + (ref.digest !== null ? `@${ref.digest}` : '');
}

function failure(s: string, go: Extract<GoResult, { ok: false }>): DetailedReferenceError {
  if (s === '') {
    return {
      reason: 'EMPTY',
      cause: 'the image reference is empty',
      fix: 'set an image such as "nginx:1.27" or "registry.example.com/team/app:1.0"',
      goError: go.message,
    };
  }
  return diagnoseWhitespace(s, go) ?? diagnose(s, go);
}

/**
 * Parse an image reference the way the kubelet does. `ref.name` is what the credential keyring
 * looks up; `ref.tag` is `latest` when neither tag nor digest is written; with both a tag and a
 * digest, both are kept (the kubelet pulls by digest).
 *
 * `ref.domain` is "" in one distribution corner case: a first component that looks like a registry
 * (it has a "." or ":") but is not a valid host, while the whole name is a valid path — e.g.
 * `foo_bar.com/app` parses as the path `foo_bar.com/app` with no domain.
 */
export function parseImageReference(s: string): DetailedParseResult {
  const input = typeof s === 'string' ? s : '';
  const go = goParseNormalizedNamed(input);
  if (!go.ok) return { ok: false, error: failure(input, go) };
  const { domain, path, tag, digest } = go.ref;
  const tagDefaulted = tag === '' && digest === '';
  const ref: ImageReference = {
    raw: input,
    domain,
    path,
    name: domain === '' ? path : `${domain}/${path}`,
    tag: tag !== '' ? tag : tagDefaulted ? DEFAULT_TAG : null,
    tagDefaulted,
    digest: digest !== '' ? digest : null,
    familiar: familiarString({ domain, path, tag: tag !== '' ? tag : null, digest: digest !== '' ? digest : null }),
  };
  return { ok: true, ref };
}

/**
 * distribution's non-normalising `Parse` (reference.go): no `docker.io`/`library/` defaulting, no
 * `:latest`, no 64-hex rule. The kubelet does not call it directly; it is exported for the ported
 * upstream tests (reference_test.go) and for tools that need the raw split.
 */
export function parseReference(s: string): RawParseResult {
  const input = typeof s === 'string' ? s : '';
  const go = goParse(input);
  if (!go.ok) return { ok: false, error: failure(input, go) };
  const { domain, path, tag, digest } = go.ref;
  return {
    ok: true,
    ref: {
      domain,
      path,
      name: domain === '' ? path : `${domain}/${path}`,
      tag: tag !== '' ? tag : null,
      digest: digest !== '' ? digest : null,
    },
  };
}
