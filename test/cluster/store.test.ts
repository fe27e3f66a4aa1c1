import t from 'tap';
import { ClusterStore } from '../../src/cluster/store.js';
import { clusterStateFromObjects } from '../../src/cluster/memory.js';
import { reduceSecret, reduceServiceAccount } from '../../src/cluster/objects.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const DCJ = 'kubernetes.io/dockerconfigjson';

function secret(name: string, namespace: string | undefined, type: string | undefined, data?: Record<string, string | null>, stringData?: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    ...(type ? { type } : {}),
    ...(data ? { data } : {}),
    ...(stringData ? { stringData } : {}),
  };
}

t.test('reduceSecret classifies like the kubelet and keeps no raw data', async (t) => {
  const cases: Array<{ name: string; obj: unknown; want: unknown }> = [
    {
      name: 'usable dockerconfigjson',
      obj: secret('s', 'ns', DCJ, { '.dockerconfigjson': b64('{"auths":{"ghcr.io":{"username":"u","password":"p"}}}') }),
      want: { status: 'usable', format: 'dockerconfigjson' },
    },
    { name: 'Opaque is ignored', obj: secret('s', 'ns', 'Opaque', { '.dockerconfigjson': b64('{}') }), want: { status: 'ignored', reason: 'wrong-type' } },
    { name: 'no type means Opaque', obj: secret('s', 'ns', undefined, { '.dockerconfigjson': b64('{}') }), want: { status: 'ignored', reason: 'wrong-type' } },
    { name: '.dockercfg key in a dockerconfigjson secret', obj: secret('s', 'ns', DCJ, { '.dockercfg': b64('{}') }), want: { status: 'ignored', reason: 'missing-key' } },
    { name: 'empty key', obj: secret('s', 'ns', DCJ, { '.dockerconfigjson': '' }), want: { status: 'ignored', reason: 'empty-key' } },
    { name: 'null key', obj: secret('s', 'ns', DCJ, { '.dockerconfigjson': null }), want: { status: 'ignored', reason: 'empty-key' } },
    { name: 'malformed', obj: secret('s', 'ns', DCJ, { '.dockerconfigjson': b64('{"auths":{"r":{"auth":"??"}}}') }), want: { status: 'malformed', format: 'dockerconfigjson' } },
    { name: 'invalid base64 in data', obj: secret('s', 'ns', DCJ, { '.dockerconfigjson': '!!!' }), want: { status: 'malformed', format: 'dockerconfigjson' } },
    {
      name: 'stringData overrides data',
      obj: secret('s', 'ns', DCJ, { '.dockerconfigjson': b64('not json') }, { '.dockerconfigjson': '{"auths":{}}' }),
      want: { status: 'usable', format: 'dockerconfigjson' },
    },
    { name: 'legacy dockercfg', obj: secret('s', 'ns', 'kubernetes.io/dockercfg', { '.dockercfg': b64('{"r":{"auth":"dTpw"}}') }), want: { status: 'usable', format: 'dockercfg' } },
  ];
  for (const c of cases) {
    const r = reduceSecret(c.obj, 'default');
    t.ok(r.ok, c.name);
    if (!r.ok) continue;
    t.match(r.value.pull, c.want, c.name);
    t.notOk('data' in r.value, `${c.name}: no data kept`);
  }
  const r = reduceSecret(secret('s', undefined, DCJ, { '.dockerconfigjson': b64('{"auths":{"ghcr.io":{"username":"u","password":"TopSecret"}}}'), extra: '' }), 'dflt');
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.value.namespace, 'dflt', 'objects without a namespace go to the default namespace');
    t.same(r.value.dataKeys, ['.dockerconfigjson', 'extra']);
    t.same(r.value.emptyDataKeys, ['extra']);
    t.notMatch(JSON.stringify(r.value), /TopSecret/);
    t.match(JSON.stringify(r.value), /"entry":"\[redacted\]"/);
  }
  t.notOk(reduceSecret({ kind: 'Secret', metadata: {} }, 'default').ok, 'a secret needs a name');
  t.notOk(reduceSecret({ kind: 'Secret', metadata: { name: 'x' }, data: [] }, 'default').ok, 'data must be a map');
});

t.test('reduceServiceAccount', async (t) => {
  const r = reduceServiceAccount(
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'ci' }, imagePullSecrets: [{ name: 'a' }, {}, { name: 'b' }] },
    'default',
  );
  t.same(r, { ok: true, value: { namespace: 'ci', name: 'builder', uid: null, imagePullSecrets: ['a', '', 'b'] } });
});

t.test('ClusterStore upsert/delete by namespace/name', async (t) => {
  const s = new ClusterStore();
  t.ok(s.available);
  t.match(s.applyObject(secret('reg', 'a', DCJ, { '.dockerconfigjson': b64('{}') }), 'default'), { ok: true, kind: 'Secret', namespace: 'a' });
  s.applyObject(secret('reg', 'b', DCJ, { '.dockerconfigjson': b64('{}') }), 'default');
  s.applyObject(secret('reg', undefined, 'Opaque', {}), 'c');
  t.same(s.secretNamespaces('reg'), ['a', 'b', 'c']);
  t.equal(s.secret('c', 'reg')?.type, 'Opaque');
  s.applyObject(secret('reg', 'c', DCJ, { '.dockerconfigjson': b64('{}') }), 'default');
  t.equal(s.secret('c', 'reg')?.type, DCJ, 'upsert replaces');
  t.equal(s.secretCount, 3);
  t.ok(s.deleteObject({ kind: 'Secret', metadata: { name: 'reg', namespace: 'b' } }, 'default'));
  t.notOk(s.deleteSecret('b', 'reg'), 'already gone');
  t.same(s.secretNamespaces('reg'), ['a', 'c']);
  s.deleteSecret('a', 'reg');
  s.deleteSecret('c', 'reg');
  t.same(s.secretNamespaces('reg'), []);
  t.match(s.applyObject({ kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'a' }, imagePullSecrets: [{ name: 'x' }] }, 'default'), { ok: true });
  t.same(s.serviceAccount('a', 'default')?.imagePullSecrets, ['x']);
  t.ok(s.deleteObject({ kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'a' } }, 'default'));
  t.equal(s.serviceAccount('a', 'default'), undefined);
  t.match(s.applyObject({ kind: 'ConfigMap', metadata: { name: 'x' } }, 'default'), { ok: false });
  t.match(s.applyObject({ kind: 'Secret' }, 'default'), { ok: false });
  s.setAvailable(false);
  t.notOk(s.available);
  s.applyObject(secret('x', 'a', 'Opaque'), 'default');
  s.clear();
  t.equal(s.secretCount, 0);
  t.equal(s.serviceAccountCount, 0);
});

t.test('clusterStateFromObjects', async (t) => {
  const { state, problems } = clusterStateFromObjects(
    [
      secret('reg', 'prod', DCJ, { '.dockerconfigjson': b64('{"auths":{}}') }),
      { apiVersion: 'v1', kind: 'List', items: [secret('reg', undefined, DCJ, { '.dockerconfigjson': b64('{"auths":{}}') }), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' }, imagePullSecrets: [{ name: 'reg' }] }] },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app' } },
      { apiVersion: 'example.com/v1', kind: 'Secret', metadata: { name: 'not-core' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: {} },
      null,
      'text',
    ],
    { defaultNamespace: 'staging' },
  );
  t.ok(state.available);
  t.same(state.secretNamespaces('reg'), ['prod', 'staging']);
  t.same(state.serviceAccount('staging', 'default')?.imagePullSecrets, ['reg']);
  t.equal(state.secret('staging', 'not-core'), undefined);
  t.equal(problems.length, 1);
  t.notOk(clusterStateFromObjects([], { defaultNamespace: 'x', available: false }).state.available);
});
