/**
 * WorkloadWatch (src/cluster/workload-watch.ts) discovers again while it runs: a kind whose CRD is
 * installed later is listed and watched; a kind no longer served stops being watched and its objects
 * are handed to `remove`; a failed rediscovery keeps what runs. Against a scripted API (discovery,
 * list, watch); the real API server path is test/e2e/audit-serve.test.ts.
 */
import t from 'tap';
import type { KubeClient, ListParams, ListResult, WatchEventType, WatchParams } from '../../src/cluster/client.js';
import { auditedResources } from '../../src/cluster/resources.js';
import { WorkloadWatch } from '../../src/cluster/workload-watch.js';
import { waitFor } from '../helpers/kube.js';

type Obj = Record<string, unknown>;

/** An API server whose served groups the test changes, with one object per served collection. */
function scriptedApi() {
  let rollouts = false;
  let discoveryFails = false;
  const listed: string[] = [];
  const watching = new Set<string>();
  const apps = { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { version: 'v1' } };
  const argo = { name: 'argoproj.io', versions: [{ groupVersion: 'argoproj.io/v1alpha1', version: 'v1alpha1' }], preferredVersion: { version: 'v1alpha1' } };
  const client = {
    async get(path: string): Promise<Obj> {
      if (discoveryFails) throw new Error('connect ECONNREFUSED');
      if (path === '/api') return { versions: ['v1'] };
      if (path === '/apis') return { groups: rollouts ? [apps, argo] : [apps] };
      if (path === '/api/v1') return { resources: [] };
      if (path === '/apis/apps/v1') return { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['list', 'watch'] }] };
      if (path === '/apis/argoproj.io/v1alpha1' && rollouts) return { resources: [{ name: 'rollouts', kind: 'Rollout', namespaced: true, verbs: ['list', 'watch'] }] };
      throw Object.assign(new Error(`GET ${path}: 404`), { statusCode: 404 });
    },
    async list(path: string, _params: ListParams): Promise<ListResult> {
      listed.push(path);
      const name = path.split('/').pop();
      return { items: [{ metadata: { namespace: 'shop', name: `${name}-1`, uid: `${name}-uid`, resourceVersion: '1' } }], metadata: { resourceVersion: '1' } };
    },
    watch(path: string, _params: WatchParams, _onEvent: (type: WatchEventType, object: unknown) => void, signal: AbortSignal): Promise<void> {
      watching.add(path);
      return new Promise((resolve) =>
        signal.addEventListener('abort', () => {
          watching.delete(path);
          resolve();
        }),
      );
    },
  };
  return {
    client: client as unknown as KubeClient,
    listed,
    watching,
    serveRollouts(on: boolean) {
      rollouts = on;
    },
    failDiscovery(on: boolean) {
      discoveryFails = on;
    },
  };
}

t.test('kinds are discovered again: a CRD installed later is watched, a removed one is dropped', async (t) => {
  const api = scriptedApi();
  const present = new Map<string, string>();
  const logs: string[] = [];
  const watch = new WorkloadWatch({
    client: api.client,
    logger: { info: (_o, m) => logs.push(m), warn: (_o, m) => logs.push(m) },
    resources: auditedResources(),
    upsert: (o, type) => present.set((o as { metadata: { uid: string } }).metadata.uid, type.kind),
    remove: (o) => present.delete((o as { metadata: { uid: string } }).metadata.uid),
    rediscoveryIntervalMs: 20,
    backoffInitialMs: 5,
  });
  t.teardown(() => watch.stop());
  await watch.start();
  await waitFor('the Deployments listed', 5000, () => (watch.synced ? true : undefined));
  t.same([...present.values()], ['Deployment'], 'at start: only what is served');
  t.notOk(watch.served.some((r) => r.kind === 'Rollout'));

  api.serveRollouts(true);
  await waitFor('the Rollout CRD to be picked up', 5000, () => (present.has('rollouts-uid') ? true : undefined));
  t.same([...present.values()].sort(), ['Deployment', 'Rollout'], 'the new kind is listed without a restart');
  t.ok(api.watching.has('/apis/argoproj.io/v1alpha1/rollouts'), 'and watched');
  t.ok(logs.includes('audit: kinds now served by this cluster, audited from now on'));
  t.ok(watch.served.some((r) => r.kind === 'Rollout'));
  await waitFor('synced again', 5000, () => (watch.synced ? true : undefined));

  // A failed discovery changes nothing.
  api.failDiscovery(true);
  await waitFor('a failed rediscovery', 5000, () => (logs.includes('audit: API discovery failed; the kinds watched stay as they are') ? true : undefined));
  t.same([...present.values()].sort(), ['Deployment', 'Rollout'], 'a failed rediscovery keeps what runs');
  api.failDiscovery(false);

  api.serveRollouts(false);
  await waitFor('the Rollout kind to be dropped', 5000, () => (!present.has('rollouts-uid') ? true : undefined));
  t.same([...present.values()], ['Deployment'], "its objects are removed from what is audited");
  await waitFor('its watch to end', 5000, () => (!api.watching.has('/apis/argoproj.io/v1alpha1/rollouts') ? true : undefined));
  t.ok(logs.includes('audit: kinds no longer served by this cluster, no longer watched'));
  t.equal(api.listed.filter((p) => p.endsWith('/deployments')).length, 1, 'kinds already watched are not listed again');
});
