/**
 * Reading pods the way kubectl finds them: by name, through a workload's selector (`deploy/web`), or by
 * a label selector; and what is recorded about a pod: its events (core/v1 and events.k8s.io/v1) and
 * its node. General helpers over KubeClient for any command that reads live pods (explain, audit).
 */
import { KubeApiError, listAll, type KubeClient } from './client.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A workload kind a user may name, with kubectl's short names and where its objects live. */
export interface WorkloadResource {
  readonly kind: string;
  /** `/apis/apps/v1` or `/api/v1` */
  readonly prefix: string;
  readonly plural: string;
  readonly names: readonly string[];
}

/** kubectl's names for the kinds that own pods (kubectl api-resources: NAME, SHORTNAMES, singular, Kind.group). */
export const WORKLOAD_RESOURCES: readonly WorkloadResource[] = [
  { kind: 'Pod', prefix: '/api/v1', plural: 'pods', names: ['pod', 'pods', 'po', 'pod.v1', ''] },
  { kind: 'Deployment', prefix: '/apis/apps/v1', plural: 'deployments', names: ['deployment', 'deployments', 'deploy', 'deployment.apps', 'deployments.apps'] },
  { kind: 'ReplicaSet', prefix: '/apis/apps/v1', plural: 'replicasets', names: ['replicaset', 'replicasets', 'rs', 'replicaset.apps', 'replicasets.apps'] },
  { kind: 'StatefulSet', prefix: '/apis/apps/v1', plural: 'statefulsets', names: ['statefulset', 'statefulsets', 'sts', 'statefulset.apps', 'statefulsets.apps'] },
  { kind: 'DaemonSet', prefix: '/apis/apps/v1', plural: 'daemonsets', names: ['daemonset', 'daemonsets', 'ds', 'daemonset.apps', 'daemonsets.apps'] },
  { kind: 'Job', prefix: '/apis/batch/v1', plural: 'jobs', names: ['job', 'jobs', 'job.batch', 'jobs.batch'] },
  { kind: 'CronJob', prefix: '/apis/batch/v1', plural: 'cronjobs', names: ['cronjob', 'cronjobs', 'cj', 'cronjob.batch', 'cronjobs.batch'] },
  { kind: 'ReplicationController', prefix: '/api/v1', plural: 'replicationcontrollers', names: ['replicationcontroller', 'replicationcontrollers', 'rc'] },
];

export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

export interface Target {
  readonly resource: WorkloadResource;
  readonly name: string;
}

/** `pod/web-1`, `deploy/web`, `deployment.apps/web`, or a bare pod name (as `kubectl logs NAME`). */
export function parseTarget(arg: string): Target {
  const slash = arg.indexOf('/');
  const type = slash < 0 ? '' : arg.slice(0, slash).toLowerCase();
  const name = slash < 0 ? arg : arg.slice(slash + 1);
  if (name === '' || name.includes('/')) throw new TargetError(`"${arg}" is not TYPE/NAME or a pod name`);
  const resource = WORKLOAD_RESOURCES.find((r) => r.names.includes(type));
  if (!resource) {
    const known = WORKLOAD_RESOURCES.map((r) => r.names[2] ?? r.names[0]).join(', ');
    throw new TargetError(`"${type}" is not a kind pullguard explains (use one of: ${known})`);
  }
  return { resource, name };
}

/** A LabelSelector object (matchLabels + matchExpressions) as a selector string (apimachinery labels.Selector String). */
export function selectorString(selector: unknown): string {
  if (!isObj(selector)) return '';
  const parts: string[] = [];
  const labels = isObj(selector['matchLabels']) ? selector['matchLabels'] : {};
  for (const [k, v] of Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))) parts.push(`${k}=${String(v)}`);
  const exprs = Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'] : [];
  for (const e of exprs) {
    if (!isObj(e) || typeof e['key'] !== 'string') continue;
    const key = e['key'];
    const values = Array.isArray(e['values']) ? (e['values'] as unknown[]).map(String).sort() : [];
    switch (e['operator']) {
      case 'In':
        parts.push(`${key} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${key} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(key);
        break;
      case 'DoesNotExist':
        parts.push(`!${key}`);
        break;
    }
  }
  return parts.join(',');
}

function meta(o: unknown): Obj {
  return isObj(o) && isObj(o['metadata']) ? o['metadata'] : {};
}

function ownedBy(o: unknown, uid: string): boolean {
  const refs = meta(o)['ownerReferences'];
  return Array.isArray(refs) && refs.some((r) => isObj(r) && r['uid'] === uid);
}

/** Pods in `namespace` (all namespaces when null), optionally only those matching `labelSelector`. */
export async function listPods(client: KubeClient, namespace: string | null, labelSelector?: string): Promise<Obj[]> {
  const path = namespace === null ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  const { items } = await listAll(client, path, labelSelector ? { labelSelector } : {});
  return items.filter(isObj).map((p) => ({ ...p, kind: 'Pod', apiVersion: 'v1' }));
}

/**
 * The pods of a target: the pod itself, or the pods a workload selects (as `kubectl describe` finds
 * them) that it owns — directly, or through a ReplicaSet (Deployment) or a Job (CronJob).
 */
export async function podsOfTarget(client: KubeClient, namespace: string, target: Target): Promise<Obj[]> {
  const ns = encodeURIComponent(namespace);
  const path = `${target.resource.prefix}/namespaces/${ns}/${target.resource.plural}/${encodeURIComponent(target.name)}`;
  let obj: Obj;
  try {
    obj = await client.get(path);
  } catch (err) {
    if (err instanceof KubeApiError && err.statusCode === 404) {
      throw new TargetError(`${target.resource.plural} "${target.name}" not found in namespace ${namespace}`);
    }
    throw err;
  }
  if (target.resource.kind === 'Pod') return [{ ...obj, kind: 'Pod', apiVersion: 'v1' }];
  const uid = String(meta(obj)['uid'] ?? '');
  if (target.resource.kind === 'CronJob') {
    const jobs = (await listAll(client, `/apis/batch/v1/namespaces/${ns}/jobs`)).items.filter((j) => ownedBy(j, uid));
    const uids = new Set(jobs.map((j) => String(meta(j)['uid'] ?? '')));
    return (await listPods(client, namespace)).filter((p) => [...uids].some((u) => ownedBy(p, u)));
  }
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  // ReplicationController's selector is a plain map.
  const selector = target.resource.kind === 'ReplicationController' ? { matchLabels: spec['selector'] } : spec['selector'];
  const sel = selectorString(selector);
  if (sel === '') throw new TargetError(`${target.resource.plural} "${target.name}" has no selector`);
  const pods = await listPods(client, namespace, sel);
  if (target.resource.kind !== 'Deployment') return pods.filter((p) => ownedBy(p, uid));
  const replicaSets = (await listAll(client, `/apis/apps/v1/namespaces/${ns}/replicasets`, { labelSelector: sel })).items.filter((r) => ownedBy(r, uid));
  const rsUids = replicaSets.map((r) => String(meta(r)['uid'] ?? ''));
  return pods.filter((p) => rsUids.some((u) => ownedBy(p, u)));
}

/** One event about a pod, from either events API, reduced to what explains a pull. */
export interface PodEvent {
  readonly uid: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  /** `spec.containers{name}` … or '' for the pod itself. */
  readonly fieldPath: string;
  /** `kubelet` (core/v1 source.component or events.k8s.io reportingController). */
  readonly component: string;
  readonly count: number;
  /** Last time seen, ISO 8601, or '' when unknown. */
  readonly lastSeen: string;
  readonly api: 'core/v1' | 'events.k8s.io/v1';
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function fromCore(e: Obj): PodEvent {
  const involved = isObj(e['involvedObject']) ? e['involvedObject'] : {};
  const source = isObj(e['source']) ? e['source'] : {};
  const series = isObj(e['series']) ? e['series'] : {};
  return {
    uid: str(meta(e)['uid']),
    type: str(e['type']),
    reason: str(e['reason']),
    message: str(e['message']),
    fieldPath: str(involved['fieldPath']),
    component: str(source['component']) || str(e['reportingComponent']),
    count: typeof series['count'] === 'number' ? series['count'] : typeof e['count'] === 'number' ? e['count'] : 1,
    lastSeen: str(series['lastObservedTime']) || str(e['lastTimestamp']) || str(e['eventTime']) || str(e['firstTimestamp']),
    api: 'core/v1',
  };
}

function fromEventsV1(e: Obj): PodEvent {
  const regarding = isObj(e['regarding']) ? e['regarding'] : {};
  const series = isObj(e['series']) ? e['series'] : {};
  return {
    uid: str(meta(e)['uid']),
    type: str(e['type']),
    reason: str(e['reason']),
    message: str(e['note']),
    fieldPath: str(regarding['fieldPath']),
    component: str(e['reportingController']) || (isObj(e['deprecatedSource']) ? str(e['deprecatedSource']['component']) : ''),
    count: typeof series['count'] === 'number' ? series['count'] : typeof e['deprecatedCount'] === 'number' && e['deprecatedCount'] > 0 ? e['deprecatedCount'] : 1,
    lastSeen: str(series['lastObservedTime']) || str(e['deprecatedLastTimestamp']) || str(e['eventTime']),
    api: 'events.k8s.io/v1',
  };
}

/**
 * Every event about the pod, newest first, from core/v1 and events.k8s.io/v1 (the same objects seen
 * through two APIs: deduplicated by uid). An events.k8s.io API the server lacks is skipped.
 */
export async function podEvents(client: KubeClient, pod: unknown): Promise<PodEvent[]> {
  const m = meta(pod);
  const ns = encodeURIComponent(str(m['namespace']));
  const uid = str(m['uid']);
  const byUid = new Map<string, PodEvent>();
  const core = await listAll(client, `/api/v1/namespaces/${ns}/events`, { fieldSelector: `involvedObject.uid=${uid}` });
  for (const e of core.items) if (isObj(e)) byUid.set(str(meta(e)['uid']) || `core-${byUid.size}`, fromCore(e));
  try {
    const v1 = await listAll(client, `/apis/events.k8s.io/v1/namespaces/${ns}/events`, { fieldSelector: `regarding.uid=${uid}` });
    for (const e of v1.items) {
      if (!isObj(e)) continue;
      const ev = fromEventsV1(e);
      if (!byUid.has(ev.uid)) byUid.set(ev.uid || `v1-${byUid.size}`, ev);
    }
  } catch (err) {
    if (!(err instanceof KubeApiError && (err.statusCode === 404 || err.statusCode === 400))) throw err;
  }
  return [...byUid.values()].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
}

/** The node, or null when it cannot be read (gone, or the caller may not get nodes). */
export async function getNode(client: KubeClient, name: string): Promise<{ node: Obj | null; problem: string | null }> {
  if (name === '') return { node: null, problem: 'the pod is not scheduled to a node' };
  try {
    return { node: await client.get(`/api/v1/nodes/${encodeURIComponent(name)}`), problem: null };
  } catch (err) {
    if (err instanceof KubeApiError) return { node: null, problem: `node ${name} could not be read (${err.message.split('\n')[0]})` };
    throw err;
  }
}
