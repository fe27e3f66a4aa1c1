/**
 * The webhook's HTTP application: a `build(opts)` factory with every dependency injected, so tests
 * drive it with `inject()` and the `serve` command wires the real adapters.
 *
 *   POST /validate   AdmissionReview admission.k8s.io/v1 in, AdmissionReview out
 *   GET  /healthz    the process is alive
 *   GET  /readyz     the process can decide (cluster informers synced, when configured)
 *
 * The API server speaks HTTP/1.1 with keep-alive to webhooks (it pins ALPN to http/1.1), so there is
 * no HTTP/2 here; keep-alive is left on and the per-request path does no I/O of its own.
 */
import type { SecureContextOptions } from 'node:tls';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { EngineDeps } from '../checks/engine.js';
import type { Mode } from '../config/schema.js';
import { handleRequest, type DecisionRecord } from '../admission/handle.js';
import { errored } from '../admission/response.js';
import { parseReview, uidOf } from '../admission/review.js';
import { ByteBudget } from './budget.js';
import { fromFastifyError, httpError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** When the request's headers arrived (ms since epoch): its deadline counts from here. */
    receivedAt: number;
    /** The API server's `?timeout=` in ms, or null when absent or unreadable. */
    timeoutMs: number | null;
  }
}

/**
 * Two of the largest objects etcd stores (its default --max-request-bytes is 1.5 MiB) travel in one
 * review on UPDATE (`object` and `oldObject`). etcd holds protobuf; the same object as JSON is larger,
 * so allow twice that per object, plus room for the envelope: 2 × 2 × 1.5 MiB + 1 MiB = 7 MiB.
 */
export const BODY_LIMIT_BYTES = 7 * 1024 * 1024;

/**
 * Review bodies being read, parsed and decided at once, at most (bytes, by Content-Length). A review
 * takes several times its JSON size in memory while it is decided (measured: ≈ 7×, a 6.4 MiB review
 * ≈ 45 MB); 30 such reviews sent at once took `serve` past the Deployment's 256 MiB limit and the
 * kernel killed it. Over this budget a review waits its turn, its body left unread in the socket
 * (the kernel's buffers and TCP flow control hold it, not the heap), up to its own deadline; reviews
 * of ordinary size (a few KB) never notice the budget.
 */
export const INFLIGHT_BODY_BUDGET_BYTES = 16 * 1024 * 1024;

/** The API server's default webhook timeout (admissionregistration/v1 timeoutSeconds default). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The shortest webhook timeout the API server accepts (admissionregistration/v1 timeoutSeconds ≥ 1). */
export const MIN_TIMEOUT_MS = 1_000;

/**
 * The longest a request may take to arrive whole and be answered. The API server waits at most 30 s
 * for a webhook (admissionregistration/v1 `timeoutSeconds`: 1 to 30); past that nobody waits for the
 * answer. Fastify's default is no limit (requestTimeout 0), which lets a client that trickles its body
 * hold a connection, and up to BODY_LIMIT_BYTES of memory, for as long as it likes.
 */
export const REQUEST_TIMEOUT_MS = 35_000;
/** The request line and headers must arrive within this (the API server sends them at once; Node: 60 s). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node enforces those two. Its default, 30 s, would let a request overrun them by as much. */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface Readiness {
  /** null when ready, else why not. */
  notReadyReason(): string | null;
}

export interface AppOptions {
  /** Engine dependencies; a function so that a reloaded configuration applies to the next review. */
  readonly deps: () => EngineDeps;
  /** The namespace's `pullguard.io/mode` label, when known. */
  readonly namespaceMode?: (namespace: string) => Mode | undefined;
  readonly readiness?: Readiness;
  /** Called once per decision (metrics). */
  readonly onDecision?: (record: DecisionRecord, durationMs: number) => void;
  /** Logger options for Fastify to build one from (tests), or… */
  readonly logger?: FastifyServerOptions['logger'];
  /** …a logger made by the caller (`serve`: pino on an asynchronous standard output, see src/cli/serve.ts). */
  readonly loggerInstance?: FastifyBaseLogger;
  /** TLS options (cert, key, …); null or absent serves plain HTTP (tests, behind a TLS proxy). */
  readonly https?: SecureContextOptions | null;
  /** Clock, for deadlines. */
  readonly now?: () => number;
  /**
   * Limits (REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, TIMEOUT_CHECK_INTERVAL_MS,
   * INFLIGHT_BODY_BUDGET_BYTES); tests shorten them.
   */
  readonly limits?: {
    readonly requestMs?: number;
    readonly headersMs?: number;
    readonly checkIntervalMs?: number;
    readonly inflightBodyBytes?: number;
  };
}

/**
 * Parse the API server's `?timeout=10s` (a Go duration; the API server writes whole seconds).
 * Returns milliseconds, or null when absent or unparsable.
 */
export function parseTimeout(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000;
  return Number.isFinite(n) ? n * unit : null;
}

export async function build(opts: AppOptions): Promise<FastifyInstance> {
  const now = opts.now ?? Date.now;
  const serverOptions: FastifyServerOptions & { https?: unknown; http?: unknown } = {
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    bodyLimit: BODY_LIMIT_BYTES,
    // One line per decision is logged by the route itself; Fastify's per-request lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify gives every request a child logger bound to its own request id. pullguard's lines about a
    // review carry the review's uid instead — the id the API server also records — so the child bought
    // nothing but a little work per request (too little to see in npm run bench: docs/performance.md).
    childLoggerFactory: (logger) => logger,
    // Kubernetes API server retries on connection errors; idle keep-alive sockets are closed at shutdown.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  };
  const requestMs = opts.limits?.requestMs ?? REQUEST_TIMEOUT_MS;
  serverOptions.requestTimeout = requestMs;
  // Node's http.Server options (https.createServer takes them beside the TLS ones).
  const nodeServerOptions = {
    headersTimeout: Math.min(opts.limits?.headersMs ?? HEADERS_TIMEOUT_MS, requestMs),
    connectionsCheckingInterval: opts.limits?.checkIntervalMs ?? TIMEOUT_CHECK_INTERVAL_MS,
  };
  // The API server only speaks HTTP/1.1 to webhooks; offering h2 would buy nothing.
  if (opts.https) serverOptions.https = { ...opts.https, ...nodeServerOptions, ALPNProtocols: ['http/1.1'] };
  else serverOptions.http = nodeServerOptions;
  const app = Fastify(serverOptions as FastifyServerOptions);
  // Reviews are JSON only; Fastify also parses text/plain by default, which would let a text body reach
  // validation instead of being refused with 415.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, request, reply) => {
    const body = fromFastifyError(err);
    // A request that got as far as a parsed body with a uid still deserves an AdmissionReview answer.
    const uid = uidOf(request.body);
    if (body.statusCode >= 500) request.log.error({ err, method: request.method, url: request.url, ...(uid ? { uid } : {}) }, 'request failed');
    if (uid !== '' && body.statusCode < 500) return reply.code(200).send(errored(uid, body.statusCode, body.message));
    return reply.code(body.statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(httpError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  // Shutdown (SIGTERM → close()): Node's server.close() closes idle keep-alive connections once, and
  // a connection whose review was in flight then stays open after its answer until the client drops
  // it or the keep-alive timeout (72 s) passes — close() would not complete. So while closing, answers
  // say `Connection: close` (the API server will not reuse the connection), and connections that go
  // idle are closed as they do. Reviews in flight are still answered; new requests on a kept
  // connection get 503 (return503OnClosing).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    const server = app.server;
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
    done();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reason = opts.readiness?.notReadyReason() ?? null;
    if (reason !== null) return reply.code(503).send({ status: 'not ready', reason });
    return { status: 'ready' };
  });

  /** When the review's checks must have given up: the API server's timeout less a margin, from arrival. */
  const deadlineOf = (request: FastifyRequest, deps: EngineDeps): number => {
    const budget = request.timeoutMs;
    return budget === null
      ? request.receivedAt + deps.config.timeouts.defaultBudgetMs
      : request.receivedAt + Math.max(0, budget - deps.config.timeouts.admissionMarginMs);
  };

  // Reviews reserve their size from the body budget before their body is read (INFLIGHT_BODY_BUDGET_BYTES).
  const bodyBudget = new ByteBudget(opts.limits?.inflightBodyBytes ?? INFLIGHT_BODY_BUDGET_BYTES);
  app.decorateRequest('receivedAt', 0);
  app.decorateRequest('timeoutMs', null);
  const reserveBody = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    request.receivedAt = now();
    request.timeoutMs = parseTimeout((request.query as Record<string, unknown>)['timeout']);
    // The API server always sends Content-Length; a body without one is charged the most it may be.
    const declared = Number(request.headers['content-length']);
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, BODY_LIMIT_BYTES) : BODY_LIMIT_BYTES;
    const waitMs = deadlineOf(request, opts.deps()) - request.receivedAt;
    const reservation = bodyBudget.reserve(bytes, waitMs);
    // Once granted, the body must arrive within the API server's own timeout (it sends the body at
    // once, and nobody waits for the answer after that): a client that declares a body and stalls
    // does not keep its share of the budget beyond it. At least 1 s, the shortest timeout the API
    // server allows a webhook (a `?timeout=0s` from anyone else must not cut a body on its way).
    let stalled: NodeJS.Timeout | undefined;
    const stopStallTimer = (): void => clearTimeout(stalled);
    // The share is given back when the answer is sent or the connection goes away, whichever is first.
    reply.raw.once('close', () => {
      reservation.cancel();
      stopStallTimer();
    });
    const granted = (): void => {
      const apiServerWaitsMs = Math.max(MIN_TIMEOUT_MS, request.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      stalled = setTimeout(() => request.raw.destroy(), Math.max(0, request.receivedAt + apiServerWaitsMs - now()));
      stalled.unref();
      request.raw.once('end', stopStallTimer);
      done();
    };
    if (reservation.granted) return granted();
    void reservation.ready.then((ok) => {
      if (ok) return granted();
      if (reply.raw.destroyed || reply.sent) return;
      const mib = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`);
      reply
        .code(503)
        .header('connection', 'close')
        .send(
          httpError(
            'OVERLOADED',
            `pullguard is already deciding ${mib(bodyBudget.inUse)} of reviews (its memory budget for review bodies is ${mib(bodyBudget.capacity)}); this ${mib(bytes)} review waited ${waitMs} ms, its whole deadline`,
          ),
        );
    });
  };

  app.post(
    '/validate',
    { schema: { querystring: { type: 'object', properties: { timeout: { type: 'string' } } } }, onRequest: reserveBody },
    async (request, reply) => {
      const started = request.receivedAt;
      const parsed = parseReview(request.body);
      if (!parsed.ok) {
        const message = `not an AdmissionReview admission.k8s.io/v1: ${parsed.problems.join('; ')}`;
        if (parsed.uid === '') return reply.code(400).send(httpError('REVIEW_INVALID', message));
        return errored(parsed.uid, 400, message);
      }
      const deps = opts.deps();
      const deadline = deadlineOf(request, deps);
      const req = parsed.review.request;
      const handled = await handleRequest(req, {
        deps,
        deadline,
        namespaceMode: opts.namespaceMode?.(req.namespace ?? ''),
      });
      const durationMs = now() - started;
      const { record } = handled;
      if (record.verdict === 'error') request.log.error({ ...record, durationMs }, 'review failed');
      else request.log.info({ ...record, durationMs }, 'review');
      opts.onDecision?.(record, durationMs);
      if (closing) reply.header('connection', 'close');
      return handled.response;
    },
  );
  return app;
}
