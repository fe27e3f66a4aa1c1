/**
 * The credential cache every provider uses: one entry per key (ECR: partition/account/region; ACR:
 * registry; GAR: one for the identity), kept until `margin` before it expires; concurrent misses share one fetch; definite
 * failures are remembered briefly. Callers wait for the shared fetch only until their own deadline.
 */
import { untilDeadline } from '../registry/wait.js';
import { SingleFlight, TtlLru, type Clock } from '../registry/cache.js';
import type { Credential } from '../registry/outcome.js';
import { CloudCredentialError, type CredentialRequestOptions } from './types.js';

export interface Fetched {
  readonly credential: Credential;
  /** Expiry, epoch ms on the cache's clock. */
  readonly expiresAt: number;
}

const DEFINITE = new Set(['no-identity', 'permission', 'rejected', 'invalid']);

export class CredentialCache {
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #failureTtlMs: number;
  readonly #entries: TtlLru<Credential>;
  readonly #failures: TtlLru<{ error: CloudCredentialError }>;
  readonly #flight = new SingleFlight<Credential>();
  /** Fetches started (for metrics and tests). */
  fetches = 0;

  constructor(opts: { readonly clock: Clock; readonly marginMs: number; readonly failureTtlMs: number; readonly maxEntries?: number }) {
    this.#clock = opts.clock;
    this.#marginMs = opts.marginMs;
    this.#failureTtlMs = opts.failureTtlMs;
    this.#entries = new TtlLru(opts.maxEntries ?? 1000, opts.clock);
    this.#failures = new TtlLru(opts.maxEntries ?? 1000, opts.clock);
  }

  peek(key: string): Credential | null {
    return this.#entries.get(key) ?? null;
  }

  /** The cached credential, or the result of one shared `fetch` (which must bound its own time). */
  async get(
    key: string,
    fetch: () => Promise<Fetched>,
    options: CredentialRequestOptions,
    timeoutError: () => CloudCredentialError,
  ): Promise<Credential> {
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const failed = this.#failures.get(key);
    if (failed) throw failed.error;
    const shared = this.#flight.do(key, async () => {
      this.fetches++;
      try {
        const r = await fetch();
        const lifetime = r.expiresAt - this.#clock();
        // Keep it until `margin` before expiry; a credential that lives less than twice the margin
        // is kept for half its life.
        const keep = lifetime - Math.min(this.#marginMs, lifetime / 2);
        this.#entries.set(key, r.credential, keep);
        return r.credential;
      } catch (err) {
        if (err instanceof CloudCredentialError && DEFINITE.has(err.reason)) this.#failures.set(key, { error: err }, this.#failureTtlMs);
        throw err;
      }
    });
    const r = await untilDeadline(shared, options.deadline, options.signal);
    if (r === null) throw timeoutError();
    return r.value;
  }

  clear(): void {
    this.#entries.clear();
    this.#failures.clear();
  }
}

