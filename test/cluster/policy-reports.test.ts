/**
 * The PolicyReport writer against a stand-in API client: discovery (absent, present, appearing later),
 * create / update / delete, a 409 Conflict retried once, unchanged content not rewritten, a CRD removed
 * under it. The real API server path is in test/e2e/audit-serve.test.ts.
 */
import t from 'tap';
import { KubeApiError, type ListParams, type ListResult } from '../../src/cluster/client.js';
import { PolicyReportWriter, type WriteResult } from '../../src/cluster/policy-reports.js';

const GV = '/apis/wgpolicyk8s.io/v1alpha2';

function fakeApi() {
  const calls: string[] = [];
  const objects = new Map<string, { metadata: { namespace: string; name: string; resourceVersion: string; labels?: Record<string, string> } }>();
  const state = { crd: false, conflicts: 0, rv: 1 };
  const notFound = () => new KubeApiError('HTTP 404: not found', 404, 'NotFound');
  const client = {
    async send(method: string, path: string, body?: unknown): Promise<unknown> {
      calls.push(`${method} ${path}`);
      if (path === GV) {
        if (!state.crd) throw notFound();
        return { kind: 'APIResourceList', resources: [{ name: 'policyreports' }, { name: 'clusterpolicyreports' }] };
      }
      if (!state.crd) throw notFound();
      const m = /^\/apis\/wgpolicyk8s\.io\/v1alpha2\/namespaces\/([^/]+)\/policyreports(?:\/([^/]+))?$/.exec(path);
      if (!m) throw new Error(`unexpected path ${path}`);
      const key = `${m[1]}/${m[2] ?? (body as { metadata: { name: string } }).metadata.name}`;
      const current = objects.get(key);
      switch (method) {
        case 'GET':
          if (!current) throw notFound();
          return current;
        case 'POST':
          if (current) throw new KubeApiError('HTTP 409: exists', 409, 'AlreadyExists');
          objects.set(key, { ...(body as object), metadata: { ...(body as { metadata: object }).metadata, resourceVersion: String(state.rv++) } } as never);
          return objects.get(key);
        case 'PUT': {
          if (!current) throw notFound();
          const b = body as { metadata: { resourceVersion?: string } };
          if (state.conflicts > 0) {
            state.conflicts--;
            current.metadata.resourceVersion = String(state.rv++);
          }
          if (b.metadata.resourceVersion !== current.metadata.resourceVersion) throw new KubeApiError('HTTP 409: conflict', 409, 'Conflict');
          objects.set(key, { ...(body as object), metadata: { ...b.metadata, resourceVersion: String(state.rv++) } } as never);
          return objects.get(key);
        }
        case 'DELETE':
          if (!current) throw notFound();
          objects.delete(key);
          return {};
      }
      throw new Error(`unexpected ${method}`);
    },
    async list(path: string, params: ListParams): Promise<ListResult> {
      calls.push(`LIST ${path} ${params.labelSelector ?? ''}`);
      if (!state.crd) throw notFound();
      return { items: [...objects.values()].filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'pullguard'), metadata: {} };
    },
  };
  return { client, calls, objects, state };
}

function writer(api: ReturnType<typeof fakeApi>, now: { t: number }) {
  const logs: string[] = [];
  const writes: WriteResult[] = [];
  const available: boolean[] = [];
  const w = new PolicyReportWriter({
    client: api.client,
    resource: { group: 'wgpolicyk8s.io', version: 'v1alpha2', plural: 'policyreports' },
    name: 'pullguard',
    label: { key: 'app.kubernetes.io/managed-by', value: 'pullguard' },
    logger: { info: (_o, m) => logs.push(`info ${m}`), warn: (_o, m) => logs.push(`warn ${m}`) },
    recheckMs: 60_000,
    now: () => now.t,
    onAvailable: (a) => available.push(a),
    onWrite: (r) => writes.push(r),
  });
  return { w, logs, writes, available };
}

const report = (ns: string, n: number) => ({ apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'pullguard', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'pullguard' } }, summary: { pass: n } });

t.test('no CRD: nothing written, said once, discovery asked again later; then it appears', async (t) => {
  const api = fakeApi();
  const now = { t: 0 };
  const { w, logs, writes, available } = writer(api, now);
  t.equal(await w.available(), false);
  await w.put('shop', report('shop', 1), 'a');
  t.same(await w.managedNamespaces(), []);
  t.equal(await w.available(), false, 'within the recheck period: not asked again');
  t.same(api.calls, [`GET ${GV}`], 'one discovery request, no writes');
  now.t = 30_000;
  t.equal(await w.available({ force: true }), false, 'forced: asked again');
  t.equal(logs.filter((l) => l.includes('not installed')).length, 1, 'said once');
  t.same(available, [false]);
  api.state.crd = true;
  now.t = 100_000;
  t.equal(await w.available(), true, 'after the recheck period: found');
  t.same(available, [false, true]);
  await w.put('shop', report('shop', 1), 'a');
  t.same(writes, ['created']);
  t.ok(api.objects.has('shop/pullguard'));
});

t.test('create, unchanged, update with a conflict retried once, delete, stale namespaces', async (t) => {
  const api = fakeApi();
  api.state.crd = true;
  const { w, writes } = writer(api, { t: 0 });
  t.equal(await w.available(), true);
  await w.put('shop', report('shop', 1), 'a');
  await w.put('shop', report('shop', 1), 'a');
  t.same(writes, ['created'], 'the same content is not written again');
  api.state.conflicts = 1;
  await w.put('shop', report('shop', 2), 'b');
  t.same(writes, ['created', 'updated'], 'a conflict is read again and retried');
  t.equal((api.objects.get('shop/pullguard') as unknown as { summary: { pass: number } }).summary.pass, 2);
  api.state.conflicts = 2;
  await w.put('shop', report('shop', 3), 'c');
  t.same(writes, ['created', 'updated', 'failed'], 'a second conflict in a row: failed, tried again later');
  await w.put('shop', report('shop', 3), 'c');
  t.same(writes.at(-1), 'updated', 'the next flush writes it');
  await w.put('other', report('other', 1), 'x');
  t.same((await w.managedNamespaces()).sort(), ['other', 'shop']);
  await w.put('shop', null, '');
  t.same(writes.at(-1), 'deleted');
  t.notOk(api.objects.has('shop/pullguard'));
  const before = api.calls.length;
  await w.put('shop', null, '');
  t.equal(api.calls.length, before, 'nothing to delete: no request');
  api.objects.set('left/pullguard', { metadata: { namespace: 'left', name: 'pullguard', resourceVersion: '1' } });
  await w.put('left', null, '', { force: true });
  t.notOk(api.objects.has('left/pullguard'), 'forced: an earlier leader\'s report is removed');
});

t.test('the CRD removed under the writer: the failed write sends it back to discovery', async (t) => {
  const api = fakeApi();
  api.state.crd = true;
  const now = { t: 0 };
  const { w, writes, available, logs } = writer(api, now);
  t.equal(await w.available(), true);
  await w.put('shop', report('shop', 1), 'a');
  api.state.crd = false;
  await w.put('shop', report('shop', 2), 'b');
  t.same(writes, ['created', 'failed']);
  await new Promise((r) => setImmediate(r));
  t.same(available, [true, false]);
  t.ok(logs.some((l) => l.includes('CRD is gone')));
  await w.put('shop', report('shop', 3), 'c');
  t.same(writes, ['created', 'failed'], 'no writes while it is gone');
});
