/**
 * Auditing workload records with the engine (src/checks/engine.ts): the same `review` the webhook and
 * `pullguard check` call, on the reduced objects of ./inventory.ts, a bounded number at a time. Pure:
 * the registry and credentials come through the engine's dependencies.
 *
 * The audit reports what a pull would meet NOW, whatever the webhook's mode: findings keep their
 * configured action (deny → the pull fails, warn → it may), and `mode: warn`/`off` do not soften them.
 * Namespaces exempted in the configuration are skipped, as the webhook skips them.
 */
import { review, type EngineDeps, type Outcome } from '../checks/engine.js';
import type { WorkloadRecord } from './inventory.js';

/** Records checked at once by default: enough to overlap registry round trips, few enough to stay polite. */
export const AUDIT_CONCURRENCY = 16;

export interface AuditRunOptions {
  /** Each record's time budget (ms), as a review would have. */
  readonly budgetMs: number;
  readonly concurrency?: number;
  /** Called as records finish. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops starting new records (those in flight finish). */
  readonly signal?: AbortSignal;
}

export interface AuditedRecord {
  readonly record: WorkloadRecord;
  readonly outcome: Outcome;
}

/** One record through the engine. */
export function auditRecord(record: WorkloadRecord, deps: EngineDeps, budgetMs: number): Promise<Outcome> {
  return review(
    { group: record.group, kind: record.kind, namespace: record.namespace, name: record.name, object: record.object },
    deps,
    { deadline: Date.now() + budgetMs, modeOverride: 'enforce' },
  );
}

/** Audit every record, `concurrency` at a time; results in the order of `records`. */
export async function auditRecords(records: readonly WorkloadRecord[], deps: EngineDeps, opts: AuditRunOptions): Promise<AuditedRecord[]> {
  const out: AuditedRecord[] = new Array(records.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < records.length && !opts.signal?.aborted) {
      const i = next++;
      const record = records[i]!;
      out[i] = { record, outcome: await auditRecord(record, deps, opts.budgetMs) };
      opts.onProgress?.(++done, records.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? AUDIT_CONCURRENCY, records.length) }, worker));
  return out.filter((r) => r !== undefined);
}
