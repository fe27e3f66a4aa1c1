/**
 * A minimal reflector (client-go tools/cache/reflector.go, ListAndWatch): list every object, hand them
 * over, then watch from the list's resourceVersion; on a dropped watch resume from the last seen
 * resourceVersion, and relist when the API server says that version is gone (410 Expired).
 *
 * Why not client-node's ListWatch informer: it keeps every full object in its own cache. pullguard
 * must keep only what it needs of Secrets (the parsed registry keys, never raw data), so objects are
 * handed to `upsert`/`remove` and dropped at once.
 */
import { LIST_PAGE_SIZE, listAll, type ListParams, type ListResult, type WatchEventType, type WatchParams } from './client.js';
/** Reconnect back-off after a failed list or watch (client-go: 800 ms doubling to 30 s). */
export const BACKOFF_INITIAL_MS = 800;
export const BACKOFF_MAX_MS = 30_000;
/** Watches are closed by the server after a random 5–10 minutes, as client-go asks, so load spreads. */
export const WATCH_TIMEOUT_MIN_S = 300;
/** A watch that ends sooner than this with no event is treated as a failure (back-off, no spin). */
export const QUICK_CLOSE_MS = 1000;

export interface ReflectorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What a reflector needs of the API client (src/cluster/client.ts KubeClient). */
export interface ListWatchClient {
  list(path: string, params: ListParams, signal?: AbortSignal): Promise<ListResult>;
  watch(path: string, params: WatchParams, onEvent: (type: WatchEventType, object: unknown) => void, signal: AbortSignal): Promise<void>;
}

export interface ReflectorOptions {
  /** For logs: `secrets type=kubernetes.io/dockerconfigjson`. */
  readonly name: string;
  readonly client: ListWatchClient;
  /** Collection path, listed and watched (`/api/v1/secrets`). */
  readonly path: string;
  readonly fieldSelector?: string;
  upsert(object: unknown): void;
  remove(object: unknown): void;
  /**
   * What the reflector itself remembers of each object, to hand to `remove` when a relist finds it gone
   * (default: the whole object). Workload reflectors keep only the metadata, so 10,000 Pods are not
   * held twice.
   */
  keep?(object: unknown): unknown;
  /** Called after every complete list has been handed over. */
  onSynced?(): void;
  /** Called with every failed list or watch, before the back-off (what the reflector could not read, and why). */
  onError?(err: unknown): void;
  readonly logger: ReflectorLogger;
  readonly backoffInitialMs?: number;
}

function keyOf(object: unknown): string | null {
  const meta = (object as { metadata?: { namespace?: string; name?: string } } | null)?.metadata;
  return meta?.name ? `${meta.namespace ?? ''}/${meta.name}` : null;
}

function resourceVersionOf(object: unknown): string | undefined {
  return (object as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
}

export class Reflector {
  private resourceVersion: string | undefined;
  /** Objects this reflector handed over, so that a relist can remove the ones that vanished. */
  private known = new Map<string, unknown>();
  /** Aborted by stop(): ends the list or watch in flight. */
  private readonly stopper = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private stopped = false;
  private hasSynced = false;
  /** Times the reflector listed (1 at start; more after 410 Expired). */
  lists = 0;
  /** Times a watch was (re)established. */
  watches = 0;

  constructor(private readonly opts: ReflectorOptions) {
    this.backoffMs = opts.backoffInitialMs ?? BACKOFF_INITIAL_MS;
  }

  /** True once the first list has been handed over. */
  get synced(): boolean {
    return this.hasSynced;
  }

  start(): void {
    void this.listAndWatch();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopper.abort();
  }

  /** Stop, and hand every object it knew to `remove` (its kind is no longer served: nothing of it is left to watch). */
  drop(): void {
    this.stop();
    for (const object of this.known.values()) this.opts.remove(object);
    this.known.clear();
  }

  private resetBackoff(): void {
    this.backoffMs = this.opts.backoffInitialMs ?? BACKOFF_INITIAL_MS;
  }

  private async listAndWatch(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.relist();
    } catch (err) {
      this.retry(err, () => this.listAndWatch());
      return;
    }
    this.resetBackoff();
    await this.watchOnce();
  }

  private async relist(): Promise<void> {
    const keep = this.opts.keep ?? ((o: unknown) => o);
    if (this.opts.keep) {
      // Page by page: each page's objects are handed over and dropped before the next page arrives, so a
      // list of 10,000 Pods never sits in memory whole.
      const seen = new Map<string, unknown>();
      let cont: string | undefined;
      let rv: string | undefined;
      do {
        const page = await this.opts.client.list(
          this.opts.path,
          { ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}), limit: LIST_PAGE_SIZE, ...(cont ? { continue: cont } : {}) },
          this.stopper.signal,
        );
        if (this.stopped) return;
        for (const item of page.items) {
          const key = keyOf(item);
          if (!key) continue;
          seen.set(key, keep(item));
          this.opts.upsert(item);
        }
        rv = page.metadata.resourceVersion;
        cont = page.metadata.continue;
      } while (cont);
      for (const [key, object] of this.known) if (!seen.has(key)) this.opts.remove(object);
      this.known = seen;
      this.finishList(rv, seen.size);
      return;
    }
    const { items, resourceVersion: rv } = await listAll(
      this.opts.client,
      this.opts.path,
      this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {},
      this.stopper.signal,
    );
    const seen = new Map<string, unknown>();
    for (const item of items) {
      const key = keyOf(item);
      if (key) seen.set(key, item);
    }
    if (this.stopped) return;
    for (const [key, object] of this.known) if (!seen.has(key)) this.opts.remove(object);
    for (const object of seen.values()) this.opts.upsert(object);
    this.known = seen;
    this.finishList(rv, seen.size);
  }

  private finishList(rv: string | undefined, objects: number): void {
    this.resourceVersion = rv;
    this.lists++;
    if (!this.hasSynced) this.opts.logger.info({ reflector: this.opts.name, objects }, 'synced');
    this.hasSynced = true;
    this.opts.onSynced?.();
  }


  /** One watch from the last resourceVersion, then what comes next: resume, relist or back off. */
  private async watchOnce(): Promise<void> {
    if (this.stopped) return;
    const timeoutSeconds = WATCH_TIMEOUT_MIN_S + Math.floor(Math.random() * WATCH_TIMEOUT_MIN_S);
    let expired = false;
    let events = 0;
    const startedAt = Date.now();
    this.watches++;
    let failure: (Error & { statusCode?: number }) | null = null;
    try {
      await this.opts.client.watch(
        this.opts.path,
        {
          allowWatchBookmarks: true,
          ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}),
          timeoutSeconds,
          ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
        },
        (type, object) => this.onEvent(type, object, () => (expired = true), () => events++),
        this.stopper.signal,
      );
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    if (this.stopped) return;
    if (expired || failure?.statusCode === 410) {
      this.opts.logger.info({ reflector: this.opts.name }, 'resourceVersion expired; listing again');
      void this.listAndWatch();
    } else if (failure?.statusCode !== undefined) {
      // The API server refused the watch itself (403 after an RBAC change, 5xx): list again after the
      // back-off, as client-go's ListAndWatch returns to its list on such errors.
      this.retry(failure, () => this.listAndWatch());
    } else if (failure) {
      // The connection failed or dropped: resume from the last version seen (a 410 relists then).
      this.retry(failure, () => this.watchOnce());
    } else if (events === 0 && Date.now() - startedAt < QUICK_CLOSE_MS) {
      // A watch that ends at once with nothing in it: back off rather than spin.
      this.retry(new Error('watch closed immediately'), () => this.watchOnce());
    } else {
      // The server ended the watch (timeoutSeconds): resume at once from the last version.
      this.resetBackoff();
      void this.watchOnce();
    }
  }

  private onEvent(type: WatchEventType, object: unknown, markExpired: () => void, countEvent: () => void): void {
    if (type === 'ERROR') {
      // 410 Gone: the resourceVersion is too old; everything must be listed again.
      if ((object as { code?: number } | null)?.code === 410) markExpired();
      return;
    }
    countEvent();
    // An event proves the connection works: the next failure starts the back-off afresh.
    this.resetBackoff();
    const rv = resourceVersionOf(object);
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    const key = keyOf(object);
    if (!key) return;
    if (type === 'DELETED') {
      this.known.delete(key);
      this.opts.remove(object);
    } else {
      this.known.set(key, this.opts.keep ? this.opts.keep(object) : object);
      this.opts.upsert(object);
    }
  }

  private retry(err: unknown, again: () => Promise<void>): void {
    if (this.stopped) return;
    this.opts.onError?.(err);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    const statusCode = (err as { statusCode?: number } | null)?.statusCode;
    this.opts.logger.warn(
      {
        reflector: this.opts.name,
        reason: err instanceof Error ? err.message : String(err),
        ...(statusCode !== undefined ? { statusCode } : {}),
        retryInMs: delay,
      },
      'list/watch failed; retrying',
    );
    this.timer = setTimeout(() => void again(), delay);
    this.timer.unref();
  }
}
