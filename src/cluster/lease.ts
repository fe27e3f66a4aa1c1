/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's tools/leaderelection does it
 * (leaderelection.go tryAcquireOrRenew, resourcelock/leaselock.go):
 *
 * - every `retryPeriodMs` each candidate reads the Lease; it takes it when it does not exist (create),
 *   when it holds it already, when the holder is empty (released), or when the record has not changed
 *   for `leaseDurationMs` as seen by THIS process's clock (client-go's observedTime: the holder's
 *   renewTime is not compared with our clock, so clock skew between replicas does not matter);
 * - writes are optimistic (the resourceVersion read): of two candidates, one gets 409 Conflict;
 * - the leader renews every `retryPeriodMs`; when it has not renewed for `renewDeadlineMs` it stops
 *   leading at once (before anyone else may take over: renewDeadline < leaseDuration);
 * - on stop, a leader releases the Lease (holder "", leaseDurationSeconds 1; ReleaseOnCancel), so
 *   another replica takes over within a retry period instead of a lease duration.
 *
 * Failover after a crash: at most leaseDuration + retryPeriod.
 *
 * RBAC needed (manifests/): get, create, update on leases in the Lease's namespace.
 */
import { KubeApiError } from './client.js';

/** client-go's defaults (leaderelection.go: LeaseDuration 15 s, RenewDeadline 10 s, RetryPeriod 2 s). */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/** Releasing the Lease on stop may take this long at most: shutdown must not wait on an unreachable API server. */
export const RELEASE_TIMEOUT_MS = 2_000;

export interface LeaseClient {
  send(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<unknown>;
}

export interface LeaderElectorOptions {
  readonly client: LeaseClient;
  readonly namespace: string;
  readonly name: string;
  /** This candidate (the Pod name, plus a random suffix: two processes never share one). */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  readonly now?: () => number;
}

interface LeaseObject {
  metadata?: { resourceVersion?: string; name?: string; namespace?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** A MicroTime as the API wants it (RFC 3339 with microseconds). */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  #leading = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #lastRenew = 0;
  /** The record last read and when it was first seen (client-go observedRecord / observedTime). */
  #observed: { key: string; at: number } | null = null;
  readonly #stopper = new AbortController();
  readonly #o: LeaderElectorOptions;
  readonly #now: () => number;
  readonly #duration: number;
  readonly #renewDeadline: number;
  readonly #retry: number;

  constructor(opts: LeaderElectorOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#duration = opts.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.#renewDeadline = opts.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.#retry = opts.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (!(this.#renewDeadline < this.#duration)) throw new Error('the renew deadline must be shorter than the lease duration');
    if (!(this.#retry < this.#renewDeadline)) throw new Error('the retry period must be shorter than the renew deadline');
  }

  get leading(): boolean {
    return this.#leading;
  }

  get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/leases/${encodeURIComponent(this.#o.name)}`;
  }

  start(): this {
    void this.#tick();
    return this;
  }

  /** Stop competing; a leader releases the Lease first. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#leading) {
      this.#setLeading(false);
      const signal = AbortSignal.timeout(RELEASE_TIMEOUT_MS);
      try {
        const current = (await this.#o.client.send('GET', this.path, undefined, signal)) as LeaseObject;
        if (current.spec?.holderIdentity === this.#o.identity) {
          await this.#o.client.send(
            'PUT',
            this.path,
            { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.#now()) } },
            signal,
          );
        }
      } catch (err) {
        this.#o.logger.warn({ lease: this.#o.name, reason: (err as Error).message }, 'could not release the audit lease; another replica takes over when it expires');
      }
    }
    this.#stopper.abort();
  }

  #setLeading(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.#o.logger.info({ lease: `${this.#o.namespace}/${this.#o.name}`, identity: this.#o.identity }, leading ? 'became the leader: this replica audits' : 'stopped leading: another replica audits');
    if (leading) this.#o.onStartedLeading();
    else this.#o.onStoppedLeading();
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    let ok = false;
    try {
      ok = await this.#tryAcquireOrRenew();
    } catch (err) {
      if (!this.#stopped) this.#o.logger.warn({ lease: this.#o.name, reason: (err as Error).message }, 'leader election: cannot read or write the lease');
    }
    if (this.#stopped) return;
    if (ok) {
      this.#lastRenew = this.#now();
      this.#setLeading(true);
    } else if (this.#leading && this.#now() - this.#lastRenew >= this.#renewDeadline) {
      this.#setLeading(false);
    }
    // client-go adds jitter to the acquire loop (JitterFactor 1.2) so candidates do not move in step.
    const wait = this.#leading ? this.#retry : this.#retry * (1 + Math.random() * 0.2);
    this.#timer = setTimeout(() => void this.#tick(), wait);
    this.#timer.unref();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#now();
    const signal = this.#stopper.signal;
    let current: LeaseObject | null = null;
    try {
      current = (await this.#o.client.send('GET', this.path, undefined, signal)) as LeaseObject;
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
    }
    const spec = {
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: Math.ceil(this.#duration / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    if (current === null) {
      try {
        await this.#o.client.send('POST', this.path.slice(0, this.path.lastIndexOf('/')), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.#o.name, namespace: this.#o.namespace }, spec }, signal);
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 409) return false; // another candidate created it first
        throw err;
      }
    }
    const held = current.spec ?? {};
    const holder = held.holderIdentity ?? '';
    const key = `${holder}|${held.renewTime ?? ''}|${current.metadata?.resourceVersion ?? ''}`;
    if (this.#observed?.key !== key) this.#observed = { key, at: now };
    const durationMs = (held.leaseDurationSeconds ?? Math.ceil(this.#duration / 1000)) * 1000;
    const mine = holder === this.#o.identity;
    if (!mine && holder !== '' && this.#observed.at + durationMs > now) return false;
    const next = {
      ...spec,
      acquireTime: mine ? (held.acquireTime ?? spec.acquireTime) : spec.acquireTime,
      leaseTransitions: (held.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      await this.#o.client.send('PUT', this.path, { ...current, spec: next }, signal);
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 409) return false;
      throw err;
    }
  }
}
