/**
 * The webhook in front of registries that misbehave (test/helpers/registry-faults.ts: hang, reset,
 * garbage, 500, huge headers, refused), through the production wiring (makeRegistryChecker +
 * engineDeps) and the app: every review is answered before the API server's `?timeout=` runs out,
 * allowed with a REGISTRY_UNREACHABLE warning, uid echoed — also when many arrive at once.
 */
import t from 'tap';
import { build } from '../../src/server/app.js';
import { configFromValue } from '../../src/config/load.js';
import { engineDeps, makeRegistryChecker } from '../../src/cli/wiring.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { startFaultServer, type FaultKind } from '../helpers/registry-faults.js';
import { loadFixture, withImage } from '../helpers/fixtures.js';

/** `?timeout=2s` with the default 1 s admission margin: the checks must give up after about 1 s. */
const TIMEOUT = '2s';
const API_SERVER_TIMEOUT_MS = 2000;
const MARGIN_MS = 1000;
/** Timers and event-loop latency on a loaded 2-core machine; the answer must still beat the API server. */
const SLACK_MS = 600;

const cases: Array<{ kind: FaultKind; tls: boolean }> = [
  { kind: 'hang', tls: false },
  { kind: 'hang', tls: true },
  { kind: 'reset', tls: false },
  { kind: 'reset', tls: true },
  { kind: 'garbage', tls: false },
  { kind: 'garbage', tls: true },
  { kind: 'status-500', tls: false },
  { kind: 'huge-headers', tls: false },
  { kind: 'refused', tls: false },
];

for (const c of cases) {
  t.test(`registry that ${c.kind} (${c.tls ? 'TLS' : 'HTTP'}): answered in time, admitted with REGISTRY_UNREACHABLE`, async (t) => {
    const server = await startFaultServer(c.kind, t);
    // Plain HTTP through the registry settings; TLS is the default for a registry without settings.
    const config = configFromValue({ registries: c.tls ? {} : { [server.host]: { insecureHttp: true } } }, 'faults');
    const checker = await makeRegistryChecker(config);
    t.teardown(() => checker.close());
    const deps = engineDeps(config, { state: new ClusterStore({ available: false }), registry: checker });
    const app = await build({ deps: () => deps });
    t.teardown(() => app.close());

    // Several reviews at once (different images and one shared), as the API server would send them.
    const reviews = Array.from({ length: 8 }, (_, i) => {
      const r = withImage(loadFixture(i % 2 ? 'deployment-create-good-deploy.json' : 'pod-create-good-pod.json'), `${server.host}/team/app:${i % 3 === 0 ? 'shared' : `v${i}`}`);
      r.request.uid = `00000000-0000-4000-8000-00000000000${i}`;
      return r;
    });
    // Warm up once against a port that refuses, so that the first load of lazily imported modules
    // (compiled on the fly under the test runner, precompiled in production) is not counted below.
    const warm = withImage(loadFixture('pod-create-good-pod.json'), '127.0.0.1:9/team/app:warm-up');
    await app.inject({ method: 'POST', url: `/validate?timeout=${TIMEOUT}`, headers: { 'content-type': 'application/json' }, payload: warm });
    const started = Date.now();
    const answers = await Promise.all(
      reviews.map(async (review) => {
        const res = await app.inject({ method: 'POST', url: `/validate?timeout=${TIMEOUT}`, headers: { 'content-type': 'application/json' }, payload: review });
        return { review, res, ms: Date.now() - started };
      }),
    );
    for (const { review, res, ms } of answers) {
      t.equal(res.statusCode, 200);
      const response = res.json().response;
      t.equal(response.uid, review.request.uid, 'uid echoed');
      t.equal(response.allowed, true, 'an unreachable registry does not deny');
      t.ok(
        (response.warnings ?? []).some((w: string) => /^REGISTRY_UNREACHABLE container "app"/.test(w)),
        `a REGISTRY_UNREACHABLE warning (${JSON.stringify(response.warnings)})`,
      );
      t.equal(response.auditAnnotations?.verdict, 'warn');
      // The recorded Deployment names a pull secret, which a webhook without cluster data cannot read.
      t.match(response.auditAnnotations?.findings, /^(PULL_SECRET_UNVERIFIED,)?REGISTRY_UNREACHABLE$|^REGISTRY_UNREACHABLE(,PULL_SECRET_UNVERIFIED)?$/);
      t.ok(ms < API_SERVER_TIMEOUT_MS - MARGIN_MS + SLACK_MS, `answered after ${ms} ms (checks give up at ${API_SERVER_TIMEOUT_MS - MARGIN_MS} ms)`);
    }
    if (c.kind !== 'refused') t.ok(server.connections > 0, `the registry was asked (${server.connections} connections)`);
  });
}

t.test('a hanging registry does not hold reviews of other registries', async (t) => {
  const server = await startFaultServer('hang', t);
  const config = configFromValue({ registries: { [server.host]: { insecureHttp: true } }, registryChecks: true }, 'faults');
  const checker = await makeRegistryChecker(config);
  t.teardown(() => checker.close());
  const deps = engineDeps(config, { state: new ClusterStore({ available: false }), registry: checker });
  const app = await build({ deps: () => deps });
  t.teardown(() => app.close());
  const hanging = withImage(loadFixture('pod-create-good-pod.json'), `${server.host}/team/app:1`);
  const invalid = withImage(loadFixture('pod-create-good-pod.json'), 'NOT/A/VALID/IMAGE');
  invalid.request.uid = 'other-uid';
  const order: string[] = [];
  const slow = app.inject({ method: 'POST', url: '/validate?timeout=2s', headers: { 'content-type': 'application/json' }, payload: hanging }).then((r) => (order.push('hanging'), r));
  const fast = await app.inject({ method: 'POST', url: '/validate?timeout=2s', headers: { 'content-type': 'application/json' }, payload: invalid }).then((r) => (order.push('invalid'), r));
  // Ordering, not a stopwatch: the hanging registry holds its review until the 2 s deadline.
  t.same(order, ['invalid'], 'a review that needs no registry is answered while the other still waits on the registry');
  t.equal(fast.json().response.allowed, false, 'and decided (an invalid reference is denied)');
  t.equal((await slow).json().response.allowed, true);
});
