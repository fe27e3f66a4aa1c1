/**
 * The continuous audit inside `serve` (config `audit:`; docs/audit.md): wiring only.
 *
 *   Lease (src/cluster/lease.ts) ── leading ──► workload list+watch (src/cluster/workload-watch.ts)
 *                                                   │ reduced (src/audit/inventory.ts)
 *   Secret / ServiceAccount watch (ClusterWatch) ──►├─► Auditor (src/audit/auditor.ts)
 *                                                   │     engine with AuditLookup (per-cycle, budget)
 *                                                   ▼     over its OWN RegistryChecker
 *                                          metrics (src/audit/metrics.ts), Events on state changes,
 *                                          PolicyReports (src/audit/policy-report*.ts → src/cluster/policy-reports.ts)
 *
 * Every replica serves the webhook; only the Lease holder watches workloads and audits. Losing the
 * Lease stops the audit and drops its results and watches (the new leader reports).
 *
 * Admission first: the audit's registry checker is separate (own connections, own in-flight lookups,
 * no shared queue), audits at most `audit.concurrency` workloads at once with their starts spread over
 * the interval, its lookups are budgeted per registry, and they wait while the webhook's own lookups
 * are in flight (AdmissionGate); a review never waits for any of it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry as PromRegistry } from 'prom-client';
import { Auditor, type AuditResult } from '../audit/auditor.js';
import { eventFor } from '../audit/events.js';
import { Inventory, recordKey, reduceWorkload } from '../audit/inventory.js';
import { AdmissionGate, AuditLookup, RegistryBudget } from '../audit/lookup.js';
import { createAuditMetrics, type AuditMetrics } from '../audit/metrics.js';
import { MANAGED_BY, MANAGED_BY_LABEL, POLICY_REPORT_GROUP, POLICY_REPORT_VERSION, REPORT_NAME } from '../audit/policy-report.js';
import { PolicyReportSync } from '../audit/policy-report-sync.js';
import { PolicyReportWriter } from '../cluster/policy-reports.js';
import { auditRecord } from '../audit/run.js';
import type { EngineDeps } from '../checks/engine.js';
import { LeaderElector } from '../cluster/lease.js';
import type { ClusterWatch } from '../cluster/watch.js';
import { auditedResources } from '../cluster/resources.js';
import { WorkloadWatch } from '../cluster/workload-watch.js';
import type { Config } from '../config/schema.js';
import type { RegistryChecker, RegistryCheckerOptions } from '../registry/checker.js';
import { engineDeps, makeRegistryChecker } from './wiring.js';

/** How often a new leader checks whether the first lists are in before its first cycle. */
const SYNC_POLL_MS = 200;

export interface ServeAuditOptions {
  readonly cluster: ClusterWatch;
  readonly config: () => Config;
  readonly metricsRegistry: PromRegistry;
  /** Namespace of the Lease (the webhook's own). */
  readonly namespace: string;
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Test/lab: registry host overrides, as for the webhook's checker. */
  readonly extra?: Partial<RegistryCheckerOptions>;
  /** True while the webhook has registry lookups in flight: audit lookups wait for them (admission first). */
  readonly admissionBusy?: () => boolean;
}

export class ServeAudit {
  readonly metrics: AuditMetrics;
  #elector!: LeaderElector;
  /** The lease settings the election runs with (a change restarts it). */
  #leaseKey = '';
  /** The audit settings last applied. */
  #auditKey: string;
  /** The configuration's carriers the running term was started with. */
  #carriersKey: string;
  #stopped = false;
  /** This replica in the Lease and in Events (host name plus a random suffix: two processes never share one). */
  readonly identity = `${hostname()}_${randomBytes(4).toString('hex')}`;
  #term: {
    inventory: Inventory;
    auditor: Auditor;
    watch: WorkloadWatch;
    checker: RegistryChecker;
    budget: RegistryBudget;
    reports: PolicyReportSync;
    poll?: NodeJS.Timeout;
  } | null = null;
  #starting: Promise<void> | null = null;

  private constructor(private readonly opts: ServeAuditOptions) {
    this.metrics = createAuditMetrics(opts.metricsRegistry, {
      results: () => this.#term?.auditor.results.values() ?? [],
      maxProblemSeries: () => opts.config().audit.maxProblemSeries,
    });
    this.#elector = this.#makeElector(opts.config());
    this.#auditKey = JSON.stringify(opts.config().audit);
    this.#carriersKey = JSON.stringify(opts.config().carriers);
  }

  /** The Lease election for the configuration's audit.lease settings. */
  #makeElector(config: Config): LeaderElector {
    const lease = config.audit.lease;
    const durationMs = lease.durationSeconds * 1000;
    this.#leaseKey = JSON.stringify(lease);
    return new LeaderElector({
      client: this.opts.cluster.client,
      namespace: this.opts.namespace,
      name: lease.name,
      identity: this.identity,
      // client-go's proportions: 15 s / 10 s / 2 s.
      leaseDurationMs: durationMs,
      renewDeadlineMs: Math.round((durationMs * 2) / 3),
      retryPeriodMs: Math.max(500, Math.round(durationMs / 7.5)),
      logger: this.opts.logger,
      onStartedLeading: () => {
        this.metrics.setLeader(true);
        this.#starting = this.#lead();
      },
      onStoppedLeading: () => {
        this.metrics.setLeader(false);
        this.#follow();
      },
    });
  }

  get elector(): LeaderElector {
    return this.#elector;
  }

  /**
   * A new configuration was applied (config hot reload). The running term takes the new
   * audit.intervalSeconds, audit.concurrency and audit.registryLookupsPerMinute at once (the next cycle
   * is due one new interval after the last one started); the engine settings are read per workload
   * anyway. New audit.lease settings restart the election: this replica releases the Lease it holds
   * (another, or this one, takes over within a retry period) and competes again with the new name and
   * durations. A change of `carriers:` starts the leadership term again (the kinds watched, and how
   * their objects are reduced, come from it): the results are rebuilt from a fresh list. audit.enabled
   * is read at start-up only.
   */
  async configChanged(config: Config): Promise<void> {
    const carriers = JSON.stringify(config.carriers);
    if (carriers !== this.#carriersKey) {
      this.#carriersKey = carriers;
      await this.#starting;
      if (this.#term && this.elector.leading && !this.#stopped) {
        this.opts.logger.info({ carriers: config.carriers.length }, 'audit: carriers changed; watching and auditing again with them');
        this.#follow();
        this.#starting = this.#lead();
      }
    }
    const audit = config.audit;
    if (JSON.stringify(audit) === this.#auditKey) return;
    this.#auditKey = JSON.stringify(audit);
    const term = this.#term;
    if (term) {
      term.auditor.reconfigure({ intervalMs: audit.intervalSeconds * 1000, concurrency: audit.concurrency });
      term.budget.setPerMinute(audit.registryLookupsPerMinute);
    }
    this.opts.logger.info(
      { intervalSeconds: audit.intervalSeconds, concurrency: audit.concurrency, registryLookupsPerMinute: audit.registryLookupsPerMinute, lease: audit.lease },
      'audit settings applied',
    );
    if (JSON.stringify(audit.lease) === this.#leaseKey || this.#stopped) return;
    const old = this.#elector;
    this.#elector = this.#makeElector(config);
    await this.#starting;
    await old.stop();
    this.#follow();
    if (!this.#stopped) this.#elector.start();
  }

  static create(opts: ServeAuditOptions): ServeAudit {
    return new ServeAudit(opts);
  }

  start(): this {
    this.elector.start();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#starting;
    await this.elector.stop();
    this.#follow();
  }

  /** The current term's auditor (tests, status). */
  get auditor(): Auditor | null {
    return this.#term?.auditor ?? null;
  }

  /** A pull Secret or ServiceAccount changed (ClusterWatch onChange). */
  clusterChanged(kind: 'Secret' | 'ServiceAccount', namespace: string, name: string): void {
    const auditor = this.#term?.auditor;
    if (!auditor) return;
    if (kind === 'Secret') auditor.secretChanged(namespace, name);
    else auditor.serviceAccountChanged(namespace, name);
  }

  async #lead(): Promise<void> {
    const config = this.opts.config();
    const budget = new RegistryBudget(config.audit.registryLookupsPerMinute);
    const checker = await makeRegistryChecker(config, {
      // Fresh answers every cycle: the per-cycle reuse is AuditLookup's.
      extra: { ...this.opts.extra, cache: { maxEntries: config.cache.maxEntries, positiveTagMs: 0, positiveDigestMs: 0, negativeMs: 0 } },
      onNetworkLookup: (registry) => this.metrics.lookup('audit', registry),
      onRateLimit: (registry, state) => {
        const pausedMs = budget.observe(registry, state);
        if (pausedMs > 0) this.opts.logger.warn({ registry, ...state, pausedSeconds: Math.round(pausedMs / 1000) }, 'audit: the registry says little of its rate limit remains; audit lookups there pause (admission lookups do not)');
      },
    });
    const gate = this.opts.admissionBusy ? new AdmissionGate(this.opts.admissionBusy, { onYield: (ms) => this.metrics.yielded(ms) }) : null;
    const lookup = new AuditLookup(checker, budget, undefined, gate);
    const state = this.opts.cluster.store;
    let depsFor: { config: Config; deps: EngineDeps } | null = null;
    const deps = (): EngineDeps => {
      const current = this.opts.config();
      if (depsFor?.config !== current) {
        depsFor = { config: current, deps: engineDeps(current, { state, registry: checker, lookup, nodePlatforms: () => this.opts.cluster.nodes.platforms(), environment: () => ({ ...this.opts.cluster.tekton.environment(), ...this.opts.cluster.argo.environment() }) }) };
      }
      return depsFor.deps;
    };
    const inventory = new Inventory();
    const reports = new PolicyReportSync({
      writer: new PolicyReportWriter({
        client: this.opts.cluster.client,
        resource: { group: POLICY_REPORT_GROUP, version: POLICY_REPORT_VERSION, plural: 'policyreports' },
        name: REPORT_NAME,
        label: { key: MANAGED_BY_LABEL, value: MANAGED_BY },
        logger: this.opts.logger,
        onAvailable: (available) => this.metrics.policyReportsAvailable(available && this.#term?.reports === reports),
        onWrite: (result) => this.metrics.policyReportWrite(result),
      }),
      results: () => auditor.results.values(),
    });
    const auditor = new Auditor({
      inventory,
      audit: (record) => auditRecord(record, deps(), this.opts.config().timeouts.defaultBudgetMs),
      serviceAccountSecrets: (ns, sa) => state.serviceAccount(ns, sa)?.imagePullSecrets ?? [],
      intervalMs: config.audit.intervalSeconds * 1000,
      concurrency: config.audit.concurrency,
      onResult: (result, previous) => {
        this.#announce(result, previous);
        reports.changed(result.record.namespace);
      },
      onRemoved: (previous) => reports.changed(previous.record.namespace),
      onCycleStart: () => lookup.newCycle(),
      onCycleEnd: (stats) => {
        this.metrics.cycleEnded(stats);
        void reports.cycleEnded();
      },
      logger: this.opts.logger,
    });
    const uidOf = (o: unknown): string | undefined => (o as { metadata?: { uid?: string } } | null)?.metadata?.uid;
    const watch = new WorkloadWatch({
      client: this.opts.cluster.client,
      logger: this.opts.logger,
      // Every carrier kind, the configuration's own included, where the cluster serves it.
      resources: auditedResources(config.carriers),
      carriers: config.carriers,
      upsert: (object, type) => {
        const r = reduceWorkload(object, type, config.carriers);
        if (!r.ok) return this.opts.logger.warn({ kind: type.kind, reason: r.reason }, 'workload object not audited');
        auditor.workloadChanged(inventory.upsert(r.record), r.record);
      },
      remove: (object) => {
        const uid = uidOf(object);
        if (uid) auditor.workloadChanged(inventory.remove(uid), null);
      },
    });
    if (!this.elector.leading) {
      void checker.close();
      return;
    }
    const term = { inventory, auditor, watch, checker, budget, reports } as NonNullable<ServeAudit['term']>;
    this.#term = term;
    await watch.start();
    // The first cycle waits for the first lists (workloads, Secrets, ServiceAccounts): absence means
    // "does not exist" only then.
    const ready = () => {
      if (this.#term !== term) return;
      if (watch.synced && state.available) {
        this.opts.logger.info({ workloads: inventory.size }, 'audit: workloads listed; first cycle starts');
        auditor.start();
      } else {
        term.poll = setTimeout(ready, SYNC_POLL_MS);
        term.poll.unref();
      }
    };
    ready();
  }

  /** The current leadership term (typing helper). */
  get term() {
    return this.#term;
  }

  /** An Event on the workload when its state changed (src/audit/events.ts); a failed post is logged, never retried. */
  #announce(result: AuditResult, previous: AuditResult | null): void {
    const event = eventFor(result, previous, { now: Date.now(), instance: this.identity });
    if (!event) return;
    const ns = result.record.namespace;
    this.opts.cluster.client.send('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/events`, event).catch((err: unknown) => {
      this.opts.logger.warn({ workload: recordKey(result.record), reason: (err as Error).message }, 'audit: could not record an Event');
    });
  }

  #follow(): void {
    const term = this.#term;
    if (!term) return;
    this.#term = null;
    if (term.poll) clearTimeout(term.poll);
    // Reports stop first: the auditor's stop drops every result, which must not empty the reports
    // (the new leader rewrites them from its own results).
    term.reports.stop();
    this.metrics.policyReportsAvailable(false);
    term.auditor.stop();
    term.watch.stop();
    void term.checker.close();
  }
}
