import t from 'tap';
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
