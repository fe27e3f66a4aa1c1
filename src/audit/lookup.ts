/**
 * The audit's registry lookups: one per distinct (image, credential set, platforms) per cycle, within
 * a per-registry budget, behind admission.
 *
 * - Per cycle: answers are kept until the next full cycle starts (`newCycle()`), so 500 Deployments
 *   naming one image cost one lookup, and a re-audit triggered by a workload change in the same cycle
 *   costs none. The underlying checker must not cache on its own (its TTLs are 0): a full cycle asks
 *   the registry again, so a deleted image or a revoked credential is seen within one interval.
 * - Budget: at most `perMinute` lookups per registry per minute (a token bucket holding one minute's
 *   worth, refilled continuously). A `rate-limited` answer (429) pauses that registry for its
 *   Retry-After, else RATE_LIMIT_PAUSE_MS; the lookup is answered with what the registry said.
 * - A registry that states its own budget (Docker Hub: `ratelimit-remaining: 76;w=21600` with
 *   `ratelimit-limit: 100;w=21600`, on every manifest answer) is believed before it answers 429: the
 *   audit keeps a reserve of that budget (RATELIMIT_RESERVE_FRACTION of the limit, or
 *   RATELIMIT_RESERVE_MIN when no limit is given) for what matters more — the nodes' own pulls, which
 *   share the address and the count, and admission — never bursts into it, and at or below it pauses
 *   that registry for as long as an evenly used window takes to free enough requests to be above it
 *   again (window / limit per request, at most the window). Admission's lookups go through their own
 *   checker and never wait on this budget.
 * - Admission first: the audit's checker is its own RegistryChecker — its own connections and its own
 *   in-flight table — so an audit lookup never occupies a connection or a queue slot a review needs;
 *   at most `concurrency` workloads are audited at once (src/audit/auditor.ts); and an explicit gate
 *   (AdmissionGate): an audit lookup does not start while the webhook's own registry lookups are in
 *   flight — it waits for them to finish, up to ADMISSION_YIELD_MAX_MS, so that a stream of admission
 *   lookups slows the audit down but never starves it.
 */
import type { RegistryLookup, RegistryLookupOptions } from '../checks/registry-step.js';
import type { ImageReference } from '../reference/types.js';
import { credentialsId } from '../registry/client.js';
import type { RateLimitState, RegistryOutcome } from '../registry/outcome.js';

/** How long a registry that answered 429 without Retry-After is left alone. */
export const RATE_LIMIT_PAUSE_MS = 60_000;
/** Share of a registry's stated limit the audit leaves to node pulls and admission. */
export const RATELIMIT_RESERVE_FRACTION = 0.25;
/** Requests left alone when the registry states what remains but not its limit. */
export const RATELIMIT_RESERVE_MIN = 5;
/** The window assumed when the registry gives none (Docker Hub's: 6 hours). */
export const RATELIMIT_DEFAULT_WINDOW_SECONDS = 21_600;

export class RegistryBudget {
  readonly #buckets = new Map<string, { tokens: number; at: number; pausedUntil: number }>();

  constructor(
    private perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = defaultSleep,
  ) {}

  #bucket(registry: string) {
    let b = this.#buckets.get(registry);
    if (!b) this.#buckets.set(registry, (b = { tokens: this.perMinute, at: this.now(), pausedUntil: 0 }));
    const t = this.now();
    b.tokens = Math.min(this.perMinute, b.tokens + ((t - b.at) * this.perMinute) / 60_000);
    b.at = t;
    return b;
  }

  /** Wait for a lookup slot at `registry`. Rejects when `signal` aborts. */
  async acquire(registry: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const b = this.#bucket(registry);
      const t = this.now();
      if (b.pausedUntil > t) {
        await this.sleep(b.pausedUntil - t, signal);
        continue;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - b.tokens) * 60_000) / this.perMinute), signal);
    }
  }

  /** A new budget (configuration reload): applies from the next lookup on. */
  setPerMinute(perMinute: number): void {
    for (const registry of this.#buckets.keys()) this.#bucket(registry);
    this.perMinute = perMinute;
    for (const b of this.#buckets.values()) b.tokens = Math.min(b.tokens, perMinute);
  }

  /**
   * The registry stated what remains of its own budget (see the file header): keep the reserve, pause
   * at or below it. Returns the pause in ms (0: none).
   */
  observe(registry: string, state: RateLimitState): number {
    const reserve = state.limit !== null ? Math.ceil(state.limit * RATELIMIT_RESERVE_FRACTION) : RATELIMIT_RESERVE_MIN;
    const b = this.#bucket(registry);
    if (state.remaining > reserve) {
      b.tokens = Math.min(b.tokens, state.remaining - reserve);
      return 0;
    }
    const windowMs = (state.windowSeconds ?? RATELIMIT_DEFAULT_WINDOW_SECONDS) * 1000;
    const limit = state.limit ?? Math.ceil(reserve / RATELIMIT_RESERVE_FRACTION);
    const ms = Math.min(windowMs, Math.ceil((windowMs / Math.max(1, limit)) * (reserve - state.remaining + 1)));
    this.pause(registry, ms);
    return ms;
  }

  /** The registry said 429: no lookups there for `ms`. */
  pause(registry: string, ms: number): void {
    const b = this.#bucket(registry);
    b.pausedUntil = Math.max(b.pausedUntil, this.now() + ms);
  }

  pausedUntil(registry: string): number {
    return this.#buckets.get(registry)?.pausedUntil ?? 0;
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Longest an audit lookup waits for admission lookups to finish before it goes anyway (no starvation). */
export const ADMISSION_YIELD_MAX_MS = 2_000;
/** How often a waiting audit lookup looks again whether admission is idle. */
export const ADMISSION_POLL_MS = 5;

/**
 * Audit lookups yield to admission lookups: `busy()` says whether the webhook has registry lookups in
 * flight (RegistryChecker.lookupsInFlight of the webhook's checker); `pass()` resolves once it has
 * none, or after ADMISSION_YIELD_MAX_MS.
 */
export class AdmissionGate {
  /** Audit lookups that had to wait, and how long they waited in all. */
  yields = 0;
  waitedMs = 0;

  constructor(
    private readonly busy: () => boolean,
    private readonly opts: { readonly maxWaitMs?: number; readonly pollMs?: number; readonly now?: () => number; readonly onYield?: (waitedMs: number) => void } = {},
  ) {}

  async pass(signal?: AbortSignal): Promise<void> {
    if (!this.busy()) return;
    const now = this.opts.now ?? Date.now;
    const start = now();
    const max = this.opts.maxWaitMs ?? ADMISSION_YIELD_MAX_MS;
    while (this.busy() && now() - start < max && !signal?.aborted) await defaultSleep(this.opts.pollMs ?? ADMISSION_POLL_MS).catch(() => undefined);
    const waited = now() - start;
    this.yields++;
    this.waitedMs += waited;
    this.opts.onYield?.(waited);
  }
}

export interface AuditLookupStats {
  /** Lookups that went to the registry checker this cycle. */
  asked: number;
  /** Lookups answered from this cycle's answers. */
  reused: number;
}

/** A RegistryLookup for the audit's engine: per-cycle answers, budget, 429 pauses. */
export class AuditLookup implements RegistryLookup {
  #answers = new Map<string, Promise<RegistryOutcome>>();
  stats: AuditLookupStats = { asked: 0, reused: 0 };

  constructor(
    private readonly checker: RegistryLookup,
    private readonly budget: RegistryBudget,
    private readonly onAsked: (registry: string) => void = () => {},
    private readonly gate: AdmissionGate | null = null,
  ) {}

  /** A full cycle starts: every answer is asked again. */
  newCycle(): void {
    this.#answers = new Map();
    this.stats = { asked: 0, reused: 0 };
  }

  cached(): RegistryOutcome | null {
    // The audit never answers "not checked": it always asks (within its budget).
    return null;
  }

  check(ref: ImageReference, options: RegistryLookupOptions = {}): Promise<RegistryOutcome> {
    const platforms = (options.platforms ?? []).map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`).join(',');
    const key = [ref.domain, ref.path, ref.digest ?? ref.tag ?? 'latest', credentialsId(options.credentials ?? []), platforms].join('|');
    const known = this.#answers.get(key);
    if (known) {
      this.stats.reused++;
      return known;
    }
    const answers = this.#answers;
    const pending = (async () => {
      await this.budget.acquire(ref.domain);
      // Admission first: not while the webhook's own lookups are on their way.
      await this.gate?.pass();
      this.stats.asked++;
      this.onAsked(ref.domain);
      // The budget may have kept this lookup waiting past the workload's deadline: the registry gets
      // its own request timeout instead (the checker's), never a deadline already gone.
      const { deadline: _deadline, ...rest } = options;
      const outcome = await this.checker.check(ref, rest);
      if (outcome.kind === 'rate-limited') this.budget.pause(ref.domain, outcome.retryAfterSeconds !== null ? outcome.retryAfterSeconds * 1000 : RATE_LIMIT_PAUSE_MS);
      // A transient failure is not kept for the rest of the cycle: the next workload asks again.
      if (outcome.kind === 'unreachable' || outcome.kind === 'rate-limited') answers.delete(key);
      return outcome;
    })();
    answers.set(key, pending);
    return pending;
  }
}
