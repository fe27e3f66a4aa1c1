/**
 * `pullguard explain` (also `kubectl pullguard explain`): why pods are in ErrImagePull /
 * ImagePullBackOff, proven with the engine, and the fix. Wires the cluster reads (src/cluster), the
 * engine (src/checks) and the pure explanation (src/explain).
 *
 * Exit 0 when nothing is failing, 1 when failing pulls were explained, 2 on usage or access errors.
 */
import { parseArgs } from 'node:util';
import { evaluate } from '../checks/engine.js';
import { KubeApiError, KubeClient, listAll } from '../cluster/client.js';
import { KubeconfigError } from '../cluster/kubeconfig.js';
import { ClusterStore } from '../cluster/store.js';
import { getNode, listPods, parseTarget, podEvents, podsOfTarget, TargetError, targetResources, type Target } from '../cluster/pods.js';
import { PULL_SECRET_TYPES } from '../cluster/watch.js';
import { ConfigError, defaultConfig, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { classifyAll, runtimeOfNode } from '../explain/classify.js';
import { failingPulls, nodeFacts, textsOf, type NodeFacts } from '../explain/evidence.js';
import { explain, type EngineView, type Explanation, type Owner, type PodFacts } from '../explain/explain.js';
import { renderJson, renderText } from '../explain/render.js';
import type { RegistryChecker } from '../registry/checker.js';
import { decide } from '../verdict/policy.js';
import { CLUSTER_OPTIONS, clusterArgs, clusterClient, clusterOptionsHelp, type ClusterArgs } from './cluster-args.js';
import { EXIT, UsageError, type Io } from './io.js';
import { engineDeps, makeRegistryChecker } from './wiring.js';

export const EXPLAIN_HELP = `Usage: pullguard explain [TYPE/NAME | NAME ...] [options]
       kubectl pullguard explain [TYPE/NAME | NAME ...] [options]

Explain why pods cannot pull their images (ErrImagePull, ImagePullBackOff, InvalidImageName,
ErrImageNeverPull, RegistryUnavailable, SignatureValidationFailed, ImageInspectError, and
pause-image failures), from the kubelet's own words, confirmed by asking the registry with
the credentials the kubelet would offer for each pod, and say how to fix it.

TYPE/NAME: pod/NAME (or just NAME), deploy/NAME, rs/NAME, sts/NAME, ds/NAME, job/NAME,
cronjob/NAME, rc/NAME, and every custom resource that runs pods (docs/carriers.md), as
kubectl names it: rollout/NAME (ro), workflow/NAME (wf), taskrun/NAME, pipelinerun/NAME,
ksvc/NAME, raycluster/NAME, jobset/NAME … and the kinds under "carriers:" in the
configuration; their pods are found through ownerReferences. Without one: every pod in
the namespace (all namespaces with -A).

Options:
${clusterOptionsHelp({ one: "namespace (default: the context's namespace, else default)", all: 'look at pods in every namespace' })}
  -l, --selector SEL      only pods matching this label selector (key=value,key in (a,b),!key)
  -o, --output FORMAT     text (default) or json
  -c, --config FILE       pullguard configuration (registries' CA files, node credential providers,
                          policy actions for the webhook verdict)
      --offline           classify the kubelet's messages only: read no pull secrets, ask no
                          registry (the output says that nothing was confirmed)
  -h, --help              show this help

Install as a kubectl plugin: put the kubectl-pullguard executable (npm install -g pullguard
installs it) on PATH; "kubectl plugin list" shows it.

Exit status: 0 no failing pulls, 1 failing pulls were explained, 2 bad usage, or the cluster
could not be read.
`;

interface ExplainOptions {
  readonly targets: string[];
  readonly cluster: ClusterArgs;
  readonly selector: string | undefined;
  readonly output: 'text' | 'json';
  readonly configFile: string | undefined;
  readonly offline: boolean;
}

function parseExplainArgs(argv: string[]): ExplainOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...CLUSTER_OPTIONS,
      selector: { type: 'string', short: 'l' },
      output: { type: 'string', short: 'o', default: 'text' },
      config: { type: 'string', short: 'c' },
      offline: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`--output must be text or json, not "${values.output}"`);
  const cluster = clusterArgs(values);
  if (values['all-namespaces'] && positionals.length > 0) throw new UsageError('a resource cannot be named with --all-namespaces');
  if (values.selector !== undefined && positionals.length > 0) throw new UsageError('name resources or give a --selector, not both');
  if (values.selector === '') throw new UsageError('--selector needs a label selector');
  return {
    targets: positionals,
    cluster,
    selector: values.selector,
    output: values.output,
    configFile: values.config,
    offline: values.offline,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const meta = (o: unknown): Obj => (isObj(o) && isObj(o['metadata']) ? o['metadata'] : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The pod's owners, outermost first (a ReplicaSet's Deployment is looked up). */
async function ownersOf(client: KubeClient, pod: Obj): Promise<Owner[]> {
  const refs = Array.isArray(meta(pod)['ownerReferences']) ? (meta(pod)['ownerReferences'] as unknown[]) : [];
  const ctrl = refs.find((r) => isObj(r) && r['controller'] === true) ?? refs[0];
  if (!isObj(ctrl)) return [];
  const owner: Owner = { kind: str(ctrl['kind']), name: str(ctrl['name']) };
  if (owner.kind === 'ReplicaSet' || owner.kind === 'Job') {
    const path = owner.kind === 'ReplicaSet' ? '/apis/apps/v1' : '/apis/batch/v1';
    try {
      const o = await client.get(`${path}/namespaces/${encodeURIComponent(str(meta(pod)['namespace']))}/${owner.kind === 'ReplicaSet' ? 'replicasets' : 'jobs'}/${encodeURIComponent(owner.name)}`);
      const up = ((meta(o)['ownerReferences'] as unknown[] | undefined) ?? []).find((r) => isObj(r) && r['controller'] === true);
      if (isObj(up)) return [{ kind: str(up['kind']), name: str(up['name']) }, owner];
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
    }
  }
  return [owner];
}

/** The namespace's pull secrets and ServiceAccounts, as the credential step reads them. */
async function credentialView(client: KubeClient, namespace: string): Promise<{ state: ClusterStore; problem: string | null }> {
  const ns = encodeURIComponent(namespace);
  try {
    const state = new ClusterStore({ available: true });
    for (const type of PULL_SECRET_TYPES) {
      for (const s of (await listAll(client, `/api/v1/namespaces/${ns}/secrets`, { fieldSelector: `type=${type}` })).items) {
        state.applyObject({ ...(s as object), kind: 'Secret', apiVersion: 'v1' }, namespace);
      }
    }
    for (const sa of (await listAll(client, `/api/v1/namespaces/${ns}/serviceaccounts`)).items) {
      state.applyObject({ ...(sa as object), kind: 'ServiceAccount', apiVersion: 'v1' }, namespace);
    }
    return { state, problem: null };
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    return { state: new ClusterStore({ available: false }), problem: `cannot list pull secrets and ServiceAccounts in ${namespace}: ${err.message.split('\n')[0]}` };
  }
}

function podFacts(pod: Obj, owners: Owner[]): PodFacts {
  const spec = isObj(pod['spec']) ? pod['spec'] : {};
  const secrets = Array.isArray(spec['imagePullSecrets']) ? (spec['imagePullSecrets'] as unknown[]).map((s) => (isObj(s) ? str(s['name']) : '')).filter((s) => s !== '') : [];
  return {
    namespace: str(meta(pod)['namespace']),
    name: str(meta(pod)['name']),
    serviceAccount: str(spec['serviceAccountName']) || str(spec['serviceAccount']) || 'default',
    imagePullSecrets: secrets,
    owners,
  };
}

function fail(io: Io, message: string, usage = false): number {
  io.stderr.write(`pullguard explain: ${message}\n`);
  if (usage) io.stderr.write('Run "pullguard explain --help" for usage.\n');
  return EXIT.USAGE;
}

export async function runExplain(argv: string[], io: Io): Promise<number> {
  let options: ExplainOptions | 'help';
  let config: Config;
  let targets: Target[];
  try {
    options = parseExplainArgs(argv);
    if (options === 'help') {
      io.stdout.write(EXPLAIN_HELP);
      return EXIT.OK;
    }
    config = options.configFile ? await loadConfigFile(options.configFile) : defaultConfig();
    // Targets are read with the configuration's own carriers among the kinds (`kubectl`-style names).
    targets = options.targets.map((p) => parseTarget(p, targetResources(config.carriers)));
  } catch (err) {
    if (err instanceof UsageError || err instanceof TargetError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return fail(io, (err as Error).message, true);
    if (err instanceof ConfigError) return fail(io, err.message);
    throw err;
  }

  let client: KubeClient;
  try {
    client = await clusterClient(options.cluster, io.env);
  } catch (err) {
    if (err instanceof KubeconfigError) return fail(io, err.message);
    throw err;
  }
  let registry: RegistryChecker | null = null;
  try {
    const namespace = options.cluster.namespace ?? client.connection.namespace ?? 'default';
    // --- which pods
    let pods: Obj[] = [];
    try {
      if (options.targets.length > 0) {
        for (const t of targets) pods.push(...(await podsOfTarget(client, namespace, t)));
      } else {
        pods = await listPods(client, options.cluster.allNamespaces ? null : namespace, options.selector);
      }
    } catch (err) {
      if (err instanceof TargetError || err instanceof KubeApiError) return fail(io, err.message.split('\n')[0]!);
      throw err;
    }

    const problems: string[] = [];
    const views = new Map<string, { state: ClusterStore; problem: string | null }>();
    const nodes = new Map<string, { facts: NodeFacts; problem: string | null }>();
    const explanations: Explanation[] = [];
    if (!options.offline && config.registryChecks) {
      try {
        registry = await makeRegistryChecker(config);
      } catch (err) {
        if (err instanceof ConfigError) return fail(io, err.message);
        throw err;
      }
    }
    const explainConfig: Config = { ...config, platforms: [] };

    for (const pod of pods) {
      let events;
      try {
        events = await podEvents(client, pod);
      } catch (err) {
        if (err instanceof KubeApiError) return fail(io, `cannot read the events of pod ${str(meta(pod)['namespace'])}/${str(meta(pod)['name'])}: ${err.message.split('\n')[0]}`);
        throw err;
      }
      const pulls = failingPulls(pod, events);
      if (pulls.length === 0) continue;
      const podNs = str(meta(pod)['namespace']);
      const nodeName = isObj(pod['spec']) ? str(pod['spec']['nodeName']) : '';
      let node = nodes.get(nodeName);
      if (!node) {
        const got = await getNode(client, nodeName);
        node = { facts: nodeFacts(nodeName, got.node), problem: got.problem };
        nodes.set(nodeName, node);
        if (got.problem && nodeName !== '') problems.push(`${got.problem}: its platform and runtime are unknown`);
      }
      const owners = await ownersOf(client, pod);
      const facts = podFacts(pod, owners);

      let engineOf: ((image: string, container: string) => EngineView) | null = null;
      if (!options.offline) {
        let view = views.get(podNs);
        if (!view) {
          view = await credentialView(client, podNs);
          views.set(podNs, view);
          if (view.problem) problems.push(view.problem);
        }
        const platform = node.facts.platform;
        const deps = engineDeps(explainConfig, {
          state: view.state,
          registry,
          nodePlatforms: () => (platform ? [platform] : []),
          unavailableReason: view.problem ?? 'pull secrets could not be read',
        });
        const evaluation = await evaluate({ group: '', kind: 'Pod', namespace: podNs, name: facts.name, object: pod }, deps, Date.now() + config.timeouts.defaultBudgetMs);
        const problem = view.problem;
        engineOf = (image, container) => {
          const findings = evaluation.findings.filter((f) => f.container === container && (f.image === image || f.image === ''));
          return {
            findings,
            report: evaluation.images.find((r) => r.use.container === container && r.use.image === image) ?? null,
            decision: decide(findings, config, 'enforce'),
            secretsProblem: problem,
          };
        };
      }
      for (const pull of pulls) {
        const classification = classifyAll(textsOf(pull), pull.reason);
        const runtime = runtimeOfNode(node.facts.runtimeVersion) ?? classification.runtime;
        let engine: EngineView | null = engineOf ? engineOf(pull.image, pull.name) : null;
        if (engine && pull.slot === 'sandbox') {
          // The pause image is not in the pod spec: ask about it on its own, with no pull secrets (the runtime pulls it with its own configuration).
          const sandboxPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: facts.name, namespace: podNs }, spec: { containers: [{ name: 'pause', image: pull.image }] } };
          const platform = node.facts.platform;
          const deps = engineDeps(explainConfig, { state: new ClusterStore({ available: true }), registry, nodePlatforms: () => (platform ? [platform] : []) });
          const ev = await evaluate({ group: '', kind: 'Pod', namespace: podNs, name: facts.name, object: sandboxPod }, deps, Date.now() + config.timeouts.defaultBudgetMs);
          engine = { findings: ev.findings, report: ev.images[0] ?? null, decision: { verdict: 'allow', decided: [] }, secretsProblem: null };
        }
        explanations.push(explain({ pull, classification, pod: facts, node: nodeName ? node.facts : null, runtime, engine }));
      }
    }
    const report = { explanations, podsChecked: pods.length, problems };
    io.stdout.write(options.output === 'json' ? renderJson(report) : renderText(report));
    return explanations.length > 0 ? EXIT.DENIED : EXIT.OK;
  } finally {
    await registry?.close();
    await client.close();
  }
}
