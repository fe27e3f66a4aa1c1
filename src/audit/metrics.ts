/**
 * The audit's Prometheus metrics. Problem series are computed at scrape time from the current results
 * (nothing stale survives a result's removal), one series per workload container WITH a problem;
 * healthy workloads are counted, never listed, and the problem series are capped (maxProblemSeries,
 * config audit.maxProblemSeries) so a cluster-wide outage cannot explode cardinality: beyond the cap,
 * problems are counted in pullguard_audit_problem_series_dropped.
 *
 *   pullguard_audit_problem{namespace,kind,name,container,image,code} 1   (2 = the pull fails: deny)
 *   pullguard_audit_workloads{result="pass|warn|fail|error"}
 *   pullguard_audit_findings{code}
 *   pullguard_audit_cycle_duration_seconds, pullguard_audit_last_cycle_timestamp_seconds
 *   pullguard_audit_leader (1 on the replica that audits)
 *   pullguard_registry_lookups_by_reason_total{reason="admission|audit",registry}
 *   pullguard_audit_admission_yields_total, pullguard_audit_admission_yield_seconds_total (the gate)
 *   pullguard_audit_policyreports_available (1: the PolicyReport CRD is installed and this leader writes)
 *   pullguard_audit_policyreport_writes_total{result="created|updated|deleted|failed"}
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditResult, CycleStats } from './auditor.js';

/** PolicyReport-style result of one workload: fail (a pull fails), warn, error (not audited), pass. */
export function workloadResult(r: AuditResult): 'pass' | 'warn' | 'fail' | 'error' {
  if (r.error !== null) return 'error';
  const v = r.outcome.decision.verdict;
  return v === 'deny' ? 'fail' : v === 'warn' ? 'warn' : 'pass';
}

export interface AuditMetrics {
  cycleEnded(stats: CycleStats): void;
  setLeader(leading: boolean): void;
  /** A registry lookup was made, for `reason`. */
  lookup(reason: 'admission' | 'audit', registry: string): void;
  /** An audit lookup waited `waitedMs` for admission lookups to finish (src/audit/lookup.ts AdmissionGate). */
  yielded(waitedMs: number): void;
  /** Whether PolicyReports are written (the CRD is installed and this replica leads). */
  policyReportsAvailable(available: boolean): void;
  policyReportWrite(result: 'created' | 'updated' | 'deleted' | 'failed'): void;
}

/** Registry hosts come from workloads: distinct label values are capped (as src/registry/metrics.ts does). */
export const MAX_LOOKUP_REGISTRY_LABELS = 50;

export function createAuditMetrics(register: Registry, opts: { readonly results: () => Iterable<AuditResult>; readonly maxProblemSeries: () => number }): AuditMetrics {
  let dropped = 0;
  new Gauge({
    name: 'pullguard_audit_problem',
    help: 'One series per audited workload container with a problem: 2 when its pull fails (deny), 1 when it may (warn). Capped at audit.maxProblemSeries.',
    labelNames: ['namespace', 'kind', 'name', 'container', 'image', 'code'] as const,
    registers: [register],
    collect() {
      this.reset();
      const max = opts.maxProblemSeries();
      let n = 0;
      dropped = 0;
      for (const r of opts.results()) {
        if (r.outcome === null) continue;
        for (const d of r.outcome.decision.decided) {
          if (n >= max) {
            dropped++;
            continue;
          }
          n++;
          this.set(
            { namespace: r.record.namespace, kind: r.record.kind, name: r.record.name, container: d.finding.container, image: d.finding.image, code: d.finding.code },
            d.action === 'deny' ? 2 : 1,
          );
        }
      }
    },
  });
  new Gauge({
    name: 'pullguard_audit_problem_series_dropped',
    help: 'Problems not exported as pullguard_audit_problem series because audit.maxProblemSeries was reached.',
    registers: [register],
    collect() {
      this.set(dropped);
    },
  });
  new Gauge({
    name: 'pullguard_audit_workloads',
    help: 'Audited workloads by result: pass, warn, fail (a pull fails), error (could not be audited).',
    labelNames: ['result'] as const,
    registers: [register],
    collect() {
      const counts = { pass: 0, warn: 0, fail: 0, error: 0 };
      for (const r of opts.results()) counts[workloadResult(r)]++;
      for (const [result, n] of Object.entries(counts)) this.set({ result }, n);
    },
  });
  new Gauge({
    name: 'pullguard_audit_findings',
    help: 'Findings of the current audit results, by finding code.',
    labelNames: ['code'] as const,
    registers: [register],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const r of opts.results()) for (const d of r.outcome?.decision.decided ?? []) counts.set(d.finding.code, (counts.get(d.finding.code) ?? 0) + 1);
      for (const [code, n] of counts) this.set({ code }, n);
    },
  });
  const duration = new Gauge({ name: 'pullguard_audit_cycle_duration_seconds', help: 'Duration of the last completed full audit cycle.', registers: [register] });
  const last = new Gauge({ name: 'pullguard_audit_last_cycle_timestamp_seconds', help: 'When the last full audit cycle completed (Unix time).', registers: [register] });
  const leader = new Gauge({ name: 'pullguard_audit_leader', help: '1 on the replica that holds the audit Lease and audits, else 0.', registers: [register] });
  leader.set(0);
  const lookups = new Counter({
    name: 'pullguard_registry_lookups_by_reason_total',
    help: 'Registry lookups that went to the network, by reason (admission, audit) and registry.',
    labelNames: ['reason', 'registry'] as const,
    registers: [register],
  });
  const yields = new Counter({ name: 'pullguard_audit_admission_yields_total', help: 'Audit registry lookups that waited for admission lookups in flight to finish.', registers: [register] });
  const yieldSeconds = new Counter({ name: 'pullguard_audit_admission_yield_seconds_total', help: 'Time audit registry lookups spent waiting for admission lookups to finish.', registers: [register] });
  const reportsAvailable = new Gauge({
    name: 'pullguard_audit_policyreports_available',
    help: '1 when the PolicyReport CRD (policyreports.wgpolicyk8s.io/v1alpha2) is installed and this replica writes audit results as PolicyReports; 0 when it is not installed or this replica does not audit.',
    registers: [register],
  });
  reportsAvailable.set(0);
  const reportWrites = new Counter({
    name: 'pullguard_audit_policyreport_writes_total',
    help: 'PolicyReport writes by result (created, updated, deleted, failed).',
    labelNames: ['result'] as const,
    registers: [register],
  });
  const seen = new Set<string>();
  return {
    policyReportsAvailable(available) {
      reportsAvailable.set(available ? 1 : 0);
    },
    policyReportWrite(result) {
      reportWrites.inc({ result });
    },
    yielded(waitedMs) {
      yields.inc();
      yieldSeconds.inc(waitedMs / 1000);
    },
    cycleEnded(stats) {
      duration.set(stats.durationMs / 1000);
      last.set((stats.startedAt + stats.durationMs) / 1000);
    },
    setLeader(leading) {
      leader.set(leading ? 1 : 0);
    },
    lookup(reason, registry) {
      let label = registry;
      if (!seen.has(registry)) {
        if (seen.size >= MAX_LOOKUP_REGISTRY_LABELS) label = 'other';
        else seen.add(registry);
      }
      lookups.inc({ reason, registry: label });
    },
  };
}
