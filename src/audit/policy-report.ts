/**
 * Audit results as PolicyReports (`wgpolicyk8s.io/v1alpha2`), the format Kyverno, Kubewarden and
 * Policy Reporter read. Pure: results in, report objects out; src/cluster/policy-reports.ts writes them.
 *
 * Schema: kubernetes-sigs/wg-policy-prototypes policy-report/apis/wgpolicyk8s.io/v1alpha2/
 * policyreport_types.go (the same types as kyverno api/policyreport/v1alpha2 and its CRD
 * config/crds/policyreport/wgpolicyk8s.io_policyreports.yaml): a namespaced PolicyReport holds
 * `summary {pass, fail, warn, error, skip}` and `results[]` of `{source, policy, rule, category,
 * severity, timestamp {seconds, nanos}, result, scored, resources[ObjectReference], message,
 * properties map[string]string}`; only `policy` is required.
 *
 * One report per namespace, named REPORT_NAME, with no `scope` (it covers the namespace, as Kyverno's
 * namespace reports did). One result per image use of each audited workload — a container, init or
 * ephemeral container, or image volume — plus one per finding about the pod spec itself (a workload
 * whose pod spec cannot be read), and one `error` result for a workload whose audit failed:
 *
 *   result  fail   a finding the pull fails on (action deny) that is a decision (IMAGE_TAG_NOT_FOUND,
 *                  PULL_SECRET_NOT_FOUND, …);
 *           error  only "could not decide" findings (codes marked `undecided`: REGISTRY_UNREACHABLE,
 *                  REGISTRY_RATE_LIMITED, IMAGE_UNVERIFIED, …) — the PolicyReport meaning of error,
 *                  "the policy could not be evaluated", as Kyverno reports an image it cannot fetch;
 *           warn   decided findings that warn only (PULL_SECRET_EXPIRING, …);
 *           pass   no finding.
 *   rule    the first finding's code of the worst kind (every code is in properties.codes), or
 *           RULE_PASS; policy POLICY, source SOURCE.
 *   message the findings' own messages (src/findings/build.ts: the container or image volume named one
 *           way, the image as written, the cause and the fix), or the same headline and "no problem
 *           found" for a pass.
 *
 * Workloads skipped by the configuration (an exempt namespace) and exempt images get no result.
 * Bounded size: an object is at most ~1.5 MiB in etcd, so a report keeps at most MAX_REPORT_RESULTS
 * results, the worst first (fail, error, warn, then pass), and messages are clipped at
 * MAX_RESULT_MESSAGE; `summary` always counts every result, kept or not, and the annotation
 * OMITTED_ANNOTATION says how many were left out.
 */
import { clip, headline, subjectOf } from '../findings/build.js';
import { FINDINGS } from '../findings/codes.js';
import type { Finding } from '../findings/types.js';
import type { Decided } from '../verdict/policy.js';
import type { AuditResult } from './auditor.js';

export const POLICY_REPORT_GROUP = 'wgpolicyk8s.io';
export const POLICY_REPORT_VERSION = 'v1alpha2';
export const POLICY_REPORT_API_VERSION = `${POLICY_REPORT_GROUP}/${POLICY_REPORT_VERSION}`;
/** The report's name in every namespace. */
export const REPORT_NAME = 'pullguard';
/** Label on every report pullguard writes (how a new leader finds the ones to remove). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'pullguard';
/** Annotation: results left out of the report because of MAX_REPORT_RESULTS. */
export const OMITTED_ANNOTATION = 'pullguard.io/omitted-results';
export const SOURCE = 'pullguard';
export const POLICY = 'image-pullable';
export const RULE_PASS = 'IMAGE_PULLABLE';
export const RULE_AUDIT_FAILED = 'AUDIT_FAILED';
export const CATEGORY = 'Image pull';
/** Most results in one report: ~1.5 KiB each at most keeps the object well under etcd's 1.5 MiB. */
export const MAX_REPORT_RESULTS = 500;
/** Longest result message (a container with several findings may have a long one). */
export const MAX_RESULT_MESSAGE = 1024;

export type PolicyResult = 'pass' | 'fail' | 'warn' | 'error' | 'skip';
type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface PolicyReportResult {
  readonly source: string;
  readonly policy: string;
  readonly rule: string;
  readonly category: string;
  readonly severity?: Severity;
  readonly timestamp: { readonly seconds: number; readonly nanos: number };
  readonly result: PolicyResult;
  readonly scored: boolean;
  readonly resources: readonly ObjectReference[];
  readonly message: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface PolicyReportSummary {
  readonly pass: number;
  readonly fail: number;
  readonly warn: number;
  readonly error: number;
  readonly skip: number;
}

export interface PolicyReport {
  readonly apiVersion: typeof POLICY_REPORT_API_VERSION;
  readonly kind: 'PolicyReport';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly summary: PolicyReportSummary;
  readonly results: readonly PolicyReportResult[];
}

/** Worst first: the order results are kept in when a report is full. */
const RANK: Readonly<Record<PolicyResult, number>> = { fail: 0, error: 1, warn: 2, skip: 3, pass: 4 };
const SEVERITY: Readonly<Record<PolicyResult, Severity | undefined>> = { fail: 'high', error: 'medium', warn: 'low', skip: undefined, pass: undefined };

/** The PolicyReport result of one finding's decision. */
function resultOf(d: Decided): PolicyResult {
  if (FINDINGS[d.finding.code].undecided) return 'error';
  return d.action === 'deny' ? 'fail' : 'warn';
}

function worst(results: readonly PolicyResult[]): PolicyResult {
  return results.reduce<PolicyResult>((w, r) => (RANK[r] < RANK[w] ? r : w), 'pass');
}

function sentence(s: string): string {
  return /[.?!]$/.test(s) ? s : `${s}.`;
}

function referenceOf(r: AuditResult['record']): ObjectReference {
  return { apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind, namespace: r.namespace, name: r.name, uid: r.uid };
}

function timestampOf(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: 0 };
}

/** One place of a workload (an image use, or its pod spec) and the decided findings about it. */
interface Place {
  readonly subject: string;
  readonly field: string;
  readonly container: string;
  readonly image: string;
  readonly decided: Decided[];
}

/** The results of one audited workload (none when the configuration skipped it). */
export function workloadResults(r: AuditResult): PolicyReportResult[] {
  const resources = [referenceOf(r.record)];
  const base = { source: SOURCE, policy: POLICY, category: CATEGORY, scored: true, resources, timestamp: timestampOf(r.at) };
  if (r.error !== null) {
    return [
      {
        ...base,
        rule: RULE_AUDIT_FAILED,
        result: 'error',
        severity: 'medium',
        message: clip(`pullguard could not audit this ${r.record.kind}: ${sentence(r.error)} Its images were not checked; see pullguard's log.`, MAX_RESULT_MESSAGE),
        properties: { workload: `${r.record.kind}/${r.record.name}` },
      },
    ];
  }
  if (r.outcome.skipped !== null) return [];
  const places = new Map<string, Place>();
  for (const image of r.outcome.evaluation.images) {
    const use = image.use;
    places.set(use.field, { subject: subjectOf(use), field: use.field, container: use.container, image: use.image ?? '', decided: [] });
  }
  for (const d of r.outcome.decision.decided) {
    const f: Finding = d.finding;
    let place = places.get(f.field);
    if (!place) places.set(f.field, (place = { subject: f.subject, field: f.field, container: f.container, image: f.image, decided: [] }));
    place.decided.push(d);
  }
  const out: PolicyReportResult[] = [];
  for (const place of places.values()) {
    const results = place.decided.map(resultOf);
    const result = worst(results);
    const properties: Record<string, string> = { field: place.field };
    if (place.container !== '') properties['container'] = place.container;
    if (place.image !== '') properties['image'] = place.image;
    let rule = RULE_PASS;
    let message: string;
    if (place.decided.length === 0) {
      message = `${headline(place)}: no problem found.`;
    } else {
      rule = place.decided[results.indexOf(result)]!.finding.code;
      properties['codes'] = [...new Set(place.decided.map((d) => d.finding.code))].join(',');
      message = place.decided.map((d) => d.finding.message).join(' ');
    }
    const severity = SEVERITY[result];
    out.push({ ...base, rule, result, ...(severity ? { severity } : {}), message: clip(message, MAX_RESULT_MESSAGE), properties });
  }
  return out;
}

/** Stable order: worst first, then by workload and field (a report rewritten unchanged reads the same). */
function compareResults(a: PolicyReportResult, b: PolicyReportResult): number {
  const ra = RANK[a.result];
  const rb = RANK[b.result];
  if (ra !== rb) return ra - rb;
  const ka = `${a.resources[0]?.kind}/${a.resources[0]?.name}\u0000${a.properties['field'] ?? ''}`;
  const kb = `${b.resources[0]?.kind}/${b.resources[0]?.name}\u0000${b.properties['field'] ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * The PolicyReport of `namespace` from the audit results of its workloads, or null when none of them
 * has a result (the report is then removed).
 */
export function policyReportFor(namespace: string, results: Iterable<AuditResult>, opts: { readonly maxResults?: number } = {}): PolicyReport | null {
  const all: PolicyReportResult[] = [];
  for (const r of results) if (r.record.namespace === namespace) all.push(...workloadResults(r));
  if (all.length === 0) return null;
  all.sort(compareResults);
  const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of all) summary[r.result]++;
  const max = opts.maxResults ?? MAX_REPORT_RESULTS;
  const kept = all.slice(0, max);
  const omitted = all.length - kept.length;
  return {
    apiVersion: POLICY_REPORT_API_VERSION,
    kind: 'PolicyReport',
    metadata: {
      name: REPORT_NAME,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      ...(omitted > 0 ? { annotations: { [OMITTED_ANNOTATION]: String(omitted) } } : {}),
    },
    summary,
    results: kept,
  };
}

/** Namespaces that have results. */
export function namespacesOf(results: Iterable<AuditResult>): Set<string> {
  const out = new Set<string>();
  for (const r of results) out.add(r.record.namespace);
  return out;
}

/**
 * What decides whether a report must be written again: everything but the timestamps (a result found
 * again in the next cycle is the same result; rewriting every report every cycle would only churn).
 */
export function reportFingerprint(report: PolicyReport | null): string {
  if (report === null) return '';
  return JSON.stringify({ ...report, results: report.results.map(({ timestamp: _t, ...rest }) => rest) });
}
