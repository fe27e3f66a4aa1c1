/**
 * Which API resources the audit lists and watches, derived from the carrier table
 * (src/workload/carriers.ts, carrierResources(): Kubernetes' kinds, the well-known custom resources
 * and the configuration's own `carriers:`), narrowed by discovery to what this cluster serves.
 *
 * Discovery (as `kubectl api-resources` does it): GET /api and /apis for the served groups and
 * versions, then GET /api/v1 or /apis/GROUP/VERSION once per group version a carrier needs, for the
 * resource names, scope and verbs. Per carrier kind the first of its versions the group serves is
 * used (CronJob: batch/v1 from 1.21, batch/v1beta1 before; a configured carrier that names no versions
 * takes the group's preferred one); a configured carrier that names no resource is found by its kind.
 * A kind that none of its groups serves — a CRD that is not installed — is not an error: it is
 * reported once, as skipped, and the cluster holds none of it.
 *
 * PodTemplate is not audited: nothing runs its pods (controllers embed their own template), so nothing
 * pulls its images.
 *
 * RBAC needed (manifests/): list (and, for `serve`, watch) on each served resource; Kubernetes' own in
 * manifests/base/rbac.yaml, the well-known custom resources' in manifests/components/custom-resources.
 * Discovery needs none beyond what every authenticated user has (system:discovery).
 */
import { carrierFor, carrierResources, type CarrierConfig, type CarrierResource } from '../workload/carriers.js';
import { KubeApiError, LIST_PAGE_SIZE, type ListParams, type ListResult } from './client.js';

/** Carrier kinds the audit does not read, as `group/Kind` (see the file header). */
export const NOT_AUDITED: ReadonlySet<string> = new Set(['/PodTemplate']);

/** A carrier kind in one group, before discovery. */
export type WorkloadResource = CarrierResource;

/** A carrier kind as this cluster serves it. */
export interface ServedResource {
  readonly kind: string;
  readonly group: string;
  /** The version listed and watched. */
  readonly version: string;
  /** The resource (URL) name. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** A carrier kind left out, and why. */
export interface SkippedKind {
  readonly kind: string;
  /** Groups the kind was looked for in. */
  readonly groups: readonly string[];
  /** The project that defines the kind (`Argo Rollouts`, `configuration`). */
  readonly project: string;
  /** `not served` (the CRD is not installed, or not at a version pullguard reads), or what failed. */
  readonly reason: string;
  /** True when the API does not serve the kind (as opposed to discovery failing). */
  readonly notServed: boolean;
}

/** Every carrier resource the audit reads (the configuration's carriers included), before discovery. */
export function auditedResources(configured?: readonly CarrierConfig[]): WorkloadResource[] {
  const seen = new Set<string>();
  const out: WorkloadResource[] = [];
  for (const r of carrierResources(configured)) {
    const key = `${r.group}/${r.kind}`;
    // The configuration's row comes first and replaces a built-in one of the same group and kind.
    if (NOT_AUDITED.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

export interface DiscoveryClient {
  get(path: string, signal?: AbortSignal): Promise<Record<string, unknown>>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** Served versions of each group (core: ''), preferred first. */
async function servedGroups(client: DiscoveryClient, signal?: AbortSignal): Promise<Map<string, string[]>> {
  const groups = new Map<string, string[]>();
  const core = await client.get('/api', signal);
  groups.set('', strs(core['versions']));
  const list = await client.get('/apis', signal);
  for (const g of Array.isArray(list['groups']) ? list['groups'] : []) {
    if (!isObj(g) || typeof g['name'] !== 'string') continue;
    const preferred = isObj(g['preferredVersion']) && typeof g['preferredVersion']['version'] === 'string' ? g['preferredVersion']['version'] : undefined;
    const versions = (Array.isArray(g['versions']) ? g['versions'] : []).flatMap((v) => (isObj(v) && typeof v['version'] === 'string' ? [v['version']] : []));
    groups.set(g['name'], preferred ? [preferred, ...versions.filter((v) => v !== preferred)] : versions);
  }
  return groups;
}

/**
 * Which of `resources` this cluster serves, at which version and under which name; the others as
 * skipped, one entry per kind (a kind served in one of its groups — apps, not the old extensions —
 * is not skipped). A group version whose discovery fails (an aggregated API that is down) skips the
 * kinds it would have served, with the failure as the reason; failing to read /api or /apis throws.
 */
export async function discoverServed(
  client: DiscoveryClient,
  resources: readonly WorkloadResource[],
  opts: { readonly configured?: readonly CarrierConfig[] | undefined; readonly signal?: AbortSignal } = {},
): Promise<{ readonly served: ServedResource[]; readonly skipped: SkippedKind[] }> {
  const groups = await servedGroups(client, opts.signal);
  const lists = new Map<string, Promise<Obj[] | { failed: string }>>();
  const resourcesOf = (group: string, version: string) => {
    const gv = group === '' ? version : `${group}/${version}`;
    let p = lists.get(gv);
    if (!p) {
      p = client.get(group === '' ? `/api/${version}` : `/apis/${gv}`, opts.signal).then(
        (list) => (Array.isArray(list['resources']) ? list['resources'].filter(isObj) : []),
        (err: unknown) => {
          if (err instanceof KubeApiError && err.statusCode === 404) return [];
          if (err instanceof KubeApiError) return { failed: `discovery of ${gv} failed: ${err.message.split('\n')[0]}` };
          throw err;
        },
      );
      lists.set(gv, p);
    }
    return p;
  };
  const served: ServedResource[] = [];
  const byKind = new Map<string, { kind: string; groups: string[]; project: string; found: boolean; failure: string | null }>();
  for (const r of resources) {
    const key = `${r.origin}/${r.kind}/${carrierFor(r.group, r.kind, opts.configured)?.project ?? ''}`;
    let entry = byKind.get(key);
    if (!entry) byKind.set(key, (entry = { kind: r.kind, groups: [], project: carrierFor(r.group, r.kind, opts.configured)?.project ?? r.origin, found: false, failure: null }));
    entry.groups.push(r.group);
    const offered = groups.get(r.group);
    if (!offered || offered.length === 0) continue;
    const candidates = r.versions.length > 0 ? r.versions.filter((v) => offered.includes(v)) : offered.slice(0, 1);
    for (const version of candidates) {
      const list = await resourcesOf(r.group, version);
      if (!Array.isArray(list)) {
        entry.failure ??= list.failed;
        continue;
      }
      const match = list.find((x) => {
        const name = typeof x['name'] === 'string' ? x['name'] : '';
        if (name.includes('/')) return false; // a subresource (pods/status)
        return r.resource !== '' ? name === r.resource : x['kind'] === r.kind;
      });
      if (!match) continue;
      const verbs = strs(match['verbs']);
      if (verbs.length > 0 && !verbs.includes('list')) continue;
      served.push({ kind: r.kind, group: r.group, version, plural: String(match['name']), namespaced: match['namespaced'] !== false });
      entry.found = true;
      break;
    }
  }
  const skipped: SkippedKind[] = [];
  for (const e of byKind.values()) {
    if (e.found) continue;
    skipped.push({ kind: e.kind, groups: e.groups, project: e.project, reason: e.failure ?? 'not served', notServed: e.failure === null });
  }
  return { served, skipped };
}

/** `Rollout, Workflow (Argo …)`: the skipped kinds by project, for one log or stderr line. */
export function describeSkipped(skipped: readonly SkippedKind[]): string {
  const byProject = new Map<string, string[]>();
  for (const s of skipped) {
    const label = s.notServed ? s.project : `${s.project}: ${s.reason}`;
    const kinds = byProject.get(label) ?? [];
    kinds.push(`${s.kind}.${s.groups[0] || 'core'}`);
    byProject.set(label, kinds);
  }
  return [...byProject].map(([project, kinds]) => `${project} (${kinds.join(', ')})`).join('; ');
}

/** The collection path of a resource at a version, in one namespace or all. */
export function collectionPath(resource: Pick<ServedResource, 'group' | 'plural'>, version: string, namespace?: string): string {
  const base = resource.group === '' ? `/api/${version}` : `/apis/${resource.group}/${version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}` : `${base}/${resource.plural}`;
}

/** The path of one object ('' namespace: a cluster-scoped one). */
export function objectPath(resource: Pick<ServedResource, 'group' | 'plural'>, version: string, namespace: string, name: string): string {
  return `${collectionPath(resource, version, namespace || undefined)}/${encodeURIComponent(name)}`;
}

export interface ListClient {
  list(path: string, params: ListParams, signal?: AbortSignal): Promise<ListResult>;
}

export interface ListedResource {
  readonly resource: ServedResource;
  readonly count: number;
  readonly resourceVersion: string | undefined;
}

/**
 * Every object of a served resource (in `namespace`, or all), handed to `onItem` page by page: nothing
 * is kept here, so the caller decides what of each object stays in memory. A cluster-scoped resource
 * is listed only without a namespace.
 */
export async function listEach(
  client: ListClient,
  resource: ServedResource,
  onItem: (item: unknown) => void,
  opts: { readonly namespace?: string | undefined; readonly signal?: AbortSignal } = {},
): Promise<ListedResource> {
  if (opts.namespace && !resource.namespaced) return { resource, count: 0, resourceVersion: undefined };
  const path = collectionPath(resource, resource.version, opts.namespace);
  let cont: string | undefined;
  let count = 0;
  let resourceVersion: string | undefined;
  do {
    const page = await client.list(path, { limit: LIST_PAGE_SIZE, ...(cont ? { continue: cont } : {}) }, opts.signal);
    for (const item of page.items) {
      count++;
      onItem(item);
    }
    resourceVersion = page.metadata.resourceVersion;
    cont = page.metadata.continue;
  } while (cont);
  return { resource, count, resourceVersion };
}
