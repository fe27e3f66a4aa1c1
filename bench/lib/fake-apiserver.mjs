/**
 * Bench harness: an in-memory Kubernetes API for `pullguard serve --kubeconfig`, so the continuous
 * audit can be measured with thousands of workloads without a kube-apiserver and etcd holding them.
 * pullguard talks to it exactly as to a real one — discovery (/api, /apis, group versions), paged
 * lists (limit/continue), watches (held open until their timeoutSeconds), the audit Lease (GET, POST,
 * PUT) and Events (POST) — over TLS with a bearer token, so every byte of the real list+watch code
 * path (src/cluster/client.ts, reflector.ts, workload-watch.ts, resources.ts) and the reduction
 * (src/audit/inventory.ts) runs. What it is not: a real API server (no admission, no validation,
 * no watch events after the first list; the objects never change).
 *
 * The Lease can be held by the bench (`holdLease()`: renewed on every read, so no replica takes it)
 * and released (`releaseLease()`): the audit starts when the bench says so.
 */
import { createServer } from 'node:https';

const GROUPS = {
  '': { version: 'v1', resources: { pods: 'Pod', replicationcontrollers: 'ReplicationController', secrets: 'Secret', serviceaccounts: 'ServiceAccount', namespaces: 'Namespace', nodes: 'Node', events: 'Event' } },
  apps: { version: 'v1', resources: { deployments: 'Deployment', replicasets: 'ReplicaSet', statefulsets: 'StatefulSet', daemonsets: 'DaemonSet' } },
  batch: { version: 'v1', resources: { jobs: 'Job', cronjobs: 'CronJob' } },
  'coordination.k8s.io': { version: 'v1', resources: { leases: 'Lease' } },
};
const CLUSTER_SCOPED = new Set(['namespaces', 'nodes']);

/**
 * @param {{ pki: { certPem: string, keyPem: string, caPem: string }, collections: Record<string, object[]>, token?: string }} opts
 *   collections: `group/resource` (`/pods`, `apps/deployments`) → objects (namespaced ones carry metadata.namespace)
 */
export async function startFakeApiServer({ pki, collections, token = 'bench-token' }) {
  const requests = { list: 0, watch: 0, discovery: 0, lease: 0, events: 0, other: 0 };
  /** Leases by name: { object, held }. */
  const leases = new Map();
  let rv = 1;
  const watches = new Set();
  const send = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const status = (res, code, reason, message) => send(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
  const server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    const url = new URL(req.url ?? '/', 'https://x');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const path = url.pathname;
      // discovery
      if (path === '/api') {
        requests.discovery++;
        return send(res, 200, { kind: 'APIVersions', versions: ['v1'] });
      }
      if (path === '/apis') {
        requests.discovery++;
        return send(res, 200, {
          kind: 'APIGroupList',
          groups: Object.entries(GROUPS)
            .filter(([g]) => g !== '')
            .map(([name, g]) => ({ name, versions: [{ groupVersion: `${name}/${g.version}`, version: g.version }], preferredVersion: { groupVersion: `${name}/${g.version}`, version: g.version } })),
        });
      }
      const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
      if (!m) {
        requests.other++;
        return status(res, 404, 'NotFound', `${path} not found`);
      }
      const group = m[2] ?? '';
      const version = m[1] ?? m[3];
      const g = GROUPS[group];
      if (!g || g.version !== version) return status(res, 404, 'NotFound', `${path} not found`);
      const namespace = m[4];
      const resource = m[5];
      const name = m[6];
      if (!resource && !namespace) {
        requests.discovery++;
        return send(res, 200, {
          kind: 'APIResourceList',
          groupVersion: group ? `${group}/${version}` : version,
          resources: Object.entries(g.resources).map(([plural, kind]) => ({ name: plural, kind, namespaced: !CLUSTER_SCOPED.has(plural), verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] })),
        });
      }
      if (!resource || !g.resources[resource]) return status(res, 404, 'NotFound', `${path} not found`);
      // the Lease
      if (resource === 'leases') {
        requests.lease++;
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
        const leaseName = name ?? body?.metadata?.name;
        const entry = leases.get(leaseName);
        if (req.method === 'GET') {
          if (!entry) return status(res, 404, 'NotFound', `leases "${name}" not found`);
          if (entry.held) entry.object = { ...entry.object, metadata: { ...entry.object.metadata, resourceVersion: String(++rv) }, spec: { ...entry.object.spec, holderIdentity: 'bench', leaseDurationSeconds: 15, renewTime: new Date().toISOString() } };
          return send(res, 200, entry.object);
        }
        if (req.method === 'POST') {
          if (entry) return status(res, 409, 'AlreadyExists', 'exists');
          const object = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
          leases.set(leaseName, { object, held: false });
          return send(res, 201, object);
        }
        if (req.method === 'PUT') {
          if (!entry) return status(res, 404, 'NotFound', `leases "${name}" not found`);
          if (entry.held) return status(res, 409, 'Conflict', 'held by the bench');
          entry.object = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
          return send(res, 200, entry.object);
        }
      }
      if (resource === 'events' && req.method === 'POST') {
        requests.events++;
        return send(res, 201, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      }
      if (req.method !== 'GET' || name) return status(res, 404, 'NotFound', `${path} not found`);
      // watch: held open, nothing happens, ended at its timeoutSeconds (as the API server does)
      if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') {
        requests.watch++;
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        const timer = setTimeout(() => res.end(), Number(url.searchParams.get('timeoutSeconds') ?? '300') * 1000);
        watches.add(res);
        res.on('close', () => {
          clearTimeout(timer);
          watches.delete(res);
        });
        return;
      }
      // a paged list
      requests.list++;
      let items = collections[`${group}/${resource}`] ?? [];
      if (namespace) items = items.filter((o) => o.metadata?.namespace === namespace);
      const fieldSelector = url.searchParams.get('fieldSelector');
      if (fieldSelector?.startsWith('type=')) items = items.filter((o) => o.type === fieldSelector.slice(5));
      const limit = Number(url.searchParams.get('limit') ?? '0') || items.length;
      const offset = Number(url.searchParams.get('continue') ?? '0') || 0;
      const page = items.slice(offset, offset + limit);
      const next = offset + limit < items.length ? String(offset + limit) : undefined;
      return send(res, 200, { kind: `${g.resources[resource]}List`, apiVersion: group ? `${group}/${version}` : version, metadata: { resourceVersion: '1', ...(next ? { continue: next } : {}) }, items: page });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const serverUrl = `https://127.0.0.1:${port}`;
  return {
    port,
    url: serverUrl,
    requests,
    /** A kubeconfig for this server (CA, bearer token). */
    kubeconfig: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'bench', cluster: { server: serverUrl, 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64') } }],
      users: [{ name: 'bench', user: { token } }],
      contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench', namespace: 'pullguard' } }],
      'current-context': 'bench',
    }),
    /** The bench holds the audit Lease `name`: no replica can take it. */
    holdLease(namespace, name) {
      leases.set(name, { held: true, object: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, resourceVersion: String(++rv) }, spec: { holderIdentity: 'bench', leaseDurationSeconds: 15, renewTime: new Date().toISOString() } } });
    },
    /** Release it: the next candidate takes it at its next try. */
    releaseLease(name) {
      const entry = leases.get(name);
      entry.held = false;
      entry.object = { ...entry.object, metadata: { ...entry.object.metadata, resourceVersion: String(++rv) }, spec: { ...entry.object.spec, holderIdentity: '' } };
    },
    async close() {
      for (const w of watches) w.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
