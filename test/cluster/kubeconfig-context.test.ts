// kubectl's --context and the context's namespace, and which kubeconfig kubectl reads without
// --kubeconfig (src/cluster/kubeconfig.ts), for `pullguard explain`.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { defaultKubeconfigPath, KubeconfigError, loadClusterConnection } from '../../src/cluster/kubeconfig.js';

const config = {
  clusters: [
    { name: 'a', cluster: { server: 'https://a.example:443' } },
    { name: 'b', cluster: { server: 'https://b.example:6443' } },
  ],
  users: [
    { name: 'a', user: { token: 'token-a' } },
    { name: 'b', user: { token: 'token-b' } },
  ],
  contexts: [
    { name: 'first', context: { cluster: 'a', user: 'a' } },
    { name: 'second', context: { cluster: 'b', user: 'b', namespace: 'shop' } },
  ],
  'current-context': 'first',
};

t.test('--context picks another context; its namespace is the default namespace', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config');
  await writeFile(file, stringify(config));
  const current = await loadClusterConnection(file, {});
  t.equal(current.server.host, 'a.example');
  t.equal(current.namespace, undefined, 'no namespace in the current context');
  const second = await loadClusterConnection(file, {}, { context: 'second' });
  t.equal(second.server.host, 'b.example:6443');
  t.equal(second.namespace, 'shop');
  t.same(await second.headers(), { authorization: 'Bearer token-b' });
  await t.rejects(loadClusterConnection(file, {}, { context: 'nope' }), new KubeconfigError('context was not found for specified context: nope'));
});

t.test('the kubeconfig kubectl reads without --kubeconfig', async (t) => {
  const exists = (p: string) => ['/k/two', '/home/me/.kube/config'].includes(p);
  t.equal(defaultKubeconfigPath({ KUBECONFIG: '/k/one:/k/two', HOME: '/home/me' }, exists), '/k/two', 'the first file of $KUBECONFIG that exists');
  t.equal(defaultKubeconfigPath({ KUBECONFIG: '/k/one', HOME: '/home/me' }, exists), null, '$KUBECONFIG set: ~/.kube/config is not read');
  t.equal(defaultKubeconfigPath({ HOME: '/home/me' }, exists), '/home/me/.kube/config');
  t.equal(defaultKubeconfigPath({}, exists), null);
});
