/**
 * List + watch of every workload kind the cluster serves (./resources.ts: the carrier table, narrowed
 * by discovery), handing each object to `upsert` / `remove` as it arrives — the caller reduces it
 * (src/audit/inventory.ts) and the full object is dropped at once. The reflectors remember only each
 * object's metadata (Reflector `keep`), and relists go page by page, so memory is the reduced
 * inventory, not the cluster's objects.
 *
 * Discovery runs at start (retried with back-off while it fails), then again every
 * REDISCOVERY_INTERVAL_MS: a CRD installed later (Argo Rollouts added to the cluster after pullguard) is
 * listed and watched from then on, and a kind no longer served (its CRD deleted, which deletes its
 * objects first) stops being watched. The kinds the cluster does not serve are logged at start and
 * whenever that changes.
 *
 * RBAC needed (manifests/): list, watch on each served resource.
 */
import { type KubeClient } from './client.js';
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, Reflector, type ReflectorLogger } from './reflector.js';

/**
 * How often served kinds are discovered again. kube-controller-manager's garbage collector and quota
 * controller resync their discovery every 30 s (cmd/kube-controller-manager: garbageCollector.Sync
 * with 30*time.Second) for the same reason: resources appear and disappear with CRDs.
 */
export const REDISCOVERY_INTERVAL_MS = 30_000;
import { collectionPath, describeSkipped, discoverServed, type ServedResource, type SkippedKind, type WorkloadResource } from './resources.js';
import type { CarrierConfig } from '../workload/carriers.js';

export interface WorkloadWatchOptions {
  readonly client: KubeClient;
  readonly logger: ReflectorLogger;
  /** The carrier resources to watch where served (./resources.ts auditedResources). */
  readonly resources: readonly WorkloadResource[];
  /** The configuration's own carriers (to name their project in logs). */
  readonly carriers?: readonly CarrierConfig[] | undefined;
  upsert(object: unknown, type: { readonly group: string; readonly version: string; readonly kind: string }): void;
  remove(object: unknown, type: { readonly group: string; readonly version: string; readonly kind: string }): void;
  readonly backoffInitialMs?: number;
  /** For tests: a shorter rediscovery interval. */
  readonly rediscoveryIntervalMs?: number;
}

function resourceKey(r: ServedResource): string {
  return `${r.group}/${r.version}/${r.plural}`;
}

/** The metadata a reflector needs to hand a vanished object to `remove`. */
function metadataOnly(object: unknown): unknown {
  const meta = (object as { metadata?: { namespace?: string; name?: string; uid?: string } } | null)?.metadata ?? {};
  return { metadata: { namespace: meta.namespace, name: meta.name, uid: meta.uid } };
}

export class WorkloadWatch {
  readonly #reflectors = new Map<string, Reflector>();
  #stopped = false;
  #discovered = false;
  #timer: NodeJS.Timeout | undefined;
  /** What discovery found (empty until it ran). */
  served: readonly ServedResource[] = [];
  skipped: readonly SkippedKind[] = [];

  constructor(private readonly opts: WorkloadWatchOptions) {}

  /** True once discovery ran and every served kind has been listed. */
  get synced(): boolean {
    return this.#discovered && [...this.#reflectors.values()].every((r) => r.synced);
  }

  /** Discover, then start a reflector per served kind. Resolves after the first discovery attempt. */
  async start(): Promise<void> {
    let backoff = this.opts.backoffInitialMs ?? BACKOFF_INITIAL_MS;
    const attempt = async (): Promise<void> => {
      if (this.#stopped) return;
      try {
        const found = await discoverServed(this.opts.client, this.opts.resources, { configured: this.opts.carriers });
        this.served = found.served;
        this.skipped = found.skipped;
      } catch (err) {
        this.opts.logger.warn({ reason: (err as Error).message, retryInMs: backoff }, 'audit: API discovery failed; retrying');
        this.#timer = setTimeout(() => void attempt(), backoff);
        this.#timer.unref();
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        return;
      }
      if (this.#stopped) return;
      if (this.skipped.length > 0) {
        this.opts.logger.info({ skipped: this.skipped.map((s) => ({ kind: s.kind, groups: s.groups, reason: s.reason })) }, `audit: kinds not served by this cluster, not audited: ${describeSkipped(this.skipped)}`);
      }
      for (const resource of this.served) this.#watch(resource);
      this.#discovered = true;
      this.#scheduleRediscovery();
    };
    await attempt();
  }

  #scheduleRediscovery(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#rediscover(), this.opts.rediscoveryIntervalMs ?? REDISCOVERY_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Discover again: watch what is newly served, stop watching what no longer is. A failure keeps what runs. */
  async #rediscover(): Promise<void> {
    let found: Awaited<ReturnType<typeof discoverServed>>;
    try {
      found = await discoverServed(this.opts.client, this.opts.resources, { configured: this.opts.carriers });
    } catch (err) {
      this.opts.logger.warn({ reason: (err as Error).message }, 'audit: API discovery failed; the kinds watched stay as they are');
      this.#scheduleRediscovery();
      return;
    }
    if (this.#stopped) return;
    const now = new Map(found.served.map((r) => [resourceKey(r), r]));
    const added = found.served.filter((r) => !this.#reflectors.has(resourceKey(r)));
    const gone = [...this.#reflectors.keys()].filter((k) => !now.has(k));
    for (const key of gone) {
      this.#reflectors.get(key)!.drop();
      this.#reflectors.delete(key);
    }
    for (const r of added) this.#watch(r);
    if (added.length > 0) this.opts.logger.info({ kinds: added.map((r) => `${r.kind}.${r.group || 'core'}/${r.version}`) }, 'audit: kinds now served by this cluster, audited from now on');
    if (gone.length > 0) this.opts.logger.info({ resources: gone }, 'audit: kinds no longer served by this cluster, no longer watched');
    this.served = found.served;
    this.skipped = found.skipped;
    this.#scheduleRediscovery();
  }

  #watch(resource: ServedResource): void {
    const type = { group: resource.group, version: resource.version, kind: resource.kind };
    const reflector = new Reflector({
      name: `${resource.plural}.${resource.group || 'core'}/${resource.version}`,
      client: this.opts.client,
      path: collectionPath(resource, resource.version),
      logger: this.opts.logger,
      ...(this.opts.backoffInitialMs !== undefined ? { backoffInitialMs: this.opts.backoffInitialMs } : {}),
      keep: metadataOnly,
      upsert: (o) => this.opts.upsert(o, type),
      remove: (o) => this.opts.remove(o, type),
    });
    this.#reflectors.set(resourceKey(resource), reflector);
    reflector.start();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const r of this.#reflectors.values()) r.stop();
  }
}
