/**
 * Small building blocks for the checker: a bounded LRU whose entries expire by an injected clock,
 * and a single-flight map so concurrent identical work shares one promise.
 */
import { LRUCache } from 'lru-cache';

export type Clock = () => number;

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/** Bounded LRU with per-entry TTL measured on `clock` (so tests can move time). */
export class TtlLru<V extends {}> {
  readonly #lru: LRUCache<string, Entry<V>>;
  readonly #clock: Clock;

  constructor(maxEntries: number, clock: Clock) {
    this.#lru = new LRUCache<string, Entry<V>>({ max: Math.max(1, maxEntries) });
    this.#clock = clock;
  }

  get(key: string): V | undefined {
    const e = this.#lru.get(key);
    if (!e) return undefined;
    if (this.#clock() >= e.expiresAt) {
      this.#lru.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (!(ttlMs > 0)) return;
    this.#lru.set(key, { value, expiresAt: this.#clock() + ttlMs });
  }

  delete(key: string): void {
    this.#lru.delete(key);
  }

  clear(): void {
    this.#lru.clear();
  }

  get size(): number {
    return this.#lru.size;
  }
}

/** Concurrent calls with the same key share one in-flight promise. */
export class SingleFlight<V> {
  readonly #inflight = new Map<string, Promise<V>>();

  do(key: string, fn: () => Promise<V>): Promise<V> {
    const existing = this.#inflight.get(key);
    if (existing) return existing;
    const p = (async () => {
      try {
        return await fn();
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, p);
    return p;
  }

  get size(): number {
    return this.#inflight.size;
  }
}
