/**
 * The continuous audit: every representative workload (./inventory.ts) through the engine once per
 * interval, and again at once when something it depends on changes. No I/O of its own: the engine,
 * the clock and where results go are injected (src/cli/serve.ts wires them).
 *
 * - Full cycle: every `intervalMs` (measured from one cycle's start to the next's), the lookup answers
 *   are dropped (AuditLookup.newCycle) and every representative is audited, their starts spread over
 *   SPREAD_FRACTION of the interval so registry lookups do not come in a burst. A cycle that takes
 *   longer than the interval (a registry budget too small for the images) is followed at once by the
 *   next; the cycle duration metric shows it.
 * - Changes: a workload whose fingerprint changed (a new image, other pull secrets), a pull Secret or a
 *   ServiceAccount changed or deleted: only the representatives touched are re-audited, after
 *   CHANGE_DEBOUNCE_MS (a `kubectl apply` of many objects is one batch).
 * - Results: one per representative; a representative that goes away (deleted, or now owned by one in
 *   view) loses its result (`onRemoved`), so nothing stale is reported.
 * - A workload whose audit throws (an engine bug) is reported as an error result; the cycle goes on.
 * - Reload: `reconfigure` takes a new interval and concurrency (config audit.intervalSeconds,
 *   audit.concurrency) at once: the next cycle is due `intervalMs` after the last one started (sooner
 *   when the interval shrank), and workers started from then on use the new concurrency.
 */
import type { Outcome } from '../checks/engine.js';
import { recordKey, type Inventory, type WorkloadRecord } from './inventory.js';

/** Share of the interval over which a full cycle's workload starts are spread. */
export const SPREAD_FRACTION = 0.5;
/** Changes are gathered this long before the touched workloads are re-audited. */
export const CHANGE_DEBOUNCE_MS = 1_000;

export type AuditResult =
  | { readonly record: WorkloadRecord; readonly outcome: Outcome; readonly error: null; readonly at: number }
  | { readonly record: WorkloadRecord; readonly outcome: null; readonly error: string; readonly at: number };

export interface CycleStats {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly workloads: number;
}

export interface AuditorOptions {
  readonly inventory: Inventory;
  /** One workload through the engine (with the audit's registry lookup). */
  audit(record: WorkloadRecord): Promise<Outcome>;
  /** imagePullSecrets names of a ServiceAccount (for "which workloads does this Secret touch"). */
  serviceAccountSecrets(namespace: string, name: string): readonly string[];
  readonly intervalMs: number;
  readonly concurrency: number;
  /** Share of the interval a full cycle's starts are spread over (default SPREAD_FRACTION). */
  readonly spreadFraction?: number;
  /** A full cycle starts (the lookup answers are dropped). */
  onCycleStart?(): void;
  onCycleEnd?(stats: CycleStats): void;
  /** A workload's result, with the one it replaces (null the first time). */
  onResult?(result: AuditResult, previous: AuditResult | null): void;
  /** A representative's result is gone (deleted, or now represented by its owner). */
  onRemoved?(previous: AuditResult): void;
  readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  readonly now?: () => number;
}

export class Auditor {
  readonly #o: AuditorOptions;
  readonly #now: () => number;
  readonly #results = new Map<string, AuditResult>();
  readonly #pending = new Set<string>();
  #cycleTimer: NodeJS.Timeout | undefined;
  #changeTimer: NodeJS.Timeout | undefined;
  #running = false;
  #stopper = new AbortController();
  #cycling: Promise<void> | null = null;
  #intervalMs: number;
  #concurrency: number;
  /** When the last full cycle started; null while one runs or before the first. */
  #lastStart: number | null = null;
  /** Completed full cycles. */
  cycles = 0;

  constructor(opts: AuditorOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#intervalMs = opts.intervalMs;
    this.#concurrency = opts.concurrency;
  }

  /** New settings (configuration reload): see the file header. */
  reconfigure(settings: { readonly intervalMs: number; readonly concurrency: number }): void {
    const changed = settings.intervalMs !== this.#intervalMs;
    this.#intervalMs = settings.intervalMs;
    this.#concurrency = settings.concurrency;
    // Between cycles: the next one is due from the last start with the new interval.
    if (changed && this.#running && this.#lastStart !== null && this.#cycleTimer) {
      clearTimeout(this.#cycleTimer);
      this.#scheduleCycle(Math.max(0, this.#lastStart + this.#intervalMs - this.#now()));
    }
  }

  get running(): boolean {
    return this.#running;
  }

  /** Current results, by representative uid. */
  get results(): ReadonlyMap<string, AuditResult> {
    return this.#results;
  }

  /** Start auditing (this replica leads): a full cycle now, then every interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopper = new AbortController();
    this.#scheduleCycle(0);
  }

  /** Stop auditing (leadership lost, or shutting down). Results are dropped: another replica reports. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#stopper.abort();
    if (this.#cycleTimer) clearTimeout(this.#cycleTimer);
    if (this.#changeTimer) clearTimeout(this.#changeTimer);
    this.#pending.clear();
    for (const r of this.#results.values()) this.#o.onRemoved?.(r);
    this.#results.clear();
  }

  /** Wait for the cycle in flight (tests). */
  async settled(): Promise<void> {
    await this.#cycling;
  }

  // --- changes ------------------------------------------------------------------------------------

  /** A workload object was added, changed or deleted (`next` null). */
  workloadChanged(previous: WorkloadRecord | undefined, next: WorkloadRecord | null): void {
    if (!this.#running) return;
    if (next && previous && previous.fingerprint === next.fingerprint && previous.owner?.uid === next.owner?.uid) return;
    const uid = next?.uid ?? previous?.uid;
    if (!uid) return;
    this.#touch(uid);
  }

  secretChanged(namespace: string, name: string): void {
    if (!this.#running) return;
    for (const r of this.#o.inventory.usingSecret(namespace, name, (sa) => this.#o.serviceAccountSecrets(namespace, sa))) this.#touch(r.uid);
  }

  serviceAccountChanged(namespace: string, name: string): void {
    if (!this.#running) return;
    for (const r of this.#o.inventory.usingServiceAccount(namespace, name)) this.#touch(r.uid);
  }

  #touch(uid: string): void {
    this.#pending.add(uid);
    this.#changeTimer ??= setTimeout(() => {
      this.#changeTimer = undefined;
      void this.#auditChanged();
    }, CHANGE_DEBOUNCE_MS);
    this.#changeTimer.unref?.();
  }

  async #auditChanged(): Promise<void> {
    const uids = [...this.#pending];
    this.#pending.clear();
    const records: WorkloadRecord[] = [];
    for (const uid of uids) {
      const record = this.#o.inventory.get(uid);
      if (!record) {
        this.#drop(uid);
        continue;
      }
      const rep = this.#o.inventory.representativeOf(record);
      if (rep !== record) this.#drop(uid);
      records.push(rep);
    }
    // Owners whose representative changed (a new owner appeared, an owner went) are settled by the next
    // full cycle's sweep; the touched representatives are audited now.
    const unique = [...new Map(records.map((r) => [r.uid, r])).values()];
    await this.#auditAll(unique, 0);
  }

  // --- cycles -------------------------------------------------------------------------------------

  #scheduleCycle(delayMs: number): void {
    this.#cycleTimer = setTimeout(() => {
      this.#cycling = this.#cycle();
    }, delayMs);
    this.#cycleTimer.unref?.();
  }

  async #cycle(): Promise<void> {
    if (!this.#running) return;
    const startedAt = this.#now();
    this.#lastStart = null;
    this.#o.onCycleStart?.();
    const reps = this.#o.inventory.representatives();
    const spreadMs = reps.length > 1 ? (this.#intervalMs * (this.#o.spreadFraction ?? SPREAD_FRACTION)) / reps.length : 0;
    await this.#auditAll(reps, spreadMs);
    if (!this.#running) return;
    // Sweep: results of workloads that are no longer representatives.
    const live = new Set(reps.map((r) => r.uid));
    for (const uid of [...this.#results.keys()]) {
      const record = this.#o.inventory.get(uid);
      if (!live.has(uid) && (!record || !this.#o.inventory.isRepresentative(record))) this.#drop(uid);
    }
    const durationMs = this.#now() - startedAt;
    this.cycles++;
    this.#o.onCycleEnd?.({ startedAt, durationMs, workloads: reps.length });
    this.#o.logger.info({ workloads: reps.length, durationMs, problems: this.problemCount() }, 'audit cycle done');
    this.#lastStart = startedAt;
    this.#scheduleCycle(Math.max(0, startedAt + this.#intervalMs - this.#now()));
  }

  problemCount(): number {
    let n = 0;
    for (const r of this.#results.values()) if (r.error !== null || r.outcome.decision.decided.length > 0) n++;
    return n;
  }

  #drop(uid: string): void {
    const previous = this.#results.get(uid);
    if (!previous) return;
    this.#results.delete(uid);
    this.#o.onRemoved?.(previous);
  }

  async #auditAll(records: readonly WorkloadRecord[], spreadMs: number): Promise<void> {
    const signal = this.#stopper.signal;
    const started = this.#now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < records.length && !signal.aborted) {
        const i = next++;
        const startAt = started + i * spreadMs;
        const wait = startAt - this.#now();
        if (wait > 0) await sleep(wait, signal);
        if (signal.aborted) return;
        const record = records[i]!;
        let result: AuditResult;
        try {
          result = { record, outcome: await this.#o.audit(record), error: null, at: this.#now() };
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          this.#o.logger.warn({ workload: recordKey(record), reason }, 'audit of a workload failed');
          result = { record, outcome: null, error: reason, at: this.#now() };
        }
        if (signal.aborted) return;
        const previous = this.#results.get(record.uid) ?? null;
        this.#results.set(record.uid, result);
        this.#o.onResult?.(result, previous);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, records.length) }, worker));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', done);
      resolve();
    }, ms);
    timer.unref?.();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
  });
}
