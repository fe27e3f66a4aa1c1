/**
 * The audit's inventory: every workload object of the cluster, reduced to what the checks read, and
 * which of them stand for the rest. Pure: objects in, records and representatives out.
 *
 * Reduction. A workload object of any carrier kind (src/workload/carriers.ts: Kubernetes' kinds, the
 * well-known custom resources, the configuration's `carriers:`) is kept as a skeleton of itself: its
 * metadata (namespace, name, uid, the controller ownerReference) and what the carrier's row says the
 * checks read — at each pod spec path a pod spec holding only every image field (containers, init and
 * ephemeral containers: name and image; image volumes: name and reference), imagePullSecrets,
 * serviceAccountName / serviceAccount and the platform pins (nodeSelector, required node affinity, os);
 * at each pod-like object (an Argo template, a Tekton TaskSpec) its container entries without what the
 * program runs (command, script, env, probes, resources …); bare image fields as they are. Where a project decides a pod's ServiceAccount or pull
 * secrets from elsewhere in the object (a row with a pod `context`), the rest of the object is kept
 * too, minus status. Environment, probes, resources, annotations and the rest are dropped, so 10,000
 * Pods cost a few MiB, not the hundreds a full object cache would. The engine (src/checks/engine.ts)
 * evaluates the skeleton exactly as it would the full object: a pod spec that cannot be read is kept
 * broken in the same way, so WORKLOAD_UNREADABLE says the same thing.
 *
 * Owner collapsing. The kubelet pulls for Pods, but a Pod made by a ReplicaSet made by a Deployment is
 * the Deployment's problem and must be reported once, under the name the user applied. A record with
 * a controller ownerReference (metadata.ownerReferences[].controller: true, the one reference
 * kube-controller-manager's ControllerRef machinery sets) whose owner is itself in the inventory is
 * represented by that owner, recursively (Pod → ReplicaSet → Deployment; Pod → Job → CronJob; Pod →
 * ReplicaSet → Rollout; Pod → TaskRun → PipelineRun; Pod → Job → JobSet): any kind the audit lists —
 * every carrier kind, src/cluster/resources.ts — can stand for what it owns, no kind is special. A
 * record whose controller is not in the inventory (a kind pullguard does not read, or an owner already
 * deleted) stands for itself.
 */
import { carrierFor, type Carrier, type CarrierConfig } from '../workload/carriers.js';
import { extractCarrier } from '../workload/extract.js';
import type { PathStep } from '../workload/paths.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The controller of an object (metadata.ownerReferences[] with controller: true). */
export interface OwnerRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/** One workload object as the audit keeps it. */
export interface WorkloadRecord {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** metadata.uid; `namespace/kind/name` when the object has none (manifests in tests). */
  readonly uid: string;
  readonly owner: OwnerRef | null;
  /** The reduced object the engine evaluates (see the file header). */
  readonly object: Json;
  /** The (first) pod spec inside `object` (for pod-like objects: the pod fields the project sets), or null when none can be read. */
  readonly podSpec: Json | null;
  /** Distinct images named (for indexing); sorted. */
  readonly images: readonly string[];
  /** imagePullSecrets names as written. */
  readonly pullSecrets: readonly string[];
  /** The ServiceAccount the pods run as (`default` when none is named); the first named one when pods differ. */
  readonly serviceAccount: string;
  /** Every ServiceAccount the object's pods run as (a PipelineRun's tasks may each have their own). */
  readonly serviceAccounts: readonly string[];
  /**
   * A fingerprint of everything the checks read: two records with the same fingerprint get the same
   * answer, so a change that does not alter it (a scale, a label, a status update) needs no re-audit.
   */
  readonly fingerprint: string;
}

/** Per-container fields kept (the image use's name and image; see src/workload/extract.ts). */
function reduceContainer(c: unknown): unknown {
  if (!isObject(c)) return keepShape(c);
  const out: Json = {};
  if (c['name'] !== undefined) out['name'] = keepShape(c['name']);
  if (c['image'] !== undefined) out['image'] = keepShape(c['image']);
  return out;
}

/**
 * A value whose only use is to be described when it has the wrong type ("a list", "an object", "a
 * number"): strings, numbers, booleans and null are kept as they are, lists and objects emptied.
 */
function keepShape(v: unknown): unknown {
  if (Array.isArray(v)) return [];
  if (isObject(v)) return {};
  return v;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
/** Pod spec fields kept whole: pull credentials and platform pins (src/credentials/resolve.ts, src/checks/platforms.ts). */
const KEPT_FIELDS = ['imagePullSecrets', 'serviceAccountName', 'serviceAccount', 'nodeSelector', 'os'] as const;

/** The pod spec with only what the checks read. */
export function reducePodSpec(spec: Json): Json {
  const out: Json = {};
  for (const slot of CONTAINER_LISTS) {
    const list = spec[slot];
    if (list === undefined) continue;
    out[slot] = Array.isArray(list) ? list.map(reduceContainer) : keepShape(list);
  }
  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) {
    const imageVolumes: unknown[] = [];
    volumes.forEach((v) => {
      // Only image volumes matter; their index is part of the field path, so the others stay as holes.
      if (isObject(v) && isObject(v['image'])) {
        imageVolumes.push({ name: keepShape(v['name']), image: { reference: keepShape(v['image']['reference']) } });
      } else imageVolumes.push(null);
    });
    if (imageVolumes.some((v) => v !== null)) out['volumes'] = imageVolumes;
  }
  for (const f of KEPT_FIELDS) if (spec[f] !== undefined) out[f] = spec[f];
  const required = (spec['affinity'] as Json | undefined)?.['nodeAffinity'] as Json | undefined;
  if (isObject(required) && required['requiredDuringSchedulingIgnoredDuringExecution'] !== undefined) {
    out['affinity'] = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required['requiredDuringSchedulingIgnoredDuringExecution'] } };
  }
  return out;
}

/** The controller ownerReference of an object's metadata, or null. */
export function controllerOf(meta: Json): OwnerRef | null {
  const refs = meta['ownerReferences'];
  if (!Array.isArray(refs)) return null;
  for (const r of refs) {
    if (isObject(r) && r['controller'] === true && str(r['kind']) && str(r['name'])) {
      return { apiVersion: str(r['apiVersion']), kind: str(r['kind']), name: str(r['name']), uid: str(r['uid']) };
    }
  }
  return null;
}

/**
 * Where the carrier table says the checks read, as a tree of field names: pod specs (reduced with
 * reducePodSpec), container entries of pod-like objects (name and image only) and bare image fields.
 */
interface ReadTree {
  leaf?: 'podSpec' | 'container' | 'image';
  readonly fields: Map<string, { readonly each: number; readonly next: ReadTree }>;
}

function treeAdd(tree: ReadTree, steps: readonly PathStep[], leaf: NonNullable<ReadTree['leaf']> | null): ReadTree {
  let node = tree;
  for (const step of steps) {
    let child = node.fields.get(step.name);
    // Two paths through one field with different [*] counts: the field is kept whole (fields: none, leaf: none is "keep").
    if (child && child.each !== step.each) return child.next;
    if (!child) node.fields.set(step.name, (child = { each: step.each, next: { fields: new Map() } }));
    node = child.next;
  }
  if (leaf) node.leaf = leaf;
  return node;
}

/**
 * How a carrier's objects are reduced (memoized per carrier row). `whole`: a pod-like object's pod
 * fields are decided by the project's rules from anywhere in the object (Argo's workflow-level
 * serviceAccountName, templateDefaults and podSpecPatch; Tekton's podTemplate and taskRunSpecs): the
 * object is kept but for metadata,
 * status and the container entries, which are cut to name and image. Otherwise only the paths the
 * table names are kept (a Deployment keeps spec.template.spec and nothing around it).
 */
const plans = new WeakMap<Carrier, { readonly tree: ReadTree; readonly whole: boolean }>();

function planOf(carrier: Carrier): { readonly tree: ReadTree; readonly whole: boolean } {
  let plan = plans.get(carrier);
  if (!plan) {
    const tree: ReadTree = { fields: new Map() };
    for (const site of carrier.podSpecs) treeAdd(tree, site.path, 'podSpec');
    for (const site of carrier.images) treeAdd(tree, site.path, 'image');
    for (const site of carrier.pods) {
      const at = treeAdd(tree, site.path, null);
      for (const c of site.containers) treeAdd(at, c.path, 'container');
    }
    // A pod context or reader (Argo's templateDefaults, podSpecPatch, boundary templates) may read anywhere.
    plan = { tree, whole: carrier.elsewhere !== undefined || carrier.pods.some((p) => p.context !== undefined || p.read !== undefined) };
    plans.set(carrier, plan);
  }
  return plan;
}

/**
 * What a container-like entry of a pod-like object (an Argo template's container, a Tekton step) loses
 * in the reduction: what the program runs and how, never which image or how it is chosen. Everything
 * else is kept (a Tekton step's `ref` to a StepAction, names), so a project reader sees the same.
 */
const CONTAINER_DETAILS: ReadonlySet<string> = new Set([
  'args', 'command', 'env', 'envFrom', 'lifecycle', 'livenessProbe', 'ports', 'readinessProbe', 'resizePolicy', 'resources',
  'script', 'securityContext', 'source', 'startupProbe', 'stdin', 'stdinOnce', 'terminationMessagePath', 'terminationMessagePolicy',
  'tty', 'volumeDevices', 'volumeMounts', 'workingDir', 'computeResources',
]);

function reduceEntry(c: unknown): unknown {
  if (!isObject(c)) return keepShape(c);
  const out: Json = {};
  for (const [k, v] of Object.entries(c)) if (!CONTAINER_DETAILS.has(k)) out[k] = v;
  return out;
}

/** `value` cut down to what `tree` reads; where the shape breaks, the breaking value keeps its shape. */
function prune(value: unknown, tree: ReadTree, whole: boolean): unknown {
  if (tree.leaf === 'podSpec' && tree.fields.size === 0) return isObject(value) ? reducePodSpec(value) : keepShape(value);
  if (tree.leaf === 'container' && tree.fields.size === 0) return reduceEntry(value);
  if (tree.leaf === 'image' && tree.fields.size === 0) return keepShape(value);
  if (!isObject(value)) return keepShape(value);
  const out: Json = tree.leaf === 'podSpec' ? reducePodSpec(value) : whole ? { ...value } : {};
  for (const [name, { each, next }] of tree.fields) {
    if (!Object.hasOwn(value, name) || value[name] === undefined) continue;
    out[name] = expand(value[name], each, next, whole);
  }
  return out;
}

function expand(value: unknown, each: number, next: ReadTree, whole: boolean): unknown {
  if (value === null) return null;
  if (each === 0) return prune(value, next, whole);
  if (Array.isArray(value)) return value.map((v) => (v === null || v === undefined ? v : expand(v, each - 1, next, whole)));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null ? v : expand(v, each - 1, next, whole)]));
  return keepShape(value);
}

/** The object without metadata, status, apiVersion and kind, reduced by the carrier's plan. */
function reduceBody(object: Json, carrier: Carrier): Json {
  const { tree, whole } = planOf(carrier);
  const body: Json = {};
  for (const [k, v] of Object.entries(object)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') body[k] = v;
  return prune(body, tree, whole) as Json;
}

export type ReduceResult = { readonly ok: true; readonly record: WorkloadRecord } | { readonly ok: false; readonly reason: string };

/**
 * Reduce one workload object of a carrier kind (`kind` in `group`/`version`; the configuration's own
 * `carriers:` included) to a record. Objects without a name are refused (the API never returns one;
 * a tombstone might), and so are kinds the carrier table does not know.
 */
export function reduceWorkload(
  object: unknown,
  type: { readonly group: string; readonly version: string; readonly kind: string },
  carriers?: readonly CarrierConfig[],
): ReduceResult {
  if (!isObject(object)) return { ok: false, reason: `a ${type.kind} that is not an object` };
  const meta = isObject(object['metadata']) ? object['metadata'] : {};
  const name = str(meta['name']);
  if (name === '') return { ok: false, reason: `a ${type.kind} without metadata.name` };
  const carrier = carrierFor(type.group, type.kind, carriers);
  if (!carrier) return { ok: false, reason: `${type.kind} (${type.group || 'core'}) is not a carrier kind` };
  const namespace = str(meta['namespace']);
  const uid = str(meta['uid']) || `${namespace}/${type.kind}/${name}`;
  const reduced = reduceBody(object, carrier);
  const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
  const owner = controllerOf(meta);
  const reducedObject: Json = {
    apiVersion,
    kind: type.kind,
    metadata: { name, namespace, uid, ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}) },
    ...reduced,
  };
  const workload = extractCarrier(reducedObject, carrier);
  const pullSecrets = new Set<string>();
  const serviceAccounts = new Set<string>();
  for (const pod of workload.pods) {
    if (Array.isArray(pod.podSpec['imagePullSecrets'])) {
      for (const s of pod.podSpec['imagePullSecrets']) pullSecrets.add(isObject(s) ? str(s['name']) : '');
    }
    serviceAccounts.add(str(pod.podSpec['serviceAccountName']) || str(pod.podSpec['serviceAccount']) || 'default');
  }
  if (serviceAccounts.size === 0) serviceAccounts.add('default');
  const images = new Set<string>();
  for (const pod of workload.pods) for (const u of pod.uses) if (u.image !== null) images.add(u.image);
  const accounts = [...serviceAccounts].sort();
  const firstAccount = serviceAccounts.values().next().value as string;
  return {
    ok: true,
    record: {
      group: type.group,
      version: type.version,
      kind: type.kind,
      namespace,
      name,
      uid,
      owner,
      object: reducedObject,
      podSpec: workload.pods[0]?.podSpec ?? null,
      images: [...images].sort(),
      pullSecrets: [...pullSecrets],
      serviceAccount: firstAccount,
      serviceAccounts: accounts,
      fingerprint: JSON.stringify(reduced),
    },
  };
}

/** `namespace/kind/name`: how a record is named in logs, metrics and results. */
export function recordKey(r: Pick<WorkloadRecord, 'namespace' | 'kind' | 'name'>): string {
  return `${r.namespace}/${r.kind}/${r.name}`;
}

/** How deep an ownership chain is followed (Pod → Job → CronJob is 2; a cycle must not loop). */
export const MAX_OWNER_DEPTH = 8;

/**
 * The workload objects of a cluster, by uid, and which stand for the others. Upserts and removals
 * come from a one-shot list or from watches; `representatives()` answers at any time.
 */
export class Inventory {
  readonly #byUid = new Map<string, WorkloadRecord>();
  /** namespace → uids of its records (Secret and ServiceAccount changes touch one namespace). */
  readonly #byNamespace = new Map<string, Set<string>>();

  get size(): number {
    return this.#byUid.size;
  }

  get(uid: string): WorkloadRecord | undefined {
    return this.#byUid.get(uid);
  }

  /** Store a record; returns the one it replaced. */
  upsert(record: WorkloadRecord): WorkloadRecord | undefined {
    const old = this.#byUid.get(record.uid);
    this.#byUid.set(record.uid, record);
    let set = this.#byNamespace.get(record.namespace);
    if (!set) this.#byNamespace.set(record.namespace, (set = new Set()));
    set.add(record.uid);
    return old;
  }

  remove(uid: string): WorkloadRecord | undefined {
    const old = this.#byUid.get(uid);
    if (!old) return undefined;
    this.#byUid.delete(uid);
    const set = this.#byNamespace.get(old.namespace);
    if (set) {
      set.delete(uid);
      if (set.size === 0) this.#byNamespace.delete(old.namespace);
    }
    return old;
  }

  /** The record that stands for `record`: its top-most controller present here, or itself. */
  representativeOf(record: WorkloadRecord): WorkloadRecord {
    let current = record;
    for (let depth = 0; depth < MAX_OWNER_DEPTH && current.owner; depth++) {
      const owner = this.#byUid.get(current.owner.uid);
      // The uid must match the reference's kind and name too: a uid reused across kinds is a different object.
      if (!owner || owner.kind !== current.owner.kind || owner.name !== current.owner.name || owner.namespace !== current.namespace) break;
      current = owner;
    }
    return current;
  }

  /** True when `record` stands for itself. */
  isRepresentative(record: WorkloadRecord): boolean {
    return this.representativeOf(record) === record;
  }

  /** Every record that stands for itself, sorted by namespace, kind, name. */
  representatives(namespace?: string): WorkloadRecord[] {
    const out: WorkloadRecord[] = [];
    const uids = namespace === undefined ? this.#byUid.keys() : (this.#byNamespace.get(namespace) ?? new Set<string>()).values();
    for (const uid of uids) {
      const r = this.#byUid.get(uid)!;
      if (this.isRepresentative(r)) out.push(r);
    }
    return out.sort(compareRecords);
  }

  /** How many records are represented by another one (collapsed into their owner). */
  collapsedCount(): number {
    let n = 0;
    for (const r of this.#byUid.values()) if (!this.isRepresentative(r)) n++;
    return n;
  }

  /** Representatives of `namespace` whose pods would use pull Secret `secret` (directly or through their ServiceAccount's list). */
  usingSecret(namespace: string, secret: string, serviceAccountSecrets: (sa: string) => readonly string[]): WorkloadRecord[] {
    return this.representatives(namespace).filter((r) => r.pullSecrets.includes(secret) || r.serviceAccounts.some((sa) => serviceAccountSecrets(sa).includes(secret)));
  }

  /** Representatives of `namespace` running as ServiceAccount `name`. */
  usingServiceAccount(namespace: string, name: string): WorkloadRecord[] {
    return this.representatives(namespace).filter((r) => r.serviceAccounts.includes(name));
  }
}

export function compareRecords(a: WorkloadRecord, b: WorkloadRecord): number {
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
