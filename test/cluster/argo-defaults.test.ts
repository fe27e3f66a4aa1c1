/**
 * Argo's workflowDefaults read from the cluster (src/cluster/argo-defaults.ts): the one-shot read of
 * `pullguard audit` and the list + watch of `serve`, against a scripted API client. The real API
 * server, RBAC with resourceNames and the webhook's answers are in test/e2e/carriers.test.ts.
 */
import t from 'tap';
import { KubeApiError } from '../../src/cluster/client.js';
import { scriptedClient, scriptedGet } from '../helpers/scripted-api.js';
import { ArgoDefaultsWatch, readArgoDefaults, type ArgoEnvironment } from '../../src/cluster/argo-defaults.js';
import { waitFor } from '../helpers/kube.js';

type Obj = Record<string, unknown>;

const NS = 'argo';
const NAME = 'workflow-controller-configmap';
const CM = `${NS}/${NAME}`;
const HERE = { namespace: NS, configMap: NAME };

function configMap(data: Record<string, string>, namespace = NS, resourceVersion = '1', name = NAME): Obj {
  return { metadata: { name, namespace, resourceVersion }, data };
}

const quiet = { info: () => undefined, warn: () => undefined };
const SECRETS = 'spec:\n  imagePullSecrets:\n    - name: regcred\n';

t.test('readArgoDefaults: the answer of one GET, or why there is none', async (t) => {
  const cases: { name: string; answer: Obj | Error; want: ArgoEnvironment }[] = [
    { name: 'workflowDefaults under data', answer: configMap({ workflowDefaults: SECRETS }), want: { argo: { spec: { imagePullSecrets: [{ name: 'regcred' }] } }, argoConfigMap: CM } },
    { name: 'workflowDefaults under data.config (helm)', answer: configMap({ config: 'workflowDefaults:\n  spec:\n    serviceAccountName: runner\n' }), want: { argo: { spec: { serviceAccountName: 'runner' } }, argoConfigMap: CM } },
    { name: 'no workflowDefaults: none', answer: configMap({ parallelism: '3' }), want: { argo: {}, argoConfigMap: CM } },
    {
      name: 'absent',
      answer: new KubeApiError('GET …: 404 NotFound', 404, 'NotFound'),
      want: { argoConfigMap: CM, argoUnknown: `ConfigMap ${CM} does not exist (set argo.namespace to the namespace the Argo workflow controller runs in)` },
    },
    {
      name: 'forbidden',
      answer: new KubeApiError('GET …: 403 Forbidden', 403, 'Forbidden'),
      want: { argoConfigMap: CM, argoUnknown: `ConfigMap ${CM} may not be read with this identity (403 Forbidden; serve's ClusterRole in manifests/components/custom-resources grants list and watch on it; audit and check --kubeconfig need get on it)` },
    },
    {
      name: 'configuration that is not YAML',
      answer: configMap({ workflowDefaults: 'spec: [' }), // one line: written inline, `workflowDefaults: spec: [`
      want: { argoConfigMap: CM, argoUnknown: `ConfigMap ${CM} cannot be used: its configuration is not YAML: Nested mappings are not allowed in compact mappings at line 1, column 19` },
    },
  ];
  for (const c of cases) {
    const { client, paths } = scriptedGet(c.answer);
    const got = await readArgoDefaults(client, HERE);
    t.same(got, c.want, c.name);
    t.same(paths, [`/api/v1/namespaces/argo/configmaps/${NAME}`], `${c.name}: one GET of the one object`);
  }
});

t.test('ArgoDefaultsWatch: follows the ConfigMap, says why while it is not known, keeps the last value through errors', async (t) => {
  const api = scriptedClient();
  api.answerLists(() => ({ items: [configMap({ workflowDefaults: SECRETS })], metadata: { resourceVersion: '5' } }));
  const logs: string[] = [];
  const watch = new ArgoDefaultsWatch({
    client: api.client,
    logger: { info: (_o, m) => logs.push(`info: ${m}`), warn: (o, m) => logs.push(`warn: ${m} (${(o as { reason?: string }).reason})`) },
    ...HERE,
    backoffInitialMs: 5,
  });
  t.same(watch.environment(), { argoConfigMap: CM, argoUnknown: `ConfigMap ${CM} has not been read yet` }, 'before the first list: not known, and why');
  watch.start();
  t.teardown(() => watch.stop());
  await waitFor('the first list', 5000, () => (watch.environment().argo ? true : undefined));
  t.same(watch.environment(), { argo: { spec: { imagePullSecrets: [{ name: 'regcred' }] } }, argoConfigMap: CM }, 'listed: the defaults');
  t.same(api.lists[0], { path: '/api/v1/namespaces/argo/configmaps', params: { fieldSelector: `metadata.name=${NAME}`, limit: 500 } }, 'the list names the one ConfigMap');
  await waitFor('the watch', 5000, () => (api.watching ? true : undefined));
  t.same(api.watches, [`metadata.name=${NAME}`], 'the watch names the one ConfigMap');

  api.event('MODIFIED', configMap({ config: 'workflowDefaults:\n  spec:\n    serviceAccountName: runner\n' }, NS, '6'));
  t.same(watch.environment().argo, { spec: { serviceAccountName: 'runner' } }, 'a change (to the config format) is followed');

  api.event('MODIFIED', configMap({ config: 'a: 1\n', workflowDefaults: SECRETS }, NS, '7'));
  t.match(watch.environment(), { argoUnknown: /^ConfigMap argo\/workflow-controller-configmap cannot be used: it has the key "config" and 1 other key/ }, 'a ConfigMap the controller refuses: not known');

  api.event('DELETED', configMap({}, NS, '8'));
  t.match(watch.environment(), { argoUnknown: `ConfigMap ${CM} does not exist` }, 'deleted: not known');

  api.event('ADDED', configMap({}, NS, '9'));
  t.same(watch.environment(), { argo: {}, argoConfigMap: CM }, 'created again, without data: no defaults');

  api.answerLists(() => new KubeApiError('list: 403 Forbidden', 403, 'Forbidden'));
  api.failWatch(new KubeApiError('watch: 403 Forbidden', 403, 'Forbidden'));
  await waitFor('a relist to be tried', 5000, () => (api.lists.length >= 2 ? true : undefined));
  t.same(watch.environment(), { argo: {}, argoConfigMap: CM }, 'after the first list, errors keep the last defaults read');
  t.same(
    logs.filter((l) => !l.startsWith('info: synced') && !l.startsWith('warn: list/watch failed')).map((l) => l.replace(/ \(.*/, '')),
    ["info: read Argo Workflows' workflowDefaults", "warn: Argo Workflows' workflowDefaults are not known; what relies on them gets warnings, not denials", "warn: Argo Workflows' workflowDefaults are not known; what relies on them gets warnings, not denials", "info: read Argo Workflows' workflowDefaults"],
    'one log line per change between known and not known',
  );
});

t.test('ArgoDefaultsWatch: a reload moves it to another namespace and name', async (t) => {
  const api = scriptedClient();
  api.answerLists((path) => (path.includes('/argo/') ? new KubeApiError('list: 404', 404, 'NotFound') : { items: [configMap({ workflowDefaults: SECRETS }, 'workflows', '3', 'wf-controller')], metadata: { resourceVersion: '3' } }));
  const watch = new ArgoDefaultsWatch({ client: api.client, logger: quiet, ...HERE, backoffInitialMs: 5 });
  watch.start();
  t.teardown(() => watch.stop());
  await waitFor('the failed list', 5000, () => (watch.environment().argoUnknown?.includes('does not exist') ? true : undefined));
  watch.setLocation({ namespace: 'workflows', configMap: 'wf-controller' });
  await waitFor('the list in the new place', 5000, () => (watch.environment().argo ? true : undefined));
  t.same(watch.environment(), { argo: { spec: { imagePullSecrets: [{ name: 'regcred' }] } }, argoConfigMap: 'workflows/wf-controller' }, 'read where the configuration now says');
  const last = api.lists[api.lists.length - 1];
  t.same(last, { path: '/api/v1/namespaces/workflows/configmaps', params: { fieldSelector: 'metadata.name=wf-controller', limit: 500 } }, 'listed by its new name');
  await waitFor('the watch', 5000, () => (api.watching ? true : undefined));
  t.equal(api.watches[api.watches.length - 1], 'metadata.name=wf-controller');
});
