/**
 * The parsed form of an image reference, as the kubelet sees it after
 * `reference.ParseNormalizedNamed` and `reference.TagNameOnly` (which adds `:latest` when there is
 * neither tag nor digest). Source: kubernetes/kubernetes pkg/util/parsers/parsers.go,
 * pkg/kubelet/images/image_manager.go.
 */
export interface ImageReference {
  /** The reference exactly as written in the manifest. */
  readonly raw: string;
  /** Registry host with optional port, normalised (`index.docker.io` → `docker.io`). */
  readonly domain: string;
  /** Repository path inside the registry (`library/nginx`). */
  readonly path: string;
  /** Full normalised repository name: `domain/path` (`docker.io/library/nginx`). What the keyring looks up. */
  readonly name: string;
  /** Tag as the kubelet pulls it: the written tag, `latest` when neither tag nor digest is written, else null. */
  readonly tag: string | null;
  /** True when `tag` is the implicit `latest`. */
  readonly tagDefaulted: boolean;
  /** Digest (`sha256:…`) or null. When both tag and digest are written, the kubelet pulls by digest. */
  readonly digest: string | null;
  /** Shortest form a user would write (`nginx:1.25`), as distribution's FamiliarString. */
  readonly familiar: string;
}

/** One named diagnosis per way a reference can be malformed (distribution/reference errors + kubelet rules). */
export type ReferenceErrorReason =
  | 'EMPTY'
  | 'WHITESPACE'
  | 'INVALID_FORMAT'
  | 'UPPERCASE'
  | 'NAME_TOO_LONG'
  | 'TAG_INVALID'
  | 'DIGEST_INVALID'
  | 'DIGEST_UNSUPPORTED'
  | 'HEX_REPOSITORY';

export interface ReferenceError {
  readonly reason: ReferenceErrorReason;
  /** What is wrong, for a human (no trailing period). */
  readonly cause: string;
  /** How to fix it, for a human (imperative, no trailing period). */
  readonly fix: string;
}

export type ParseResult =
  | { readonly ok: true; readonly ref: ImageReference }
  | { readonly ok: false; readonly error: ReferenceError };
