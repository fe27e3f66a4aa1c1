import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { carrierFor } from '../../src/workload/carriers.js';
import { Inventory, reduceWorkload, reducePodSpec, type WorkloadRecord } from '../../src/audit/inventory.js';
import { evaluate } from '../../src/checks/engine.js';
import { defaultConfig } from '../../src/config/load.js';

const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };
const RS = { group: 'apps', version: 'v1', kind: 'ReplicaSet' };
const POD = { group: '', version: 'v1', kind: 'Pod' };
const JOB = { group: 'batch', version: 'v1', kind: 'Job' };
const CRONJOB = { group: 'batch', version: 'v1beta1', kind: 'CronJob' };

function fullPodSpec(image: string): Record<string, unknown> {
  return {
    serviceAccountName: 'builder',
    imagePullSecrets: [{ name: 'regcred' }],
    nodeSelector: { 'kubernetes.io/arch': 'arm64', team: 'a' },
    containers: [
      {
        name: 'app',
        image,
        env: [{ name: 'SECRET', value: 'x'.repeat(1000) }],
        resources: { limits: { cpu: '1' } },
        livenessProbe: { httpGet: { path: '/' } },
      },
    ],
    initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh'] }],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'tools', image: { reference: 'ghcr.io/acme/tools:1', pullPolicy: 'IfNotPresent' } }],
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] } },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
    },
    tolerations: [{ key: 'x' }],
  };
}

function obj(kind: string, name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'whatever', kind, metadata: { name, namespace: 'shop', uid: `uid-${kind}-${name}`, labels: { a: 'b' }, annotations: { big: 'y'.repeat(5000) }, ...meta }, spec, status: { replicas: 3 } };
}

function record(r: ReturnType<typeof reduceWorkload>): WorkloadRecord {
  if (!r.ok) throw new Error(r.reason);
  return r.record;
}

const ownedBy = (kind: string, name: string, controller = true) => ({
  ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${kind}-${name}`, controller }],
});

t.test('reduction keeps what the checks read and drops the rest', async (t) => {
  const d = record(reduceWorkload(obj('Deployment', 'web', { replicas: 3, template: { metadata: { labels: {} }, spec: fullPodSpec('ghcr.io/acme/web:1') } }), DEPLOY));
  t.equal(d.kind, 'Deployment');
  t.equal(d.namespace, 'shop');
  t.equal(d.uid, 'uid-Deployment-web');
  t.same(d.images, ['busybox:1.36', 'ghcr.io/acme/tools:1', 'ghcr.io/acme/web:1']);
  t.same(d.pullSecrets, ['regcred']);
  t.equal(d.serviceAccount, 'builder');
  const text = JSON.stringify(d.object);
  t.notMatch(text, /SECRET|limits|livenessProbe|tolerations|podAntiAffinity|annotations|emptyDir|replicas/, 'nothing the checks do not read');
  t.match(d.podSpec, {
    nodeSelector: { 'kubernetes.io/arch': 'arm64' },
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } },
    volumes: [null, { name: 'tools', image: { reference: 'ghcr.io/acme/tools:1' } }],
  });
  t.ok(text.length < 700, `reduced object is small (${text.length} bytes)`);
});

t.test('the engine reads a reduced object exactly as the full one', async (t) => {
  const config = defaultConfig();
  const cases: { name: string; kind: typeof DEPLOY; object: Record<string, unknown> }[] = [
    { name: 'deployment', kind: DEPLOY, object: obj('Deployment', 'web', { template: { spec: fullPodSpec('ghcr.io/acme/web:1') } }) },
    { name: 'bad reference', kind: DEPLOY, object: obj('Deployment', 'web', { template: { spec: fullPodSpec('ghcr.io/Acme/Web:1') } }) },
    { name: 'image not a string', kind: POD, object: obj('Pod', 'p', { containers: [{ name: 'c', image: { a: 1 } }, { name: 'd', image: 5 }, 'x'] }) },
    { name: 'containers not a list', kind: POD, object: obj('Pod', 'p', { containers: { a: 1 } }) },
    { name: 'template missing', kind: DEPLOY, object: obj('Deployment', 'web', { replicas: 1 }) },
    { name: 'spec a list', kind: DEPLOY, object: obj('Deployment', 'web', [1, 2] as unknown as Record<string, unknown>) },
    { name: 'pod spec a string', kind: DEPLOY, object: obj('Deployment', 'web', { template: { spec: 'no' } }) },
    { name: 'cronjob', kind: CRONJOB, object: obj('CronJob', 'nightly', { jobTemplate: { spec: { template: { spec: fullPodSpec('busybox') } } } }) },
    { name: 'image volume without reference', kind: POD, object: obj('Pod', 'p', { containers: [], volumes: [{ name: 'v', image: {} }, { image: { reference: 7 } }] }) },
  ];
  for (const c of cases) {
    const r = record(reduceWorkload(c.object, c.kind));
    const subject = { group: c.kind.group, kind: c.kind.kind, namespace: 'shop', name: 'x' };
    const full = await evaluate({ ...subject, object: c.object }, { config }, Date.now() + 1000);
    const reduced = await evaluate({ ...subject, object: r.object }, { config }, Date.now() + 1000);
    t.same(reduced, full, c.name);
  }
});

t.test('objects the API never returns are refused with a reason', async (t) => {
  t.match(reduceWorkload(null, POD), { ok: false, reason: /not an object/ });
  t.match(reduceWorkload({ metadata: {} }, POD), { ok: false, reason: /without metadata.name/ });
});

t.test('pods and replicasets made by a controller are represented by it', async (t) => {
  const inv = new Inventory();
  const spec = { template: { spec: fullPodSpec('ghcr.io/acme/web:1') } };
  const add = (o: Record<string, unknown>, k: typeof DEPLOY) => inv.upsert(record(reduceWorkload(o, k)));
  add(obj('Deployment', 'web', spec), DEPLOY);
  add(obj('ReplicaSet', 'web-1', spec, ownedBy('Deployment', 'web')), RS);
  add(obj('Pod', 'web-1-a', fullPodSpec('ghcr.io/acme/web:1'), ownedBy('ReplicaSet', 'web-1')), POD);
  add(obj('Pod', 'web-1-b', fullPodSpec('ghcr.io/acme/web:1'), ownedBy('ReplicaSet', 'web-1')), POD);
  // A Pod whose controller is a kind not read (or already deleted) stands for itself.
  add(obj('Pod', 'orphan', fullPodSpec('a'), ownedBy('Rollout', 'r')), POD);
  // A non-controller ownerReference does not collapse.
  add(obj('Pod', 'helper', fullPodSpec('a'), ownedBy('Deployment', 'web', false)), POD);
  add(obj('Pod', 'bare', fullPodSpec('a')), POD);
  add(obj('CronJob', 'nightly', { jobTemplate: { spec } }), CRONJOB);
  add(obj('Job', 'nightly-1', spec, ownedBy('CronJob', 'nightly')), JOB);
  add(obj('Pod', 'nightly-1-x', fullPodSpec('a'), ownedBy('Job', 'nightly-1')), POD);
  // A uid that matches but names a different object is not the owner.
  add(obj('Pod', 'liar', fullPodSpec('a'), { ownerReferences: [{ kind: 'Deployment', name: 'other', uid: 'uid-Deployment-web', controller: true }] }), POD);
  t.same(
    inv.representatives().map((r) => `${r.kind}/${r.name}`),
    ['CronJob/nightly', 'Deployment/web', 'Pod/bare', 'Pod/helper', 'Pod/liar', 'Pod/orphan'],
  );
  t.equal(inv.collapsedCount(), 5);
  t.equal(inv.size, 11);
  // The owner goes away: its objects stand for themselves until they go too.
  inv.remove('uid-Deployment-web');
  t.same(
    inv.representatives('shop').map((r) => `${r.kind}/${r.name}`),
    ['CronJob/nightly', 'Pod/bare', 'Pod/helper', 'Pod/liar', 'Pod/orphan', 'ReplicaSet/web-1'],
  );
  t.same(inv.representatives('elsewhere'), []);
});

t.test('secret and service account indexes', async (t) => {
  const inv = new Inventory();
  const podSpec = (sa: string | undefined, secrets: string[]) => ({ containers: [{ name: 'c', image: 'a' }], ...(sa ? { serviceAccountName: sa } : {}), imagePullSecrets: secrets.map((name) => ({ name })) });
  inv.upsert(record(reduceWorkload(obj('Pod', 'a', podSpec(undefined, ['s1'])), POD)));
  inv.upsert(record(reduceWorkload(obj('Pod', 'b', podSpec('robot', [])), POD)));
  inv.upsert(record(reduceWorkload(obj('Pod', 'c', podSpec(undefined, [])), POD)));
  const saSecrets = (sa: string) => (sa === 'robot' ? ['s2'] : []);
  t.same(inv.usingSecret('shop', 's1', saSecrets).map((r) => r.name), ['a']);
  t.same(inv.usingSecret('shop', 's2', saSecrets).map((r) => r.name), ['b']);
  t.same(inv.usingServiceAccount('shop', 'default').map((r) => r.name), ['a', 'c']);
});

t.test('fingerprint changes only with what the checks read', async (t) => {
  const a = record(reduceWorkload(obj('Pod', 'p', fullPodSpec('x:1')), POD));
  const b = record(reduceWorkload({ ...obj('Pod', 'p', fullPodSpec('x:1')), status: { phase: 'Running' } }, POD));
  const c = record(reduceWorkload(obj('Pod', 'p', fullPodSpec('x:2')), POD));
  t.equal(a.fingerprint, b.fingerprint);
  t.not(a.fingerprint, c.fingerprint);
  t.same(reducePodSpec({}), {});
});

// --- every carrier kind (src/workload/carriers.ts) --------------------------------------------------

/** A reduced object must get the same evaluation as the full one, for any carrier kind. */
async function sameEvaluation(t: Test, object: Record<string, unknown>, type: { group: string; version: string; kind: string }, what: string, config = defaultConfig()) {
  const r = reduceWorkload(object, type, config.carriers);
  if (!r.ok) {
    t.fail(`${what}: ${r.reason}`);
    return undefined;
  }
  const subject = { group: type.group, kind: type.kind, namespace: 'shop', name: 'x' };
  const full = await evaluate({ ...subject, object }, { config }, Date.now() + 1000);
  const reduced = await evaluate({ ...subject, object: r.record.object }, { config }, Date.now() + 1000);
  t.same(reduced, full, what);
  return r.record;
}

function typeOf(o: Record<string, any>): { group: string; version: string; kind: string } {
  const av = String(o['apiVersion'] ?? '');
  const slash = av.indexOf('/');
  return { group: slash < 0 ? '' : av.slice(0, slash), version: slash < 0 ? av : av.slice(slash + 1), kind: String(o['kind']) };
}

t.test('the published examples of every well-known custom resource reduce without changing a finding', async (t) => {
  const dir = join(import.meta.dirname, '../fixtures/carriers');
  let checked = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const o = doc.toJS() as Record<string, any> | null;
      if (!o || typeof o !== 'object' || !o['kind']) continue;
      const type = typeOf(o);
      if (!carrierFor(type.group, type.kind)) continue;
      o['metadata'] = { ...(o['metadata'] ?? {}), name: o['metadata']?.['name'] ?? 'x', namespace: 'shop' };
      const rec = await sameEvaluation(t, o, type, `${file}: ${type.kind}`);
      const body = (x: Record<string, unknown>) => JSON.stringify({ ...x, metadata: null });
      if (rec) t.ok(body(rec.object).length <= body(o).length, `${file}: ${type.kind} is not larger reduced`);
      checked++;
    }
  }
  t.ok(checked >= 22, `${checked} objects checked`);
});

t.test('custom kinds: pod fields from the project rules, broken shapes, configured carriers', async (t) => {
  const workflow = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name: 'wf', namespace: 'shop', uid: 'uid-wf' },
    spec: {
      serviceAccountName: 'argo-runner',
      imagePullSecrets: [{ name: 'wf-cred' }],
      arguments: { parameters: [{ name: 'big', value: 'z'.repeat(5000) }] },
      templates: [
        { name: 'a', container: { image: 'ghcr.io/Acme/a:1', command: ['x'], env: [{ name: 'E', value: 'v' }] }, nodeSelector: { 'kubernetes.io/arch': 'arm64' } },
        { name: 'b', script: { image: 'python:3.12', source: 'print(1)'.repeat(100) }, serviceAccountName: 'other' },
        { name: 'c', container: { image: '{{inputs.parameters.image}}' } },
        { name: 'd', steps: [[{ name: 's', template: 'a' }]] },
      ],
    },
  };
  const wf = await sameEvaluation(t, workflow, typeOf(workflow), 'Argo Workflow');
  t.same(wf?.serviceAccounts, ['argo-runner', 'other']);
  t.same(wf?.pullSecrets, ['wf-cred']);
  t.notMatch(JSON.stringify(wf?.object), /print\(1\)|"E"/, 'container entries cut to name and image');
  const pipelineRun = {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { name: 'pr', namespace: 'shop' },
    spec: {
      taskRunTemplate: { serviceAccountName: 'builder', podTemplate: { imagePullSecrets: [{ name: 'base' }] } },
      taskRunSpecs: [{ pipelineTaskName: 'push', serviceAccountName: 'pusher', podTemplate: { imagePullSecrets: [{ name: 'push-cred' }] } }],
      pipelineSpec: {
        tasks: [
          { name: 'build', taskSpec: { steps: [{ name: 'b', image: 'golang:1.23', script: 'go build' }] } },
          { name: 'push', taskSpec: { steps: [{ name: 'p', image: 'gcr.io/kaniko-project/executor:v1' }, { name: 'r', ref: { name: 'action' } }] } },
        ],
      },
    },
  };
  const pr = await sameEvaluation(t, pipelineRun, typeOf(pipelineRun), 'Tekton PipelineRun');
  t.same(pr?.serviceAccounts, ['builder', 'pusher']);
  t.same([...(pr?.pullSecrets ?? [])].sort(), ['base', 'push-cred']);
  const broken = [
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { template: 'no' } },
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' }, spec: { templates: { a: 1 } } },
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' }, spec: { templates: [null, 3, { container: 'x' }] } },
    { apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name: 'r' }, spec: { workerGroupSpecs: 'x', headGroupSpec: { template: { spec: { containers: [{ name: 'h', image: 5 }] } } } } },
    { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'p' }, spec: { pytorchReplicaSpecs: { Master: { template: { spec: { containers: [{ name: 'm', image: 'pytorch:2' }] } } }, Worker: null } } },
    { apiVersion: 'tekton.dev/v1beta1', kind: 'StepAction', metadata: { name: 's' }, spec: { image: ['a'] } },
  ];
  for (const o of broken) await sameEvaluation(t, o, typeOf(o), `broken ${o.kind}`);
  // A configured carrier: pod spec and bare container paths from the configuration.
  const config = { ...defaultConfig(), carriers: [{ kind: 'BuildJob', group: 'ci.example.com', versions: ['v1'], podSpecs: ['spec.runner'], containers: ['spec.steps[*]'] }] };
  const buildJob = {
    apiVersion: 'ci.example.com/v1',
    kind: 'BuildJob',
    metadata: { name: 'b', namespace: 'shop' },
    spec: { runner: { containers: [{ name: 'r', image: 'golang:1.23', env: [] }], imagePullSecrets: [{ name: 'ci' }] }, steps: [{ name: 'compile', image: 'Bad:Ref' }], notes: 'x'.repeat(3000) },
  };
  const bj = await sameEvaluation(t, buildJob, typeOf(buildJob), 'configured BuildJob', config as never);
  t.same(bj?.images, ['Bad:Ref', 'golang:1.23']);
  t.notMatch(JSON.stringify(bj?.object), /xxxx/, 'fields the configuration does not name are dropped');
  t.match(reduceWorkload(buildJob, typeOf(buildJob)), { ok: false, reason: /not a carrier kind/ }, 'without the configuration: not a carrier');
});

t.test('custom owners stand for what they own: Rollout, TaskRun, JobSet', async (t) => {
  const inv = new Inventory();
  const podSpec = fullPodSpec('ghcr.io/acme/web:1');
  const add = (o: Record<string, any>) => inv.upsert(record(reduceWorkload(o, typeOf(o))));
  const ref = (apiVersion: string, kind: string, name: string) => ({ ownerReferences: [{ apiVersion, kind, name, uid: `uid-${kind}-${name}`, controller: true }] });
  const o = (apiVersion: string, kind: string, name: string, spec: unknown, meta: Record<string, unknown> = {}) => ({ ...obj(kind, name, spec as Record<string, unknown>, meta), apiVersion });
  add(o('argoproj.io/v1alpha1', 'Rollout', 'web', { template: { spec: podSpec } }));
  add(o('apps/v1', 'ReplicaSet', 'web-7f', { template: { spec: podSpec } }, ref('argoproj.io/v1alpha1', 'Rollout', 'web')));
  add(o('v1', 'Pod', 'web-7f-a', podSpec, ref('apps/v1', 'ReplicaSet', 'web-7f')));
  add(o('tekton.dev/v1', 'PipelineRun', 'ci', { pipelineSpec: { tasks: [{ name: 't', taskSpec: { steps: [{ name: 's', image: 'golang:1.23' }] } }] } }));
  add(o('tekton.dev/v1', 'TaskRun', 'ci-t', { taskSpec: { steps: [{ name: 's', image: 'golang:1.23' }] } }, ref('tekton.dev/v1', 'PipelineRun', 'ci')));
  add(o('v1', 'Pod', 'ci-t-pod', { containers: [{ name: 'step-s', image: 'golang:1.23' }] }, ref('tekton.dev/v1', 'TaskRun', 'ci-t')));
  add(o('jobset.x-k8s.io/v1alpha2', 'JobSet', 'train', { replicatedJobs: [{ name: 'w', template: { spec: { template: { spec: podSpec } } } }] }));
  add(o('batch/v1', 'Job', 'train-w-0', { template: { spec: podSpec } }, ref('jobset.x-k8s.io/v1alpha2', 'JobSet', 'train')));
  add(o('v1', 'Pod', 'train-w-0-x', podSpec, ref('batch/v1', 'Job', 'train-w-0')));
  t.same(
    inv.representatives().map((r) => `${r.kind}/${r.name}`),
    ['JobSet/train', 'PipelineRun/ci', 'Rollout/web'],
  );
  t.equal(inv.collapsedCount(), 6);
});
