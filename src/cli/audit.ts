/**
 * `pullguard audit`: the engine over the workloads running in a cluster NOW, with the credentials the
 * kubelet would use now (the cluster's pull Secrets and ServiceAccounts), reported like `check`: same
 * formats, same exit statuses. It finds what admission cannot see: an image or tag deleted, a pull
 * Secret deleted or expired, a registry that stopped granting access — after the object was admitted.
 *
 * Every carrier kind the cluster serves is listed (src/cluster/resources.ts: the carrier table plus
 * the configuration's `carriers:`, narrowed by discovery); objects made by a controller the audit also
 * reads (Pods, ReplicaSets, Jobs, TaskRuns …) are represented by that controller
 * (src/audit/inventory.ts), so each problem is reported once, under the object the user applied.
 */
import { parseArgs } from 'node:util';
import { auditRecords } from '../audit/run.js';
import { Inventory, type WorkloadRecord, reduceWorkload } from '../audit/inventory.js';
import type { EngineDeps } from '../checks/engine.js';
import { KubeClient } from '../cluster/client.js';
import { KubeconfigError } from '../cluster/kubeconfig.js';
import { loadPullObjects } from '../cluster/pull-objects.js';
import { auditedResources, describeSkipped, discoverServed, listEach, objectPath, type ServedResource, type SkippedKind } from '../cluster/resources.js';
import type { CarrierConfig } from '../workload/carriers.js';
import { ClusterStore } from '../cluster/store.js';
import { defaultConfig, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { RegistryChecker } from '../registry/checker.js';
import { CLUSTER_OPTIONS, clusterArgs, clusterClient, clusterOptionsHelp, type ClusterArgs } from './cluster-args.js';
import { readControllerDefaults, readDockerConfig } from './credentials.js';
import { InputError } from './inputs.js';
import { EXIT, UsageError, type Io } from './io.js';
import { checkOutputFile, OUTPUTS, type OutputFormat } from './outputs.js';
import { progress } from './progress.js';
import { buildReport, FAIL_ON, objectEntry, reportFails, type FailOn, type Report } from './report.js';
import { engineDeps, makeRegistryChecker } from './wiring.js';
import { deliverReport, knownFailure } from './failures.js';

export const AUDIT_HELP = `Usage: pullguard audit [options]

Check the workloads running in a cluster now: whether every image they name can still be
pulled with the credentials the kubelet would use now (the cluster's pull Secrets and
ServiceAccounts). Finds images or tags deleted from a registry, pull Secrets deleted or
expired, access revoked — after the workload was admitted.

Every kind that runs pods is read where the cluster serves it: Pod, ReplicaSet,
Deployment, StatefulSet, DaemonSet, ReplicationController, Job, CronJob, the well-known
custom resources (Argo, Tekton, Knative, KubeRay, JobSet, LeaderWorkerSet, Kubeflow;
docs/carriers.md) and the configuration's own "carriers:". Kinds the cluster does not
serve are named once on standard error and skipped. An object made by another one it
reads is reported once, as that owner (a Pod of a Deployment's ReplicaSet is the
Deployment; a Pod of an Argo Rollout's ReplicaSet is the Rollout).

Options:
${clusterOptionsHelp({ one: 'audit one namespace', all: 'audit every namespace (the default)' })}
  -o, --output FORMAT     text (default), json (the report format in the README),
                          sarif or junit, as for "pullguard check"
      --output-file FILE  write the report to FILE instead of standard output
      --fail-on LEVEL     deny (default): exit 1 when a pull would fail;
                          warn: exit 1 on warnings too
  -c, --config FILE       policy configuration (the same file the webhook uses)
      --docker-config FILE
                          a docker config.json whose credentials the nodes use
                          (tried after pull secrets, as the kubelet does)
      --offline           make no registry call (reference and credential checks only)
  -h, --help              show this help

RBAC: list on the kinds above, and on secrets and serviceaccounts (docs/audit.md).
Registry cost: one manifest request per distinct image and credential set.

On a terminal, progress is shown on standard error.

Exit status: 0 no pull would fail (with --fail-on warn: and nothing warned), 1 some pull
would fail (or warned), 2 bad usage, a cluster that cannot be read, or a report that
cannot be written.
`;

interface AuditOptions {
  readonly cluster: ClusterArgs;
  readonly output: OutputFormat;
  readonly outputFile: string | undefined;
  readonly failOn: FailOn;
  readonly configFile: string | undefined;
  readonly dockerConfig: string | undefined;
  readonly offline: boolean;
}

function parseAuditArgs(argv: string[]): AuditOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...CLUSTER_OPTIONS,
      output: { type: 'string', short: 'o', default: 'text' },
      'output-file': { type: 'string' },
      'fail-on': { type: 'string', default: 'deny' },
      config: { type: 'string', short: 'c' },
      'docker-config': { type: 'string' },
      offline: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (audit reads the cluster, not files; see "pullguard check")`);
  if (!(OUTPUTS as readonly string[]).includes(values.output)) {
    throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')}, not "${values.output}"`);
  }
  if (!(FAIL_ON as readonly string[]).includes(values['fail-on'])) {
    throw new UsageError(`--fail-on must be deny or warn, not "${values['fail-on']}"`);
  }
  if (values['output-file'] === '') throw new UsageError('--output-file needs a file name');
  return {
    cluster: clusterArgs(values),
    output: values.output as OutputFormat,
    outputFile: values['output-file'],
    failOn: values['fail-on'] as FailOn,
    configFile: values.config,
    dockerConfig: values['docker-config'],
    offline: values.offline,
  };
}

/** Where an audited object is, as the report's `file`: its API path under a `cluster:` scheme. */
export function clusterLocation(resource: ServedResource, record: Pick<WorkloadRecord, 'namespace' | 'name'>): string {
  return `cluster:${objectPath(resource, resource.version, record.namespace, record.name)}`;
}

export interface ClusterInventory {
  readonly inventory: Inventory;
  /** `group/kind` → the served resource it was read from. */
  readonly served: ReadonlyMap<string, ServedResource>;
  /** Carrier kinds this cluster does not serve (or whose discovery failed): not audited. */
  readonly skipped: readonly SkippedKind[];
  /** Objects that could not be reduced (no name), with why. */
  readonly problems: readonly string[];
}

/**
 * List every workload object (one namespace or all) of every carrier kind the cluster serves — the
 * carrier table with the configuration's `carriers:` (src/cluster/resources.ts) — into an inventory.
 */
export async function readInventory(
  client: KubeClient,
  opts: { readonly namespace?: string | undefined; readonly carriers?: readonly CarrierConfig[] | undefined; readonly onListed?: (kind: string, count: number) => void },
): Promise<ClusterInventory> {
  const inventory = new Inventory();
  const served = new Map<string, ServedResource>();
  const problems: string[] = [];
  const found = await discoverServed(client, auditedResources(opts.carriers), { configured: opts.carriers });
  for (const resource of found.served) {
    const type = { group: resource.group, version: resource.version, kind: resource.kind };
    const listed = await listEach(
      client,
      resource,
      (item) => {
        const r = reduceWorkload(item, type, opts.carriers);
        if (r.ok) inventory.upsert(r.record);
        else problems.push(r.reason);
      },
      { namespace: opts.namespace },
    );
    served.set(`${resource.group}/${resource.kind}`, resource);
    opts.onListed?.(resource.kind, listed.count);
  }
  return { inventory, served, skipped: found.skipped, problems };
}

export async function runAudit(argv: string[], io: Io): Promise<number> {
  let options: AuditOptions | 'help';
  let config: Config;
  let client: KubeClient | null = null;
  let registry: RegistryChecker | null = null;
  const bar = progress(io.stderr, { enabled: io.stderrIsTTY === true });
  let report: Report;
  try {
    options = parseAuditArgs(argv);
    if (options === 'help') {
      io.stdout.write(AUDIT_HELP);
      return EXIT.OK;
    }
    if (options.outputFile !== undefined) await checkOutputFile(options.outputFile);
    config = options.configFile ? await loadConfigFile(options.configFile) : defaultConfig();
    const dockerConfig = options.dockerConfig ? await readDockerConfig(options.dockerConfig) : undefined;
    try {
      client = await clusterClient(options.cluster, io.env);
    } catch (err) {
      if (err instanceof KubeconfigError) throw new InputError(err.message);
      throw err;
    }
    let listed = 0;
    let read: ClusterInventory;
    let environment: Awaited<ReturnType<typeof readControllerDefaults>>;
    const state = new ClusterStore({ available: true });
    try {
      read = await readInventory(client, {
        namespace: options.cluster.namespace,
        carriers: config.carriers,
        onListed: (_kind, count) => {
          listed += count;
          bar.update(0, listed);
        },
      });
      await loadPullObjects(client, state, { namespace: options.cluster.namespace });
      environment = await readControllerDefaults(client, config);
    } catch (err) {
      throw new InputError(`cannot read the cluster at ${client.connection.server.origin}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (read.skipped.length > 0) io.stderr.write(`pullguard audit: kinds this cluster does not serve, not audited: ${describeSkipped(read.skipped)}\n`);
    for (const p of read.problems) io.stderr.write(`pullguard audit: skipped ${p}\n`);
    registry = options.offline || !config.registryChecks ? null : await makeRegistryChecker(config);
    const { tektonUnknown, argoUnknown } = environment;
    if (tektonUnknown && read.served.has('tekton.dev/TaskRun')) io.stderr.write(`pullguard audit: Tekton's cluster defaults are not known (${tektonUnknown}); runs that rely on them get warnings\n`);
    if (argoUnknown && read.served.has('argoproj.io/Workflow')) io.stderr.write(`pullguard audit: Argo's workflowDefaults are not known (${argoUnknown}); workflows missing a credential get warnings\n`);
    const known = environment;
    const deps: EngineDeps = engineDeps(config, { state, dockerConfig, registry, environment: () => known });
    const records = read.inventory.representatives();
    const audited = await auditRecords(records, deps, {
      budgetMs: config.timeouts.defaultBudgetMs,
      onProgress: (done, total) => bar.update(done, total),
    });
    report = buildReport(
      audited.map(({ record, outcome }) => {
        const at = read.served.get(`${record.group}/${record.kind}`)!;
        const entry = objectEntry({
          file: clusterLocation(at, record),
          line: 1,
          template: null,
          group: at.group,
          kind: record.kind,
          namespace: record.namespace,
          name: record.name,
          outcome,
          lineOf: () => null,
        });
        // An object in the cluster has no line: its source is its API path alone.
        return { ...entry, source: entry.file };
      }),
      0,
    );
    const collapsed = read.inventory.collapsedCount();
    io.stderr.write(
      `pullguard audit: ${read.inventory.size} workload object${read.inventory.size === 1 ? '' : 's'} read` +
        (collapsed > 0 ? `; ${collapsed} made by a controller ${collapsed === 1 ? 'is' : 'are'} reported as that controller` : '') +
        '\n',
    );
  } catch (err) {
    const code = knownFailure('audit', err, io);
    if (code !== null) return code;
    throw err;
  } finally {
    bar.end();
    await registry?.close();
    await client?.close();
  }
  const failed = await deliverReport('audit', report, options, io);
  if (failed !== null) return failed;
  return reportFails(report, options.failOn) ? EXIT.DENIED : EXIT.OK;
}
