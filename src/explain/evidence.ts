/**
 * The evidence about a pod's failing pulls, read from the objects the API server holds (pure): which
 * containers wait on an image, the kubelet's words in their waiting message and events, and the
 * node's platform and runtime.
 */
import type { PodEvent } from '../cluster/pods.js';
import type { Platform } from '../registry/outcome.js';
import { isPullWaitingReason } from './classify.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export type Slot = 'initContainers' | 'containers' | 'ephemeralContainers' | 'sandbox';

/** Event reasons that carry a pull's cause (pkg/kubelet/events/event.go). */
export const PULL_EVENT_REASONS: readonly string[] = ['Failed', 'InspectFailed', 'ErrImageNeverPull', 'BackOff'];

/** One container (or the pod sandbox) whose image could not be pulled. */
export interface FailingPull {
  readonly slot: Slot;
  /** Container name; '' for the sandbox. */
  readonly name: string;
  /** The image as written in the spec (the sandbox: as named in the event). */
  readonly image: string;
  /** The waiting reason (`ErrImagePull` …) or `FailedCreatePodSandBox`. */
  readonly reason: string;
  readonly waitingMessage: string;
  /** The kubelet's events about this container's image, newest first. */
  readonly events: readonly PodEvent[];
}

const STATUS_LISTS: readonly [Exclude<Slot, 'sandbox'>, string][] = [
  ['initContainers', 'initContainerStatuses'],
  ['containers', 'containerStatuses'],
  ['ephemeralContainers', 'ephemeralContainerStatuses'],
];

/** `spec.containers{app}` → ['containers', 'app']. */
export function parseFieldPath(fieldPath: string): [Exclude<Slot, 'sandbox'>, string] | null {
  const m = /^spec\.(initContainers|containers|ephemeralContainers)\{([^}]*)\}$/.exec(fieldPath);
  return m ? [m[1] as Exclude<Slot, 'sandbox'>, m[2]!] : null;
}

/** The sandbox image a FailedCreatePodSandBox message names, when it is about pulling it. */
export function sandboxImage(message: string): string | null {
  if (!/pull|sandbox image/i.test(message)) return null;
  const m = /(?:sandbox image|pulling image|pull image) \\?"([^"\\]+)\\?"/.exec(message);
  return m ? m[1]! : null;
}

export function failingPulls(pod: unknown, events: readonly PodEvent[]): FailingPull[] {
  const spec = isObj(pod) && isObj(pod['spec']) ? pod['spec'] : {};
  const status = isObj(pod) && isObj(pod['status']) ? pod['status'] : {};
  const out: FailingPull[] = [];
  for (const [slot, statusKey] of STATUS_LISTS) {
    const statuses = Array.isArray(status[statusKey]) ? (status[statusKey] as unknown[]) : [];
    const specs = Array.isArray(spec[slot]) ? (spec[slot] as unknown[]) : [];
    for (const s of statuses) {
      if (!isObj(s)) continue;
      const waiting = isObj(s['state']) && isObj(s['state']['waiting']) ? s['state']['waiting'] : null;
      const reason = waiting ? str(waiting['reason']) : '';
      if (!isPullWaitingReason(reason)) continue;
      const name = str(s['name']);
      const c = specs.find((x) => isObj(x) && x['name'] === name);
      const image = isObj(c) && typeof c['image'] === 'string' ? c['image'] : str(s['image']);
      const mine = events.filter((e) => {
        const fp = parseFieldPath(e.fieldPath);
        return fp !== null && fp[0] === slot && fp[1] === name && PULL_EVENT_REASONS.includes(e.reason);
      });
      out.push({ slot, name, image, reason, waitingMessage: str(waiting?.['message']), events: mine });
    }
  }
  const sandbox = events.filter((e) => e.reason === 'FailedCreatePodSandBox' && sandboxImage(e.message) !== null);
  if (sandbox.length > 0) {
    out.push({ slot: 'sandbox', name: '', image: sandboxImage(sandbox[0]!.message)!, reason: 'FailedCreatePodSandBox', waitingMessage: '', events: sandbox });
  }
  return out;
}

/** The texts to classify, newest first: the waiting message, then the events' messages. */
export function textsOf(f: FailingPull): string[] {
  const texts = f.waitingMessage ? [f.waitingMessage] : [];
  for (const e of f.events) if (e.reason !== 'Failed' || !/^Error: /.test(e.message)) texts.push(e.message);
  return texts;
}

export interface NodeFacts {
  readonly name: string;
  /** From the node's kubernetes.io/os and kubernetes.io/arch labels (status.nodeInfo when unlabelled). */
  readonly platform: Platform | null;
  /** `containerd://1.7.2` */
  readonly runtimeVersion: string;
  readonly kubeletVersion: string;
}

export function nodeFacts(name: string, node: unknown): NodeFacts {
  const labels = isObj(node) && isObj(node['metadata']) && isObj(node['metadata']['labels']) ? node['metadata']['labels'] : {};
  const info = isObj(node) && isObj(node['status']) && isObj(node['status']['nodeInfo']) ? node['status']['nodeInfo'] : {};
  const os = str(labels['kubernetes.io/os']) || str(labels['beta.kubernetes.io/os']) || str(info['operatingSystem']);
  const arch = str(labels['kubernetes.io/arch']) || str(labels['beta.kubernetes.io/arch']) || str(info['architecture']);
  return {
    name,
    platform: os && arch ? { os, architecture: arch } : null,
    runtimeVersion: str(info['containerRuntimeVersion']),
    kubeletVersion: str(info['kubeletVersion']),
  };
}
