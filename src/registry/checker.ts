/**
 * RegistryChecker: the budgeted, shared front of the distribution client.
 *
 * - Every check has a deadline (the caller's `deadline`/`signal`), and every HTTP request a
 *   per-registry timeout; a caller gets an `unreachable`/`timeout` outcome by its deadline whatever
 *   the registry does.
 * - Concurrent identical lookups (registry + repository + reference + credentials) share one
 *   in-flight lookup; it is cancelled when every caller has left.
 * - A bounded LRU keeps outcomes: positive by tag for minutes, by digest for a day, definite
 *   negatives under a minute, transient failures never.
 * - A per-registry circuit breaker fails fast after repeated unreachable outcomes.
 */
import { untilDeadline } from './wait.js';
import type { ImageReference } from '../reference/types.js';
import { Transport } from './transport.js';
import { TtlLru, type Clock } from './cache.js';
import { CircuitBreaker, DEFAULT_BREAKER_COOL_DOWN_MS, DEFAULT_BREAKER_FAILURE_THRESHOLD } from './breaker.js';
import {
  DEFAULT_PING_TTL_MS,
  DistributionClient,
  TOKEN_EXPIRY_MARGIN_MS,
  credentialsId,
  type LookupTarget,
  type RegistrySettings,
} from './client.js';
import { registryKind } from './hosts.js';
import { noopMetrics, type OutcomeSource, type RegistryMetrics } from './metrics.js';
import { applyWantedPlatforms, outcomeClass, type Credential, type Platform, type RegistryOutcome } from './outcome.js';
import type { LookupFunction } from 'node:net';

/** Positive outcomes for a tag are reused this long (tags move). */
export const DEFAULT_POSITIVE_TAG_TTL_MS = 5 * 60_000;
/** Positive outcomes for a digest are reused this long (digests never change). */
export const DEFAULT_POSITIVE_DIGEST_TTL_MS = 24 * 60 * 60_000;
/** Definite negatives (not found, auth refused) are reused this long: under a minute, so fixes show quickly. */
export const DEFAULT_NEGATIVE_TTL_MS = 30_000;
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;
/** Per-request timeout when a registry has none of its own. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Deadline of a check when the caller gives none. */
export const DEFAULT_CHECK_BUDGET_MS = 10_000;

export interface CacheTtls {
  readonly positiveTagMs: number;
  readonly positiveDigestMs: number;
  readonly negativeMs: number;
}

export interface RegistryCheckerOptions {
  /** Per-registry settings, keyed by the reference's domain (`ghcr.io`, `localhost:5000`, `docker.io`). */
  readonly registries?: Readonly<Record<string, RegistrySettings>>;
  /** Test/lab only: connect to this `ip` or `ip:port` instead of resolving the host (TLS name kept). */
  readonly hostOverrides?: Readonly<Record<string, string>>;
  /** DNS lookup for hosts without an override (tests). */
  readonly lookup?: LookupFunction;
  readonly cache?: Partial<CacheTtls> & { readonly maxEntries?: number };
  readonly breaker?: { readonly failureThreshold?: number; readonly coolDownMs?: number };
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Deadline used when a caller gives neither `deadline` nor `signal`. */
  readonly defaultBudgetMs?: number;
  /** Clock for cache/token/breaker times (ms). Deadlines always use real time. */
  readonly clock?: Clock;
  readonly metrics?: Partial<RegistryMetrics>;
  readonly userAgent?: string;
  /**
   * Read image indexes to list their platforms: `always` (default; except on Docker Hub, where a
   * manifest GET counts as a pull) or only `when-wanted` (the check asks for platforms).
   */
  readonly readIndexes?: 'always' | 'when-wanted';
}

export interface CheckOptions {
  /** Credentials in kubelet order; empty or absent: anonymous. */
  readonly credentials?: readonly Credential[];
  /** Platforms the image must provide (when it is an index). */
  readonly platforms?: readonly Platform[];
  /** Absolute deadline, epoch ms (Date.now() scale). */
  readonly deadline?: number;
  readonly signal?: AbortSignal;
}

interface Inflight {
  readonly promise: Promise<RegistryOutcome>;
  readonly controller: AbortController;
  waiters: number;
}

export class RegistryChecker {
  readonly #o: RegistryCheckerOptions;
  readonly #clock: Clock;
  readonly #ttl: CacheTtls;
  readonly #metrics: RegistryMetrics;
  readonly #transport: Transport;
  readonly #client: DistributionClient;
  readonly #cache: TtlLru<RegistryOutcome>;
  readonly #breaker: CircuitBreaker;
  readonly #inflight = new Map<string, Inflight>();

  constructor(opts: RegistryCheckerOptions = {}) {
    this.#o = opts;
    this.#clock = opts.clock ?? Date.now;
    this.#ttl = {
      positiveTagMs: opts.cache?.positiveTagMs ?? DEFAULT_POSITIVE_TAG_TTL_MS,
      positiveDigestMs: opts.cache?.positiveDigestMs ?? DEFAULT_POSITIVE_DIGEST_TTL_MS,
      negativeMs: opts.cache?.negativeMs ?? DEFAULT_NEGATIVE_TTL_MS,
    };
    this.#metrics = { ...noopMetrics, ...opts.metrics };
    this.#transport = new Transport({
      ...(opts.hostOverrides ? { hostOverrides: lowerKeys(opts.hostOverrides) } : {}),
      ...(opts.lookup ? { lookup: opts.lookup } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    });
    const registries = opts.registries ?? {};
    this.#client = new DistributionClient({
      transport: this.#transport,
      clock: this.#clock,
      metrics: this.#metrics,
      settings: (r) => registries[r] ?? {},
      userAgent: opts.userAgent ?? 'pullguard',
      requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      pingTtlMs: DEFAULT_PING_TTL_MS,
      tokenMarginMs: TOKEN_EXPIRY_MARGIN_MS,
      maxTokens: 1000,
    });
    this.#cache = new TtlLru(opts.cache?.maxEntries ?? DEFAULT_CACHE_MAX_ENTRIES, this.#clock);
    this.#breaker = new CircuitBreaker({
      failureThreshold: opts.breaker?.failureThreshold ?? DEFAULT_BREAKER_FAILURE_THRESHOLD,
      coolDownMs: opts.breaker?.coolDownMs ?? DEFAULT_BREAKER_COOL_DOWN_MS,
      clock: this.#clock,
      onTransition: (registry, state) => this.#metrics.breakerTransition({ registry, state }),
    });
  }

  /** Circuit state of a registry (for status pages and tests). */
  circuitState(registry: string): 'closed' | 'open' | 'half-open' {
    return this.#breaker.state(registry);
  }

  #keyOf(ref: ImageReference, options: CheckOptions): { target: LookupTarget; key: string; readIndex: boolean } {
    const wanted = options.platforms ?? [];
    const target: LookupTarget = {
      registry: ref.domain,
      repository: ref.path,
      reference: ref.digest ?? ref.tag ?? 'latest',
      isDigest: ref.digest !== null,
    };
    const readIndex = wanted.length > 0 || ((this.#o.readIndexes ?? 'always') === 'always' && registryKind(ref.domain) !== 'dockerhub');
    const key = [target.registry, target.repository, target.reference, credentialsId(options.credentials ?? []), readIndex ? 'i' : '-'].join('|');
    return { target, key, readIndex };
  }

  /** The cached outcome for this check, without asking the registry (null when nothing is cached). */
  cached(ref: ImageReference, options: Omit<CheckOptions, 'deadline' | 'signal'> = {}): RegistryOutcome | null {
    const { key } = this.#keyOf(ref, options);
    const hit = this.#cache.get(key);
    this.#metrics.cacheLookup({ hit: hit !== undefined });
    if (!hit) return null;
    this.#metrics.checkOutcome({ registry: ref.domain, outcome: hit.kind, source: 'cache' });
    return applyWantedPlatforms(hit, options.platforms ?? []);
  }

  /** Is an image pullable as referenced? Never throws for registry behaviour; answers by the deadline. */
  async check(ref: ImageReference, options: CheckOptions = {}): Promise<RegistryOutcome> {
    const credentials = options.credentials ?? [];
    const wanted = options.platforms ?? [];
    const { target, key, readIndex } = this.#keyOf(ref, options);
    const report = (o: RegistryOutcome, source: OutcomeSource): RegistryOutcome => {
      const out = applyWantedPlatforms(o, wanted);
      this.#metrics.checkOutcome({ registry: target.registry, outcome: out.kind, source });
      return out;
    };

    const cached = this.#cache.get(key);
    this.#metrics.cacheLookup({ hit: cached !== undefined });
    if (cached) return report(cached, 'cache');

    const deadline = options.deadline ?? (options.signal ? Number.POSITIVE_INFINITY : Date.now() + (this.#o.defaultBudgetMs ?? DEFAULT_CHECK_BUDGET_MS));
    let flight = this.#inflight.get(key);
    let source: OutcomeSource = 'joined';
    if (!flight) {
      const admission = this.#breaker.admit(target.registry);
      if (admission === 'reject') {
        const until = this.#breaker.openUntil(target.registry);
        return report(
          {
            registry: target.registry,
            repository: target.repository,
            reference: target.reference,
            kind: 'unreachable',
            cause: 'circuit-open',
            status: null,
            detail: `${target.registry} failed repeatedly; not asking it again ${until === null ? 'while a probe is under way' : `for ${Math.max(0, Math.ceil((until - this.#clock()) / 1000))} s`}`,
          },
          'circuit-open',
        );
      }
      flight = this.#start(key, target, credentials, readIndex, admission === 'probe');
      source = 'network';
    }
    flight.waiters++;
    try {
      const r = (await untilDeadline(flight.promise, deadline, options.signal))?.value ?? null;
      if (r === null)
        return report(
          {
            registry: target.registry,
            repository: target.repository,
            reference: target.reference,
            kind: 'unreachable',
            cause: 'timeout',
            status: null,
            detail: `${target.registry} did not answer within the deadline`,
          },
          'deadline',
        );
      return report(r, source);
    } finally {
      flight.waiters--;
      if (flight.waiters === 0 && this.#inflight.get(key) === flight) {
        // Nobody waits any more: stop the lookup, and let the next caller start afresh.
        this.#inflight.delete(key);
        flight.controller.abort(new DOMException('every caller left', 'AbortError'));
      }
    }
  }

  #start(key: string, target: LookupTarget, credentials: readonly Credential[], readIndex: boolean, probe: boolean): Inflight {
    const controller = new AbortController();
    const promise = (async (): Promise<RegistryOutcome> => {
      let outcome: RegistryOutcome;
      try {
        outcome = await this.#client.lookup(target, credentials, { readIndex, signal: controller.signal });
      } catch (err) {
        outcome = {
          registry: target.registry,
          repository: target.repository,
          reference: target.reference,
          kind: 'unexpected',
          status: null,
          code: null,
          detail: `internal error: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
      this.#breaker.record(target.registry, outcome.kind !== 'unreachable', probe);
      const cls = outcomeClass(outcome);
      if (cls === 'positive') this.#cache.set(key, outcome, target.isDigest ? this.#ttl.positiveDigestMs : this.#ttl.positiveTagMs);
      else if (cls === 'negative') this.#cache.set(key, outcome, this.#ttl.negativeMs);
      return outcome;
    })();
    const flight: Inflight = { promise, controller, waiters: 0 };
    this.#inflight.set(key, flight);
    void promise.finally(() => {
      if (this.#inflight.get(key) === flight) this.#inflight.delete(key);
    });
    return flight;
  }

  /** Lookups on their way to a registry now (joined callers count once): the audit yields while any is (src/audit/lookup.ts AdmissionGate). */
  get lookupsInFlight(): number {
    return this.#inflight.size;
  }

  /** Forget cached outcomes (tokens and pings are kept). */
  clearCache(): void {
    this.#cache.clear();
  }

  async close(): Promise<void> {
    for (const f of this.#inflight.values()) f.controller.abort(new DOMException('checker closed', 'AbortError'));
    await this.#transport.close();
  }
}

function lowerKeys(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v]));
}

