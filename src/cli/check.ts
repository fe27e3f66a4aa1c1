/**
 * `pullguard check`: the webhook's engine over manifest files, for CI jobs and GitOps pipelines.
 * Exit 0 when nothing would be denied, 1 when something would be (`--fail-on warn`: or warned), 2 for
 * bad usage, unreadable input or a report that cannot be written.
 */
import { parseArgs } from 'node:util';
import { review, type EngineDeps } from '../checks/engine.js';
import { defaultConfig, loadConfigFile } from '../config/load.js';
import type { Config, Mode } from '../config/schema.js';
import { carrierFor, type CarrierEnvironment } from '../workload/carriers.js';
import { TEKTON_DEFAULTS } from '../workload/tekton.js';
import { ARGO_CONFIG } from '../workload/argo.js';
import { groupOf, imageFields, OPAQUE_KINDS } from '../workload/extract.js';
import { parseManifests, type ManifestObject } from '../workload/manifests.js';
import type { RegistryChecker } from '../registry/checker.js';
import { engineDeps, makeRegistryChecker } from './wiring.js';
import { clusterViewFor, readDockerConfig } from './credentials.js';
import { argoConfig, argoEnvironment, type ArgoEnvironment } from '../cluster/argo-defaults.js';
import { readingOf } from '../cluster/controller-config.js';
import { TEKTON_CONFIG, tektonEnvironment, type TektonEnvironment } from '../cluster/tekton-defaults.js';
import { DEFAULT_EXCLUDES, MANIFEST_EXTENSIONS, readInputs } from './inputs.js';
import {
  buildReport,
  EMPTY_INPUT,
  FAIL_ON,
  objectEntry,
  problemSource,
  reportFails,
  type DocumentNoteEntry,
  type FailOn,
  type InputProblemEntry,
  type InputReport,
  type NotReadEntry,
  type ObjectEntry,
  type Report,
} from './report.js';
import { EXIT, UsageError, type Io } from './io.js';
import { helmTemplates } from './helm.js';
import { checkOutputFile, OUTPUTS, type OutputFormat } from './outputs.js';
import { progress } from './progress.js';
import { deliverReport, knownFailure } from './failures.js';

export const CHECK_HELP = `Usage: pullguard check [PATH... | -] [options]

Check the images of Kubernetes manifests the way the webhook would, without a cluster.
PATH may be a file (read whatever its name), a directory or - for standard input.
Directories are read as "kubectl apply -R -f DIR" reads them: recursively, every file
ending in .json, .yaml or .yml, in hidden directories too and through symlinks to
files (symlinks to directories are not followed, as kubectl does not follow them).
Only .git and node_modules directories are skipped by default; what was skipped is
named in the report. Multi-document YAML streams (kubectl kustomize and helm template
output too), JSON, and List objects are read. YAML is read as kubectl reads it: a key
given twice keeps its last value (the object gets a note).

Options:
  -o, --output FORMAT     text (default), json (the report format in the README),
                          sarif (SARIF 2.1.0, for GitHub code scanning) or
                          junit (JUnit XML, for GitLab and other CI test reports)
      --output-file FILE  write the report to FILE instead of standard output
      --fail-on LEVEL     deny (default): exit 1 when anything would be denied;
                          warn: exit 1 on warnings too
  -c, --config FILE       policy configuration (the same file the webhook uses)
  -n, --namespace NS      namespace for objects that name none (default: default)
      --mode MODE         override the configured mode: enforce or warn
      --docker-config FILE
                          a docker config.json whose credentials the nodes use
                          (tried after pull secrets, as the kubelet does)
      --kubeconfig FILE   read pull Secrets and ServiceAccounts from a cluster, and
                          the Tekton and Argo controllers' defaults (their ConfigMaps)
      --offline           make no network call: skip the registry checks
                          (reference and credential checks still run)
      --exclude PATTERN   do not read files or directories matching PATTERN (a
                          name, or a path below PATH when it holds a /; * ? and **
                          work); repeatable. Excluded paths are named in the report
      --no-default-excludes
                          read .git and node_modules directories too
  -h, --help              show this help

Every kind that makes pods is checked: Kubernetes' own, the custom resources of Argo,
Tekton, Knative, KubeRay, JobSet, LeaderWorkerSet and Kubeflow, and the kinds under
"carriers:" in the configuration (docs/carriers.md). Objects of other kinds that hold
image fields are listed as NOT READ; images Argo or Tekton fill in at run time
({{...}}, $(...)) are counted, not checked.

Pull credentials: Secrets and ServiceAccounts in the checked manifests are used as
the kubelet would use them (namespace-aware). A referenced Secret is reported missing
only when the manifests carry Secrets or ServiceAccounts themselves, or with --kubeconfig;
otherwise it is reported as not checked (PULL_SECRET_UNVERIFIED, a warning).
Controllers' cluster defaults are applied when their ConfigMap is among the inputs:
Tekton's config-defaults (tekton.namespace) and Argo's workflow controller ConfigMap
(argo.namespace/argo.configMap: its workflowDefaults). Without it, a credential they
could add is uncertain: a missing one is a warning, not a denial.

Text output is coloured on a terminal unless NO_COLOR is set; on a terminal, long runs
show their progress on standard error.

Exit status: 0 nothing would be denied (with --fail-on warn: and nothing warned),
1 something would be denied (or warned), 2 bad usage, input that cannot be read or
parsed, or a report that cannot be written. A file or document that cannot be read
is reported (MANIFEST_UNREADABLE, MANIFEST_UNPARSEABLE) with its file and line, and
every other file and document is still checked and reported before exit 2.
`;

interface CheckOptions {
  readonly paths: string[];
  readonly output: OutputFormat;
  readonly outputFile: string | undefined;
  readonly failOn: FailOn;
  readonly configFile: string | undefined;
  readonly namespace: string;
  readonly mode: Mode | undefined;
  readonly dockerConfig: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly offline: boolean;
  readonly exclude: string[];
  readonly defaultExcludes: boolean;
}

function parseCheckArgs(argv: string[]): CheckOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string', short: 'o', default: 'text' },
      'output-file': { type: 'string' },
      'fail-on': { type: 'string', default: 'deny' },
      config: { type: 'string', short: 'c' },
      namespace: { type: 'string', short: 'n', default: 'default' },
      mode: { type: 'string' },
      'docker-config': { type: 'string' },
      kubeconfig: { type: 'string' },
      offline: { type: 'boolean', default: false },
      exclude: { type: 'string', multiple: true, default: [] },
      'no-default-excludes': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (!(OUTPUTS as readonly string[]).includes(values.output)) {
    throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')}, not "${values.output}"`);
  }
  if (!(FAIL_ON as readonly string[]).includes(values['fail-on'])) {
    throw new UsageError(`--fail-on must be deny or warn, not "${values['fail-on']}"`);
  }
  if (values['output-file'] === '') throw new UsageError('--output-file needs a file name');
  if (values.mode !== undefined && values.mode !== 'enforce' && values.mode !== 'warn') {
    throw new UsageError(`--mode must be enforce or warn, not "${values.mode}"`);
  }
  if (values.exclude.some((p) => p.trim() === '')) throw new UsageError('--exclude needs a pattern');
  if (positionals.length === 0) throw new UsageError('name at least one file or directory to check, or - for standard input');
  return {
    paths: positionals,
    output: values.output as OutputFormat,
    outputFile: values['output-file'],
    failOn: values['fail-on'] as FailOn,
    configFile: values.config,
    namespace: values.namespace,
    mode: values.mode as Mode | undefined,
    dockerConfig: values['docker-config'],
    kubeconfig: values.kubeconfig,
    offline: values.offline,
    exclude: values.exclude,
    defaultExcludes: !values['no-default-excludes'],
  };
}

function constant<T>(value: T): () => T {
  return () => value;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Objects checked at once: enough to overlap registry round trips, few enough to stay polite. */
export const CHECK_CONCURRENCY = 16;

/** One object read from the inputs: the input it came from, where, and (helm output) its template. */
export interface InputObject {
  /** The input as named on the command line, `<stdin>` for standard input. */
  readonly source: string;
  readonly manifest: ManifestObject;
  /** The Helm template named by a `# Source:` comment before the object, when there is one. */
  readonly template?: string | null;
}

export interface CheckObjectsOptions {
  readonly namespace: string;
  readonly mode?: Mode | undefined;
  readonly budgetMs: number;
  /** What was read (files, exclusions, problems, notes on documents without objects); empty when absent. */
  readonly input?: InputReport;
  /** Called as objects finish: how many of how many carriers are checked. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * The controllers' cluster defaults as `--kubeconfig` read them (Tekton's config-defaults, Argo's
   * workflowDefaults), or why not: used where the inputs do not carry those ConfigMaps themselves.
   */
  readonly clusterEnvironment?: ClusterControllers;
}

/** What `check --kubeconfig` read of the controllers' ConfigMaps in the cluster. */
export type ClusterControllers = TektonEnvironment & ArgoEnvironment;

/**
 * Run the engine over every carrier object of a manifest set, CHECK_CONCURRENCY at a time, each with
 * its own deadline (`budgetMs`, as a review would have). The report keeps the input order. Identical
 * images across objects cost one registry request: the registry checker shares and caches lookups.
 */
export async function checkObjects(
  objects: readonly InputObject[],
  skipped: number,
  deps: EngineDeps,
  opts: CheckObjectsOptions,
): Promise<Report> {
  const carriers: (InputObject & { group: string; kind: string })[] = [];
  const notRead: NotReadEntry[] = [];
  let withoutImages = 0;
  const notes: DocumentNoteEntry[] = [...(opts.input?.notes ?? [])];
  const environment = deps.environment ?? constant(carrierEnvironment(objects, opts.namespace, notes, deps.config.tekton.namespace, deps.config.argo, opts.clusterEnvironment));
  for (const input of objects) {
    const o = input.manifest.object;
    const kind = str(o['kind']);
    const apiVersion = str(o['apiVersion']);
    const group = groupOf(apiVersion);
    if (carrierFor(group, kind, deps.config.carriers)) {
      carriers.push({ ...input, group, kind });
      continue;
    }
    // Not checked, so not in the report's objects: its notes go with the input's.
    const { namespace, name } = identity(o, opts.namespace);
    const meta = o['metadata'] as Record<string, unknown> | undefined;
    const ns = str(meta?.['namespace']);
    const object = `${kind} ${ns ? `${ns}/` : ''}${str(meta?.['name']) || '(unnamed)'}`;
    for (const n of input.manifest.notes) notes.push({ file: input.source, object, line: n.line, message: n.message });
    // Not a kind pullguard reads: say so when it holds images (an unknown CRD), count it otherwise.
    const fields = OPAQUE_KINDS.has(`${group}/${kind}`) ? [] : imageFields(o);
    if (fields.length === 0) {
      withoutImages++;
      continue;
    }
    notRead.push({
      source: `${input.source}:${input.manifest.line}`,
      file: input.source,
      line: input.manifest.line,
      template: input.template ?? null,
      apiVersion,
      group,
      kind,
      namespace,
      name,
      fields: fields.map((f) => ({ field: f.field, line: input.manifest.lineOf(f.field), image: f.image })),
    });
  }
  const entries: ObjectEntry[] = new Array(carriers.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < carriers.length) {
      const i = next++;
      const { source, manifest, template, group, kind } = carriers[i]!;
      const o = manifest.object;
      const { namespace, name } = identity(o, opts.namespace);
      const outcome = await review({ group, kind, namespace, name, object: o }, { ...deps, environment }, {
        deadline: Date.now() + opts.budgetMs,
        modeOverride: opts.mode,
        unread: true,
      });
      const entry = objectEntry({
        file: source,
        line: manifest.line,
        template: template ?? null,
        group,
        kind,
        namespace,
        name,
        outcome,
        lineOf: (f) => manifest.lineOf(f),
        notes: manifest.notes,
      });
      entries[i] = entry;
      opts.onProgress?.(++done, carriers.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, carriers.length) }, worker));
  return buildReport(entries, skipped + withoutImages, { ...(opts.input ?? EMPTY_INPUT), notes }, notRead);
}

/**
 * What carriers' controllers would read from other objects, taken from the other inputs: Tekton's
 * config-defaults ConfigMap (tekton-pipelines/config-defaults), Argo's workflow controller ConfigMap
 * (argo/workflow-controller-configmap: its workflowDefaults) and the WorkflowTemplates and
 * ClusterWorkflowTemplates that Argo templateRefs and workflowTemplateRefs name. Without them the carrier is read alone.
 */
export function carrierEnvironment(
  objects: readonly InputObject[],
  defaultNamespace: string,
  notes: DocumentNoteEntry[],
  tektonNamespace: string = TEKTON_DEFAULTS.namespace,
  argoAt: { readonly namespace: string; readonly configMap: string } = { namespace: ARGO_CONFIG.namespace, configMap: ARGO_CONFIG.name },
  /** What the cluster holds (`--kubeconfig`), for the ConfigMaps the inputs do not carry. */
  fromCluster?: ClusterControllers,
): CarrierEnvironment {
  const templates = new Map<string, Record<string, unknown>>();
  let tekton: CarrierEnvironment['tekton'];
  let tektonUnknown: string | undefined;
  let argo: CarrierEnvironment['argo'];
  let argoUnknown: string | undefined;
  const argoConfigMap = `${argoAt.namespace}/${argoAt.configMap}`;
  for (const input of objects) {
    const o = input.manifest.object;
    const meta = (typeof o['metadata'] === 'object' && o['metadata'] !== null ? o['metadata'] : {}) as Record<string, unknown>;
    const name = str(meta['name']);
    const ns = str(meta['namespace']) || defaultNamespace;
    const group = groupOf(str(o['apiVersion']));
    if (group === 'argoproj.io' && o['kind'] === 'WorkflowTemplate') templates.set(`WorkflowTemplate/${ns}/${name}`, o);
    if (group === 'argoproj.io' && o['kind'] === 'ClusterWorkflowTemplate') templates.set(`ClusterWorkflowTemplate//${name}`, o);
    if (group !== '' || o['kind'] !== 'ConfigMap') continue;
    // Read as serve and audit read them from the cluster (src/cluster/controller-config.ts): data the
    // controller cannot use leaves its defaults unknown (it keeps its previous ones, or stops), so
    // what is missing a credential gets a warning, never a guess.
    const at = str(meta['namespace']);
    const note = (key: string, problem: string | undefined, what: string) => {
      if (problem) notes.push({ file: input.source, object: `ConfigMap ${at}/${name}`, line: input.manifest.lineOf(key) ?? input.manifest.line, message: `${problem}; ${what}` });
    };
    if (name === TEKTON_DEFAULTS.name && at === tektonNamespace) {
      const reading = readingOf(TEKTON_CONFIG, o, at);
      ({ tekton, tektonUnknown } = tektonEnvironment(reading));
      note('data.default-pod-template', reading.problem, "Tekton's defaults are not applied, and runs missing a credential get warnings");
    }
    if (name === argoAt.configMap && at === argoAt.namespace) {
      const reading = readingOf(argoConfig(name), o, at);
      ({ argo, argoUnknown } = argoEnvironment(reading, name));
      const data = o['data'];
      note(typeof data === 'object' && data !== null && 'config' in data ? 'data.config' : 'data.workflowDefaults', reading.problem, "Argo's workflowDefaults are not applied, and workflows missing a credential get warnings");
    }
  }
  // Among the inputs, a ConfigMap is what is checked against; else what the cluster holds, if read.
  if (tekton === undefined && tektonUnknown === undefined && fromCluster) ({ tekton, tektonUnknown } = fromCluster);
  if (argo === undefined && argoUnknown === undefined && fromCluster) ({ argo, argoUnknown } = fromCluster);
  return {
    ...(tekton ? { tekton } : {}),
    tektonNamespace,
    ...(tektonUnknown ? { tektonUnknown } : {}),
    ...(argo ? { argo } : {}),
    argoConfigMap,
    ...(argoUnknown ? { argoUnknown } : {}),
    workflowTemplate: (kind, namespace, name) => templates.get(kind === 'ClusterWorkflowTemplate' ? `${kind}//${name}` : `${kind}/${namespace || defaultNamespace}/${name}`),
  };
}

/** Namespace (or the default) and name (`generateName*`, `(unnamed)`) of a manifest object. */
function identity(o: Record<string, unknown>, defaultNamespace: string): { namespace: string; name: string } {
  const meta = (typeof o['metadata'] === 'object' && o['metadata'] !== null ? o['metadata'] : {}) as Record<string, unknown>;
  return {
    namespace: str(meta['namespace']) || defaultNamespace,
    name: str(meta['name']) || (str(meta['generateName']) ? `${str(meta['generateName'])}*` : '(unnamed)'),
  };
}

export async function runCheck(argv: string[], io: Io): Promise<number> {
  let options: CheckOptions | 'help';
  let config: Config;
  const objects: InputObject[] = [];
  let skipped = 0;
  let input: InputReport = EMPTY_INPUT;
  let deps: EngineDeps;
  let registry: RegistryChecker | null = null;
  let clusterEnvironment: ClusterControllers | undefined;
  try {
    options = parseCheckArgs(argv);
    if (options === 'help') {
      io.stdout.write(CHECK_HELP);
      return EXIT.OK;
    }
    if (options.outputFile !== undefined) await checkOutputFile(options.outputFile);
    config = options.configFile ? await loadConfigFile(options.configFile) : defaultConfig();
    const read = await readInputs(options.paths, io.stdin, { exclude: options.exclude, defaultExcludes: options.defaultExcludes });
    const problems: InputProblemEntry[] = read.unreadable.map((u) => ({
      code: 'MANIFEST_UNREADABLE',
      action: 'deny',
      file: u.file,
      line: null,
      column: null,
      message: `${u.file} could not be read: ${u.reason}; nothing in it was checked`,
    }));
    const notes: DocumentNoteEntry[] = [];
    for (const file of read.inputs) {
      if (file.decodeProblem) {
        problems.push({ code: 'MANIFEST_UNPARSEABLE', action: 'deny', file: file.source, line: file.decodeProblem.line, column: null, message: file.decodeProblem.reason });
      }
      const docs = parseManifests(file.text, file.source);
      const templateAt = helmTemplates(file.text);
      skipped += docs.skipped.length;
      for (const d of docs.skipped) for (const n of d.notes) notes.push({ file: file.source, object: 'document', line: n.line, message: n.message });
      for (const p of docs.problems) {
        problems.push({
          code: 'MANIFEST_UNPARSEABLE',
          action: 'deny',
          file: file.source,
          line: p.line,
          column: p.column,
          message: `${p.reason}; nothing in this document was checked`,
        });
      }
      for (const manifest of docs.objects) objects.push({ source: file.source, manifest, template: templateAt(manifest.line) });
    }
    input = { files: read.inputs.length, excluded: read.excluded, problems, notes };
    // The job log names every input problem even when the report goes to a file or is SARIF/JUnit.
    for (const p of problems) io.stderr.write(`pullguard check: ${problemSource(p)}: ${p.code}: ${p.message}\n`);
    const cluster = await clusterViewFor(
      objects.map((o) => o.manifest.object),
      { defaultNamespace: options.namespace, kubeconfig: options.kubeconfig, controllers: { tekton: config.tekton, argo: config.argo } },
    );
    clusterEnvironment = cluster.controllers;
    const state = cluster.state;
    for (const p of cluster.problems) io.stderr.write(`pullguard check: ${p}\n`);
    const dockerConfig = options.dockerConfig ? await readDockerConfig(options.dockerConfig) : undefined;
    registry = options.offline || !config.registryChecks ? null : await makeRegistryChecker(config);
    deps = engineDeps(config, {
      state,
      dockerConfig,
      registry,
      unavailableReason: 'the checked manifests hold no Secrets or ServiceAccounts; add them or pass --kubeconfig',
    });
  } catch (err) {
    const code = knownFailure('check', err, io);
    if (code !== null) return code;
    throw err;
  }
  let report: Report;
  const bar = progress(io.stderr, { enabled: io.stderrIsTTY === true });
  try {
    report = await checkObjects(objects, skipped, deps, {
      ...(clusterEnvironment ? { clusterEnvironment } : {}),
      namespace: options.namespace,
      mode: options.mode,
      budgetMs: config.timeouts.defaultBudgetMs,
      input,
      onProgress: (done, total) => bar.update(done, total),
    });
  } finally {
    bar.end();
    await registry?.close();
  }
  const failed = await deliverReport('check', report, options, io);
  if (failed !== null) return failed;
  // Something could not be read: the report covers everything else, and the run still fails with 2.
  if (report.input.problems.length > 0) return EXIT.USAGE;
  return reportFails(report, options.failOn) ? EXIT.DENIED : EXIT.OK;
}
