/**
 * One AdmissionReview in, one answer out. No I/O of its own: the engine's dependencies are injected.
 *
 * - DELETE and CONNECT are allowed without looking (nothing is pulled).
 * - On UPDATE only images that are new or changed relative to `oldObject` are checked.
 * - `dryRun` requests are answered exactly like others (`sideEffects: None`): that is what makes
 *   `kubectl apply --dry-run=server` a gate.
 * - Anything that throws while deciding is answered with the request's uid, according to
 *   `failurePolicy`: `warn` admits with a warning (fail open), `deny` answers errored (500).
 */
import { review, type EngineDeps, type Outcome, type Subject } from '../checks/engine.js';
import type { Config, Mode } from '../config/schema.js';
import { carrierFor } from '../workload/carriers.js';
import { extractCarrier } from '../workload/extract.js';
import { denialMessage, warningLines } from './messages.js';
import { allowed, denied, errored, type AdmissionReviewResponse } from './response.js';
import type { AdmissionRequest } from './review.js';

/** What the server logs for each decision (never secret material). */
export interface DecisionRecord {
  readonly uid: string;
  readonly kind: string;
  readonly operation: string;
  readonly namespace: string;
  readonly name: string;
  readonly dryRun: boolean;
  readonly verdict: 'allow' | 'warn' | 'deny' | 'error';
  readonly findings: readonly string[];
  readonly error?: string;
}

export interface Handled {
  readonly response: AdmissionReviewResponse;
  readonly record: DecisionRecord;
  readonly outcome?: Outcome;
}

export interface HandleOptions {
  readonly deps: EngineDeps;
  /** Absolute time (ms since epoch) by which every check must have given up. */
  readonly deadline: number;
  /** The namespace's `pullguard.io/mode` label, when known. */
  readonly namespaceMode?: Mode | undefined;
}

function metadataOf(object: unknown): Record<string, unknown> {
  if (typeof object !== 'object' || object === null) return {};
  const m = (object as Record<string, unknown>)['metadata'];
  return typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Image strings of the object before the update (every pod of it, any carrier kind). */
function imagesOf(object: unknown, group: string, kind: string, carriers: Config['carriers'] | undefined): Set<string> {
  const carrier = carrierFor(group, kind, carriers);
  if (!carrier) return new Set();
  const images = new Set<string>();
  for (const pod of extractCarrier(object, carrier).pods) for (const use of pod.uses) if (use.image !== null) images.add(use.image);
  return images;
}

/** The subject of a request; `carriers` are the configuration's own carrier kinds (for UPDATE). */
export function subjectOf(request: AdmissionRequest, carriers?: Config['carriers']): Subject {
  const meta = metadataOf(request.object);
  const { group, kind } = request.kind;
  const name = request.name || str(meta['name']) || (str(meta['generateName']) ? `${str(meta['generateName'])}*` : '');
  const controller = group === '' && kind === 'Pod' ? controllerOf(request.object) : undefined;
  const subject: Subject = {
    group,
    kind,
    namespace: request.namespace || str(meta['namespace']),
    name,
    object: request.object,
    ...(controller ? { controller } : {}),
  };
  if (request.operation === 'UPDATE' && request.oldObject) {
    return { ...subject, previousImages: imagesOf(request.oldObject, group, kind, carriers) };
  }
  return subject;
}

/**
 * Controllers whose Pods are admitted under the controller's identity: a denial only shows as a
 * FailedCreate event on the owner, and warnings are read by nobody (../shared/notes/admission.md).
 */
export const CONTROLLER_KINDS: ReadonlySet<string> = new Set(['ReplicaSet', 'Job', 'StatefulSet', 'DaemonSet', 'ReplicationController']);

/** The kind of the Pod's controlling owner, when it is one of CONTROLLER_KINDS. */
export function controllerOf(object: unknown): string | undefined {
  const owners = metadataOf(object)['ownerReferences'];
  if (!Array.isArray(owners)) return undefined;
  for (const o of owners as unknown[]) {
    if (typeof o !== 'object' || o === null) continue;
    const owner = o as Record<string, unknown>;
    if (owner['controller'] === true && typeof owner['kind'] === 'string' && CONTROLLER_KINDS.has(owner['kind'])) return owner['kind'];
  }
  return undefined;
}

function describeObject(s: Subject): string {
  return `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name || '(unnamed)'}`;
}

export function auditAnnotations(verdict: string, codes: readonly string[]): Record<string, string> {
  const a: Record<string, string> = { verdict };
  if (codes.length > 0) a['findings'] = [...new Set(codes)].join(',');
  return a;
}

/** The answer for a decided outcome. */
export function respond(uid: string, subject: Subject, outcome: Outcome): AdmissionReviewResponse {
  const { verdict, decided } = outcome.decision;
  const codes = decided.map((d) => d.finding.code);
  const extras = {
    // Nobody reads warnings on a controller's Pods; the audit annotations still record them.
    warnings: subject.controller ? [] : warningLines(decided.filter((d) => d.action === 'warn')),
    auditAnnotations: auditAnnotations(verdict, codes),
  };
  if (verdict === 'deny') {
    return denied(uid, denialMessage(describeObject(subject), decided.filter((d) => d.action === 'deny')), extras);
  }
  return allowed(uid, extras);
}

export async function handleRequest(request: AdmissionRequest, opts: HandleOptions): Promise<Handled> {
  const { uid, operation } = request;
  const base = {
    uid,
    kind: request.kind.kind,
    operation,
    dryRun: request.dryRun === true,
    namespace: request.namespace ?? '',
    name: request.name ?? '',
  };
  if (operation === 'DELETE' || operation === 'CONNECT') {
    return { response: allowed(uid), record: { ...base, verdict: 'allow', findings: [] } };
  }
  let subject: Subject | undefined;
  try {
    subject = subjectOf(request, opts.deps.config.carriers);
    const outcome = await review(subject, opts.deps, { deadline: opts.deadline, modeOverride: opts.namespaceMode });
    const response = respond(uid, subject, outcome);
    const record: DecisionRecord = {
      ...base,
      namespace: subject.namespace,
      name: subject.name,
      verdict: outcome.decision.verdict,
      findings: outcome.decision.decided.map((d) => d.finding.code),
    };
    return { response, record, outcome };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const record: DecisionRecord = { ...base, verdict: 'error', findings: [], error: reason };
    const what = subject ? describeObject(subject) : `${request.kind.kind} ${request.name ?? ''}`.trim();
    if (opts.deps.config.failurePolicy === 'deny') {
      return { response: errored(uid, 500, `pullguard could not check ${what}: internal error: ${reason}`), record };
    }
    return {
      response: allowed(uid, {
        warnings: [`pullguard could not check ${what} (internal error); admitted without checks`],
        auditAnnotations: { verdict: 'error' },
      }),
      record,
    };
  }
}
