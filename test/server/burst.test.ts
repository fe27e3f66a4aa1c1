// Issue acceptance at the level the API server sees it: 1,000 concurrent admission reviews naming one
// image never seen before — through the webhook app, the credentials step (a pull Secret the cluster
// view holds) and the registry step — cost exactly one manifest request at a real registry (token
// auth) and at most one token request.
import t from 'tap';
import { stringify } from 'yaml';
import { build } from '../../src/server/app.js';
import { configFromValue } from '../../src/config/load.js';
import { clusterStateFromObjects } from '../../src/cluster/memory.js';
import { engineDeps, makeRegistryChecker } from '../../src/cli/wiring.js';
import { loadFixture } from '../helpers/fixtures.js';
import { requireRegistry, startRegistry } from '../helpers/registry.js';
import { startCountingProxy } from '../helpers/registry-proxy.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const b64 = (s: string) => Buffer.from(s).toString('base64');

if (requireRegistry(t)) {
  t.test('1,000 concurrent reviews of one new image: one manifest request, at most one token', async (t) => {
    const reg = await startRegistry(t, { auth: 'token' });
    const proxy = await startCountingProxy(reg, t);
    const dir = await mkdtemp(`${tmpdir()}/pullguard-burst-`);
    await writeFile(`${dir}/ca.pem`, reg.caPem);
    const config = configFromValue({ registries: { [proxy.host]: { caFile: `${dir}/ca.pem` } } }, 'burst');
    const { alice } = reg.users;
    const { state } = clusterStateFromObjects(
      [{
        apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'webhook-demo' }, type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [proxy.host]: { auth: b64(`${alice.username}:${alice.password}`) } } })) },
      }],
      { defaultNamespace: 'webhook-demo' },
    );
    const registry = await makeRegistryChecker(config);
    t.teardown(() => registry.close());
    const deps = engineDeps(config, { state, registry });
    const app = await build({ deps: () => deps });
    t.teardown(() => app.close());

    const base = loadFixture('deployment-create-good-deploy.json');
    base.request.object.spec.template.spec.containers[0].image = `${proxy.host}/team/app:1.3.0`;
    const tokensBefore = reg.issuer!.requests.length;
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => {
        const review = structuredClone(base);
        review.request.uid = `burst-${i}`;
        return app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': 'application/json' }, payload: review });
      }),
    );
    answers.forEach((a, i) => {
      const r = a.json().response;
      if (r.uid !== `burst-${i}` || r.allowed !== true || r.warnings) t.fail(`review ${i}: ${stringify(r)}`);
    });
    t.pass('all 1,000 answered, with their uid, allowed without warnings');
    t.equal(proxy.count('HEAD', /\/manifests\//) + proxy.count('GET', /\/manifests\//), 1, 'exactly one manifest request');
    t.ok(reg.issuer!.requests.length - tokensBefore <= 1, `at most one token request (${reg.issuer!.requests.length - tokensBefore})`);
  });
}
