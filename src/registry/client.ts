/**
 * The distribution-API conversation for one lookup: `/v2/` ping (cached per registry), the auth
 * challenge (Basic, or a Bearer token from the realm, cached per registry+scope+credential), one
 * `HEAD /v2/<name>/manifests/<ref>` with the complete Accept list, and — only to explain a failure
 * or read an index's platforms — a GET of the manifest or `tags/list`.
 *
 * Every decision about what an answer means is made in outcome.ts; this file only asks.
 */
import { untilAborted } from './wait.js';
import { createHash } from 'node:crypto';
import type { Transport, HttpResponse } from './transport.js';
import { TtlLru, SingleFlight, type Clock } from './cache.js';
import { parseWwwAuthenticate, type AuthChallenge } from './wwwauth.js';
import { apiHost, registryKind, type RegistryKind } from './hosts.js';
import { suggestTags } from './suggest.js';
import type { HttpOperation, RegistryMetrics } from './metrics.js';
import {
  MANIFEST_ACCEPT,
  combineCredentialFailures,
  decideManifest,
  decideNotFound,
  decidePing,
  decideTagsList,
  decideToken,
  header,
  isIndexMediaType,
  outcomeFromError,
  parseErrorBody,
  parseIndexPlatforms,
  rateLimitOf,
  tryNextCredential,
  credentialBytes,
  type AuthContext,
  type Credential,
  type ManifestDecision,
  type Phase,
  type RegistryError,
  type RegistryOutcome,
  type Subject,
} from './outcome.js';

/** Settings for one registry (keyed by the reference's domain, with port when there is one). */
export interface RegistrySettings {
  /** Extra CA certificates (PEM) trusted for this registry and its token realm, on top of the system roots. */
  readonly caBundle?: string;
  /** Talk plain HTTP (named local registries only). */
  readonly plainHttp?: boolean;
  /** Per-request timeout (ms) for this registry. */
  readonly timeoutMs?: number;
  /** ECR pull-through-cache rule prefixes (`docker-hub`, `ghcr/`): not-found there is not final. */
  readonly pullThroughCachePrefixes?: readonly string[];
}

export interface LookupTarget extends Subject {
  readonly isDigest: boolean;
}

export interface ClientDeps {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly metrics: RegistryMetrics;
  readonly settings: (registry: string) => RegistrySettings;
  readonly userAgent: string;
  readonly requestTimeoutMs: number;
  readonly pingTtlMs: number;
  readonly tokenMarginMs: number;
  readonly maxTokens: number;
}

/** How long a `/v2/` ping (the registry's auth scheme) is reused. */
export const DEFAULT_PING_TTL_MS = 10 * 60_000;
/** Tokens are dropped this long before `expires_in` runs out. */
export const TOKEN_EXPIRY_MARGIN_MS = 10_000;
/** Caps on what is read. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_ERROR_BYTES = 64 * 1024;
export const MAX_TAGS_BYTES = 4 * 1024 * 1024;
export const TAGS_PAGE_SIZE = 1000;
export const MAX_TAG_PAGES = 3;

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

interface Endpoint {
  readonly registry: string;
  readonly host: string;
  readonly origin: string;
  readonly kind: RegistryKind;
  readonly settings: RegistrySettings;
}

type PingResult = { readonly challenge: AuthChallenge | null } | { readonly outcome: RegistryOutcome };
type TokenResult = { readonly token: string; readonly cached: boolean } | { readonly outcome: RegistryOutcome };

export function credentialId(c: Credential | null): string {
  if (!c) return 'anonymous';
  const b = credentialBytes(c);
  return createHash('sha256').update(b.username).update('\0').update(b.password).digest('hex').slice(0, 32);
}

export function credentialsId(cs: readonly Credential[]): string {
  if (cs.length === 0) return 'anonymous';
  const h = createHash('sha256');
  for (const c of cs) h.update(credentialId(c)).update('\n');
  return h.digest('hex').slice(0, 32);
}

export class DistributionClient {
  readonly #d: ClientDeps;
  readonly #pings: TtlLru<{ challenge: AuthChallenge | null }>;
  readonly #pingFlight = new SingleFlight<PingResult>();
  readonly #tokens: TtlLru<{ token: string }>;
  readonly #tokenFlight = new SingleFlight<TokenResult>();

  constructor(deps: ClientDeps) {
    this.#d = deps;
    this.#pings = new TtlLru(1000, deps.clock);
    this.#tokens = new TtlLru(deps.maxTokens, deps.clock);
  }

  /** Look one manifest up, trying the credentials in kubelet order (anonymous when there are none). */
  async lookup(
    target: LookupTarget,
    credentials: readonly Credential[],
    opts: { readonly readIndex: boolean; readonly signal: AbortSignal },
  ): Promise<RegistryOutcome> {
    const subject: Subject = { registry: target.registry, repository: target.repository, reference: target.reference };
    if (!REPOSITORY.test(target.repository) || !(target.isDigest ? DIGEST.test(target.reference) : TAG.test(target.reference)))
      return { ...subject, kind: 'unexpected', status: null, code: null, detail: `not a valid repository/reference: ${target.repository}:${target.reference}` };
    const list: Array<{ c: Credential | null; i: number | null }> = credentials.length
      ? credentials.map((c, i) => ({ c, i }))
      : [{ c: null, i: null }];
    const failures: RegistryOutcome[] = [];
    for (const { c, i } of list) {
      const o = await this.#attempt(target, subject, c, i, opts);
      if (!tryNextCredential(o) || list.length === 1) return o;
      failures.push(o);
    }
    return combineCredentialFailures(failures);
  }

  #endpoint(registry: string): Endpoint {
    const settings = this.#d.settings(registry);
    const host = apiHost(registry);
    return { registry, host, origin: `${settings.plainHttp ? 'http' : 'https'}://${host}`, kind: registryKind(registry), settings };
  }

  async #send(
    ep: Endpoint,
    op: HttpOperation,
    url: string,
    method: 'GET' | 'HEAD',
    headers: Record<string, string>,
    signal: AbortSignal,
    maxBodyBytes: number,
  ): Promise<HttpResponse> {
    const started = performance.now();
    try {
      const res = await this.#d.transport.send({
        url,
        method,
        headers: { 'user-agent': this.#d.userAgent, ...headers },
        signal,
        timeoutMs: ep.settings.timeoutMs ?? this.#d.requestTimeoutMs,
        readBody: method === 'GET',
        maxBodyBytes,
        caBundle: ep.settings.caBundle,
      });
      this.#d.metrics.httpRequest({ registry: ep.registry, operation: op, status: res.status, durationMs: performance.now() - started });
      const budget = rateLimitOf(res.headers);
      if (budget) this.#d.metrics.rateLimit({ registry: ep.registry, ...budget });
      return res;
    } catch (err) {
      this.#d.metrics.httpRequest({ registry: ep.registry, operation: op, status: null, durationMs: performance.now() - started });
      throw err;
    }
  }

  async #ping(ep: Endpoint, subject: Subject, signal: AbortSignal): Promise<PingResult> {
    const cached = this.#pings.get(ep.origin);
    if (cached) return cached;
    let r: PingResult;
    try {
      r = await untilAborted(this.#sharedPing(ep, subject), signal);
    } catch (err) {
      return { outcome: outcomeFromError(subject, err, 'ping', ep.host) };
    }
    // A shared ping failure names another image's subject: restate it for this one.
    return 'outcome' in r ? { outcome: { ...r.outcome, ...subject } } : r;
  }

  /**
   * One ping per registry at a time, shared by lookups of different images: it runs on its own
   * request timeout, not on any one caller's signal (each caller stops waiting on its own).
   */
  #sharedPing(ep: Endpoint, subject: Subject): Promise<PingResult> {
    return this.#pingFlight.do(ep.origin, async (): Promise<PingResult> => {
      let res: HttpResponse;
      try {
        res = await this.#send(ep, 'ping', `${ep.origin}/v2/`, 'GET', {}, NEVER, MAX_ERROR_BYTES);
      } catch (err) {
        return { outcome: outcomeFromError(subject, err, 'ping', ep.host) };
      }
      const d = decidePing(subject, res.status, res.headers, parseWwwAuthenticate(res.headers['www-authenticate']), ep.origin);
      if (d.next === 'outcome') return { outcome: d.outcome };
      const value = { challenge: d.challenge };
      this.#pings.set(ep.origin, value, this.#d.pingTtlMs);
      return value;
    });
  }

  async #token(
    ep: Endpoint,
    challenge: AuthChallenge,
    subject: Subject,
    cred: Credential | null,
    signal: AbortSignal,
    refresh: boolean,
  ): Promise<TokenResult> {
    const realm = challenge.params.realm ?? '';
    const service = challenge.params.service ?? '';
    const scope = `repository:${subject.repository}:pull`;
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      return { outcome: { ...subject, kind: 'unexpected', status: 401, code: null, detail: `${ep.host} asked for a bearer token from an invalid realm ${JSON.stringify(realm)}` } };
    }
    if (realmUrl.protocol !== 'https:' && !(realmUrl.protocol === 'http:' && ep.settings.plainHttp))
      return { outcome: { ...subject, kind: 'unexpected', status: 401, code: null, detail: `${ep.host} asked for a bearer token from ${realmUrl.origin}, which is not HTTPS; not sending credentials there` } };
    const key = `${realmUrl.href}|${service}|${scope}|${credentialId(cred)}`;
    if (refresh) this.#tokens.delete(key);
    const cached = this.#tokens.get(key);
    if (cached) {
      this.#d.metrics.tokenRequest({ registry: ep.registry, result: 'cached' });
      return { token: cached.token, cached: true };
    }
    let r: TokenResult;
    try {
      r = await untilAborted(this.#sharedToken(ep, key, realmUrl, service, scope, subject, cred), signal);
    } catch (err) {
      return { outcome: outcomeFromError(subject, err, 'token', realmUrl.host) };
    }
    return 'outcome' in r ? { outcome: { ...r.outcome, ...subject } } : r;
  }

  /** One token request per (realm, service, scope, credential) at a time, on its own request timeout. */
  #sharedToken(ep: Endpoint, key: string, realmUrl: URL, service: string, scope: string, subject: Subject, cred: Credential | null): Promise<TokenResult> {
    return this.#tokenFlight.do(key, async (): Promise<TokenResult> => {
      const url = new URL(realmUrl.href);
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (cred) headers.authorization = basicAuth(cred);
      let res: HttpResponse;
      try {
        res = await this.#send(ep, 'token', url.href, 'GET', headers, NEVER, MAX_ERROR_BYTES);
      } catch (err) {
        this.#d.metrics.tokenRequest({ registry: ep.registry, result: 'error' });
        return { outcome: outcomeFromError(subject, err, 'token', realmUrl.host) };
      }
      const d = decideToken(subject, res.status, res.headers, res.body, { anonymous: cred === null, realmHost: realmUrl.host });
      if (d.next === 'outcome') {
        this.#d.metrics.tokenRequest({ registry: ep.registry, result: res.status === 401 || res.status === 403 ? 'refused' : 'error' });
        return { outcome: d.outcome };
      }
      this.#d.metrics.tokenRequest({ registry: ep.registry, result: 'issued' });
      const lifetime = d.expiresInSeconds * 1000;
      const margin = Math.min(this.#d.tokenMarginMs, lifetime / 2);
      this.#tokens.set(key, { token: d.token }, lifetime - margin);
      return { token: d.token, cached: false };
    });
  }

  async #attempt(
    target: LookupTarget,
    subject: Subject,
    cred: Credential | null,
    credIndex: number | null,
    opts: { readonly readIndex: boolean; readonly signal: AbortSignal },
  ): Promise<RegistryOutcome> {
    const { signal } = opts;
    const ep = this.#endpoint(target.registry);
    const ping = await this.#ping(ep, subject, signal);
    if ('outcome' in ping) return ping.outcome;
    let challenge = ping.challenge;
    const manifestUrl = `${ep.origin}/v2/${target.repository}/manifests/${target.reference}`;
    let refresh = false;
    for (let round = 0; round < 2; round++) {
      const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
      let auth: AuthContext = { kind: ep.kind, scheme: null, anonymous: cred === null, tokenFromCache: false };
      if (challenge?.scheme === 'bearer') {
        const tok = await this.#token(ep, challenge, subject, cred, signal, refresh);
        if ('outcome' in tok) return tok.outcome;
        headers.authorization = `Bearer ${tok.token}`;
        auth = { ...auth, scheme: 'bearer', tokenFromCache: tok.cached };
      } else if (challenge?.scheme === 'basic') {
        if (cred) headers.authorization = basicAuth(cred);
        auth = { ...auth, scheme: 'basic' };
      }

      let res: HttpResponse;
      try {
        res = await this.#send(ep, 'manifest-head', manifestUrl, 'HEAD', headers, signal, 0);
      } catch (err) {
        return outcomeFromError(subject, err, 'manifest', ep.host);
      }
      let d: ManifestDecision = decideManifest(subject, res.status, res.headers, parseWwwAuthenticate(res.headers['www-authenticate']), null, auth, ep.host);
      if (d.next === 'read-error-body') {
        let get: HttpResponse;
        try {
          get = await this.#send(ep, 'manifest-get', manifestUrl, 'GET', headers, signal, MAX_MANIFEST_BYTES);
        } catch (err) {
          return outcomeFromError(subject, err, 'manifest', ep.host);
        }
        d = decideManifest(subject, get.status, get.headers, parseWwwAuthenticate(get.headers['www-authenticate']), parseErrorBody(get.body), auth, ep.host);
      }
      switch (d.next) {
        case 'outcome':
          return d.outcome;
        case 'reauthenticate':
          challenge = d.challenge;
          refresh = auth.tokenFromCache;
          continue;
        case 'explain-not-found':
          return this.#explainNotFound(ep, target, subject, headers, signal);
        case 'available':
          return this.#available(ep, target, subject, headers, d.digest, d.mediaType, credIndex, opts);
        case 'read-error-body':
          return { ...subject, kind: 'unexpected', status: res.status, code: null, detail: `${ep.host} answered ${res.status}` };
      }
    }
    return { ...subject, kind: 'unexpected', status: 401, code: null, detail: `${ep.host} kept asking for authentication after it was answered` };
  }

  async #available(
    ep: Endpoint,
    target: LookupTarget,
    subject: Subject,
    headers: Record<string, string>,
    digestHeader: string | null,
    mediaTypeHeader: string,
    credIndex: number | null,
    opts: { readonly readIndex: boolean; readonly signal: AbortSignal },
  ): Promise<RegistryOutcome> {
    let digest = digestHeader ?? (target.isDigest ? target.reference : null);
    let mediaType = mediaTypeHeader;
    let body: Buffer | null = null;
    const readManifest = async (ref: string, phase: Phase): Promise<HttpResponse | RegistryOutcome> => {
      try {
        return await this.#send(ep, phase === 'index' ? 'index' : 'manifest-get', `${ep.origin}/v2/${target.repository}/manifests/${ref}`, 'GET', headers, opts.signal, MAX_MANIFEST_BYTES);
      } catch (err) {
        return outcomeFromError(subject, err, phase, ep.host);
      }
    };
    if (digest === null) {
      // No Docker-Content-Digest on HEAD: read the manifest and hash it.
      const r = await readManifest(target.reference, 'manifest');
      if ('kind' in r) return r;
      if (r.status === 200 && r.body) {
        body = r.body;
        digest = `sha256:${createHash('sha256').update(r.body).digest('hex')}`;
        mediaType = mediaType || (header(r.headers, 'content-type') ?? '').split(';')[0]!.trim() || mediaTypeFromBody(r.body);
      }
    }
    let platforms = null;
    if (opts.readIndex && isIndexMediaType(mediaType)) {
      if (body === null) {
        const r = await readManifest(digest ?? target.reference, 'index');
        if ('kind' in r) return r;
        if (r.status === 200 && r.body) body = r.body;
      }
      if (body) platforms = parseIndexPlatforms(body);
    }
    return {
      ...subject,
      kind: 'available',
      digest: digest ?? '',
      mediaType,
      platforms,
      credential: credIndex,
      detail: `${ep.host} has ${target.repository}${target.isDigest ? '@' : ':'}${target.reference}${digest ? ` (${digest})` : ''}`,
    };
  }

  async #explainNotFound(
    ep: Endpoint,
    target: LookupTarget,
    subject: Subject,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<RegistryOutcome> {
    const tagHeaders = { ...headers, accept: 'application/json' };
    let tags: { exists: true; tags: string[] } | { exists: false } | null = null;
    let url: string | null = `${ep.origin}/v2/${target.repository}/tags/list?n=${TAGS_PAGE_SIZE}`;
    let reachable = true;
    const collected: string[] = [];
    for (let page = 0; url !== null && page < (target.isDigest ? 1 : MAX_TAG_PAGES); page++) {
      let res: HttpResponse;
      try {
        res = await this.#send(ep, 'tags', url, 'GET', tagHeaders, signal, MAX_TAGS_BYTES);
      } catch {
        reachable = false;
        break;
      }
      const t = decideTagsList(res.status, res.body);
      if (t === null || !t.exists) {
        if (page === 0) tags = t;
        break;
      }
      collected.push(...t.tags);
      tags = { exists: true, tags: collected };
      url = nextLink(header(res.headers, 'link'), ep.origin);
    }
    let manifestErrors: RegistryError[] | null = null;
    if (tags === null && reachable) {
      try {
        const get = await this.#send(ep, 'manifest-get', `${ep.origin}/v2/${target.repository}/manifests/${target.reference}`, 'GET', headers, signal, MAX_ERROR_BYTES);
        if (get.status === 404) manifestErrors = parseErrorBody(get.body);
      } catch {
        // The HEAD's 404 already says the pull fails; only the explanation is missing.
      }
    }
    const prefixes = ep.settings.pullThroughCachePrefixes ?? [];
    const pullThroughCache = prefixes.some((p) => {
      const pre = p.replace(/\/+$/, '');
      return pre !== '' && (target.repository === pre || target.repository.startsWith(`${pre}/`));
    });
    return decideNotFound(subject, { isDigest: target.isDigest, tags, manifestErrors, pullThroughCache, suggest: suggestTags }, ep.host);
  }
}

/** A signal that never aborts: shared requests are bounded by their request timeout alone. */
const NEVER: AbortSignal = new AbortController().signal;


function basicAuth(c: Credential): string {
  // The exact bytes (RFC 7617 user-pass), as Go's SetBasicAuth sends a Go string's bytes.
  const b = credentialBytes(c);
  return `Basic ${Buffer.concat([b.username, Buffer.from(':'), b.password]).toString('base64')}`;
}

function mediaTypeFromBody(body: Buffer): string {
  try {
    const mt = (JSON.parse(body.toString('utf8')) as { mediaType?: unknown }).mediaType;
    return typeof mt === 'string' ? mt : '';
  } catch {
    return '';
  }
}

/** `Link: </v2/x/tags/list?last=y&n=1000>; rel="next"` → absolute URL on the same origin, else null. */
function nextLink(link: string | undefined, origin: string): string | null {
  if (!link) return null;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link);
  if (!m) return null;
  try {
    const u = new URL(m[1]!, origin);
    return u.origin === origin ? u.href : null;
  } catch {
    return null;
  }
}
