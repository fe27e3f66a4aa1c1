/**
 * Prometheus metrics (prom-client) and the plain-HTTP server that exposes them. Metrics live on their own
 * port (default 9090) so Prometheus can scrape without the webhook's certificate, and so scraping never
 * competes with admission traffic for the webhook's connections.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DecisionRecord } from '../admission/handle.js';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, TIMEOUT_CHECK_INTERVAL_MS } from './app.js';

/** Admission latency buckets (seconds): cached decisions take well under a millisecond, registry lookups up to the deadline. */
export const REVIEW_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface WebhookMetrics {
  readonly registry: Registry;
  observeDecision(record: DecisionRecord, durationMs: number): void;
  reloads: Counter<'result'>;
  /** Log lines dropped because standard output did not keep up (src/cli/serve.ts LOG_BUFFER_MAX_BYTES). */
  logLinesDropped: Counter;
}

export function createMetrics(
  opts: {
    readonly defaultMetrics?: boolean;
    /**
     * Whether each project's cluster defaults are known (read from the cluster), by project (`tekton`,
     * `argo`): a run that relies on unknown defaults gets a warning instead of an exact answer
     * (docs/carriers.md).
     */
    readonly carrierDefaultsKnown?: () => Readonly<Record<string, boolean>>;
  } = {},
): WebhookMetrics {
  const registry = new Registry();
  const known = opts.carrierDefaultsKnown;
  if (known) {
    new Gauge({
      name: 'pullguard_carrier_defaults_known',
      help: "1 when a project's cluster defaults (tekton: Tekton's config-defaults; argo: Argo's workflowDefaults) are read, 0 while they are not (runs relying on them get warnings, not exact answers).",
      labelNames: ['project'] as const,
      registers: [registry],
      collect() {
        for (const [project, k] of Object.entries(known())) this.set({ project }, k ? 1 : 0);
      },
    });
  }
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'pullguard_' });
  const reviews = new Counter({
    name: 'pullguard_admission_reviews_total',
    help: 'Admission reviews answered, by object kind, operation and verdict (allow, warn, deny, error).',
    labelNames: ['kind', 'operation', 'verdict', 'dry_run'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'pullguard_admission_review_duration_seconds',
    help: 'Time from receiving an admission review to answering it.',
    labelNames: ['kind', 'verdict'] as const,
    buckets: REVIEW_DURATION_BUCKETS,
    registers: [registry],
  });
  const findings = new Counter({
    name: 'pullguard_findings_total',
    help: 'Findings in admission answers, by finding code (see docs/findings.md).',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'pullguard_config_reloads_total',
    help: 'Configuration reloads, by result (applied, rejected).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const logLinesDropped = new Counter({
    name: 'pullguard_log_lines_dropped_total',
    help: 'Log lines dropped because standard output did not keep up and the log buffer was full.',
    registers: [registry],
  });
  return {
    registry,
    reloads,
    logLinesDropped,
    observeDecision(record, durationMs) {
      reviews.inc({ kind: record.kind, operation: record.operation, verdict: record.verdict, dry_run: String(record.dryRun) });
      duration.observe({ kind: record.kind, verdict: record.verdict }, durationMs / 1000);
      for (const code of record.findings) findings.inc({ code });
    },
  };
}

/** `GET /metrics` in the Prometheus text format, over plain HTTP. */
export async function buildMetricsApp(registry: Registry): Promise<FastifyInstance> {
  // Same limits as the webhook's port (src/server/app.ts): a scrape is one quick request.
  const app = Fastify({
    logger: false,
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
  } as FastifyServerOptions);
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return app;
}
