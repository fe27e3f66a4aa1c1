/**
 * Writing one namespaced custom resource per namespace — the audit's PolicyReports
 * (wgpolicyk8s.io/v1alpha2; the objects are built in src/audit/policy-report.ts) — only where its CRD
 * is installed.
 *
 * - Discovery: `GET /apis/<group>/<version>` lists the group-version's resources (the API server
 *   serves it to every authenticated user: system:discovery). 404, or a list without the resource:
 *   the CRD is not installed, which is said ONCE in the log (and through `onAvailable` in metrics),
 *   nothing is written, and discovery is asked again at most every `recheckMs` (or when the caller
 *   forces it), so a CRD installed later is picked up without a restart. A write answered 404 for the
 *   whole resource (the CRD deleted) goes back to that state.
 * - Writes: create (POST) when the object does not exist, else update (PUT with the resourceVersion
 *   read, optimistic: a 409 Conflict is read again and retried once); delete when the namespace has
 *   nothing to report. An object whose content (its fingerprint) did not change since this writer last
 *   wrote it is not written again. A failed write is logged and counted; the caller's next flush
 *   tries again.
 *
 * RBAC needed (manifests/base/rbac.yaml): get, list, create, update, delete on the resource.
 */
import { KubeApiError, listAll, type ListParams, type ListResult } from './client.js';

/** How often discovery is asked again while the CRD is missing. */
export const CRD_RECHECK_MS = 60_000;

export interface ReportClient {
  send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<unknown>;
  list(path: string, params: ListParams, signal?: AbortSignal): Promise<ListResult>;
}

export interface ReportResource {
  readonly group: string;
  readonly version: string;
  /** The resource (URL) name: `policyreports`. */
  readonly plural: string;
}

export type WriteResult = 'created' | 'updated' | 'deleted' | 'failed';

export interface PolicyReportWriterOptions {
  readonly client: ReportClient;
  readonly resource: ReportResource;
  /** The object's name in every namespace. */
  readonly name: string;
  /** `key=value` label that marks the objects this writer owns (for `managedNamespaces`). */
  readonly label: { readonly key: string; readonly value: string };
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  readonly recheckMs?: number;
  readonly now?: () => number;
  /** The CRD was found (true) or found missing (false). */
  onAvailable?(available: boolean): void;
  onWrite?(result: WriteResult): void;
}

type Obj = { metadata?: { resourceVersion?: string; namespace?: string; name?: string } };

export class PolicyReportWriter {
  readonly #o: PolicyReportWriterOptions;
  readonly #now: () => number;
  #available: boolean | null = null;
  #checkedAt = -Infinity;
  /** Fingerprint of what was last written, by namespace. */
  readonly #written = new Map<string, string>();

  constructor(opts: PolicyReportWriterOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
  }

  get #groupVersion(): string {
    return `/apis/${this.#o.resource.group}/${this.#o.resource.version}`;
  }

  #collection(namespace?: string): string {
    return namespace === undefined
      ? `${this.#groupVersion}/${this.#o.resource.plural}`
      : `${this.#groupVersion}/namespaces/${encodeURIComponent(namespace)}/${this.#o.resource.plural}`;
  }

  #path(namespace: string): string {
    return `${this.#collection(namespace)}/${encodeURIComponent(this.#o.name)}`;
  }

  get #what(): string {
    return `${this.#o.resource.plural}.${this.#o.resource.group}/${this.#o.resource.version}`;
  }

  /** Whether the CRD is installed: asked again while it is not, at most every recheckMs unless `force`. */
  async available(opts: { readonly force?: boolean } = {}): Promise<boolean> {
    if (this.#available === true) return true;
    const now = this.#now();
    if (!opts.force && now - this.#checkedAt < (this.#o.recheckMs ?? CRD_RECHECK_MS)) return false;
    this.#checkedAt = now;
    return this.#discover();
  }

  /** Ask discovery whether the resource is served; false too when the answer is not clear. */
  async #discover(): Promise<boolean> {
    let found: boolean;
    try {
      const list = (await this.#o.client.send('GET', this.#groupVersion)) as { resources?: { name?: unknown }[] } | null;
      found = Array.isArray(list?.resources) && list.resources.some((r) => r?.name === this.#o.resource.plural);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.statusCode === 404)) {
        this.#o.logger.warn({ resource: this.#what, reason: (err as Error).message }, 'cannot tell whether the PolicyReport CRD is installed; asking again later');
        return false;
      }
      found = false;
    }
    this.#setAvailable(found);
    return found;
  }

  #setAvailable(found: boolean): void {
    if (found === this.#available) return;
    const first = this.#available === null;
    this.#available = found;
    if (found) this.#o.logger.info({ resource: this.#what }, 'the PolicyReport CRD is installed: audit results are written as PolicyReports');
    else {
      this.#written.clear();
      this.#o.logger.warn(
        { resource: this.#what, recheckSeconds: (this.#o.recheckMs ?? CRD_RECHECK_MS) / 1000 },
        first
          ? 'the PolicyReport CRD is not installed: audit results are not written as PolicyReports (metrics and Events still are); checking again later'
          : 'the PolicyReport CRD is gone: PolicyReports are no longer written',
      );
    }
    this.#o.onAvailable?.(found);
  }

  /**
   * Make `namespace`'s object `report` (null: none). `fingerprint` identifies its content: the same as
   * the last one this writer wrote means nothing to do; a null report for a namespace this writer
   * never wrote to is deleted only when `force` (an object left by an earlier leader). Never rejects.
   */
  async put(namespace: string, report: object | null, fingerprint: string, opts: { readonly force?: boolean } = {}): Promise<void> {
    if (this.#available !== true) return;
    if (!opts.force && (report === null ? !this.#written.has(namespace) : this.#written.get(namespace) === fingerprint)) return;
    try {
      if (report === null) {
        try {
          await this.#o.client.send('DELETE', this.#path(namespace));
          this.#o.onWrite?.('deleted');
        } catch (err) {
          if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
        }
        this.#written.delete(namespace);
        return;
      }
      for (let attempt = 0; ; attempt++) {
        let current: Obj | null = null;
        try {
          current = (await this.#o.client.send('GET', this.#path(namespace))) as Obj;
        } catch (err) {
          if (!(err instanceof KubeApiError && err.statusCode === 404)) throw err;
        }
        try {
          if (current === null) {
            await this.#o.client.send('POST', this.#collection(namespace), report);
            this.#o.onWrite?.('created');
          } else {
            const r = report as Obj;
            await this.#o.client.send('PUT', this.#path(namespace), { ...r, metadata: { ...r.metadata, resourceVersion: current.metadata?.resourceVersion } });
            this.#o.onWrite?.('updated');
          }
          this.#written.set(namespace, fingerprint);
          return;
        } catch (err) {
          // Someone else wrote it between the read and the write: read again, once.
          if (err instanceof KubeApiError && err.statusCode === 409 && attempt === 0) continue;
          throw err;
        }
      }
    } catch (err) {
      this.#o.onWrite?.('failed');
      this.#o.logger.warn({ resource: this.#what, namespace, reason: (err as Error).message }, 'could not write the PolicyReport; trying again at the next change or cycle');
      // The CRD may have been removed: find out before the next write.
      if (err instanceof KubeApiError && err.statusCode === 404) {
        this.#checkedAt = this.#now();
        void this.#discover();
      }
    }
  }

  /** Namespaces that hold an object of this writer (by name and label), cluster-wide. */
  async managedNamespaces(): Promise<string[]> {
    if (this.#available !== true) return [];
    try {
      const { items } = await listAll(this.#o.client, this.#collection(), { labelSelector: `${this.#o.label.key}=${this.#o.label.value}` });
      return items
        .map((i) => (i as Obj).metadata)
        .filter((m) => m?.name === this.#o.name && typeof m.namespace === 'string')
        .map((m) => m!.namespace!);
    } catch (err) {
      this.#o.logger.warn({ resource: this.#what, reason: (err as Error).message }, 'could not list the PolicyReports to remove stale ones; trying again next cycle');
      return [];
    }
  }
}
