/**
 * Where the API serves each kind of workload object, and reading them all: the collection paths of the
 * carrier kinds (src/workload/extract.ts), namespaced or cluster-wide, listed page by page.
 *
 * A kind may be served at several versions over the cluster's life (CronJob: batch/v1 from 1.21,
 * batch/v1beta1 before and until 1.25). Versions are tried in order; a 404 for the collection means
 * "not served here", and the next is tried. A kind served at none is reported as not served, not as
 * an error: a cluster without it holds none.
 *
 * PodTemplate is left out: nothing runs its pods (controllers embed their own template), so nothing
 * pulls its images.
 *
 * RBAC needed (manifests/): list (and, for `serve`, watch) on each resource below.
 */
import { KubeApiError, LIST_PAGE_SIZE, type ListParams, type ListResult } from './client.js';

export interface WorkloadResource {
  readonly kind: string;
  readonly group: string;
  /** Versions to try, preferred first. */
  readonly versions: readonly string[];
  /** The resource (URL) name. */
  readonly plural: string;
}

/** The built-in workload kinds, owners before what they own (the order they are listed in). */
export const WORKLOAD_RESOURCES: readonly WorkloadResource[] = [
  { kind: 'CronJob', group: 'batch', versions: ['v1', 'v1beta1'], plural: 'cronjobs' },
  { kind: 'Deployment', group: 'apps', versions: ['v1'], plural: 'deployments' },
  { kind: 'StatefulSet', group: 'apps', versions: ['v1'], plural: 'statefulsets' },
  { kind: 'DaemonSet', group: 'apps', versions: ['v1'], plural: 'daemonsets' },
  { kind: 'ReplicationController', group: '', versions: ['v1'], plural: 'replicationcontrollers' },
  { kind: 'Job', group: 'batch', versions: ['v1'], plural: 'jobs' },
  { kind: 'ReplicaSet', group: 'apps', versions: ['v1'], plural: 'replicasets' },
  { kind: 'Pod', group: '', versions: ['v1'], plural: 'pods' },
];

/** The collection path of a resource at a version, in one namespace or all. */
export function collectionPath(resource: Pick<WorkloadResource, 'group' | 'plural'>, version: string, namespace?: string): string {
  const base = resource.group === '' ? `/api/${version}` : `/apis/${resource.group}/${version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}` : `${base}/${resource.plural}`;
}

/** The path of one object. */
export function objectPath(resource: Pick<WorkloadResource, 'group' | 'plural'>, version: string, namespace: string, name: string): string {
  return `${collectionPath(resource, version, namespace)}/${encodeURIComponent(name)}`;
}

export interface ListClient {
  list(path: string, params: ListParams, signal?: AbortSignal): Promise<ListResult>;
}

export interface ListedResource {
  readonly resource: WorkloadResource;
  /** The version that answered, or null when none is served. */
  readonly version: string | null;
  readonly count: number;
  readonly resourceVersion: string | undefined;
}

/**
 * Every object of `resource` (in `namespace`, or all), handed to `onItem` page by page: nothing is
 * kept here, so the caller decides what of each object stays in memory.
 */
export async function listEach(
  client: ListClient,
  resource: WorkloadResource,
  onItem: (item: unknown, version: string) => void,
  opts: { readonly namespace?: string | undefined; readonly signal?: AbortSignal } = {},
): Promise<ListedResource> {
  for (const version of resource.versions) {
    const path = collectionPath(resource, version, opts.namespace);
    let cont: string | undefined;
    let count = 0;
    let resourceVersion: string | undefined;
    try {
      do {
        const page = await client.list(path, { limit: LIST_PAGE_SIZE, ...(cont ? { continue: cont } : {}) }, opts.signal);
        for (const item of page.items) {
          count++;
          onItem(item, version);
        }
        resourceVersion = page.metadata.resourceVersion;
        cont = page.metadata.continue;
      } while (cont);
    } catch (err) {
      // 404 on the first page: this version is not served; try the next.
      if (err instanceof KubeApiError && err.statusCode === 404 && count === 0) continue;
      throw err;
    }
    return { resource, version, count, resourceVersion };
  }
  return { resource, version: null, count: 0, resourceVersion: undefined };
}
