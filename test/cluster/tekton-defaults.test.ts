/**
 * Tekton's cluster defaults read from the cluster (src/cluster/tekton-defaults.ts): the one-shot read
 * of `pullguard audit` and the list + watch of `serve`, against a scripted API client. The real API
 * server, RBAC with resourceNames and the webhook's answers are in test/e2e/carriers.test.ts.
 */
import t from 'tap';
import { KubeApiError } from '../../src/cluster/client.js';
import { scriptedClient, scriptedGet } from '../helpers/scripted-api.js';
import { readTektonDefaults, TektonDefaultsWatch, type TektonEnvironment } from '../../src/cluster/tekton-defaults.js';
import { waitFor } from '../helpers/kube.js';

type Obj = Record<string, unknown>;

const NS = 'tekton-pipelines';

function configMap(data: Record<string, string>, namespace = NS, resourceVersion = '1'): Obj {
  return { metadata: { name: 'config-defaults', namespace, resourceVersion }, data };
}

const quiet = { info: () => undefined, warn: () => undefined };

t.test('readTektonDefaults: the answer of one GET, or why there is none', async (t) => {
  const cases: { name: string; answer: Obj | Error; want: TektonEnvironment }[] = [
    {
      name: 'a ServiceAccount and a pod template',
      answer: configMap({ 'default-service-account': 'builder', 'default-pod-template': 'imagePullSecrets:\n  - name: regcred\n' }),
      want: { tekton: { serviceAccountName: 'builder', podTemplate: { imagePullSecrets: [{ name: 'regcred' }] } }, tektonNamespace: NS },
    },
    { name: 'no data: Tekton built-in defaults', answer: { metadata: { name: 'config-defaults' } }, want: { tekton: {}, tektonNamespace: NS } },
    {
      name: 'absent',
      answer: new KubeApiError('GET …: 404 NotFound', 404, 'NotFound'),
      want: { tektonNamespace: NS, tektonUnknown: 'ConfigMap tekton-pipelines/config-defaults does not exist (set tekton.namespace to the namespace Tekton Pipelines runs in)' },
    },
    {
      name: 'forbidden',
      answer: new KubeApiError('GET …: 403 Forbidden', 403, 'Forbidden'),
      want: {
        tektonNamespace: NS,
        tektonUnknown: "ConfigMap tekton-pipelines/config-defaults may not be read with this identity (403 Forbidden; serve's ClusterRole in manifests/components/custom-resources grants list and watch on it; audit and check --kubeconfig need get on it)",
      },
    },
    {
      name: 'the API server unreachable',
      answer: new KubeApiError('GET /api/v1/…: connect ECONNREFUSED 127.0.0.1:1'),
      want: { tektonNamespace: NS, tektonUnknown: 'ConfigMap tekton-pipelines/config-defaults could not be read: GET /api/v1/…: connect ECONNREFUSED 127.0.0.1:1' },
    },
    {
      name: 'a pod template that is not YAML',
      answer: configMap({ 'default-pod-template': 'imagePullSecrets: [' }),
      want: { tektonNamespace: NS, tektonUnknown: 'ConfigMap tekton-pipelines/config-defaults cannot be used: default-pod-template is not YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 20' },
    },
  ];
  for (const c of cases) {
    const { client, paths } = scriptedGet(c.answer);
    const got = await readTektonDefaults(client, NS);
    t.same(got, c.want, c.name);
    t.same(paths, ['/api/v1/namespaces/tekton-pipelines/configmaps/config-defaults'], `${c.name}: one GET of the one object`);
  }
});

t.test('TektonDefaultsWatch: follows the ConfigMap, and says why while it is not known', async (t) => {
  const api = scriptedClient();
  api.answerLists(() => ({ items: [configMap({ 'default-service-account': 'builder' })], metadata: { resourceVersion: '5' } }));
  const logs: string[] = [];
  const watch = new TektonDefaultsWatch({
    client: api.client,
    logger: { info: (_o, m) => logs.push(`info: ${m}`), warn: (o, m) => logs.push(`warn: ${m} (${(o as { reason?: string }).reason})`) },
    namespace: NS,
    backoffInitialMs: 5,
  });
  t.same(watch.environment(), { tektonNamespace: NS, tektonUnknown: 'ConfigMap tekton-pipelines/config-defaults has not been read yet' }, 'before the first list: not known, and why');
  watch.start();
  t.teardown(() => watch.stop());
  await waitFor('the first list', 5000, () => (watch.environment().tekton ? true : undefined));
  t.same(watch.environment(), { tekton: { serviceAccountName: 'builder' }, tektonNamespace: NS }, 'listed: the defaults');
  t.same(api.lists[0], { path: '/api/v1/namespaces/tekton-pipelines/configmaps', params: { fieldSelector: 'metadata.name=config-defaults', limit: 500 } }, 'the list names the one ConfigMap');
  await waitFor('the watch', 5000, () => (api.watching ? true : undefined));
  t.same(api.watches, ['metadata.name=config-defaults'], 'the watch names the one ConfigMap');

  api.event('MODIFIED', configMap({ 'default-service-account': 'builder', 'default-pod-template': 'imagePullSecrets: [{name: regcred}]\n' }, NS, '6'));
  t.same(watch.environment().tekton, { serviceAccountName: 'builder', podTemplate: { imagePullSecrets: [{ name: 'regcred' }] } }, 'a change is followed');

  api.event('MODIFIED', configMap({ 'default-pod-template': '[' }, NS, '7'));
  t.match(watch.environment(), { tektonUnknown: /^ConfigMap tekton-pipelines\/config-defaults cannot be used: default-pod-template is not YAML/ }, 'an unusable pod template: not known, not half-applied');
  t.notOk(watch.environment().tekton);

  api.event('DELETED', configMap({}, NS, '8'));
  t.match(watch.environment(), { tektonUnknown: 'ConfigMap tekton-pipelines/config-defaults does not exist' }, 'deleted: not known');

  api.event('ADDED', configMap({}, NS, '9'));
  t.same(watch.environment(), { tekton: {}, tektonNamespace: NS }, 'created again, without data: Tekton built-in defaults');

  // A dropped or refused watch keeps what was read, as Tekton's controller keeps its last configuration.
  api.answerLists(() => new KubeApiError('list: 403 Forbidden', 403, 'Forbidden'));
  api.failWatch(new KubeApiError('watch: 403 Forbidden', 403, 'Forbidden'));
  await waitFor('a relist to be tried', 5000, () => (api.lists.length >= 2 ? true : undefined));
  t.same(watch.environment(), { tekton: {}, tektonNamespace: NS }, 'after the first list, errors keep the last defaults read');
  t.same(
    logs.filter((l) => !l.startsWith('info: synced') && !l.startsWith('warn: list/watch failed')),
    [
      "info: read Tekton's cluster defaults",
      "warn: Tekton's cluster defaults are not known; what relies on them gets warnings, not denials (ConfigMap tekton-pipelines/config-defaults cannot be used: default-pod-template is not YAML: Flow sequence must end with a ] at line 1, column 2)",
      "warn: Tekton's cluster defaults are not known; what relies on them gets warnings, not denials (ConfigMap tekton-pipelines/config-defaults does not exist (set tekton.namespace to the namespace Tekton Pipelines runs in))",
      "info: read Tekton's cluster defaults",
    ],
    'one log line per change between known and not known (none for a change that keeps them known)',
  );
});

t.test('TektonDefaultsWatch: never listed → the error is the reason; another namespace is read after a reload', async (t) => {
  const api = scriptedClient();
  api.answerLists((path) => (path.includes('/tekton-pipelines/') ? new KubeApiError('list: 403 Forbidden', 403, 'Forbidden') : { items: [configMap({ 'default-service-account': 'pipeline' }, 'openshift-pipelines')], metadata: { resourceVersion: '3' } }));
  const watch = new TektonDefaultsWatch({ client: api.client, logger: quiet, namespace: NS, backoffInitialMs: 5 });
  watch.start();
  t.teardown(() => watch.stop());
  await waitFor('the refused list', 5000, () => (watch.environment().tektonUnknown?.includes('403') ? true : undefined));
  t.same(watch.environment(), {
    tektonNamespace: NS,
    tektonUnknown: "ConfigMap tekton-pipelines/config-defaults may not be read with this identity (403 Forbidden; serve's ClusterRole in manifests/components/custom-resources grants list and watch on it; audit and check --kubeconfig need get on it)",
  });

  watch.setNamespace('openshift-pipelines');
  t.equal(watch.namespace, 'openshift-pipelines');
  await waitFor('the list in the new namespace', 5000, () => (watch.environment().tekton ? true : undefined));
  t.same(watch.environment(), { tekton: { serviceAccountName: 'pipeline' }, tektonNamespace: 'openshift-pipelines' }, 'read where the configuration now says');
  const before = api.lists.length;
  await new Promise((r) => setTimeout(r, 50));
  t.ok(api.lists.slice(before).every((l) => l.path.includes('/openshift-pipelines/')), 'the old namespace is no longer listed');
});

t.test('an empty defaults ConfigMap is a known fact, not an unknown: serviceAccountName stays unset', async (t) => {
  const got = await readTektonDefaults({ get: async () => configMap({ 'default-service-account': '' }) }, 'tekton');
  t.same(got, { tekton: {}, tektonNamespace: 'tekton' });
});
