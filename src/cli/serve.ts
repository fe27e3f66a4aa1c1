/**
 * `pullguard serve`: the validating admission webhook over HTTPS. Wires the adapters (certificates,
 * configuration) to the server built by src/server/app.ts. Runs until SIGTERM or SIGINT, then stops
 * accepting connections, finishes the reviews in flight and exits 0.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { CertificateError, CertificateReloader, DEFAULT_NAMESPACE, DEFAULT_SERVICE, ensureCertDir } from '../certs/index.js';
import type { EngineDeps } from '../checks/engine.js';
import type { Config } from '../config/schema.js';
import { ConfigError, defaultConfig, loadConfigFile } from '../config/load.js';
import { ConfigWatcher } from '../config/watch.js';
import { ClusterStore } from '../cluster/store.js';
import { loadClusterConnection } from '../cluster/kubeconfig.js';
import { ClusterWatch } from '../cluster/watch.js';
import { build } from '../server/app.js';
import { buildMetricsApp, createMetrics } from '../server/metrics.js';
import type { RegistryChecker } from '../registry/checker.js';
import { engineDeps, makeRegistryChecker, registryConfigKey } from './wiring.js';
import { ServeAudit } from './serve-audit.js';
import { EXIT, UsageError, type Io } from './io.js';

/**
 * Decision lines waiting to reach standard output, at most (bytes). Lines are written asynchronously
 * (sonic-boom `sync: false`): a review never waits for a write, and lines written while one is in
 * flight go out together (one write for many lines under load). When whoever reads the container's
 * output stalls, lines beyond this are dropped and counted (`pullguard_log_lines_dropped_total`)
 * rather than held without bound or blocking reviews. 16 MiB is about 50,000 decision lines.
 */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

export const SERVE_HELP = `Usage: pullguard serve [options]

Run the validating admission webhook: POST /validate (AdmissionReview admission.k8s.io/v1),
GET /healthz, GET /readyz, over HTTPS. Logs one JSON line per decision to standard output.

Options:
  -l, --listen HOST:PORT   address to listen on (default 0.0.0.0:8443)
      --cert-dir DIR       directory with tls.crt and tls.key, as a Kubernetes TLS secret mounts
                           them (default certs/). When it holds neither, a CA and a serving
                           certificate are generated there (ca.crt is the caBundle to register).
                           Changed files are reloaded without a restart.
  -c, --config FILE        policy configuration (YAML; see manifests/config.example.yaml).
                           A valid change to the file applies without a restart; an invalid
                           one is refused and logged, and the running configuration is kept.
      --metrics-listen HOST:PORT
                           plain-HTTP address for GET /metrics (Prometheus; default
                           0.0.0.0:9090; "off" disables it)
      --kubeconfig FILE    cluster access for pull Secrets, ServiceAccounts and Namespace modes
                           (list + watch). Inside a cluster the Pod's ServiceAccount is used
                           when this is not given; elsewhere, without it, the webhook runs
                           without cluster data and says so at start-up. With cluster data,
                           the replica holding the audit Lease (in --namespace) also audits
                           running workloads (config audit:, docs/audit.md).
      --service NAME       Service name for generated certificates (default ${DEFAULT_SERVICE})
      --namespace NS       namespace for generated certificates and the audit Lease (default $POD_NAMESPACE, else ${DEFAULT_NAMESPACE})
      --log-level LEVEL    fatal, error, warn, info (default), debug
  -h, --help               show this help
`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;

/** Why `serve` knows nothing of the cluster, in the words the user can act on. */
const NO_CLUSTER = 'pullguard runs without cluster data (no --kubeconfig, not in a cluster)';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: { host: string; port: number } | null;
  readonly certDir: string;
  readonly configFile: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly service: string;
  readonly namespace: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT`. */
export function parseListen(value: string, flag = '--listen'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 0 || port > 65535) throw new UsageError(`${flag} must be HOST:PORT (for example 0.0.0.0:8443), not "${value}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function parseServeArgs(argv: string[], env: Readonly<Record<string, string | undefined>>): ServeOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      listen: { type: 'string', short: 'l', default: '0.0.0.0:8443' },
      'metrics-listen': { type: 'string', default: '0.0.0.0:9090' },
      'cert-dir': { type: 'string', default: 'certs' },
      config: { type: 'string', short: 'c' },
      kubeconfig: { type: 'string' },
      service: { type: 'string', default: DEFAULT_SERVICE },
      namespace: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const logLevel = values['log-level'];
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`);
  }
  return {
    ...parseListen(values.listen),
    metrics: values['metrics-listen'] === 'off' ? null : parseListen(values['metrics-listen'], '--metrics-listen'),
    certDir: values['cert-dir'],
    configFile: values.config,
    kubeconfig: values.kubeconfig,
    service: values.service,
    namespace: values.namespace ?? env['POD_NAMESPACE'] ?? DEFAULT_NAMESPACE,
    logLevel: logLevel as ServeOptions['logLevel'],
  };
}

export async function runServe(argv: string[], io: Io): Promise<number> {
  let options: ServeOptions | 'help';
  try {
    options = parseServeArgs(argv, io.env);
  } catch (err) {
    io.stderr.write(`pullguard serve: ${(err as Error).message}\nRun "pullguard serve --help" for usage.\n`);
    return EXIT.USAGE;
  }
  if (options === 'help') {
    io.stdout.write(SERVE_HELP);
    return EXIT.OK;
  }

  let initialConfig: Config;
  let certs: Awaited<ReturnType<typeof ensureCertDir>>;
  try {
    initialConfig = options.configFile ? await loadConfigFile(options.configFile) : defaultConfig();
    certs = await ensureCertDir(options.certDir, { service: options.service, namespace: options.namespace });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CertificateError) {
      io.stderr.write(`pullguard serve: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }

  // Cluster data: --kubeconfig, else the Pod's ServiceAccount when running in a cluster, else none.
  const kubeconfig = options.kubeconfig ?? (io.env['KUBERNETES_SERVICE_HOST'] ? 'in-cluster' : undefined);
  let cluster: ClusterWatch | undefined;
  if (kubeconfig) {
    try {
      cluster = new ClusterWatch({
        connection: await loadClusterConnection(kubeconfig, io.env),
        logger: { info: (o, m) => app.log.info(o, m), warn: (o, m) => app.log.warn(o, m) },
        onChange: (kind, namespace, name) => audit?.clusterChanged(kind, namespace, name),
        tektonNamespace: initialConfig.tekton.namespace,
        argo: initialConfig.argo,
      });
    } catch (err) {
      io.stderr.write(`pullguard serve: --kubeconfig ${kubeconfig}: ${(err as Error).message}\n`);
      return EXIT.USAGE;
    }
  }
  const state = cluster?.store ?? new ClusterStore({ available: false });

  const metrics = createMetrics(cluster ? { carrierDefaultsKnown: () => ({ tekton: cluster!.tekton.environment().tekton !== undefined, argo: cluster!.argo.environment().argo !== undefined }) } : {});
  const logger = pino(
    { level: options.logLevel, base: { service: 'pullguard' } },
    logDestination({ fd: 1, maxBytes: LOG_BUFFER_MAX_BYTES, onDropped: (lines) => metrics.logLinesDropped.inc(lines) }),
  );
  // The registry checker holds the caches, tokens and circuit breakers: it is rebuilt only when the
  // registry settings themselves change.
  let registry: RegistryChecker;
  // The continuous audit (src/cli/serve-audit.ts): created below when enabled and cluster data is available.
  let audit: ServeAudit | undefined;
  let currentConfig = initialConfig;
  const admissionLookup = (r: string) => audit?.metrics.lookup('admission', r);
  try {
    registry = await makeRegistryChecker(initialConfig, { metrics: metrics.registry, onNetworkLookup: admissionLookup });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`pullguard serve: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  let registryKey = registryConfigKey(initialConfig);
  // Engine dependencies are rebuilt as a whole when the configuration changes, and each review reads
  // them once: a review never sees half of an old and half of a new configuration.
  const makeDeps = (config: Config): EngineDeps =>
    engineDeps(config, {
      state,
      registry,
      ...(cluster
        ? { nodePlatforms: () => cluster.nodes.platforms(), environment: () => ({ ...cluster.tekton.environment(), ...cluster.argo.environment() }) }
        : {
            unavailableReason: NO_CLUSTER,
            environment: () => ({ tektonNamespace: config.tekton.namespace, tektonUnknown: NO_CLUSTER, argoConfigMap: `${config.argo.namespace}/${config.argo.configMap}`, argoUnknown: NO_CLUSTER }),
          }),
    });
  let deps = makeDeps(initialConfig);
  const reloader = await CertificateReloader.load({ certFile: certs.certFile, keyFile: certs.keyFile });
  const app = await build({
    deps: () => deps,
    https: reloader.tlsOptions(),
    loggerInstance: logger,
    onDecision: (record, durationMs) => metrics.observeDecision(record, durationMs),
    ...(cluster
      ? { readiness: cluster, namespaceMode: (ns: string) => cluster.namespaces.mode(ns) }
      : {}),
  });
  const log = app.log;
  reloader.setLogger(log);
  reloader.attach(app.server);
  app.addHook('onClose', async () => reloader.close());
  app.addHook('onClose', async () => registry.close());
  if (options.configFile) {
    const watcher = await new ConfigWatcher({
      file: options.configFile,
      initial: initialConfig,
      logger: log,
      onApplied: async (config) => {
        if (registryConfigKey(config) !== registryKey) {
          try {
            const old = registry;
            registry = await makeRegistryChecker(config, { onNetworkLookup: admissionLookup });
            registryKey = registryConfigKey(config);
            void old.close();
          } catch (err) {
            log.error({ reason: (err as Error).message }, 'configuration change refused: registry settings unusable');
            metrics.reloads.inc({ result: 'rejected' });
            return;
          }
        }
        deps = makeDeps(config);
        cluster?.tekton.setNamespace(config.tekton.namespace);
        cluster?.argo.setLocation(config.argo);
        currentConfig = config;
        metrics.reloads.inc({ result: 'applied' });
        await audit?.configChanged(config);
      },
      onRejected: () => metrics.reloads.inc({ result: 'rejected' }),
    }).start();
    app.addHook('onClose', async () => watcher.close());
  }
  const metricsApp = options.metrics ? await buildMetricsApp(metrics.registry) : null;

  if (certs.generated) {
    log.info(
      { certDir: options.certDir, caFile: certs.caFile, sans: certs.info.sans, notAfter: certs.info.notAfter },
      `generated a self-signed CA and serving certificate in ${options.certDir}; register ${certs.caFile} as the webhook caBundle`,
    );
  } else {
    log.info({ certFile: certs.certFile, sans: certs.info.sans, notAfter: certs.info.notAfter }, 'using the serving certificate');
  }
  for (const w of certs.warnings) log.warn({ certFile: certs.certFile }, w);
  if (cluster) {
    log.info({ kubeconfig }, 'watching pull Secrets, ServiceAccounts and Namespaces; ready once listed');
    cluster.start();
    if (initialConfig.audit.enabled) {
      audit = ServeAudit.create({
        cluster,
        config: () => currentConfig,
        metricsRegistry: metrics.registry,
        namespace: options.namespace,
        // Admission first: audit lookups wait while the webhook's own registry lookups are in flight.
        admissionBusy: () => registry.lookupsInFlight > 0,
        logger: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o, m) },
      }).start();
      log.info(
        { lease: `${options.namespace}/${initialConfig.audit.lease.name}`, intervalSeconds: initialConfig.audit.intervalSeconds },
        'continuous audit on: the replica holding the Lease audits running workloads',
      );
    }
    // The audit releases its Lease before the watches stop, so another replica takes over at once.
    app.addHook('onClose', async () => {
      await audit?.stop();
      cluster.stop();
    });
  } else {
    log.warn(
      {},
      'no cluster data (no --kubeconfig, not in a cluster): pull secrets, ServiceAccounts and namespace modes are not read',
    );
  }

  try {
    await app.listen({ host: options.host, port: options.port });
    if (metricsApp && options.metrics) await metricsApp.listen(options.metrics);
  } catch (err) {
    await app.close();
    io.stderr.write(`pullguard serve: cannot listen: ${(err as Error).message}\n`);
    return EXIT.FAILED;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping: no new connections, finishing reviews in flight');
      Promise.all([app.close(), metricsApp?.close()]).then(
        () => {
          log.info({}, 'stopped');
          resolve(EXIT.OK);
        },
        (err: unknown) => {
          log.error({ err }, 'error while stopping');
          resolve(EXIT.FAILED);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/**
 * The log's destination: asynchronous writes to `fd`, at most `maxBytes` waiting (see
 * LOG_BUFFER_MAX_BYTES); `onDropped` learns how many lines were dropped. pino's destination writes
 * out what is still buffered when the process exits (on-exit-leak-free).
 */
export function logDestination(opts: { readonly fd: number; readonly maxBytes: number; readonly onDropped: (lines: number) => void }) {
  const stream = pino.destination({ dest: opts.fd, sync: false, maxLength: opts.maxBytes });
  stream.on('drop', (data: string | Buffer) => opts.onDropped(countLines(String(data))));
  return stream;
}

function countLines(data: string): number {
  let n = 0;
  for (let i = data.indexOf('\n'); i !== -1; i = data.indexOf('\n', i + 1)) n++;
  return Math.max(n, 1);
}
