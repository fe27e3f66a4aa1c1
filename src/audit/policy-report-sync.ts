/**
 * Keeping the PolicyReports (./policy-report.ts) in step with the audit results, on the leader only.
 * No I/O of its own: the writer (src/cluster/policy-reports.ts) is injected.
 *
 * - A result that changes or goes marks its namespace; marked namespaces are written after
 *   FLUSH_DELAY_MS (a re-audit of many workloads is one write per namespace, not one per workload).
 * - At the end of every full cycle every namespace with results is written (unchanged reports are
 *   skipped by the writer), discovery is asked again when the CRD was missing, and reports this
 *   writer owns in namespaces without results — left by an earlier leader, or a namespace whose
 *   workloads are all gone — are removed: nothing stale is reported.
 * - Writes are serialised; `stop()` (leadership lost) ends them: the new leader writes from its own
 *   results, and the reports stay readable meanwhile.
 */
import type { AuditResult } from './auditor.js';
import { namespacesOf, policyReportFor, reportFingerprint } from './policy-report.js';

/** Changes are gathered this long before their namespaces' reports are written. */
export const FLUSH_DELAY_MS = 2_000;

export interface ReportWriter {
  available(opts?: { readonly force?: boolean }): Promise<boolean>;
  put(namespace: string, report: object | null, fingerprint: string, opts?: { readonly force?: boolean }): Promise<void>;
  managedNamespaces(): Promise<string[]>;
}

export interface PolicyReportSyncOptions {
  readonly writer: ReportWriter;
  results(): Iterable<AuditResult>;
  readonly flushDelayMs?: number;
  readonly maxResults?: number;
}

export class PolicyReportSync {
  readonly #o: PolicyReportSyncOptions;
  readonly #dirty = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(opts: PolicyReportSyncOptions) {
    this.#o = opts;
  }

  /** A result of `namespace` changed, appeared or went. */
  changed(namespace: string): void {
    if (this.#stopped) return;
    this.#dirty.add(namespace);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#enqueue(() => this.#flush());
    }, this.#o.flushDelayMs ?? FLUSH_DELAY_MS);
    this.#timer.unref?.();
  }

  /** A full cycle ended: write every namespace, remove stale reports. */
  cycleEnded(): Promise<void> {
    return this.#enqueue(() => this.#full());
  }

  /** Wait for the writes queued so far (tests). */
  settled(): Promise<void> {
    return this.#chain;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#dirty.clear();
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(() => (this.#stopped ? undefined : job())).catch(() => undefined);
    return this.#chain;
  }

  async #write(namespace: string, opts: { readonly force?: boolean } = {}): Promise<void> {
    if (this.#stopped) return;
    const report = policyReportFor(namespace, this.#o.results(), this.#o.maxResults !== undefined ? { maxResults: this.#o.maxResults } : {});
    await this.#o.writer.put(namespace, report, reportFingerprint(report), opts);
  }

  async #flush(): Promise<void> {
    const namespaces = [...this.#dirty];
    this.#dirty.clear();
    if (!(await this.#o.writer.available())) return;
    for (const ns of namespaces) await this.#write(ns);
  }

  async #full(): Promise<void> {
    if (!(await this.#o.writer.available({ force: true }))) return;
    this.#dirty.clear();
    const live = namespacesOf(this.#o.results());
    for (const ns of [...live].sort()) await this.#write(ns);
    for (const ns of await this.#o.writer.managedNamespaces()) {
      if (!live.has(ns)) await this.#write(ns, { force: true });
    }
  }
}
