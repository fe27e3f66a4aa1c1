/**
 * Pod specs out of every object that carries one, and every image field out of a pod spec.
 *
 * Which kinds carry a pod template, and where (k8s.io/api core/v1, apps/v1, batch/v1):
 *
 *   Pod                                     spec
 *   PodTemplate                             template.spec
 *   ReplicationController, ReplicaSet,
 *   Deployment, StatefulSet, DaemonSet, Job spec.template.spec
 *   CronJob                                 spec.jobTemplate.spec.template.spec
 *
 * Kinds are recognised by API group as well as name, so a custom resource that happens to be called
 * "Deployment" is not mistaken for one. Old groups (extensions/v1beta1, apps/v1beta2, batch/v1beta1)
 * have the same shape.
 *
 * Image fields in a pod spec (core/v1 PodSpec): containers[].image, initContainers[].image (sidecars
 * included), ephemeralContainers[].image, volumes[].image.reference (image volumes, KEP-4639).
 *
 * Pure: no I/O. The shapes are not trusted: anything can arrive from a manifest file, so every step
 * checks its type and reports what it found instead of throwing.
 */
import type { ImageUse } from '../findings/types.js';
import { CARRIER_KINDS as KUBERNETES_KINDS, carrierFor, type Carrier, type CarrierEnvironment, type CredentialsElsewhere, type PodNote } from './carriers.js';
import { describe, isObject, resolve, type PathProblem, type PathStep } from './paths.js';

type Json = Record<string, unknown>;

/** Path from the object root to its pod spec, by carrier kind. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const CARRIER_KINDS: readonly string[] = KUBERNETES_KINDS;

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** The API group of an `apiVersion` string (`apps/v1` → `apps`, `v1` → ``). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** True when objects of this group and kind are built-in carriers (see carriers.ts; the configuration may add more). */
export function isCarrier(group: string, kind: string): boolean {
  return carrierFor(group, kind) !== undefined;
}

export interface PodSpecSite {
  /** Dotted path of the pod spec (`spec.template.spec`). */
  readonly path: string;
  /** The pod spec, or null when it is missing or not an object (see `problem`). */
  readonly spec: Json | null;
  /** Why the pod spec could not be read, when it could not. */
  readonly problem: string | null;
}

export interface Workload {
  readonly site: PodSpecSite;
  readonly uses: readonly ImageUse[];
}

/** Locate the pod spec of a carrier object. `kind` must be a carrier kind. */
export function podSpecOf(object: unknown, kind: string): PodSpecSite {
  const steps = Object.hasOwn(POD_SPEC_PATHS, kind) ? POD_SPEC_PATHS[kind] : undefined;
  if (!steps) throw new Error(`podSpecOf: ${kind} does not carry a pod spec`);
  const path = steps.join('.');
  let node: unknown = object;
  for (let i = 0; i < steps.length; i++) {
    if (!isObject(node)) {
      const at = i === 0 ? 'the object' : steps.slice(0, i).join('.');
      return { path, spec: null, problem: `${at} is ${describe(node)}, not an object` };
    }
    node = node[steps[i] as string];
    if (node === undefined) {
      return { path, spec: null, problem: `${steps.slice(0, i + 1).join('.')} is missing` };
    }
  }
  if (!isObject(node)) return { path, spec: null, problem: `${path} is ${describe(node)}, not an object` };
  return { path, spec: node, problem: null };
}

/**
 * Every image use in a pod spec, in kubelet start order (init containers, containers, ephemeral
 * containers, then image volumes). Entries whose image is missing or not a string are still returned,
 * with `image: null` and a `problem`, so the syntax check can explain them.
 */
export function imageUses(spec: Json, specPath: string): ImageUse[] {
  const uses: ImageUse[] = [];
  for (const slot of CONTAINER_LISTS) {
    const list = spec[slot];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      uses.push({
        container: '',
        slot,
        field: `${specPath}.${slot}`,
        image: null,
        problem: `${specPath}.${slot} is ${describe(list)}, not a list`,
      });
      continue;
    }
    list.forEach((c: unknown, i: number) => {
      const field = `${specPath}.${slot}[${i}].image`;
      if (!isObject(c)) {
        uses.push({ container: '', slot, field, image: null, problem: `${specPath}.${slot}[${i}] is ${describe(c)}, not a container` });
        return;
      }
      const container = typeof c['name'] === 'string' ? c['name'] : `#${i}`;
      const image = c['image'];
      if (typeof image === 'string') uses.push({ container, slot, field, image, problem: null });
      else if (image === undefined || image === null) uses.push({ container, slot, field, image: null, problem: 'the container has no image' });
      else uses.push({ container, slot, field, image: null, problem: `image is ${describe(image)}, not a string` });
    });
  }
  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) {
    volumes.forEach((v: unknown, i: number) => {
      if (!isObject(v) || !isObject(v['image'])) return;
      const field = `${specPath}.volumes[${i}].image.reference`;
      const container = typeof v['name'] === 'string' ? v['name'] : `#${i}`;
      const reference = v['image']['reference'];
      if (typeof reference === 'string') uses.push({ container, slot: 'volumes', field, image: reference, problem: null });
      else if (reference === undefined || reference === null) uses.push({ container, slot: 'volumes', field, image: null, problem: 'the image volume has no reference' });
      else uses.push({ container, slot: 'volumes', field, image: null, problem: `image.reference is ${describe(reference)}, not a string` });
    });
  }
  return uses;
}

/** Pod spec and image uses of a carrier object. */
export function extractWorkload(object: unknown, kind: string): Workload {
  const site = podSpecOf(object, kind);
  return { site, uses: site.spec ? imageUses(site.spec, site.path) : [] };
}

// --- any carrier (src/workload/carriers.ts) -------------------------------------------------------

/** Images one pod will pull, with the pod-level fields that decide how (pull secrets, nodes). */
export interface PodGroup {
  /** Where the pod is described: its pod spec (`spec.template.spec`) or pod-like object (`spec.templates[2]`). */
  readonly field: string;
  /**
   * The pod spec, or for pod-like objects the fields the project's controller puts on the pod it makes
   * (imagePullSecrets, serviceAccountName, nodeSelector, affinity): what the credential and platform
   * checks read.
   */
  readonly podSpec: Json;
  readonly uses: readonly ImageUse[];
  /** PodReading.credentialsElsewhere: credentials the controller may add from objects not read. */
  readonly credentialsElsewhere?: CredentialsElsewhere;
}

export interface CarrierWorkload {
  readonly pods: readonly PodGroup[];
  /** Places the table points at that hold something of the wrong type: nothing could be read there. */
  readonly problems: readonly { readonly field: string; readonly problem: string }[];
  /** A required pod spec is missing (built-in kinds): the object carries nothing to check. */
  readonly missing: string | null;
  /**
   * Images written with the controller's own parameter syntax (Argo `{{…}}`, Tekton `$(…)`): replaced
   * before any pod exists, so they are no references yet and are not checked.
   */
  readonly substituted: readonly ImageUse[];
  /** Every image field read (checked, substituted or replaced before the pod is made), by field path (computed on first use). */
  readonly read: ReadonlySet<string>;
  /**
   * What could not be read and why, where it is not a finding: a podSpecPatch Argo substitutes at run
   * time, a template of another object (`templateRef`). Reports show them as notes.
   */
  readonly notes: readonly PodNote[];
}

/** Argo: `{{inputs.parameters.image}}`; Tekton: `$(params.image)` (their variable-substitution docs). */
const SUBSTITUTION: Readonly<Record<'argo' | 'tekton', RegExp>> = {
  argo: /\{\{.*\}\}/s,
  tekton: /\$\(.*\)/s,
};

function containerUse(c: unknown, field: string, slot: ImageUse['slot'], name: string, optional: boolean): ImageUse | null {
  if (!isObject(c)) return { container: '', slot, field: `${field}.image`, image: null, problem: `${field} is ${describe(c)}, not a container` };
  const container = typeof c['name'] === 'string' && c['name'] !== '' ? c['name'] : name;
  const image = c['image'];
  const at = `${field}.image`;
  if (typeof image === 'string') return { container, slot, field: at, image, problem: null };
  if (image === undefined || image === null) return optional ? null : { container, slot, field: at, image: null, problem: 'the container has no image' };
  return { container, slot, field: at, image: null, problem: `image is ${describe(image)}, not a string` };
}

/**
 * Pod specs, pod-like objects and image fields of any carrier object; `env` is what its controller
 * would take from elsewhere, when known (Tekton's config-defaults, the WorkflowTemplates a templateRef names).
 */
export function extractCarrier(object: unknown, carrier: Carrier, env: CarrierEnvironment = {}): CarrierWorkload {
  const root = isObject(object) ? object : {};
  const pods: PodGroup[] = [];
  const problems: { field: string; problem: string }[] = [];
  const substituted: ImageUse[] = [];
  const notes: PodNote[] = [];
  const replaced: string[] = [];
  const pattern = carrier.substitution ? SUBSTITUTION[carrier.substitution] : null;
  const keep = (uses: ImageUse[]): ImageUse[] => {
    if (!pattern) return uses;
    const kept: ImageUse[] = [];
    for (const u of uses) {
      if (u.image !== null && pattern.test(u.image)) substituted.push(u);
      else kept.push(u);
    }
    return kept;
  };
  const note = (ps: readonly PathProblem[]) => {
    for (const p of ps) problems.push({ field: p.field, problem: `${p.field} ${p.problem}` });
  };

  let foundSpec = false;
  for (const site of carrier.podSpecs) {
    const { matches, problems: ps } = resolve(object, site.path);
    note(ps);
    for (const m of matches) {
      if (!isObject(m.value)) {
        problems.push({ field: m.field, problem: `${m.field} is ${describe(m.value)}, not an object` });
        continue;
      }
      foundSpec = true;
      pods.push({ field: m.field, podSpec: m.value, uses: keep(imageUses(m.value, m.field)) });
    }
  }
  for (const site of carrier.pods) {
    const { matches, problems: ps } = resolve(object, site.path);
    note(ps);
    for (const m of matches) {
      if (!isObject(m.value)) {
        problems.push({ field: m.field === '' ? '(the object)' : m.field, problem: `${m.field} is ${describe(m.value)}, not an object` });
        continue;
      }
      if (site.read) {
        const r = site.read(root, m.keys, env);
        notes.push(...r.notes);
        replaced.push(...r.replaced);
        if (r.uses.length > 0) pods.push({ field: m.field, podSpec: r.podSpec, uses: keep([...r.uses]), ...(r.credentialsElsewhere ? { credentialsElsewhere: r.credentialsElsewhere } : {}) });
        continue;
      }
      const uses: ImageUse[] = [];
      for (const c of site.containers) {
        const found = resolve(m.value, c.path, m.field, m.keys);
        note(found.problems);
        found.matches.forEach((cm, i) => {
          const use = containerUse(cm.value, cm.field, c.slot, c.defaultName ?? `#${i}`, true);
          if (use) uses.push(use);
        });
      }
      if (uses.length === 0) continue;
      pods.push({ field: m.field, podSpec: site.context ? site.context(root, m.keys, env) : {}, uses: keep(uses) });
    }
  }
  if (carrier.images.length > 0) {
    const uses: ImageUse[] = [];
    for (const site of carrier.images) {
      const { matches, problems: ps } = resolve(object, site.path);
      note(ps);
      // A bare image has no container name of its own: a StepAction's is named by the StepAction (the
      // step that uses it takes it whole), a configured one by its field.
      const meta = isObject(root['metadata']) ? root['metadata'] : {};
      const objectName = typeof meta['name'] === 'string' && meta['name'] !== '' ? meta['name'] : typeof meta['generateName'] === 'string' ? `${meta['generateName']}*` : '(unnamed)';
      for (const m of matches) {
        const named = { container: site.noun === 'step action' ? objectName : m.field, noun: site.noun, slot: 'containers' as const, field: m.field };
        if (typeof m.value === 'string') uses.push({ ...named, image: m.value, problem: null });
        else uses.push({ ...named, image: null, problem: `image is ${describe(m.value)}, not a string` });
      }
    }
    if (uses.length > 0) pods.push({ field: '', podSpec: {}, uses: keep(uses) });
  }
  if (carrier.elsewhere) {
    const e = carrier.elsewhere(root, env);
    notes.push(...e.notes);
    for (const p of e.pods) {
      notes.push(...p.reading.notes);
      replaced.push(...p.reading.replaced);
      if (p.reading.uses.length > 0) pods.push({ field: p.field, podSpec: p.reading.podSpec, uses: keep([...p.reading.uses]), ...(p.reading.credentialsElsewhere ? { credentialsElsewhere: p.reading.credentialsElsewhere } : {}) });
    }
  }
  let missing: string | null = null;
  if (carrier.podSpecRequired && !foundSpec && problems.length === 0) missing = firstMissing(object, carrier.podSpecs[0]?.path ?? []);
  return new Extracted(pods, problems, missing, substituted, notes, replaced);
}

/** The result of extractCarrier; the set of fields read is for reports only, so it is built when asked. */
class Extracted implements CarrierWorkload {
  #read: Set<string> | undefined;
  constructor(
    readonly pods: readonly PodGroup[],
    readonly problems: readonly { readonly field: string; readonly problem: string }[],
    readonly missing: string | null,
    readonly substituted: readonly ImageUse[],
    readonly notes: readonly PodNote[] = [],
    private readonly replaced: readonly string[] = [],
  ) {}

  get read(): ReadonlySet<string> {
    if (!this.#read) {
      this.#read = new Set<string>(this.replaced);
      for (const pod of this.pods) for (const u of pod.uses) if (u.image !== null) this.#read.add(u.field);
      for (const u of this.substituted) this.#read.add(u.field);
    }
    return this.#read;
  }
}

/** `spec is missing` for an object without `spec`: the first field of a (wildcard-free) path that is absent. */
function firstMissing(object: unknown, steps: readonly PathStep[]): string {
  let node: unknown = object;
  const names: string[] = [];
  for (const step of steps) {
    names.push(step.name);
    node = isObject(node) && Object.hasOwn(node, step.name) ? node[step.name] : undefined;
    if (node === undefined || node === null) break;
  }
  return `${names.join('.') || 'the pod spec'} is missing`;
}

/** Fields outside `metadata` and `status` named `image` that hold a string: path (`spec.foo[0].image`) and value. */
export function imageFields(object: unknown): { readonly field: string; readonly image: string }[] {
  const found: { field: string; image: string }[] = [];
  // The path is kept as a stack of keys and joined only for a hit: most nodes hold no image.
  const keys: (string | number)[] = [];
  const fieldOf = (): string => keys.reduce<string>((f, k) => (typeof k === 'number' ? `${f}[${k}]` : f === '' ? k : `${f}.${k}`), '');
  const walk = (node: unknown): void => {
    if (keys.length > MAX_WALK_DEPTH || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        keys.push(i);
        walk(node[i]);
        keys.pop();
      }
      return;
    }
    for (const k in node) {
      if (!Object.hasOwn(node, k)) continue;
      const v = (node as Json)[k];
      keys.push(k);
      if (k === 'image' && typeof v === 'string') found.push({ field: fieldOf(), image: v });
      else walk(v);
      keys.pop();
    }
  };
  if (isObject(object)) {
    for (const k in object) {
      if (!Object.hasOwn(object, k) || k === 'metadata' || k === 'status') continue;
      keys.push(k);
      walk(object[k]);
      keys.pop();
    }
  }
  return found;
}

/** Objects nest deeper than this only by mistake (or malice); the walk stops there. */
export const MAX_WALK_DEPTH = 64;

/**
 * Kinds whose `image`-named fields are no images to pull: a ConfigMap's or Secret's data is text for
 * a program, whatever its keys are called.
 */
export const OPAQUE_KINDS: ReadonlySet<string> = new Set(['/ConfigMap', '/Secret']);
