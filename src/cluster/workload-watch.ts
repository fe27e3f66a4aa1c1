/**
 * List + watch of every workload kind (./resources.ts), handing each object to `upsert` / `remove` as
 * it arrives — the caller reduces it (src/audit/inventory.ts) and the full object is dropped at once.
 * The reflectors remember only each object's metadata (Reflector `keep`), and relists go page by page,
 * so memory is the reduced inventory, not the cluster's objects.
 *
 * A kind served at several versions (CronJob) is probed once at start: the first version whose
 * collection answers is watched; a kind served at none is left out (logged).
 *
 * RBAC needed (manifests/): list, watch on each resource of ./resources.ts.
 */
import { KubeApiError, type KubeClient } from './client.js';
import { Reflector, type ReflectorLogger } from './reflector.js';
import { collectionPath, WORKLOAD_RESOURCES, type WorkloadResource } from './resources.js';

export interface WorkloadWatchOptions {
  readonly client: KubeClient;
  readonly logger: ReflectorLogger;
  readonly resources?: readonly WorkloadResource[];
  upsert(object: unknown, type: { readonly group: string; readonly version: string; readonly kind: string }): void;
  remove(object: unknown, type: { readonly group: string; readonly version: string; readonly kind: string }): void;
  readonly backoffInitialMs?: number;
}

/** The metadata a reflector needs to hand a vanished object to `remove`. */
function metadataOnly(object: unknown): unknown {
  const meta = (object as { metadata?: { namespace?: string; name?: string; uid?: string } } | null)?.metadata ?? {};
  return { metadata: { namespace: meta.namespace, name: meta.name, uid: meta.uid } };
}

export class WorkloadWatch {
  #reflectors: Reflector[] = [];
  #stopped = false;
  #probed = 0;
  #total: number;

  constructor(private readonly opts: WorkloadWatchOptions) {
    this.#total = (opts.resources ?? WORKLOAD_RESOURCES).length;
  }

  /** True once every served kind has been listed. */
  get synced(): boolean {
    return this.#probed === this.#total && this.#reflectors.every((r) => r.synced);
  }

  async start(): Promise<void> {
    for (const resource of this.opts.resources ?? WORKLOAD_RESOURCES) {
      if (this.#stopped) return;
      const version = await this.#servedVersion(resource);
      this.#probed++;
      if (version === null) {
        this.opts.logger.warn({ kind: resource.kind, group: resource.group, versions: resource.versions }, 'workload kind not served by this cluster; not audited');
        continue;
      }
      const type = { group: resource.group, version, kind: resource.kind };
      const reflector = new Reflector({
        name: `${resource.plural}.${resource.group || 'core'}/${version}`,
        client: this.opts.client,
        path: collectionPath(resource, version),
        logger: this.opts.logger,
        ...(this.opts.backoffInitialMs !== undefined ? { backoffInitialMs: this.opts.backoffInitialMs } : {}),
        keep: metadataOnly,
        upsert: (o) => this.opts.upsert(o, type),
        remove: (o) => this.opts.remove(o, type),
      });
      this.#reflectors.push(reflector);
      reflector.start();
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const r of this.#reflectors) r.stop();
  }

  /** The first version whose collection answers (404: not served). Other errors are retried by trying the preferred version. */
  async #servedVersion(resource: WorkloadResource): Promise<string | null> {
    if (resource.versions.length === 1) return resource.versions[0]!;
    for (const version of resource.versions) {
      try {
        await this.opts.client.list(collectionPath(resource, version), { limit: 1 });
        return version;
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 404) continue;
        // Not a "not served" answer (403, a timeout): watch the preferred version; its reflector retries.
        return resource.versions[0]!;
      }
    }
    return null;
  }
}
