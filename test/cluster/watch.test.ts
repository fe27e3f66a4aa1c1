// The informer path against a real kube-apiserver (v1.20.2): Secrets created, changed and deleted
// after start-up are seen; a ServiceAccount's imagePullSecrets apply to a Deployment whose template
// lists none; Namespace mode labels are followed; and after the watch connections drop, the index
// recovers, including what changed while it was cut off.
import t from 'tap';
import net from 'node:net';
import { CoreV1Api, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { ClusterWatch } from '../../src/cluster/watch.js';
import { loadClusterConnection } from '../../src/cluster/kubeconfig.js';
import { build } from '../../src/server/app.js';
import { defaultConfig } from '../../src/config/load.js';
import { engineDeps } from '../../src/cli/wiring.js';
import { loadFixture } from '../helpers/fixtures.js';
import { kubeUnavailableReason, startKube, waitFor } from '../helpers/kube.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const NS = 'team-a';

function pullSecret(name: string, auths: unknown): V1Secret {
  return {
    metadata: { name, namespace: NS },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}

/** A TCP relay in front of the API server whose connections the test can cut, and refuse for a while. */
async function relay(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Drop every connection and refuse new ones until `restore()`. */
    cut() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      refusing = false;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const reason = kubeUnavailableReason();
if (reason !== null) {
  if (process.env['CI'] === 'true') t.fail(`kube-apiserver tests cannot run under CI: ${reason}`);
  else t.plan(0, `skipped: ${reason}`);
} else {
  t.test('ClusterWatch against a real API server', async (t) => {
    const kube = await startKube(t);
    const direct = new KubeConfig();
    direct.loadFromFile(kube.kubeconfig);
    const core = direct.makeApiClient(CoreV1Api);

    // pullguard reaches the API server through the relay; the test's own writes go direct.
    const r = await relay(kube.apiPort);
    t.teardown(() => r.close());
    const connection = await loadClusterConnection(kube.kubeconfig);
    t.equal(connection.auth, 'client-certificate');
    const viaRelay = { ...connection, server: new URL(`https://127.0.0.1:${r.port}`) };
    const logs: string[] = [];
    const logger = { info: (_o: object, m: string) => logs.push(m), warn: (_o: object, m: string) => logs.push(m) };

    await core.createNamespace({ body: { metadata: { name: NS } } });
    await core.createNamespacedSecret({ namespace: NS, body: pullSecret('before-start', { 'quay.io': { auth: b64('u:p') } }) });
    // An Opaque secret is not a pull secret: the field selector keeps it out of memory entirely.
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'opaque' }, type: 'Opaque', data: { x: b64('y') } } });

    const watch = new ClusterWatch({ connection: viaRelay, logger, backoffInitialMs: 100 });
    t.equal(watch.notReadyReason(), 'waiting for the first list of cluster objects (5 of 5 not synced)');
    t.equal(watch.store.available, false, 'not authoritative before the first list');
    watch.start();
    t.teardown(() => watch.stop());
    await waitFor('the first lists', 15_000, () => (watch.notReadyReason() === null ? true : undefined));
    t.equal(watch.store.available, true);
    t.equal(watch.store.secret(NS, 'before-start')?.pull.status, 'usable', 'listed at start-up');
    t.equal(watch.store.secret(NS, 'opaque'), undefined, 'non-pull secrets are never read');

    await t.test('secrets created, changed and deleted after start-up are seen', async (t) => {
      await core.createNamespacedSecret({ namespace: NS, body: pullSecret('regcred', { 'ghcr.io': { auth: b64('u:p') } }) });
      await waitFor('regcred to appear', 10_000, () => watch.store.secret(NS, 'regcred'));
      t.equal(watch.store.secret(NS, 'regcred')?.pull.status, 'usable');

      // The API server itself refuses a .dockerconfigjson that is not JSON (422): in a real cluster a
      // malformed pull secret is valid JSON with an `auth` that is not base64 of user:password.
      await core.replaceNamespacedSecret({ name: 'regcred', namespace: NS, body: pullSecret('regcred', { 'ghcr.io': { auth: 'not base64!' } }) });
      await waitFor('regcred to turn malformed', 10_000, () => (watch.store.secret(NS, 'regcred')?.pull.status === 'malformed' ? true : undefined));
      t.pass('the change is seen');

      await core.deleteNamespacedSecret({ name: 'regcred', namespace: NS });
      await waitFor('regcred to disappear', 10_000, () => (watch.store.secret(NS, 'regcred') === undefined ? true : undefined));
      t.pass('the deletion is seen');
    });

    await t.test("a ServiceAccount's imagePullSecrets apply to a Deployment whose template lists none", async (t) => {
      await core.createNamespacedSecret({ namespace: NS, body: pullSecret('sa-cred', { 'ghcr.io': { auth: b64('u:p') } }) });
      await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'builder' }, imagePullSecrets: [{ name: 'sa-cred' }, { name: 'gone' }] } });
      await waitFor('the ServiceAccount', 10_000, () => watch.store.serviceAccount(NS, 'builder'));
      await waitFor('its secret', 10_000, () => watch.store.secret(NS, 'sa-cred'));

      const config = defaultConfig();
      const app = await build({ deps: () => engineDeps(config, { state: watch.store, registry: null }) });
      t.teardown(() => app.close());
      const review = loadFixture('deployment-create-good-deploy.json');
      const spec = review.request.object.spec.template.spec;
      delete spec.imagePullSecrets;
      spec.serviceAccountName = 'builder';
      spec.containers[0].image = 'ghcr.io/acme/app:1.0';
      review.request['namespace'] = NS;
      review.request.object.metadata.namespace = NS;
      const res = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: review });
      const response = res.json().response;
      t.equal(response.allowed, true);
      t.same(response.auditAnnotations, { verdict: 'warn', findings: 'PULL_SECRET_NOT_FOUND' });
      t.equal(response.warnings.length, 1, 'the SA\'s missing secret "gone" is reported; "sa-cred" is used');
      t.match(response.warnings[0], /^PULL_SECRET_NOT_FOUND container "app" \(image "ghcr\.io\/acme\/app:1\.0"\): pull secret "gone" not found/);
    });

    await t.test('Namespace mode labels are followed', async (t) => {
      t.equal(watch.namespaces.mode(NS), undefined);
      const ns = await core.readNamespace({ name: NS });
      ns.metadata!.labels = { ...ns.metadata!.labels, 'pullguard.io/mode': 'warn' };
      await core.replaceNamespace({ name: NS, body: ns });
      await waitFor('the warn label', 10_000, () => watch.namespaces.mode(NS));
      t.equal(watch.namespaces.mode(NS), 'warn');
    });

    await t.test('node platforms come from the nodes\' labels', async (t) => {
      t.same(watch.nodes.platforms(), []);
      for (const [name, arch] of [['n1', 'amd64'], ['n2', 'arm64'], ['n3', 'amd64']] as const) {
        await core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch } } } });
      }
      await waitFor('three nodes', 10_000, () => (watch.nodes.platforms().length === 2 ? true : undefined));
      t.same(watch.nodes.platforms(), [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
      await core.deleteNode({ name: 'n2' });
      await waitFor('n2 gone', 10_000, () => (watch.nodes.platforms().length === 1 ? true : undefined));
      t.same(watch.nodes.platforms(), [{ os: 'linux', architecture: 'amd64' }]);
    });

    await t.test('after the watches drop, the index recovers, with what changed meanwhile', async (t) => {
      const watchesBefore = watch.reflectors.map((x) => x.watches);
      r.cut();
      // Changes made while pullguard cannot see the API server.
      await core.createNamespacedSecret({ namespace: NS, body: pullSecret('during-outage', { 'ghcr.io': { auth: b64('u:p') } }) });
      await core.deleteNamespacedSecret({ name: 'before-start', namespace: NS });
      await new Promise((res) => setTimeout(res, 500));
      t.equal(watch.store.secret(NS, 'during-outage'), undefined, 'not seen while cut off');
      r.restore();
      await waitFor('the new secret after reconnecting', 20_000, () => watch.store.secret(NS, 'during-outage'));
      await waitFor('the deleted secret to go', 20_000, () => (watch.store.secret(NS, 'before-start') === undefined ? true : undefined));
      t.pass('index correct after the reconnect');
      t.ok(watch.reflectors.every((x, i) => x.watches > (watchesBefore[i] ?? 0)), 'every reflector watched again');
      t.ok(logs.includes('list/watch failed; retrying'), 'the outage was logged');
      t.equal(watch.notReadyReason(), null, 'still ready');
    });
  });
}
