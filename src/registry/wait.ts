/**
 * Waiting for a promise that others may share, without letting one waiter's deadline or abort cancel
 * it for the rest: the promise goes on; only this wait ends. Used by the registry client (shared pings
 * and tokens), its transport, the checker (shared lookups) and the cloud credential caches.
 */

/** Timers take a 32-bit signed millisecond count. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `p`, or a rejection with the signal's reason as soon as it aborts. `onLate` receives the value if `p`
 * settles after the abort (to release what it holds, e.g. a response body).
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal, onLate?: (late: T) => void): Promise<T> {
  if (signal.aborted) {
    p.then((late) => onLate?.(late), () => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      p.then((late) => onLate?.(late), () => undefined);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/**
 * `{value}` of `p`, or null once the deadline (ms since epoch; undefined: none) passes or the signal
 * aborts. A rejection of `p` rejects the wait; one that comes after the wait ended is swallowed.
 */
export function untilDeadline<T>(p: Promise<T>, deadline: number | undefined, signal?: AbortSignal): Promise<{ value: T } | null> {
  p.catch(() => undefined);
  if (signal?.aborted) return Promise.resolve(null);
  const remaining = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
  if (remaining <= 0) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      resolve(null);
    };
    if (Number.isFinite(remaining)) timer = setTimeout(onAbort, Math.min(remaining, MAX_TIMER_MS));
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (value) => {
        done();
        resolve({ value });
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}
