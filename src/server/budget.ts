/**
 * A budget of bytes shared by the reviews being read, parsed and decided at once (see
 * INFLIGHT_BODY_BUDGET_BYTES in src/server/app.ts). Reservations are granted in arrival order: a
 * large one waiting at the head is not overtaken by a stream of small ones behind it. A reservation
 * that waits longer than it may is refused; one whose request goes away is dropped (or released).
 */
export interface Reservation {
  /** True when the bytes were granted at once (no waiting). */
  readonly granted: boolean;
  /** Resolves true once granted, false when refused (waited too long, or cancelled). */
  readonly ready: Promise<boolean>;
  /** Give the bytes back, or stop waiting. Idempotent. */
  cancel(): void;
}

interface Waiter {
  readonly bytes: number;
  resolve(granted: boolean): void;
  timer: NodeJS.Timeout;
  state: 'waiting' | 'granted' | 'done';
}

const GRANTED_AT_ONCE = Promise.resolve(true);

export class ByteBudget {
  #free: number;
  readonly #queue: Waiter[] = [];

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`budget capacity must be positive, not ${capacity}`);
    this.#free = capacity;
  }

  /** Bytes reserved now. */
  get inUse(): number {
    return this.capacity - this.#free;
  }

  /** Reservations waiting. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Reserve `bytes` (capped at the capacity, so any single request can be granted eventually),
   * waiting at most `waitMs` behind earlier reservations.
   */
  reserve(bytes: number, waitMs: number): Reservation {
    const want = Math.min(Math.max(0, bytes), this.capacity);
    if (this.#queue.length === 0 && want <= this.#free) {
      this.#free -= want;
      let held = true;
      return {
        granted: true,
        ready: GRANTED_AT_ONCE,
        cancel: () => {
          if (!held) return;
          held = false;
          this.#release(want);
        },
      };
    }
    let resolve!: (granted: boolean) => void;
    const ready = new Promise<boolean>((r) => (resolve = r));
    const waiter: Waiter = {
      bytes: want,
      resolve,
      state: 'waiting',
      timer: setTimeout(() => this.#drop(waiter), Math.max(0, waitMs)),
    };
    this.#queue.push(waiter);
    return {
      granted: false,
      ready,
      cancel: () => {
        if (waiter.state === 'granted') {
          waiter.state = 'done';
          this.#release(waiter.bytes);
        } else if (waiter.state === 'waiting') this.#drop(waiter);
      },
    };
  }

  /** Stop waiting: refused. */
  #drop(waiter: Waiter): void {
    if (waiter.state !== 'waiting') return;
    waiter.state = 'done';
    clearTimeout(waiter.timer);
    const i = this.#queue.indexOf(waiter);
    if (i >= 0) this.#queue.splice(i, 1);
    waiter.resolve(false);
    // The head may have been the one holding the others back.
    this.#grant();
  }

  #release(bytes: number): void {
    this.#free += bytes;
    this.#grant();
  }

  /** Grant from the head of the queue while the bytes are there. */
  #grant(): void {
    while (this.#queue.length > 0 && this.#queue[0]!.bytes <= this.#free) {
      const next = this.#queue.shift()!;
      clearTimeout(next.timer);
      this.#free -= next.bytes;
      next.state = 'granted';
      next.resolve(true);
    }
  }
}
