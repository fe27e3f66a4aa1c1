/**
 * What a registry said about one image, as data — and the ONE place where HTTP statuses, headers,
 * error bodies and transport errors are turned into those outcomes.
 *
 * Sources: OCI distribution-spec (error codes, manifest HEAD/GET, tags/list), distribution/distribution
 * registry/api/errcode and registry/auth/token (challenge `error="insufficient_scope"|"invalid_token"`),
 * the token spec (`token`/`access_token`, `expires_in` default 60 s), and the recorded ECR/ACR/Docker Hub
 * and docker-registry 2.8.2 answers in shared/notes/registries.md.
 */
import type { AuthChallenge } from './wwwauth.js';
import type { RegistryKind } from './hosts.js';

export interface Credential {
  readonly username: string;
  readonly password: string;
  /**
   * The exact bytes to send, when they differ from the UTF-8 of username/password: a pull secret's
   * `auth` may decode to bytes that are not UTF-8, and the kubelet passes them on as they are.
   */
  readonly bytes?: { readonly username: Uint8Array; readonly password: Uint8Array };
}

/** The username and password bytes a credential sends (Basic auth is base64 of `user:password` bytes). */
export function credentialBytes(c: Credential): { readonly username: Uint8Array; readonly password: Uint8Array } {
  return c.bytes ?? { username: Buffer.from(c.username, 'utf8'), password: Buffer.from(c.password, 'utf8') };
}

export interface Platform {
  readonly os: string;
  /** In a WANTED platform, '' means any architecture: a pod pinned to an OS only (`kubernetes.io/os`). */
  readonly architecture: string;
  readonly variant?: string;
}

export type UnreachableCause =
  | 'dns'
  | 'connect-refused'
  | 'connect-timeout'
  | 'tls'
  | 'timeout'
  | 'reset'
  | 'server-error'
  | 'protocol'
  | 'circuit-open';

export type AccessDeniedReason = 'permission' | 'token-expired' | 'insufficient-scope' | 'denied';

interface Base {
  /** The reference's registry domain (`docker.io`, `acme.azurecr.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  /** Repository path inside the registry (`library/nginx`). */
  readonly repository: string;
  /** Tag or digest looked up. */
  readonly reference: string;
  /** Human text: what the registry (or the network) said. */
  readonly detail: string;
}

export type RegistryOutcome =
  | (Base & {
      readonly kind: 'available';
      readonly digest: string;
      readonly mediaType: string;
      /** Platforms listed by an index; null for a single-platform manifest or when the index was not read. */
      readonly platforms: readonly Platform[] | null;
      /** Index (kubelet order) of the credential that worked; null when anonymous. */
      readonly credential: number | null;
    })
  | (Base & { readonly kind: 'repository-missing'; readonly pullThroughCache: boolean })
  | (Base & {
      readonly kind: 'tag-missing';
      readonly tag: string;
      /** Nearest existing tags, best first (may be empty). */
      readonly suggestions: readonly string[];
      readonly pullThroughCache: boolean;
    })
  | (Base & { readonly kind: 'digest-missing'; readonly digest: string; readonly pullThroughCache: boolean })
  | (Base & {
      readonly kind: 'platform-missing';
      readonly digest: string;
      readonly missing: readonly Platform[];
      readonly available: readonly Platform[];
    })
  | (Base & { readonly kind: 'auth-required'; readonly scheme: 'basic' | 'bearer' | null })
  | (Base & { readonly kind: 'credentials-rejected'; readonly tried: number })
  | (Base & { readonly kind: 'access-denied'; readonly reason: AccessDeniedReason })
  | (Base & { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number | null })
  | (Base & { readonly kind: 'unreachable'; readonly cause: UnreachableCause; readonly status: number | null })
  | (Base & { readonly kind: 'private-or-missing'; readonly authenticated: boolean })
  | (Base & { readonly kind: 'unexpected'; readonly status: number | null; readonly code: string | null });

export type OutcomeKind = RegistryOutcome['kind'];
export type OutcomeOf<K extends OutcomeKind> = Extract<RegistryOutcome, { kind: K }>;

/** What a lookup is about; every outcome carries these. */
export interface Subject {
  readonly registry: string;
  readonly repository: string;
  readonly reference: string;
}

/** How long an outcome may be reused. */
export type OutcomeClass = 'positive' | 'negative' | 'transient';

export function outcomeClass(o: RegistryOutcome): OutcomeClass {
  switch (o.kind) {
    case 'available':
    case 'platform-missing':
      return 'positive';
    case 'repository-missing':
    case 'tag-missing':
    case 'digest-missing':
    case 'auth-required':
    case 'credentials-rejected':
    case 'access-denied':
    case 'private-or-missing':
      return 'negative';
    case 'rate-limited':
    case 'unreachable':
    case 'unexpected':
      return 'transient';
  }
}

/** Outcomes that say the registry could not be talked to (they feed the circuit breaker). */
export function isUnreachable(o: RegistryOutcome): o is OutcomeOf<'unreachable'> {
  return o.kind === 'unreachable';
}

// ---------------------------------------------------------------------------------------------
// Media types

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** The complete Accept list: without it existing images look missing or get down-converted. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

export function isIndexMediaType(mediaType: string): boolean {
  const mt = mediaType.split(';')[0]!.trim().toLowerCase();
  return mt === MEDIA_TYPES.ociIndex || mt === MEDIA_TYPES.dockerList;
}

// ---------------------------------------------------------------------------------------------
// Error bodies

export interface RegistryError {
  readonly code: string;
  readonly message: string;
  readonly detail: unknown;
}

/** Parse `{"errors":[{code,message,detail}]}`; tolerant of garbage (returns []). */
export function parseErrorBody(body: Buffer | string | null | undefined): RegistryError[] {
  if (body == null || body.length === 0) return [];
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof json !== 'object' || json === null) return [];
  const errors = (json as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  const out: RegistryError[] = [];
  for (const e of errors) {
    if (typeof e !== 'object' || e === null) continue;
    const rec = e as Record<string, unknown>;
    out.push({
      code: typeof rec.code === 'string' ? rec.code.toUpperCase() : '',
      message: typeof rec.message === 'string' ? rec.message : '',
      detail: rec.detail,
    });
  }
  return out;
}

function errorText(errors: readonly RegistryError[], fallback: string): string {
  const e = errors[0];
  if (!e) return fallback;
  return e.message ? `${e.code}: ${e.message}` : e.code || fallback;
}

// ---------------------------------------------------------------------------------------------
// Transport errors

/** Thrown by the transport when a body is bigger than allowed. */
export class BodyTooLargeError extends Error {
  readonly code = 'PG_BODY_TOO_LARGE';
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

function errChain(err: unknown): Array<{ name: string; code: string; message: string }> {
  const out: Array<{ name: string; code: string; message: string }> = [];
  let cur: unknown = err;
  for (let depth = 0; cur != null && depth < 5; depth++) {
    if (typeof cur !== 'object') {
      out.push({ name: '', code: '', message: String(cur) });
      break;
    }
    const e = cur as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    out.push({
      name: typeof e.name === 'string' ? e.name : '',
      code: typeof e.code === 'string' ? e.code : '',
      message: typeof e.message === 'string' ? e.message : '',
    });
    cur = e.cause;
  }
  return out;
}

/** Where in the exchange an error happened, for messages. */
export type Phase = 'ping' | 'token' | 'manifest' | 'tags' | 'index';

const PHASE_TEXT: Record<Phase, string> = {
  ping: 'checking the registry API (/v2/)',
  token: 'requesting a token',
  manifest: 'looking up the manifest',
  tags: 'listing tags',
  index: 'reading the image index',
};

/** A thrown transport error (undici, node net/tls/dns, abort) → unreachable with its sub-cause. */
export function outcomeFromError(subject: Subject, err: unknown, phase: Phase, host: string): OutcomeOf<'unreachable'> {
  const chain = errChain(err);
  const has = (pred: (e: { name: string; code: string; message: string }) => boolean): boolean => chain.some(pred);
  const first = chain[0] ?? { name: '', code: '', message: String(err) };
  const where = `${PHASE_TEXT[phase]} at ${host}`;
  const mk = (cause: UnreachableCause, what: string): OutcomeOf<'unreachable'> => ({
    ...subject,
    kind: 'unreachable',
    cause,
    status: null,
    detail: `${what} while ${where}`,
  });
  const msg = chain.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join(': ');

  if (has((e) => e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.code === 'EAI_NONAME' || e.code === 'EAI_FAIL'))
    return mk('dns', `DNS lookup failed (${first.code || chain.find((e) => e.code)?.code || 'ENOTFOUND'})`);
  if (has((e) => e.code === 'ECONNREFUSED')) return mk('connect-refused', 'connection refused');
  if (has((e) => e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH'))
    return mk('connect-refused', `no route to host (${chain.find((e) => e.code)?.code})`);
  if (has((e) => e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'ETIMEDOUT'))
    return mk('connect-timeout', 'connection timed out');
  if (has((e) => TLS_CODES.has(e.code) || /certificate|tls|ssl/i.test(e.message) && e.code !== 'ECONNRESET'))
    return mk('tls', `TLS failed (${msg})`);
  if (has((e) => e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'ABORT_ERR'))
    return mk('timeout', 'no answer in time');
  if (has((e) => e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'UND_ERR_SOCKET' || e.code === 'UND_ERR_CLOSED'))
    return mk('reset', `connection closed by the server (${msg})`);
  if (has((e) => e.code === 'UND_ERR_HEADERS_OVERFLOW')) return mk('protocol', 'response headers too large');
  if (has((e) => e.code === 'PG_BODY_TOO_LARGE')) return mk('protocol', 'response body too large');
  if (has((e) => e.code.startsWith('HPE_') || e.name === 'HTTPParserError' || e.code === 'UND_ERR_INVALID_ARG' || e.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'))
    return mk('protocol', `not a valid HTTP answer (${msg})`);
  return mk('protocol', `request failed (${msg || 'unknown error'})`);
}

// ---------------------------------------------------------------------------------------------
// Status-level decisions

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function retryAfter(headers: Headers): number | null {
  const v = header(headers, 'retry-after');
  if (v === undefined) return null;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return n;
  const d = Date.parse(v);
  return Number.isFinite(d) ? Math.max(0, Math.round((d - Date.now()) / 1000)) : null;
}

/** What a registry says of its request budget: Docker Hub's `ratelimit-remaining` (and `ratelimit-limit`). */
export interface RateLimitState {
  /** Requests (pulls) left in the window. */
  readonly remaining: number;
  /** The window's limit, when `ratelimit-limit` says it. */
  readonly limit: number | null;
  /** The window in seconds (`;w=21600` = 6 hours), when given. */
  readonly windowSeconds: number | null;
}

/**
 * One RateLimit header value as Docker Hub sends it, `76;w=21600` (docs.docker.com, Docker Hub pull
 * usage and limits: "ratelimit-remaining: 76;w=21600"; the shape of the IETF httpapi RateLimit header
 * fields draft): a count, then `;`-separated parameters of which `w` is the window in seconds.
 * Anything else (no leading count, a negative or huge one) is not a rate-limit statement: null.
 */
export function parseRateLimitValue(value: string | undefined): { readonly count: number; readonly windowSeconds: number | null } | null {
  if (value === undefined) return null;
  const [head, ...params] = value.split(';');
  const count = /^\s*(\d{1,9})\s*$/.exec(head ?? '');
  if (!count) return null;
  let windowSeconds: number | null = null;
  for (const p of params) {
    const w = /^\s*w\s*=\s*(\d{1,9})\s*$/i.exec(p);
    if (w) windowSeconds = Number(w[1]);
  }
  return { count: Number(count[1]), windowSeconds };
}

/** The rate-limit headers of any answer (Docker Hub sends them with manifest HEAD and GET), or null. */
export function rateLimitOf(headers: Headers): RateLimitState | null {
  const remaining = parseRateLimitValue(header(headers, 'ratelimit-remaining'));
  if (!remaining) return null;
  const limit = parseRateLimitValue(header(headers, 'ratelimit-limit'));
  return { remaining: remaining.count, limit: limit?.count ?? null, windowSeconds: remaining.windowSeconds ?? limit?.windowSeconds ?? null };
}

function rateLimited(subject: Subject, status: number, headers: Headers, errors: readonly RegistryError[], where: string): OutcomeOf<'rate-limited'> {
  const limit = header(headers, 'ratelimit-limit');
  const remaining = header(headers, 'ratelimit-remaining');
  const extra = limit !== undefined ? ` (limit ${limit}, remaining ${remaining ?? '?'})` : '';
  return {
    ...subject,
    kind: 'rate-limited',
    retryAfterSeconds: retryAfter(headers),
    detail: `${where} answered ${status} ${errorText(errors, 'TOOMANYREQUESTS')}${extra}`,
  };
}

function serverError(subject: Subject, status: number, errors: readonly RegistryError[], where: string): OutcomeOf<'unreachable'> {
  return {
    ...subject,
    kind: 'unreachable',
    cause: 'server-error',
    status,
    detail: `${where} answered ${status}${errors.length ? ` ${errorText(errors, '')}` : ''}`,
  };
}

/** The answer to `GET /v2/`. */
export type PingDecision = { readonly next: 'ok'; readonly challenge: AuthChallenge | null } | { readonly next: 'outcome'; readonly outcome: RegistryOutcome };

export function decidePing(subject: Subject, status: number, headers: Headers, challenges: readonly AuthChallenge[], origin: string): PingDecision {
  const where = `GET ${origin}/v2/`;
  const host = origin.replace(/^[a-z]+:\/\//, '');
  if (status >= 200 && status < 300) return { next: 'ok', challenge: null };
  if (status === 401) {
    const c = challenges.find((x) => x.scheme === 'bearer') ?? challenges.find((x) => x.scheme === 'basic');
    if (c) return { next: 'ok', challenge: c };
    return {
      next: 'outcome',
      outcome: { ...subject, kind: 'unexpected', status, code: null, detail: `${where} answered 401 without a Basic or Bearer challenge` },
    };
  }
  if (status === 429) return { next: 'outcome', outcome: rateLimited(subject, status, headers, [], where) };
  if (status >= 500) return { next: 'outcome', outcome: serverError(subject, status, [], where) };
  if (status >= 400 && status < 500)
    return {
      next: 'outcome',
      outcome: { ...subject, kind: 'unreachable', cause: 'protocol', status, detail: `${where} answered ${status}: ${host} does not serve the registry API there` },
    };
  return { next: 'outcome', outcome: { ...subject, kind: 'unexpected', status, code: null, detail: `${where} answered ${status}` } };
}

/** The token service's answer: either a token, or why there is none. */
export type TokenDecision =
  | { readonly next: 'token'; readonly token: string; readonly expiresInSeconds: number; readonly issuedAt: number | null }
  | { readonly next: 'outcome'; readonly outcome: RegistryOutcome };

/** Default token lifetime when `expires_in` is absent (token spec). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;

export function decideToken(
  subject: Subject,
  status: number,
  headers: Headers,
  body: Buffer | null,
  ctx: { readonly anonymous: boolean; readonly realmHost: string },
): TokenDecision {
  const where = `token service ${ctx.realmHost}`;
  if (status === 200) {
    let json: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(body?.toString('utf8') ?? '');
      if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
    } catch {
      json = null;
    }
    const token = json && (typeof json.token === 'string' && json.token ? json.token : typeof json.access_token === 'string' ? json.access_token : '');
    if (!json || !token)
      return { next: 'outcome', outcome: { ...subject, kind: 'unexpected', status, code: null, detail: `${where} answered 200 without a token` } };
    const exp = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_TOKEN_LIFETIME_SECONDS;
    const issued = typeof json.issued_at === 'string' ? Date.parse(json.issued_at) : NaN;
    return { next: 'token', token, expiresInSeconds: exp, issuedAt: Number.isFinite(issued) ? issued : null };
  }
  const errors = parseErrorBody(body);
  const said = errorText(errors, plainBodyText(body));
  if (status === 401 || status === 403) {
    if (ctx.anonymous)
      return { next: 'outcome', outcome: { ...subject, kind: 'auth-required', scheme: 'bearer', detail: `${where} refused an anonymous token (${status}${said ? ` ${said}` : ''})` } };
    return { next: 'outcome', outcome: { ...subject, kind: 'credentials-rejected', tried: 1, detail: `${where} rejected the credentials (${status}${said ? ` ${said}` : ''})` } };
  }
  if (status === 429) return { next: 'outcome', outcome: rateLimited(subject, status, headers, errors, where) };
  if (status >= 500) return { next: 'outcome', outcome: serverError(subject, status, errors, where) };
  return { next: 'outcome', outcome: { ...subject, kind: 'unexpected', status, code: errors[0]?.code ?? null, detail: `${where} answered ${status}${said ? ` ${said}` : ''}` } };
}

function plainBodyText(body: Buffer | null): string {
  if (!body || body.length === 0) return '';
  const s = body.toString('utf8', 0, Math.min(body.length, 200)).replace(/\s+/g, ' ').trim();
  return /^[\x20-\x7e]*$/.test(s) ? s : '';
}

/** What the client knows when it reads an answer about a manifest. */
export interface AuthContext {
  readonly kind: RegistryKind;
  /** `basic`, `bearer`, or null when the registry asked for no authentication. */
  readonly scheme: 'basic' | 'bearer' | null;
  /** True when no credential was sent (anonymous Basic, or an anonymous token). */
  readonly anonymous: boolean;
  /** True when the bearer token came from the token cache (may have been revoked early). */
  readonly tokenFromCache: boolean;
}

export type ManifestDecision =
  | { readonly next: 'available'; readonly digest: string | null; readonly mediaType: string }
  | { readonly next: 'explain-not-found' }
  /** HEAD has no body: GET the same URL to read the error text, then call decideManifestError. */
  | { readonly next: 'read-error-body' }
  /** The answer asks for a (new) bearer token: get one for this challenge and ask again (once). */
  | { readonly next: 'reauthenticate'; readonly challenge: AuthChallenge }
  | { readonly next: 'outcome'; readonly outcome: RegistryOutcome };

/**
 * `HEAD /v2/<name>/manifests/<ref>` (or a GET, with `errors` from its body).
 * `challenges` are the answer's WWW-Authenticate challenges.
 */
export function decideManifest(
  subject: Subject,
  status: number,
  headers: Headers,
  challenges: readonly AuthChallenge[],
  errors: readonly RegistryError[] | null,
  auth: AuthContext,
  host: string,
): ManifestDecision {
  const where = `${host}`;
  if (status >= 200 && status < 300) {
    return {
      next: 'available',
      digest: header(headers, 'docker-content-digest') ?? null,
      mediaType: (header(headers, 'content-type') ?? '').split(';')[0]!.trim(),
    };
  }
  if (status === 404) return { next: 'explain-not-found' };
  if (status === 401) {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const err = bearer?.params.error;
    // The /v2/ ping asked for less (or other) authentication than this repository needs: answer
    // the challenge once. A cached token the registry no longer accepts is replaced once.
    if (bearer && (auth.scheme !== 'bearer' || (err === 'invalid_token' && auth.tokenFromCache)))
      return { next: 'reauthenticate', challenge: bearer };
    if (!bearer && basic && auth.scheme !== 'basic' && !auth.anonymous) return { next: 'reauthenticate', challenge: basic };
    if (auth.kind === 'dockerhub' && auth.scheme === 'bearer')
      return {
        next: 'outcome',
        outcome: {
          ...subject,
          kind: 'private-or-missing',
          authenticated: !auth.anonymous,
          detail: `${where} answered 401${err ? ` (${err})` : ''}: repository does not exist or may require authorization`,
        },
      };
    if (auth.anonymous)
      return {
        next: 'outcome',
        outcome: { ...subject, kind: 'auth-required', scheme: auth.scheme ?? (challenges.some((c) => c.scheme === 'basic') ? 'basic' : null), detail: `${where} answered 401: authentication required` },
      };
    if (auth.scheme === 'bearer' && err === 'insufficient_scope')
      return {
        next: 'outcome',
        outcome: { ...subject, kind: 'access-denied', reason: 'insufficient-scope', detail: `${where} answered 401 insufficient_scope: the token issued for these credentials does not allow pulling ${subject.repository}` },
      };
    if (auth.scheme === 'bearer' && err === 'invalid_token')
      return {
        next: 'outcome',
        outcome: { ...subject, kind: 'unexpected', status, code: 'UNAUTHORIZED', detail: `${where} did not accept the token its own token service issued (invalid_token)` },
      };
    return {
      next: 'outcome',
      outcome: { ...subject, kind: 'credentials-rejected', tried: 1, detail: `${where} answered 401${errors?.length ? ` ${errorText(errors, '')}` : ''}: the credentials were not accepted` },
    };
  }
  if (status === 403) {
    if (errors === null) return { next: 'read-error-body' };
    return { next: 'outcome', outcome: deniedOutcome(subject, errors, where) };
  }
  if (status === 429) return { next: 'outcome', outcome: rateLimited(subject, status, headers, errors ?? [], where) };
  if (status >= 500) return { next: 'outcome', outcome: serverError(subject, status, errors ?? [], where) };
  if (errors === null && status >= 400) return { next: 'read-error-body' };
  const e = errors?.[0];
  return {
    next: 'outcome',
    outcome: { ...subject, kind: 'unexpected', status, code: e?.code ?? null, detail: `${where} answered ${status}${errors?.length ? ` ${errorText(errors, '')}` : ''}` },
  };
}

/** DENIED (403): ECR's expired-token and missing-permission texts are told apart. */
function deniedOutcome(subject: Subject, errors: readonly RegistryError[], where: string): OutcomeOf<'access-denied'> {
  const text = errors.map((e) => e.message).join(' ');
  let reason: AccessDeniedReason = 'denied';
  if (/authorization token has expired|token has expired|reauthenticate/i.test(text)) reason = 'token-expired';
  else if (/is not authorized to perform|not authorized|permission/i.test(text)) reason = 'permission';
  return { ...subject, kind: 'access-denied', reason, detail: `${where} answered 403 ${errorText(errors, 'DENIED')}` };
}

/**
 * After a 404: what `tags/list` and (when needed) a GET of the manifest said.
 * `tags`: `{exists: true, tags}` when tags/list answered 200, `{exists: false}` on NAME_UNKNOWN,
 * null when tags/list could not tell (denied, unsupported, garbage).
 * `manifestErrors`: the GET manifest error body, when it was read.
 */
export function decideNotFound(
  subject: Subject,
  facts: {
    readonly isDigest: boolean;
    readonly tags: { readonly exists: true; readonly tags: readonly string[] } | { readonly exists: false } | null;
    readonly manifestErrors: readonly RegistryError[] | null;
    readonly pullThroughCache: boolean;
    readonly suggest: (tag: string, tags: readonly string[]) => string[];
  },
  host: string,
): RegistryOutcome {
  const codes = new Set((facts.manifestErrors ?? []).map((e) => e.code));
  const said = facts.manifestErrors?.length ? ` (${errorText(facts.manifestErrors, '')})` : '';
  const repoMissing = facts.tags?.exists === false || (facts.tags === null && codes.has('NAME_UNKNOWN'));
  if (repoMissing)
    return {
      ...subject,
      kind: 'repository-missing',
      pullThroughCache: facts.pullThroughCache,
      detail: `${host} has no repository ${subject.repository}${said || ' (NAME_UNKNOWN)'}`,
    };
  if (facts.isDigest)
    return {
      ...subject,
      kind: 'digest-missing',
      digest: subject.reference,
      pullThroughCache: facts.pullThroughCache,
      detail: `${host} has no manifest ${subject.reference} in ${subject.repository}${said || ' (MANIFEST_UNKNOWN)'}`,
    };
  const tags = facts.tags?.exists ? facts.tags.tags : [];
  return {
    ...subject,
    kind: 'tag-missing',
    tag: subject.reference,
    suggestions: facts.suggest(subject.reference, tags),
    pullThroughCache: facts.pullThroughCache,
    detail: `${host} has no tag ${subject.reference} in ${subject.repository}${said || ' (MANIFEST_UNKNOWN)'}`,
  };
}

/** `GET /v2/<name>/tags/list`: exists with tags, missing (NAME_UNKNOWN), or cannot tell (null). */
export function decideTagsList(status: number, body: Buffer | null): { exists: true; tags: string[]; } | { exists: false } | null {
  if (status === 200) {
    try {
      const json = JSON.parse(body?.toString('utf8') ?? '') as { tags?: unknown };
      const tags = Array.isArray(json.tags) ? json.tags.filter((x): x is string => typeof x === 'string') : [];
      return { exists: true, tags };
    } catch {
      return null;
    }
  }
  if (status === 404) {
    const errors = parseErrorBody(body);
    if (errors.some((e) => e.code === 'NAME_UNKNOWN')) return { exists: false };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Several credentials (kubelet order)

/** Whether the kubelet would go on to the next credential after this outcome (and we do too). */
export function tryNextCredential(o: RegistryOutcome): boolean {
  switch (o.kind) {
    case 'repository-missing':
    case 'tag-missing':
    case 'digest-missing':
    case 'auth-required':
    case 'credentials-rejected':
    case 'access-denied':
    case 'private-or-missing':
      return true;
    default:
      return false;
  }
}

const FAILURE_RANK: Partial<Record<OutcomeKind, number>> = {
  'tag-missing': 0,
  'digest-missing': 0,
  'repository-missing': 1,
  'private-or-missing': 2,
  'access-denied': 3,
  'credentials-rejected': 4,
  'auth-required': 5,
};

/** All credentials failed: report the most informative failure (a credential that got further wins). */
export function combineCredentialFailures(outcomes: readonly RegistryOutcome[]): RegistryOutcome {
  if (outcomes.length === 0) throw new Error('combineCredentialFailures: no outcomes');
  let best = outcomes[0]!;
  for (const o of outcomes) if ((FAILURE_RANK[o.kind] ?? 9) < (FAILURE_RANK[best.kind] ?? 9)) best = o;
  if (best.kind === 'credentials-rejected') {
    const rejected = outcomes.filter((o) => o.kind === 'credentials-rejected').length;
    return { ...best, tried: outcomes.length, detail: outcomes.length > 1 ? `all ${outcomes.length} credentials were rejected (${rejected} by the registry); last: ${best.detail}` : best.detail };
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Platforms

export function platformString(p: Platform): string {
  if (p.architecture === '') return p.os; // an OS-only pin: any architecture of that OS
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

function normVariant(arch: string, variant: string | undefined): string {
  const v = (variant ?? '').toLowerCase();
  if (arch === 'arm64' && (v === '' || v === 'v8')) return 'v8';
  if (arch === 'arm' && v === '') return 'v7';
  return v;
}

/** Does an index entry satisfy a wanted platform? A wanted platform without variant accepts any variant. */
export function platformMatches(wanted: Platform, have: Platform): boolean {
  if (wanted.os.toLowerCase() !== have.os.toLowerCase()) return false;
  const arch = wanted.architecture.toLowerCase();
  if (arch === '') return true; // OS-only: any entry of that OS will do
  if (arch !== have.architecture.toLowerCase()) return false;
  if (!wanted.variant) return true;
  return normVariant(arch, wanted.variant) === normVariant(arch, have.variant);
}

/** Platforms of an index body (attestation entries `unknown/unknown` are left out); null if not an index. */
export function parseIndexPlatforms(body: Buffer): Platform[] | null {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const manifests = (json as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(manifests)) return null;
  const out: Platform[] = [];
  for (const m of manifests) {
    const p = (m as { platform?: unknown } | null)?.platform as Record<string, unknown> | undefined;
    if (!p || typeof p.os !== 'string' || typeof p.architecture !== 'string') continue;
    if (p.os === 'unknown' || p.architecture === 'unknown') continue;
    const plat: Platform = typeof p.variant === 'string' && p.variant ? { os: p.os, architecture: p.architecture, variant: p.variant } : { os: p.os, architecture: p.architecture };
    if (!out.some((x) => platformString(x) === platformString(plat))) out.push(plat);
  }
  return out;
}

/** An available index that lacks one of the wanted platforms becomes platform-missing. */
export function applyWantedPlatforms(o: RegistryOutcome, wanted: readonly Platform[]): RegistryOutcome {
  if (o.kind !== 'available' || o.platforms === null || wanted.length === 0) return o;
  const have = o.platforms;
  const missing = wanted.filter((w) => !have.some((h) => platformMatches(w, h)));
  if (missing.length === 0) return o;
  return {
    registry: o.registry,
    repository: o.repository,
    reference: o.reference,
    kind: 'platform-missing',
    digest: o.digest,
    missing,
    available: have,
    detail: `the image index ${o.digest} lists ${have.map(platformString).join(', ') || 'no platforms'}; no match for ${missing.map(platformString).join(', ')}`,
  };
}
