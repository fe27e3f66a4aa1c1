// kubectl's --context and the context's namespace, and which kubeconfig kubectl reads without
// --kubeconfig (src/cluster/kubeconfig.ts), for `pullguard explain`.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { KubeconfigError, kubeconfigSource, loadClusterConnection } from '../../src/cluster/kubeconfig.js';

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
  t.equal(kubeconfigSource('/x/explicit', { KUBECONFIG: '/k/one' }), '/x/explicit', '--kubeconfig: that file only');
  t.same(kubeconfigSource(undefined, { KUBECONFIG: `/k/one${delimiter}${delimiter}/k/two${delimiter}/k/one`, HOME: '/home/me' }), ['/k/one', '/k/two'], 'every file of $KUBECONFIG, empty entries dropped, deduplicated');
  t.same(kubeconfigSource(undefined, { HOME: '/home/me' }), ['/home/me/.kube/config']);
  t.same(kubeconfigSource('', { KUBECONFIG: '', HOME: '/home/me' }), ['/home/me/.kube/config'], 'an empty KUBECONFIG is unset');
});

// client-go clientcmd loader.go Load: the first file to define a name wins whole; the first file that
// sets current-context wins; relative paths resolve against the file that defined the entry; missing
// files of the list are skipped. Each case is also given to the real kubectl (`config view --minify`).
interface MergeCase {
  readonly name: string;
  /** Files of $KUBECONFIG in order; null: listed but missing. Relative names are under one temp dir. */
  readonly files: readonly (Record<string, unknown> | null | string)[];
  readonly server?: string;
  readonly token?: string;
  readonly namespace?: string;
  /** Which file's ca.pem (by index) the cluster's relative certificate-authority names. */
  readonly caOf?: number;
  readonly error?: RegExp;
}

/** pullguard reads a CA file's PEM markers only; the label tells which file was read. */
const fakePem = (label: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(label).toString('base64')}\n-----END CERTIFICATE-----\n`;
const cluster = (server: string, extra: Record<string, unknown> = {}) => ({ server, ...extra });
const CASES: readonly MergeCase[] = [
  {
    name: 'the first definition of a name wins, whole',
    files: [
      { clusters: [{ name: 'c', cluster: cluster('https://first.example') }], users: [{ name: 'u', user: { token: 'first' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' },
      { clusters: [{ name: 'c', cluster: cluster('https://second.example') }], users: [{ name: 'u', user: { token: 'second' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'ignored' } }], 'current-context': 'other' },
    ],
    server: 'first.example',
    token: 'first',
  },
  {
    name: 'current-context from the first file that sets it; entries from any file',
    files: [
      { users: [{ name: 'u', user: { token: 't1' } }] },
      { clusters: [{ name: 'c', cluster: cluster('https://two.example:6443') }], contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'shop' } }], 'current-context': 'ctx' },
    ],
    server: 'two.example:6443',
    token: 't1',
    namespace: 'shop',
  },
  {
    name: 'missing and empty files are skipped',
    files: [null, '', { clusters: [{ name: 'c', cluster: cluster('https://only.example') }], users: [{ name: 'u', user: { token: 'only' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' }],
    server: 'only.example',
    token: 'only',
  },
  {
    name: "a relative certificate-authority is relative to the defining file's directory",
    files: [
      { users: [{ name: 'u', user: { token: 'ca' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' },
      { clusters: [{ name: 'c', cluster: cluster('https://ca.example', { 'certificate-authority': 'ca.pem' }) }] },
    ],
    server: 'ca.example',
    token: 'ca',
    caOf: 1,
  },
  {
    name: 'a file that is not YAML is an error naming it',
    files: [{ 'current-context': 'x' }, 'clusters: [\n'],
    error: /^error loading config file ".*\/1\/config": not YAML/,
  },
];

t.test('$KUBECONFIG files are merged as kubectl merges them', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pullguard-kubeconfig-merge-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  if (!kubectl && process.env['CI'] === 'true') t.fail('kubectl is needed to compare with it (CI=true)');
  let n = 0;
  for (const c of CASES) {
    const dir = join(root, String(n++));
    const paths: string[] = [];
    for (const [i, f] of c.files.entries()) {
      const sub = join(dir, String(i));
      await mkdir(sub, { recursive: true });
      const p = join(sub, 'config');
      paths.push(p);
      if (f === null) continue;
      await writeFile(p, typeof f === 'string' ? f : stringify(f));
      await writeFile(join(sub, 'ca.pem'), fakePem(`ca-${i}`));
    }
    const source = kubeconfigSource(undefined, { KUBECONFIG: paths.join(delimiter) });
    if (c.error) {
      await t.rejects(loadClusterConnection(source, {}), c.error, c.name);
      continue;
    }
    const conn = await loadClusterConnection(source, {});
    t.equal(conn.server.host, c.server, `${c.name}: server`);
    t.same(await conn.headers(), { authorization: `Bearer ${c.token}` }, `${c.name}: user`);
    t.equal(conn.namespace, c.namespace, `${c.name}: namespace`);
    if (c.caOf !== undefined) t.equal(conn.tls.ca, fakePem(`ca-${c.caOf}`), `${c.name}: certificate-authority`);
    if (!kubectl) continue;
    const view = spawnSync('kubectl', ['config', 'view', '--minify', '--flatten', '-o', 'json'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: paths.join(delimiter) } });
    t.equal(view.status, 0, `${c.name}: kubectl config view: ${view.stderr}`);
    const merged = JSON.parse(view.stdout) as { clusters: { cluster: { server: string; 'certificate-authority-data'?: string } }[]; users: { user: { token: string } }[]; contexts: { context: { namespace?: string } }[] };
    t.equal(new URL(merged.clusters[0]!.cluster.server).host, c.server, `${c.name}: kubectl's server`);
    t.equal(merged.users[0]!.user.token, c.token, `${c.name}: kubectl's user`);
    t.equal(merged.contexts[0]!.context.namespace, c.namespace, `${c.name}: kubectl's namespace`);
    // --flatten embeds the files, read where client-go resolved them.
    if (c.caOf !== undefined) t.equal(Buffer.from(merged.clusters[0]!.cluster['certificate-authority-data'] ?? '', 'base64').toString(), fakePem(`ca-${c.caOf}`), `${c.name}: kubectl's certificate-authority`);
  }
});

t.test('no kubeconfig at all: the Pod ServiceAccount, else a clear error', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pullguard-kubeconfig-none-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const source = kubeconfigSource(undefined, { HOME: root });
  await t.rejects(loadClusterConnection(source, {}), new KubeconfigError(`no configuration has been provided: ${join(root, '.kube', 'config')} does not exist`));
  await writeFile(join(root, 'token'), 'sa-token');
  await writeFile(join(root, 'namespace'), 'pullguard');
  await writeFile(join(root, 'ca.crt'), fakePem('in-cluster'));
  const conn = await loadClusterConnection(source, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, { serviceAccountDir: root });
  t.equal(conn.server.host, '10.0.0.1');
  t.equal(conn.namespace, 'pullguard', "the ServiceAccount's namespace file");
  const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', POD_NAMESPACE: 'from-env' };
  t.equal((await loadClusterConnection(source, env, { serviceAccountDir: root })).namespace, 'from-env', '$POD_NAMESPACE first');
  await t.rejects(loadClusterConnection(join(root, 'missing'), {}), /cannot read: no such file/, '--kubeconfig names a file that must exist');
});
