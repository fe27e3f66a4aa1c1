/**
 * The audit's kinds are the carrier table's (src/cluster/resources.ts auditedResources), narrowed by
 * discovery to what a cluster serves; explain's kinds are derived from the same table
 * (src/cluster/pods.ts targetResources).
 */
import t from 'tap';
import { KubeApiError } from '../../src/cluster/client.js';
import { parseTarget, targetResources } from '../../src/cluster/pods.js';
import { auditedResources, describeSkipped, discoverServed, NOT_AUDITED } from '../../src/cluster/resources.js';
import { BUILTIN_CARRIERS, carrierResources } from '../../src/workload/carriers.js';

const BUILD_JOB = { kind: 'BuildJob', group: 'ci.example.com', podSpecs: ['spec.template.spec'] };

t.test('the audit reads every carrier kind of the table but PodTemplate, and the configured ones first', async (t) => {
  const audited = auditedResources();
  const keys = audited.map((r) => `${r.group}/${r.kind}`);
  for (const c of BUILTIN_CARRIERS) {
    for (const g of c.groups) {
      const key = `${g}/${c.kind}`;
      t.equal(keys.includes(key), !NOT_AUDITED.has(key), key);
    }
  }
  t.equal(new Set(keys).size, keys.length, 'each group/kind once');
  const withUser = auditedResources([BUILD_JOB]);
  t.same(withUser[0], { group: 'ci.example.com', versions: [], resource: '', kind: 'BuildJob', namespaced: true, origin: 'configuration' });
  // A configured row replaces the built-in one of the same group and kind.
  const redefined = auditedResources([{ kind: 'Rollout', group: 'argoproj.io', versions: ['v1alpha1'], resource: 'rollouts', podSpecs: ['spec.template.spec'] }]);
  t.same(redefined.filter((r) => r.kind === 'Rollout').map((r) => r.origin), ['configuration']);
  t.equal(audited.length, carrierResources().length - 1);
});

/** A discovery answer: group → version → resources. */
function fakeCluster(served: Record<string, Record<string, { name: string; kind: string; namespaced?: boolean; verbs?: string[] }[]>>, broken: string[] = []) {
  const asked: string[] = [];
  const client = {
    async get(path: string): Promise<Record<string, unknown>> {
      asked.push(path);
      if (path === '/api') return { versions: Object.keys(served[''] ?? {}) };
      if (path === '/apis') {
        return {
          groups: Object.entries(served)
            .filter(([g]) => g !== '')
            .map(([name, versions]) => ({ name, versions: Object.keys(versions).map((v) => ({ groupVersion: `${name}/${v}`, version: v })), preferredVersion: { version: Object.keys(versions)[0] } })),
        };
      }
      const gv = path.replace(/^\/apis?\//, '');
      if (broken.includes(gv)) throw new KubeApiError(`GET ${path}: HTTP 503: service unavailable`, 503);
      const [g, v] = gv.includes('/') ? gv.split('/') : ['', gv];
      const list = served[g!]?.[v!];
      if (!list) throw new KubeApiError(`GET ${path}: HTTP 404`, 404);
      return { resources: list.flatMap((r) => [{ verbs: ['get', 'list', 'watch'], namespaced: true, ...r }, { name: `${r.name}/status`, kind: r.kind, verbs: ['get'] }]) };
    },
  };
  return { client, asked };
}

t.test('discovery: served kinds at the first served version, the rest skipped once per kind', async (t) => {
  const { client, asked } = fakeCluster({
    '': { v1: [{ name: 'pods', kind: 'Pod' }, { name: 'replicationcontrollers', kind: 'ReplicationController' }] },
    apps: { v1: [{ name: 'deployments', kind: 'Deployment' }, { name: 'replicasets', kind: 'ReplicaSet' }, { name: 'statefulsets', kind: 'StatefulSet' }, { name: 'daemonsets', kind: 'DaemonSet' }] },
    // A 1.20 cluster: CronJob at batch/v1beta1 only.
    batch: { v1: [{ name: 'jobs', kind: 'Job' }], v1beta1: [{ name: 'cronjobs', kind: 'CronJob' }] },
    'argoproj.io': { v1alpha1: [{ name: 'rollouts', kind: 'Rollout' }] },
    'ci.example.com': { v2: [{ name: 'buildjobs', kind: 'BuildJob' }] },
    // An aggregated API that is down.
    'ray.io': { v1: [{ name: 'rayclusters', kind: 'RayCluster' }] },
    // Served but without list.
    'jobset.x-k8s.io': { v1alpha2: [{ name: 'jobsets', kind: 'JobSet', verbs: ['get'] }] },
  }, ['ray.io/v1']);
  const { served, skipped } = await discoverServed(client, auditedResources([BUILD_JOB]), { configured: [BUILD_JOB] });
  const byKind = Object.fromEntries(served.map((s) => [s.kind, `${s.group}/${s.version}/${s.plural}`]));
  t.same(byKind, {
    BuildJob: 'ci.example.com/v2/buildjobs',
    Pod: '/v1/pods',
    ReplicationController: '/v1/replicationcontrollers',
    ReplicaSet: 'apps/v1/replicasets',
    Deployment: 'apps/v1/deployments',
    StatefulSet: 'apps/v1/statefulsets',
    DaemonSet: 'apps/v1/daemonsets',
    Job: 'batch/v1/jobs',
    CronJob: 'batch/v1beta1/cronjobs',
    Rollout: 'argoproj.io/v1alpha1/rollouts',
  });
  const skippedKinds = skipped.map((s) => s.kind);
  t.notOk(skippedKinds.includes('Deployment'), 'served in apps: the extensions group is not reported');
  t.ok(skippedKinds.includes('Workflow') && skippedKinds.includes('TaskRun') && skippedKinds.includes('JobSet'));
  t.equal(new Set(skippedKinds).size, skippedKinds.length, 'each kind once');
  const ray = skipped.find((s) => s.kind === 'RayCluster')!;
  t.equal(ray.notServed, false);
  t.match(ray.reason, /discovery of ray\.io\/v1 failed: .*503/);
  const line = describeSkipped(skipped);
  t.match(line, /Argo Workflows \(Workflow\.argoproj\.io, WorkflowTemplate\.argoproj\.io, ClusterWorkflowTemplate\.argoproj\.io, CronWorkflow\.argoproj\.io\)/);
  t.match(line, /KubeRay: discovery of ray\.io\/v1 failed/);
  t.notMatch(line, /Rollout/);
  t.equal(asked.filter((p) => p === '/apis/argoproj.io/v1alpha1').length, 1, 'each group version asked once');
  t.notOk(asked.includes('/apis/tekton.dev/v1'), 'groups the cluster does not serve are not asked');
});

t.test('discovery: /apis failing is an error, not an empty cluster', async (t) => {
  const client = { get: async () => Promise.reject(new KubeApiError('GET /api: HTTP 403: forbidden', 403)) };
  await t.rejects(discoverServed(client, auditedResources()), /403/);
});

t.test('explain names every carrier kind that runs pods as kubectl does', async (t) => {
  const cases: { arg: string; kind: string; group: string }[] = [
    { arg: 'deploy/web', kind: 'Deployment', group: 'apps' },
    { arg: 'deployment.apps/web', kind: 'Deployment', group: 'apps' },
    { arg: 'web-1', kind: 'Pod', group: '' },
    { arg: 'ro/web', kind: 'Rollout', group: 'argoproj.io' },
    { arg: 'rollouts.argoproj.io/web', kind: 'Rollout', group: 'argoproj.io' },
    { arg: 'taskrun/build-1', kind: 'TaskRun', group: 'tekton.dev' },
    { arg: 'wf/hello', kind: 'Workflow', group: 'argoproj.io' },
    { arg: 'ksvc/hello', kind: 'Service', group: 'serving.knative.dev' },
    { arg: 'jobset/train', kind: 'JobSet', group: 'jobset.x-k8s.io' },
    { arg: 'pytorchjob/mnist', kind: 'PyTorchJob', group: 'kubeflow.org' },
  ];
  for (const c of cases) t.match(parseTarget(c.arg).resource, { kind: c.kind, group: c.group }, c.arg);
  t.throws(() => parseTarget('service/web'), /not a kind pullguard explains/, 'a bare "service" is Kubernetes\' Service, not Knative\'s');
  t.throws(() => parseTarget('podtemplate/x'), /not a kind pullguard explains/);
  t.throws(() => parseTarget('buildjob/x'), /not a kind pullguard explains/);
  const withUser = targetResources([{ kind: 'BuildJob', group: 'ci.example.com', resource: 'buildjobs', podSpecs: ['spec.template.spec'] }]);
  t.match(parseTarget('buildjob/x', withUser).resource, { kind: 'BuildJob', group: 'ci.example.com', builtin: false });
  t.match(parseTarget('buildjobs.ci.example.com/x', withUser).resource, { kind: 'BuildJob' });
  // Every kind of the table but PodTemplate is there.
  const kinds = new Set(targetResources().map((r) => `${r.group}/${r.kind}`));
  for (const c of BUILTIN_CARRIERS) if (c.kind !== 'PodTemplate') t.ok(kinds.has(`${c.groups[0]}/${c.kind}`), c.kind);
});
