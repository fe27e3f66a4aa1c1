/**
 * Counters hooks for registry lookups. The checker calls an injected `RegistryMetrics` (every hook
 * optional); `createRegistryMetrics` wires them to prom-client collectors on a registry you pass in.
 */
import { Counter, Gauge, Histogram, type CounterConfiguration, type LabelValues, type Registry } from 'prom-client';
import type { OutcomeKind, RateLimitState } from './outcome.js';
import type { BreakerState } from './breaker.js';

export type HttpOperation = 'ping' | 'token' | 'manifest-head' | 'manifest-get' | 'tags' | 'index';

/** Where a check's outcome came from. */
export type OutcomeSource = 'network' | 'cache' | 'joined' | 'circuit-open' | 'deadline';

export interface RegistryMetrics {
  /** One HTTP exchange finished (`status` null when it failed before an answer). */
  httpRequest(e: { registry: string; operation: HttpOperation; status: number | null; durationMs: number }): void;
  /** A token was needed: `issued` (fetched), `cached`, `refused`, `error`. */
  tokenRequest(e: { registry: string; result: 'issued' | 'cached' | 'refused' | 'error' }): void;
  /** One `check()` answered. */
  checkOutcome(e: { registry: string; outcome: OutcomeKind; source: OutcomeSource }): void;
  /** Outcome-cache lookup. */
  cacheLookup(e: { hit: boolean }): void;
  /** A registry's circuit changed state. */
  breakerTransition(e: { registry: string; state: BreakerState }): void;
  /** An answer carried the registry's request budget (Docker Hub `ratelimit-remaining`). */
  rateLimit(e: { registry: string } & RateLimitState): void;
}

export const noopMetrics: RegistryMetrics = {
  httpRequest() {},
  tokenRequest() {},
  checkOutcome() {},
  cacheLookup() {},
  breakerTransition() {},
  rateLimit() {},
};

/** Registry hosts come from workloads: cap the distinct label values so cardinality stays bounded. */
export const MAX_REGISTRY_LABELS = 50;

export function createRegistryMetrics(register: Registry, opts: { prefix?: string; maxRegistryLabels?: number } = {}): RegistryMetrics {
  const prefix = opts.prefix ?? 'pullguard_registry_';
  const max = opts.maxRegistryLabels ?? MAX_REGISTRY_LABELS;
  const seen = new Set<string>();
  const label = (registry: string): string => {
    if (seen.has(registry)) return registry;
    if (seen.size >= max) return 'other';
    seen.add(registry);
    return registry;
  };
  const requests = new Counter({
    name: `${prefix}http_requests_total`,
    help: 'HTTP requests to registries by registry, operation and status (error: no answer).',
    labelNames: ['registry', 'operation', 'status'] as const,
    registers: [register],
  });
  const duration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'Duration of HTTP requests to registries.',
    labelNames: ['registry', 'operation'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [register],
  });
  const tokens = new Counter({
    name: `${prefix}token_requests_total`,
    help: 'Bearer tokens needed, by result (issued: fetched from the token service; cached: reused).',
    labelNames: ['registry', 'result'] as const,
    registers: [register],
  });
  // Counted once per image of every review (cache hits included): tallied in plain numbers and handed
  // to prom-client when metrics are collected (see tallied()).
  const checks = tallied<'registry' | 'outcome' | 'source'>({
    name: `${prefix}checks_total`,
    help: 'Image existence checks by registry, outcome and source (network, cache, joined, circuit-open, deadline).',
    labelNames: ['registry', 'outcome', 'source'],
    registers: [register],
  });
  const cache = tallied<'result'>({
    name: `${prefix}cache_lookups_total`,
    help: 'Outcome cache lookups by result (hit, miss).',
    labelNames: ['result'],
    registers: [register],
  });
  const HIT = { result: 'hit' } as const;
  const MISS = { result: 'miss' } as const;
  const breaker = new Counter({
    name: `${prefix}circuit_transitions_total`,
    help: 'Circuit breaker transitions by registry and new state.',
    labelNames: ['registry', 'state'] as const,
    registers: [register],
  });
  const remaining = new Gauge({
    name: `${prefix}ratelimit_remaining`,
    help: "Requests left in the registry's rate-limit window, as its last answer said (Docker Hub ratelimit-remaining).",
    labelNames: ['registry'] as const,
    registers: [register],
  });
  return {
    rateLimit(e) {
      remaining.set({ registry: label(e.registry) }, e.remaining);
    },
    httpRequest(e) {
      const registry = label(e.registry);
      requests.inc({ registry, operation: e.operation, status: e.status === null ? 'error' : String(e.status) });
      duration.observe({ registry, operation: e.operation }, e.durationMs / 1000);
    },
    tokenRequest(e) {
      tokens.inc({ registry: label(e.registry), result: e.result });
    },
    checkOutcome(e) {
      const registry = label(e.registry);
      checks.inc(`${registry}\n${e.outcome}\n${e.source}`, () => ({ registry, outcome: e.outcome, source: e.source }));
    },
    cacheLookup(e) {
      if (e.hit) cache.inc('hit', () => HIT);
      else cache.inc('miss', () => MISS);
    },
    breakerTransition(e) {
      breaker.inc({ registry: label(e.registry), state: e.state });
    },
  };
}

/**
 * A counter for the admission path: `inc` adds 1 to a plain number under a key the caller builds,
 * and prom-client gets the sums when metrics are collected (a scrape). prom-client validates and
 * hashes the labels on every `inc()`, ≈ 0.2 µs, which per image of every review is most of what
 * counting costs. Keys map to label sets the caller makes once per key (`labels` is called only for
 * a key not seen before), so the tallies are bounded by the label cardinality.
 */
function tallied<L extends string>(config: CounterConfiguration<L>) {
  const tallies = new Map<string, { readonly labels: LabelValues<L>; n: number }>();
  new Counter<L>({
    ...config,
    collect() {
      for (const t of tallies.values()) {
        if (t.n === 0) continue;
        this.inc(t.labels, t.n);
        t.n = 0;
      }
    },
  });
  return {
    inc(key: string, labels: () => LabelValues<L>): void {
      const t = tallies.get(key);
      if (t) t.n++;
      else tallies.set(key, { labels: labels(), n: 1 });
    },
  };
}
