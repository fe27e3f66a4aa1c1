/**
 * Kubernetes Events for audit results (core/v1 Event, as `kubectl describe` shows them): one when a
 * workload's state changes — problems appear, change, or clear — never on every cycle. Pure: the
 * Event object is built here; src/cli/serve-audit.ts posts it.
 *
 * The state is the set of (container, code) pairs of the result's findings. A workload first seen
 * healthy gets no Event; first seen with problems gets a Warning (a new leader after a failover sees
 * every workload for the first time, so problems are announced once more then).
 */
import type { AuditResult } from './auditor.js';

/** Event reasons (CamelCase, as the kubelet's own `Failed`, `BackOff`). */
export const REASON_NOT_PULLABLE = 'ImageNotPullable';
export const REASON_PULLABLE = 'ImagePullable';
export const REASON_AUDIT_FAILED = 'ImageAuditFailed';
/** Longest Event message (events.k8s.io/v1 `note` is limited to 1 KiB; core/v1 readers show it whole). */
export const MAX_EVENT_MESSAGE = 1024;
export const EVENT_COMPONENT = 'pullguard-audit';

/** The state an Event is about: '' when healthy. */
export function stateOf(r: AuditResult): string {
  if (r.error !== null) return 'error';
  return [...new Set(r.outcome.decision.decided.map((d) => `${d.finding.container}:${d.finding.code}`))].sort().join(',');
}

/** The Event to post for a new result, or null when the state did not change. */
export function eventFor(result: AuditResult, previous: AuditResult | null, opts: { readonly now: number; readonly instance: string }): Record<string, unknown> | null {
  const state = stateOf(result);
  const before = previous ? stateOf(previous) : '';
  if (state === before) return null;
  const r = result.record;
  let reason: string;
  let type: 'Warning' | 'Normal';
  let message: string;
  if (result.error !== null) {
    reason = REASON_AUDIT_FAILED;
    type = 'Warning';
    message = `pullguard could not audit this ${r.kind}: ${result.error}`;
  } else if (state === '') {
    reason = REASON_PULLABLE;
    type = 'Normal';
    message = `every image of this ${r.kind} can be pulled again (was: ${before.replaceAll(',', ', ')})`;
  } else {
    reason = REASON_NOT_PULLABLE;
    type = 'Warning';
    message = result.outcome.decision.decided.map((d) => `${d.finding.code}: ${d.finding.message}`).join(' ');
  }
  if (message.length > MAX_EVENT_MESSAGE) message = `${message.slice(0, MAX_EVENT_MESSAGE - 1)}…`;
  const time = new Date(opts.now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${r.name}.pullguard-`, namespace: r.namespace },
    involvedObject: { apiVersion, kind: r.kind, name: r.name, namespace: r.namespace, uid: r.uid },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: time,
    lastTimestamp: time,
    source: { component: EVENT_COMPONENT },
    reportingComponent: 'pullguard.io/audit',
    reportingInstance: opts.instance,
  };
}
