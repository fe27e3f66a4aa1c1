/**
 * What every cloud credential provider shares (src/cloud/ecr.ts, acr.ts, gar.ts): it serves the hosts
 * its parser recognises, keeps one CredentialCache (renewal margin, remembered failures, one shared
 * fetch per key), and answers `credential` from that cache or one fetch bounded by the caller's
 * deadline. A cloud adds only what is its own: how a host parses, what a credential is cached under,
 * how a token is fetched, and how "not ours" and "too slow" are phrased.
 */
import type { Clock } from '../registry/cache.js';
import type { Credential } from '../registry/outcome.js';
import { CredentialCache, type Fetched } from './cache.js';
import {
  CREDENTIAL_FAILURE_TTL_MS,
  CREDENTIAL_RENEW_MARGIN_MS,
  CREDENTIAL_REQUEST_TIMEOUT_MS,
  type CloudCredentialError,
  type CloudCredentialProvider,
  type CloudKind,
  type CredentialRequestOptions,
} from './types.js';

/** The settings every provider takes (tests shorten them; production uses the defaults). */
export interface CachingOptions {
  readonly clock?: Clock;
  readonly marginMs?: number;
  readonly failureTtlMs?: number;
  /** Bound on one token request (default CREDENTIAL_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
}

export abstract class CachingCredentialProvider<Host> implements CloudCredentialProvider {
  abstract readonly kind: CloudKind;
  protected readonly clock: Clock;
  /** What one token request may take: `fetchCredential` bounds its calls with it. */
  protected readonly requestTimeoutMs: number;
  readonly #cache: CredentialCache;

  constructor(opts: CachingOptions) {
    this.clock = opts.clock ?? Date.now;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? CREDENTIAL_REQUEST_TIMEOUT_MS;
    this.#cache = new CredentialCache({
      clock: this.clock,
      marginMs: opts.marginMs ?? CREDENTIAL_RENEW_MARGIN_MS,
      failureTtlMs: opts.failureTtlMs ?? CREDENTIAL_FAILURE_TTL_MS,
    });
  }

  /** The registry host parsed, or null when it is not this cloud's. */
  protected abstract parseHost(registry: string): Host | null;
  /** What one credential serves (ECR: partition/account/region; ACR: the registry; GAR: the identity). */
  protected abstract cacheKey(host: Host): string;
  /** One token request; it must bound its own time (`requestTimeoutMs`). */
  protected abstract fetchCredential(host: Host): Promise<Fetched>;
  /** The error for a registry this provider does not serve. */
  protected abstract notOurs(registry: string): CloudCredentialError;
  /** The error for a caller whose deadline passed while the shared request was still running. */
  protected abstract timedOut(host: Host, registry: string): CloudCredentialError;

  /** Token requests started so far (metrics and tests). */
  get requests(): number {
    return this.#cache.fetches;
  }

  handles(registry: string): boolean {
    return this.parseHost(registry) !== null;
  }

  cachedCredential(registry: string): Credential | null {
    const host = this.parseHost(registry);
    return host ? this.#cache.peek(this.cacheKey(host)) : null;
  }

  async credential(registry: string, options: CredentialRequestOptions = {}): Promise<Credential> {
    const host = this.parseHost(registry);
    if (!host) throw this.notOurs(registry);
    return this.#cache.get(this.cacheKey(host), () => this.fetchCredential(host), options, () => this.timedOut(host, registry));
  }

  async close(): Promise<void> {
    this.#cache.clear();
  }
}

/**
 * A module loaded on first use only (an SDK never loads at module top level: `check --offline` and a
 * webhook without cloud configuration must not pay for it). A failed load is forgotten, so the next
 * request tries again.
 */
export function lazyModule<M>(load: () => Promise<M>): () => Promise<M> {
  let loading: Promise<M> | null = null;
  return () => {
    if (!loading) {
      loading = load();
      loading.catch(() => {
        loading = null;
      });
    }
    return loading;
  };
}
