/**
 * Child process for test/cluster/lazy-load.test.ts: registers a module resolution hook that records
 * every module resolved from @kubernetes/client-node (by specifier or by resolved URL), THEN imports
 * pullguard's CLI and runs one scenario against a stand-in API server (HTTPS on 127.0.0.1, in this
 * process) that records the Authorization header of every request. Prints
 * `{"loaded": [...], "detail": ...}` as its last line.
 *
 *   serve-cert   the CLI graph, then what `serve --kubeconfig` does: load a client-certificate
 *                kubeconfig, start ClusterWatch, wait until every reflector has listed
 *   check-token  `pullguard check --kubeconfig` with a bearer-token kubeconfig
 *   check-exec   `pullguard check --kubeconfig` with an `exec` user: a plugin script (run by Node)
 *                that prints an ExecCredential; the token must reach the server
 */
import { register } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'yaml';
import { makeTestPki } from './registry-pki.js';

const dir = mkdtempSync(join(tmpdir(), 'pullguard-kube-lazy-'));
const log = join(dir, 'loaded.txt');
writeFileSync(log, '');
const hook = `
import { appendFileSync } from 'node:fs';
let log = '';
export async function initialize(data) { log = data.log; }
const SPEC = /^@kubernetes\\/client-node(\\/|$)/;
const URL_RE = /\\/node_modules\\/@kubernetes\\/client-node\\//;
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (SPEC.test(specifier) || URL_RE.test(r.url ?? '')) appendFileSync(log, specifier + '\\n');
  return r;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { parentURL: import.meta.url, data: { log } });

const mode = process.argv[2];
const pki = makeTestPki(['127.0.0.1']);
const b64 = (s: string) => Buffer.from(s).toString('base64');

// --- the stand-in API server --------------------------------------------------------------------
const authorizations: string[] = [];
const paths: string[] = [];
const server = https.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, (req, res) => {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  authorizations.push(req.headers.authorization ?? '(none)');
  paths.push(`${url.pathname}${url.searchParams.has('watch') ? ' watch' : ''}`);
  res.writeHead(200, { 'content-type': 'application/json' });
  // Watches stay open (the child exits with them); lists are empty but for one pull secret.
  if (url.searchParams.has('watch')) return void res.flushHeaders();
  const items =
    url.pathname === '/api/v1/secrets' && url.searchParams.get('fieldSelector') === 'type=kubernetes.io/dockerconfigjson'
      ? [{ metadata: { name: 'regcred', namespace: 'default', resourceVersion: '5' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{"ghcr.io":{"auth":"dTpw"}}}') } }]
      : [];
  res.end(JSON.stringify({ metadata: { resourceVersion: '7' }, items }));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const apiUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

function kubeconfig(user: Record<string, unknown>): string {
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: apiUrl, 'certificate-authority-data': b64(pki.caPem) } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
  return file;
}

async function check(file: string): Promise<{ code: number; checkedSecret: boolean }> {
  const { main } = await import('../../src/cli/main.js');
  const manifest = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { imagePullSecrets: [{ name: 'regcred' }, { name: 'absent' }], containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0' }] },
  });
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d) => (err += d));
  const code = await main(['check', '--offline', '--kubeconfig', file, '-o', 'json', '-'], {
    stdout,
    stderr,
    stdin: Readable.from([manifest]),
    env: {},
    stdoutIsTTY: false,
  });
  if (!out.startsWith('{')) throw new Error(`check printed no report (exit ${code}):\n${err}`);
  // "absent" is reported missing only because the cluster view came from the API server.
  return { code, checkedSecret: out.includes('PULL_SECRET_NOT_FOUND') && out.includes('absent') };
}

let detail: unknown;
if (mode === 'serve-cert') {
  await import('../../src/cli/main.js'); // the whole CLI graph, serve included
  const { loadClusterConnection } = await import('../../src/cluster/kubeconfig.js');
  const { ClusterWatch } = await import('../../src/cluster/watch.js');
  const { waitFor } = await import('./kube.js');
  const connection = await loadClusterConnection(kubeconfig({ 'client-certificate-data': b64(pki.serverCertPem), 'client-key-data': b64(pki.serverKeyPem) }), {});
  const watch = new ClusterWatch({ connection, logger: { info: () => undefined, warn: () => undefined } }).start();
  await waitFor('every reflector to list', 10_000, () => (watch.notReadyReason() === null ? true : undefined));
  // The controllers' ConfigMaps are not part of readiness, and a watch starts after its list: on a
  // loaded machine both come later, so wait for them before saying what was requested.
  const read = (r: { unknown?: string | undefined }) => !(r.unknown ?? '').endsWith('has not been read yet');
  await waitFor('the ConfigMaps to be listed and every list watched', 10_000, () =>
    read(watch.tekton.current()) && read(watch.argo.current()) && paths.filter((p) => !p.endsWith(' watch')).every((p) => paths.includes(`${p} watch`)) ? true : undefined,
  );
  watch.stop();
  detail = { auth: connection.auth, synced: true, regcred: watch.store.secret('default', 'regcred')?.pull.status ?? null };
} else if (mode === 'check-token') {
  detail = { ...(await check(kubeconfig({ token: 'static-token' }))), authorizations: [...new Set(authorizations)] };
} else if (mode === 'check-exec') {
  const plugin = join(dir, 'plugin.mjs');
  writeFileSync(
    plugin,
    `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'exec-token-' + process.env.PLUGIN_SUFFIX } }));\n`,
  );
  const file = kubeconfig({
    exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin], env: [{ name: 'PLUGIN_SUFFIX', value: '42' }] },
  });
  detail = { ...(await check(file)), authorizations: [...new Set(authorizations)] };
} else {
  throw new Error(`unknown mode ${mode}`);
}

const loaded = existsSync(log) ? [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))] : [];
process.stdout.write(`\n${JSON.stringify({ loaded, detail, paths: [...new Set(paths)].sort() })}\n`);
process.exit(0);
