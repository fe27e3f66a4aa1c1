// The manifests' Secrets and ServiceAccounts as a cluster state: Lists (of Lists) are walked without
// recursion, so no nesting depth overflows the call stack (issue 14 §3: no recursion limit may crash).
import t from 'tap';
import { clusterStateFromObjects } from '../../src/cluster/memory.js';

const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ns' }, type: 'Opaque', data: {} });
const sa = (name: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'ns' } });

t.test('nested Lists are read in document order', async (t) => {
  const objects = [{ kind: 'List', items: [secret('a'), { kind: 'SecretList', items: [secret('b'), sa('x')] }, secret('c')] }, sa('y')];
  const { state, problems } = clusterStateFromObjects(objects, { defaultNamespace: 'ns' });
  t.same(problems, []);
  for (const n of ['a', 'b', 'c']) t.ok(state.secret('ns', n), `secret ${n}`);
  for (const n of ['x', 'y']) t.ok(state.serviceAccount('ns', n), `serviceaccount ${n}`);
});

t.test('Lists nested 200,000 deep: no stack overflow', async (t) => {
  let o: unknown = secret('deep');
  for (let i = 0; i < 200_000; i++) o = { apiVersion: 'v1', kind: 'List', items: [o] };
  const { state } = clusterStateFromObjects([o], { defaultNamespace: 'ns' });
  t.ok(state.secret('ns', 'deep'));
});
