// @kubernetes/client-node (~73 MB of memory once imported) is loaded only for kubeconfig users that
// need it (exec plugins, auth providers): `serve` and `check --kubeconfig` with a client certificate
// or a token never load it. Each scenario runs in a fresh Node process whose module resolution hook
// records every module resolved from @kubernetes/client-node (test/helpers/kube-lazy-child.ts),
// against a stand-in API server in that process; the exec scenario shows the hook does see it.
import t from 'tap';
import { runTsChild } from '../helpers/ts-child.js';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../helpers/kube-lazy-child.ts', import.meta.url));

interface ChildResult {
  readonly loaded: string[];
  readonly detail: Record<string, unknown>;
  readonly paths: string[];
}

function runChild(mode: string): Promise<ChildResult> {
  return runTsChild<ChildResult>(CHILD, [mode]);
}

t.test('serve with a client-certificate kubeconfig lists and watches without client-node', async (t) => {
  const r = await runChild('serve-cert');
  t.same(r.detail, { auth: 'client-certificate', synced: true, regcred: 'usable' });
  t.same(r.paths, ['/api/v1/namespaces', '/api/v1/namespaces watch', '/api/v1/namespaces/argo/configmaps', '/api/v1/namespaces/argo/configmaps watch', '/api/v1/namespaces/tekton-pipelines/configmaps', '/api/v1/namespaces/tekton-pipelines/configmaps watch', '/api/v1/nodes', '/api/v1/nodes watch', '/api/v1/secrets', '/api/v1/secrets watch', '/api/v1/serviceaccounts', '/api/v1/serviceaccounts watch']);
  t.same(r.loaded, []);
});

t.test('check --kubeconfig with a token kubeconfig reads the cluster without client-node', async (t) => {
  const r = await runChild('check-token');
  t.same(r.detail, { code: 0, checkedSecret: true, authorizations: ['Bearer static-token'] });
  t.same(r.loaded, []);
});

t.test('an exec user goes through client-node, loaded on demand, and its token reaches the server', async (t) => {
  const r = await runChild('check-exec');
  t.same(r.detail, { code: 0, checkedSecret: true, authorizations: ['Bearer exec-token-42'] });
  t.ok(r.loaded.includes('@kubernetes/client-node'), `loaded: ${r.loaded.slice(0, 5).join(', ')}`);
});
