// Reading a kubeconfig or the in-cluster configuration (src/cluster/kubeconfig.ts): every form of
// cluster and user that pullguard supports, and the exact message for every bad input.
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeconfigError, loadClusterConnection, NOT_IN_CLUSTER_MESSAGE, TOKEN_FILE_CACHE_MS, type ClusterConnection } from '../../src/cluster/kubeconfig.js';
import { makeTestPki } from '../helpers/registry-pki.js';

const pki = makeTestPki(['127.0.0.1']);
const CA = pki.caPem;
const CERT = pki.serverCertPem;
const KEY = pki.serverKeyPem;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const SERVER = 'https://127.0.0.1:6443';

type Obj = Record<string, unknown>;

/** A kubeconfig with one context `ctx` → cluster `c` + user `u`, with `extra` keys on top. */
function kubeconfig(cluster: Obj, user: Obj, extra: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
    ...extra,
  };
}

async function scratch(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-kubeconfig-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Relative paths in a kubeconfig resolve against its directory: keep material in a subdirectory.
  await mkdir(join(dir, 'pki'));
  await writeFile(join(dir, 'pki', 'ca.crt'), CA);
  await writeFile(join(dir, 'pki', 'client.crt'), CERT);
  await writeFile(join(dir, 'pki', 'client.key'), KEY);
  await writeFile(join(dir, 'pki', 'token'), 'file-token\n');
  await writeFile(join(dir, 'pki', 'not-pem'), 'hello\n');
  return dir;
}

async function load(dir: string, config: Obj | string): Promise<ClusterConnection> {
  const file = join(dir, 'config', 'kubeconfig');
  await mkdir(join(dir, 'config'), { recursive: true });
  await writeFile(file, typeof config === 'string' ? config : stringify(config));
  return loadClusterConnection(file, {});
}

t.test('kubeconfig forms', async (t) => {
  const dir = await scratch(t);
  const cases: {
    name: string;
    cluster: Obj;
    user: Obj;
    tls: Obj;
    /** Client certificate and key both from files: re-read (client-go ReloadTLSFiles). */
    reloadable?: boolean;
    auth: string;
    headers: Obj;
  }[] = [
    {
      name: 'embedded CA and client certificate (-data)',
      cluster: { server: SERVER, 'certificate-authority-data': b64(CA) },
      user: { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) },
      tls: { ca: CA, cert: CERT, key: KEY, rejectUnauthorized: true },
      auth: 'client-certificate',
      headers: {},
    },
    {
      name: 'files, absolute paths',
      cluster: { server: SERVER, 'certificate-authority': join(dir, 'pki', 'ca.crt') },
      user: { 'client-certificate': join(dir, 'pki', 'client.crt'), 'client-key': join(dir, 'pki', 'client.key') },
      reloadable: true,
      tls: { ca: CA, cert: CERT, key: KEY, rejectUnauthorized: true },
      auth: 'client-certificate',
      headers: {},
    },
    {
      name: "files, relative to the kubeconfig's directory (config/), not the working directory",
      cluster: { server: SERVER, 'certificate-authority': '../pki/ca.crt' },
      user: { 'client-certificate': '../pki/client.crt', 'client-key': '../pki/client.key' },
      reloadable: true,
      tls: { ca: CA, cert: CERT, key: KEY, rejectUnauthorized: true },
      auth: 'client-certificate',
      headers: {},
    },
    {
      name: '-data wins over the file form; the file is then not read',
      cluster: { server: SERVER, 'certificate-authority-data': b64(CA), 'certificate-authority': '/nonexistent/ca.crt' },
      user: { 'client-certificate-data': b64(CERT), 'client-certificate': '/nonexistent/c.crt', 'client-key-data': b64(KEY), 'client-key': '/nonexistent/c.key' },
      tls: { ca: CA, cert: CERT, key: KEY, rejectUnauthorized: true },
      auth: 'client-certificate',
      headers: {},
    },
    {
      name: 'static token, system roots (no CA)',
      cluster: { server: SERVER },
      user: { token: 'abc.def' },
      tls: { rejectUnauthorized: true },
      auth: 'token',
      headers: { authorization: 'Bearer abc.def' },
    },
    {
      name: 'tokenFile, relative, trailing newline trimmed',
      cluster: { server: SERVER, 'certificate-authority-data': b64(CA) },
      user: { tokenFile: '../pki/token' },
      tls: { ca: CA, rejectUnauthorized: true },
      auth: 'token-file',
      headers: { authorization: 'Bearer file-token' },
    },
    {
      name: 'basic auth',
      cluster: { server: SERVER, 'certificate-authority-data': b64(CA) },
      user: { username: 'admin', password: 's3cret:x' },
      tls: { ca: CA, rejectUnauthorized: true },
      auth: 'basic',
      headers: { authorization: `Basic ${b64('admin:s3cret:x')}` },
    },
    {
      name: 'insecure-skip-tls-verify',
      cluster: { server: SERVER, 'insecure-skip-tls-verify': true },
      user: { token: 't' },
      tls: { rejectUnauthorized: false },
      auth: 'token',
      headers: { authorization: 'Bearer t' },
    },
    {
      name: 'tls-server-name',
      cluster: { server: SERVER, 'certificate-authority-data': b64(CA), 'tls-server-name': 'kubernetes.default.svc' },
      user: { token: 't' },
      tls: { ca: CA, rejectUnauthorized: true, servername: 'kubernetes.default.svc' },
      auth: 'token',
      headers: { authorization: 'Bearer t' },
    },
    {
      name: 'impersonation',
      cluster: { server: SERVER },
      user: { token: 't', as: 'jane', 'as-groups': ['devs', 'ops'] },
      tls: { rejectUnauthorized: true },
      auth: 'token',
      headers: { authorization: 'Bearer t', 'impersonate-user': 'jane', 'impersonate-group': ['devs', 'ops'] },
    },
    {
      name: 'no credentials at all',
      cluster: { server: SERVER },
      user: {},
      tls: { rejectUnauthorized: true },
      auth: 'none',
      headers: {},
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const conn = await load(dir, kubeconfig(c.cluster, c.user));
      t.equal(conn.server.href, `${SERVER}/`);
      const { reloadClientCertificate, ...tls } = conn.tls;
      t.same(tls, c.tls);
      t.equal(typeof reloadClientCertificate === 'function', c.reloadable === true, `reloadable: ${c.reloadable === true}`);
      if (reloadClientCertificate) t.same(await reloadClientCertificate(), { cert: CERT, key: KEY }, 'reload reads the same files');
      t.equal(conn.auth, c.auth);
      t.same(await conn.headers(), c.headers);
    });
  }
});

t.test('the current-context picks the cluster and user by name', async (t) => {
  const dir = await scratch(t);
  const conn = await load(dir, {
    clusters: [
      { name: 'a', cluster: { server: 'https://a.example:443' } },
      { name: 'b', cluster: { server: 'https://b.example:6443/k8s/clusters/c-1' } },
    ],
    users: [
      { name: 'a', user: { token: 'token-a' } },
      { name: 'b', user: { token: 'token-b' } },
    ],
    contexts: [
      { name: 'first', context: { cluster: 'a', user: 'a' } },
      { name: 'second', context: { cluster: 'b', user: 'b', namespace: 'x' } },
    ],
    'current-context': 'second',
  });
  t.equal(conn.server.href, 'https://b.example:6443/k8s/clusters/c-1');
  t.same(await conn.headers(), { authorization: 'Bearer token-b' });
});

t.test('a tokenFile is read again once the cached copy is a minute old', async (t) => {
  const dir = await scratch(t);
  let now = 1_000_000;
  const file = join(dir, 'kubeconfig');
  await writeFile(file, stringify(kubeconfig({ server: SERVER }, { tokenFile: 'pki/token', token: 'static' })));
  const conn = await loadClusterConnection(file, {}, { now: () => now });
  t.same(await conn.headers(), { authorization: 'Bearer file-token' }, 'the file wins over a static token');
  await writeFile(join(dir, 'pki', 'token'), 'rotated\n');
  now += TOKEN_FILE_CACHE_MS - 1;
  t.same(await conn.headers(), { authorization: 'Bearer file-token' }, 'cached within the minute');
  now += 1;
  t.same(await conn.headers(), { authorization: 'Bearer rotated' }, 'the rotated token is picked up');
  await rm(join(dir, 'pki', 'token'));
  now += TOKEN_FILE_CACHE_MS;
  t.same(await conn.headers(), { authorization: 'Bearer rotated' }, 'an unreadable file keeps the last token (client-go cachingTokenSource)');
});

t.test('in-cluster', async (t) => {
  const dir = await scratch(t);
  const sa = join(dir, 'sa');
  await mkdir(sa);
  await writeFile(join(sa, 'token'), 'sa-token-1');
  await writeFile(join(sa, 'ca.crt'), CA);
  let now = 0;
  const cases: { name: string; env: Obj; server: string }[] = [
    { name: 'IPv4', env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, server: 'https://10.96.0.1/' },
    { name: 'IPv6 is bracketed', env: { KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '6443' }, server: 'https://[fd00:10:96::1]:6443/' },
    { name: 'a host name', env: { KUBERNETES_SERVICE_HOST: 'kubernetes.default.svc', KUBERNETES_SERVICE_PORT: '8443' }, server: 'https://kubernetes.default.svc:8443/' },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      await writeFile(join(sa, 'token'), 'sa-token-1');
      const conn = await loadClusterConnection('in-cluster', c.env as Record<string, string>, { serviceAccountDir: sa, now: () => now });
      t.equal(conn.server.href, c.server);
      t.same(conn.tls, { ca: CA, rejectUnauthorized: true });
      t.equal(conn.auth, 'token-file');
      t.same(await conn.headers(), { authorization: 'Bearer sa-token-1' });
      // Bound ServiceAccount tokens are rotated by the kubelet.
      await writeFile(join(sa, 'token'), 'sa-token-2\n');
      now += TOKEN_FILE_CACHE_MS;
      t.same(await conn.headers(), { authorization: 'Bearer sa-token-2' });
    });
  }
});

t.test('in-cluster errors', async (t) => {
  const dir = await scratch(t);
  const sa = join(dir, 'sa');
  await mkdir(sa);
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
  const cases: { name: string; env: Record<string, string>; files: Record<string, string>; message: string }[] = [
    { name: 'no variables', env: {}, files: {}, message: NOT_IN_CLUSTER_MESSAGE },
    { name: 'no port', env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, files: {}, message: NOT_IN_CLUSTER_MESSAGE },
    { name: 'no ca.crt', env, files: { token: 'x' }, message: `cannot read the service account CA ${join(sa, 'ca.crt')}: no such file` },
    { name: 'no token', env, files: { 'ca.crt': CA }, message: `cannot read the service account token ${join(sa, 'token')}: no such file` },
    { name: 'empty token', env, files: { 'ca.crt': CA, token: '\n' }, message: `the service account token ${join(sa, 'token')} is empty` },
    { name: 'ca.crt not PEM', env, files: { 'ca.crt': 'x', token: 'x' }, message: `the service account CA ${join(sa, 'ca.crt')} holds no PEM certificate` },
    { name: 'bad port', env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: 'https' }, files: {}, message: 'KUBERNETES_SERVICE_HOST "10.96.0.1" and KUBERNETES_SERVICE_PORT "https" do not make a URL' },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      await rm(join(sa, 'token'), { force: true });
      await rm(join(sa, 'ca.crt'), { force: true });
      for (const [name, text] of Object.entries(c.files)) await writeFile(join(sa, name), text);
      await t.rejects(loadClusterConnection('in-cluster', c.env, { serviceAccountDir: sa }), new KubeconfigError(c.message));
    });
  }
});

t.test('every bad kubeconfig has its own message', async (t) => {
  const dir = await scratch(t);
  const good = { server: SERVER };
  const cases: { name: string; config: Obj | string; message: string }[] = [
    { name: 'empty file', config: '', message: 'not a kubeconfig: the file is empty' },
    { name: 'not YAML', config: 'clusters: [\n', message: /^not YAML: / as unknown as string },
    { name: 'not a mapping', config: '- a\n- b\n', message: 'not a kubeconfig: expected a mapping with clusters, users, contexts and current-context' },
    { name: 'no current-context', config: { ...kubeconfig(good, {}), 'current-context': '' }, message: 'current-context is not set' },
    { name: 'current-context not a string', config: { ...kubeconfig(good, {}), 'current-context': 3 }, message: 'current-context of the kubeconfig must be a string' },
    { name: 'context not found', config: { ...kubeconfig(good, {}), 'current-context': 'other' }, message: 'context "other" (the current-context) was not found' },
    { name: 'contexts not a list', config: { ...kubeconfig(good, {}), contexts: { ctx: {} } }, message: 'contexts must be a list' },
    { name: 'context without a cluster', config: { ...kubeconfig(good, {}), contexts: [{ name: 'ctx', context: { user: 'u' } }] }, message: 'cluster was not specified for context "ctx"' },
    { name: 'context without a user', config: { ...kubeconfig(good, {}), contexts: [{ name: 'ctx', context: { cluster: 'c' } }] }, message: 'user was not specified for context "ctx"' },
    { name: 'cluster not found', config: { ...kubeconfig(good, {}), contexts: [{ name: 'ctx', context: { cluster: 'x', user: 'u' } }] }, message: 'cluster "x" was not found for context "ctx"' },
    { name: 'user not found', config: { ...kubeconfig(good, {}), contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'x' } }] }, message: 'user "x" was not found for context "ctx"' },
    { name: 'server missing', config: kubeconfig({}, {}), message: 'no server found for cluster "c"' },
    { name: 'server not a URL', config: kubeconfig({ server: 'not a url' }, {}), message: 'server "not a url" of cluster "c" is not a URL' },
    { name: 'server not https', config: kubeconfig({ server: 'http://127.0.0.1:8080' }, {}), message: 'server "http://127.0.0.1:8080" of cluster "c" is not https: pullguard reaches the API server over TLS only' },
    { name: 'proxy-url', config: kubeconfig({ server: SERVER, 'proxy-url': 'http://proxy:3128' }, {}), message: 'proxy-url of cluster "c" is not supported' },
    { name: 'insecure not a boolean', config: kubeconfig({ server: SERVER, 'insecure-skip-tls-verify': 'yes' }, {}), message: 'insecure-skip-tls-verify of cluster "c" must be true or false' },
    { name: 'insecure with a CA', config: kubeconfig({ server: SERVER, 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64(CA) }, {}), message: 'cluster "c": specifying a root certificates file with the insecure flag is not allowed' },
    { name: 'CA file missing', config: kubeconfig({ server: SERVER, 'certificate-authority': 'nope.crt' }, {}), message: `cannot read certificate-authority ${join(dir, 'config', 'nope.crt')} for cluster "c": no such file` },
    { name: 'CA file not PEM', config: kubeconfig({ server: SERVER, 'certificate-authority': join(dir, 'pki', 'not-pem') }, {}), message: `certificate-authority ${join(dir, 'pki', 'not-pem')} for cluster "c" holds no PEM certificate` },
    { name: 'CA file a directory', config: kubeconfig({ server: SERVER, 'certificate-authority': join(dir, 'pki') }, {}), message: `cannot read certificate-authority ${join(dir, 'pki')} for cluster "c": is a directory` },
    { name: 'CA data not base64', config: kubeconfig({ server: SERVER, 'certificate-authority-data': 'not base64!' }, {}), message: 'certificate-authority-data of cluster "c" is not base64' },
    { name: 'CA data not PEM', config: kubeconfig({ server: SERVER, 'certificate-authority-data': b64('hello') }, {}), message: 'certificate-authority-data of cluster "c" holds no PEM certificate' },
    { name: 'client cert without key', config: kubeconfig(good, { 'client-certificate-data': b64(CERT) }), message: 'client-key-data or client-key must be specified for user "u" to use the clientCert authentication method' },
    { name: 'client key without cert', config: kubeconfig(good, { 'client-key-data': b64(KEY) }), message: 'client-certificate-data or client-certificate must be specified for user "u" to use the clientCert authentication method' },
    { name: 'client cert file missing', config: kubeconfig(good, { 'client-certificate': '/nonexistent/c.crt', 'client-key-data': b64(KEY) }), message: 'cannot read client-certificate /nonexistent/c.crt for user "u": no such file' },
    { name: 'client key not a key', config: kubeconfig(good, { 'client-certificate-data': b64(CERT), 'client-key-data': b64(CERT) }), message: 'client-key-data of user "u" holds no PEM private key' },
    { name: 'token and basic auth', config: kubeconfig(good, { token: 't', username: 'a', password: 'b' }), message: 'more than one authentication method found for user "u"; found [token basicAuth], only one is allowed' },
    { name: 'tokenFile missing', config: kubeconfig(good, { tokenFile: 'nope' }), message: `cannot read tokenFile of user "u" ${join(dir, 'config', 'nope')}: no such file` },
    { name: 'token not a string', config: kubeconfig(good, { token: 42 }), message: 'token of user "u" must be a string' },
    { name: 'exec and auth-provider', config: kubeconfig(good, { exec: { command: 'x' }, 'auth-provider': { name: 'oidc' } }), message: 'authProvider cannot be provided in combination with an exec plugin for user "u"' },
    { name: 'groups without a user to impersonate', config: kubeconfig(good, { 'as-groups': ['g'] }), message: 'user "u": requesting groups or a uid without impersonating a user (as)' },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const err = await load(dir, c.config).then(
        () => null,
        (e: unknown) => e,
      );
      t.type(err, KubeconfigError);
      if (typeof c.message === 'string') t.equal((err as Error).message, c.message);
      else t.match((err as Error).message, c.message);
    });
  }

  await t.test('kubeconfig file missing', async (t) => {
    await t.rejects(loadClusterConnection(join(dir, 'absent'), {}), new KubeconfigError('cannot read: no such file'));
  });
});
