/**
 * Per-registry circuit breaker: after `failureThreshold` consecutive unreachable outcomes the
 * registry is considered down for `coolDownMs` (lookups fail fast); then one lookup is let through
 * as a probe (half-open): success closes the circuit, failure opens it again.
 */
import type { Clock } from './cache.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  readonly clock: Clock;
  readonly onTransition?: (key: string, state: BreakerState) => void;
}

export const DEFAULT_BREAKER_FAILURE_THRESHOLD = 5;
export const DEFAULT_BREAKER_COOL_DOWN_MS = 30_000;

type State =
  | { readonly s: 'closed'; readonly failures: number }
  | { readonly s: 'open'; readonly until: number }
  | { readonly s: 'half-open' };

/** What the breaker lets a lookup do. `probe`: go ahead, and report the result with `probe: true`. */
export type Admission = 'allow' | 'probe' | 'reject';

export class CircuitBreaker {
  readonly #states = new Map<string, State>();
  readonly #o: BreakerOptions;

  constructor(o: BreakerOptions) {
    this.#o = o;
  }

  state(key: string): BreakerState {
    const st = this.#states.get(key);
    if (!st) return 'closed';
    return st.s;
  }

  /** When the circuit will let a probe through (epoch of the clock), or null when not open. */
  openUntil(key: string): number | null {
    const st = this.#states.get(key);
    return st?.s === 'open' ? st.until : null;
  }

  admit(key: string): Admission {
    const st = this.#states.get(key);
    if (!st || st.s === 'closed') return 'allow';
    if (st.s === 'half-open') return 'reject'; // a probe is in flight
    if (this.#o.clock() < st.until) return 'reject';
    this.#set(key, { s: 'half-open' });
    return 'probe';
  }

  /** Report a finished lookup: `reachable` false for unreachable outcomes. */
  record(key: string, reachable: boolean, probe: boolean): void {
    const st = this.#states.get(key) ?? { s: 'closed', failures: 0 };
    if (reachable) {
      if (st.s !== 'closed' || st.failures !== 0) this.#set(key, { s: 'closed', failures: 0 });
      return;
    }
    if (st.s === 'closed') {
      const failures = st.failures + 1;
      if (failures >= this.#o.failureThreshold) this.#set(key, { s: 'open', until: this.#o.clock() + this.#o.coolDownMs });
      else this.#states.set(key, { s: 'closed', failures });
      return;
    }
    if (st.s === 'half-open' && probe) this.#set(key, { s: 'open', until: this.#o.clock() + this.#o.coolDownMs });
    // A late failure of a lookup that started before the circuit opened changes nothing.
  }

  /** Give up a probe without a result (its callers all left): let the next lookup probe again. */
  abandonProbe(key: string): void {
    const st = this.#states.get(key);
    if (st?.s === 'half-open') this.#set(key, { s: 'open', until: this.#o.clock() });
  }

  #set(key: string, st: State): void {
    const before = this.#states.get(key)?.s ?? 'closed';
    if (st.s === 'closed' && st.failures === 0) this.#states.delete(key);
    else this.#states.set(key, st);
    if (before !== st.s) this.#o.onTransition?.(key, st.s);
  }
}
