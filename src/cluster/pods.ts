/**
 * Reading pods the way kubectl finds them: by name, through a workload's selector (`deploy/web`), or by
 * a label selector, or through the ownerReferences of any carrier kind (src/workload/carriers.ts); and what is recorded about a pod: its events (core/v1 and events.k8s.io/v1) and
 * its node. General helpers over KubeClient for any command that reads live pods (explain, audit).
 */
import { carrierResources, type CarrierConfig } from '../workload/carriers.js';
import { KubeApiError, listAll, type KubeClient } from './client.js';
import { discoverServed, objectPath } from './resources.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A workload kind a user may name, with kubectl's names for it and where its objects live. */
export interface WorkloadResource {
  readonly kind: string;
  readonly group: string;
  /** Versions pullguard reads, preferred first (the served one is found by discovery). */
  readonly versions: readonly string[];
  readonly plural: string;
  /** Kubernetes' own kinds are found through their selector; the others through ownerReferences. */
  readonly builtin: boolean;
  readonly names: readonly string[];
}

/**
 * kubectl's short names (`kubectl api-resources`, SHORTNAMES; for custom resources the CRDs'
 * spec.names.shortNames), by `resource.group`.
 */
const SHORT_NAMES: Readonly<Record<string, readonly string[]>> = {
  'pods.': ['po'],
  'deployments.apps': ['deploy'],
  'replicasets.apps': ['rs'],
  'statefulsets.apps': ['sts'],
  'daemonsets.apps': ['ds'],
  'cronjobs.batch': ['cj'],
  'replicationcontrollers.': ['rc'],
  // argo-rollouts manifests/crds/rollout-crd.yaml; argo-workflows manifests/base/crds/minimal.
  'rollouts.argoproj.io': ['ro'],
  'workflows.argoproj.io': ['wf'],
  'cronworkflows.argoproj.io': ['cwf', 'cronwf'],
  // knative serving config/core/300-resources/service.yaml.
  'services.serving.knative.dev': ['kservice', 'ksvc'],
};

/** Bare names kubectl gives to a core kind that is no carrier: a Knative Service is named with its group or `ksvc`. */
const CORE_NAMES: ReadonlySet<string> = new Set(['service', 'services', 'svc']);

/**
 * The kinds explain accepts: every carrier kind of the table (src/workload/carriers.ts) that runs pods,
 * named as kubectl names them (singular, plural, short names, `kind.group`, `plural.group`). The
 * configuration's own carriers are added by targetResources(config.carriers).
 */
export function targetResources(configured?: readonly CarrierConfig[]): WorkloadResource[] {
  const out: WorkloadResource[] = [];
  const taken = new Set<string>();
  for (const r of carrierResources(configured)) {
    if (r.kind === 'PodTemplate' || r.resource === '' || r.group === 'extensions') continue;
    const singular = r.kind.toLowerCase();
    const qualified = r.group === '' ? [] : [`${singular}.${r.group}`, `${r.resource}.${r.group}`];
    const bare = [singular, r.resource, ...(SHORT_NAMES[`${r.resource}.${r.group}`] ?? [])].filter((n) => !taken.has(n) && (r.origin === 'kubernetes' || !CORE_NAMES.has(n)));
    for (const n of bare) taken.add(n);
    const names = [...bare, ...qualified];
    if (r.kind === 'Pod') names.push('pod.v1', '');
    out.push({ kind: r.kind, group: r.group, versions: r.versions, plural: r.resource, builtin: r.origin === 'kubernetes', names });
  }
  return out;
}

/** The built-in ones (the configuration's carriers: targetResources(config.carriers)). */
export const WORKLOAD_RESOURCES: readonly WorkloadResource[] = targetResources();

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

/** `pod/web-1`, `deploy/web`, `deployment.apps/web`, `rollout/web`, or a bare pod name (as `kubectl logs NAME`). */
export function parseTarget(arg: string, resources: readonly WorkloadResource[] = WORKLOAD_RESOURCES): Target {
  const slash = arg.indexOf('/');
  const type = slash < 0 ? '' : arg.slice(0, slash).toLowerCase();
  const name = slash < 0 ? arg : arg.slice(slash + 1);
  if (name === '' || name.includes('/')) throw new TargetError(`"${arg}" is not TYPE/NAME or a pod name`);
  const resource = resources.find((r) => r.names.includes(type));
  if (!resource) {
    const known = resources.filter((r) => r.builtin).map((r) => r.names.find((n) => n.length <= 3 && n !== '') ?? r.names[0]).join(', ');
    throw new TargetError(`"${type}" is not a kind pullguard explains (use one of: ${known}, or a custom resource that runs pods, e.g. rollout/NAME; docs/carriers.md lists them)`);
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

/** How deep a pod's chain of controllers is followed up to the target (Pod → ReplicaSet → Deployment is 2). */
export const MAX_OWNER_DEPTH = 8;

function controllerRef(o: unknown): Obj | null {
  const refs = meta(o)['ownerReferences'];
  if (!Array.isArray(refs)) return null;
  const c = refs.find((r) => isObj(r) && r['controller'] === true);
  return isObj(c) ? c : null;
}

/**
 * The pods of `namespace` whose chain of controllers (metadata.ownerReferences, controller: true)
 * reaches `uid`: a Rollout's pods through its ReplicaSets, a PipelineRun's through its TaskRuns, a
 * JobSet's through its Jobs. Each owner on the way is read once (GET by its apiVersion and kind;
 * its resource name from discovery).
 */
export async function podsOwnedBy(client: KubeClient, namespace: string, uid: string): Promise<Obj[]> {
  const pods = await listPods(client, namespace);
  /** owner uid → its own controller reference (null: none, or it cannot be read). */
  const parents = new Map<string, Obj | null>();
  const plurals = new Map<string, Promise<Map<string, string>>>();
  const pluralOf = async (apiVersion: string, kind: string): Promise<string | null> => {
    let p = plurals.get(apiVersion);
    if (!p) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      p = client.get(path).then(
        (list) => new Map((Array.isArray(list['resources']) ? list['resources'] : []).filter(isObj).filter((r) => !String(r['name']).includes('/')).map((r) => [str(r['kind']), str(r['name'])])),
        () => new Map<string, string>(),
      );
      plurals.set(apiVersion, p);
    }
    return (await p).get(kind) ?? null;
  };
  const parentOf = async (ref: Obj): Promise<Obj | null> => {
    const refUid = str(ref['uid']);
    if (parents.has(refUid)) return parents.get(refUid)!;
    let parent: Obj | null = null;
    const apiVersion = str(ref['apiVersion']);
    const plural = await pluralOf(apiVersion, str(ref['kind']));
    if (plural) {
      const slash = apiVersion.indexOf('/');
      const group = slash < 0 ? '' : apiVersion.slice(0, slash);
      const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
      try {
        const owner = await client.get(objectPath({ group, plural }, version, namespace, str(ref['name'])));
        if (str(meta(owner)['uid']) === refUid) parent = controllerRef(owner);
      } catch (err) {
        if (!(err instanceof KubeApiError)) throw err;
      }
    }
    parents.set(refUid, parent);
    return parent;
  };
  const out: Obj[] = [];
  for (const pod of pods) {
    let ref = controllerRef(pod);
    for (let depth = 0; ref && depth < MAX_OWNER_DEPTH; depth++) {
      if (str(ref['uid']) === uid) {
        out.push(pod);
        break;
      }
      ref = await parentOf(ref);
    }
  }
  return out;
}

/**
 * The pods of a target: the pod itself, or the pods a workload owns. Kubernetes' kinds are read as
 * `kubectl describe` finds them (through their selector, owned directly, or through a ReplicaSet
 * (Deployment) or a Job (CronJob)); any other carrier kind through ownerReferences (podsOwnedBy).
 * The version read is the first of the kind's versions the cluster serves (discovery).
 */
export async function podsOfTarget(client: KubeClient, namespace: string, target: Target): Promise<Obj[]> {
  const ns = encodeURIComponent(namespace);
  const r = target.resource;
  const found = await discoverServed(client, [{ group: r.group, versions: r.versions, resource: r.plural, kind: r.kind, namespaced: true, origin: r.builtin ? 'kubernetes' : 'well-known' }]);
  const served = found.served[0];
  if (!served) {
    const reason = found.skipped[0]?.reason ?? 'not served';
    throw new TargetError(`${r.plural}${r.group ? `.${r.group}` : ''}: ${reason === 'not served' ? 'this cluster does not serve this kind (is its CustomResourceDefinition installed?)' : reason}`);
  }
  const path = objectPath(served, served.version, namespace, target.name);
  let obj: Obj;
  try {
    obj = await client.get(path);
  } catch (err) {
    if (err instanceof KubeApiError && err.statusCode === 404) {
      throw new TargetError(`${r.plural} "${target.name}" not found in namespace ${namespace}`);
    }
    throw err;
  }
  if (r.kind === 'Pod') return [{ ...obj, kind: 'Pod', apiVersion: 'v1' }];
  const uid = String(meta(obj)['uid'] ?? '');
  if (!r.builtin) return podsOwnedBy(client, namespace, uid);
  if (r.kind === 'CronJob') {
    const jobs = (await listAll(client, `/apis/batch/v1/namespaces/${ns}/jobs`)).items.filter((j) => ownedBy(j, uid));
    const uids = new Set(jobs.map((j) => String(meta(j)['uid'] ?? '')));
    return (await listPods(client, namespace)).filter((p) => [...uids].some((u) => ownedBy(p, u)));
  }
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  // ReplicationController's selector is a plain map.
  const selector = r.kind === 'ReplicationController' ? { matchLabels: spec['selector'] } : spec['selector'];
  const sel = selectorString(selector);
  if (sel === '') throw new TargetError(`${r.plural} "${target.name}" has no selector`);
  const pods = await listPods(client, namespace, sel);
  if (r.kind !== 'Deployment') return pods.filter((p) => ownedBy(p, uid));
  const replicaSets = (await listAll(client, `/apis/apps/v1/namespaces/${ns}/replicasets`, { labelSelector: sel })).items.filter((x) => ownedBy(x, uid));
  const rsUids = replicaSets.map((x) => String(meta(x)['uid'] ?? ''));
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
