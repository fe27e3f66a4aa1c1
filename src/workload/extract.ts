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

/** API groups in which each carrier kind lives (current and the deprecated ones with the same shape). */
const CARRIER_GROUPS: Readonly<Record<string, readonly string[]>> = {
  Pod: [''],
  PodTemplate: [''],
  ReplicationController: [''],
  ReplicaSet: ['apps', 'extensions'],
  Deployment: ['apps', 'extensions'],
  StatefulSet: ['apps'],
  DaemonSet: ['apps', 'extensions'],
  Job: ['batch'],
  CronJob: ['batch'],
};

export const CARRIER_KINDS: readonly string[] = Object.keys(POD_SPEC_PATHS);

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** The API group of an `apiVersion` string (`apps/v1` → `apps`, `v1` → ``). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** True when objects of this group and kind carry a pod spec. */
export function isCarrier(group: string, kind: string): boolean {
  // Own keys only: a kind named `toString` or `constructor` must not find Object.prototype's members.
  return Object.hasOwn(CARRIER_GROUPS, kind) && (CARRIER_GROUPS[kind] as readonly string[]).includes(group);
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

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
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
