import t from 'tap';
import { BODY_LIMIT_BYTES, parseTimeout } from '../../src/server/app.js';
import { FIXTURE_NAMES, loadFixture, withImage } from '../helpers/fixtures.js';
import { testApp } from '../helpers/app.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

t.test('the real API-server bodies are answered with their uid and allowed', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  for (const name of FIXTURE_NAMES) {
    const review = loadFixture(name);
    const res = await app.inject({ method: 'POST', url: '/validate?timeout=10s', headers: JSON_HEADERS, payload: review });
    t.equal(res.statusCode, 200, name);
    t.same(
      res.json(),
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: review.request.uid, allowed: true, auditAnnotations: { verdict: 'allow' } },
      },
      name,
    );
  }
});

t.test('a malformed image is denied with a message naming container, image, cause and fix', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  const review = withImage(loadFixture('deployment-create-good-deploy.json'), 'registry.example.invalid/Team/App:1.0');
  const res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: review });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.response.uid, review.request.uid);
  t.equal(body.response.allowed, false);
  t.equal(body.response.status.code, 403);
  t.equal(body.response.status.reason, 'Forbidden');
  t.same(body.response.auditAnnotations, { verdict: 'deny', findings: 'IMAGE_REFERENCE_INVALID' });
  const message: string = body.response.status.message;
  t.match(message, /^Deployment webhook-demo\/good-deploy: 1 image problem would stop its pods from starting:\n/);
  t.match(message, /\[IMAGE_REFERENCE_INVALID\] container "app" \(image "registry.example.invalid\/Team\/App:1.0"\): not a valid reference/);
  t.match(message, /uppercase/);
  t.match(message, /registry.example.invalid\/team\/app:1.0/, 'suggests the lowercase name');
});

t.test('the dry run is answered like any other request', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  const review = withImage(loadFixture('pod-create-good-pod-dryrun.json'), 'nginx:1.25 ');
  t.equal(review.request['dryRun'], true);
  const res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: review });
  t.equal(res.json().response.allowed, false);
  t.match(res.json().response.status.message, /whitespace/);
});

t.test('warn mode admits with one warning line per finding', async (t) => {
  const app = await testApp({ mode: 'warn' });
  t.teardown(() => app.close());
  const review = withImage(loadFixture('pod-create-good-pod.json'), 'NGINX');
  const res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: review });
  const response = res.json().response;
  t.equal(response.allowed, true);
  t.equal(response.warnings.length, 1);
  t.match(response.warnings[0], /^IMAGE_REFERENCE_INVALID container "app" \(image "NGINX"\): /);
  t.ok(response.warnings[0].length <= 120, response.warnings[0]);
  t.same(response.auditAnnotations, { verdict: 'warn', findings: 'IMAGE_REFERENCE_INVALID' });
});

t.test('UPDATE checks only new or changed images', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  const bad = withImage(loadFixture('deployment-create-good-deploy.json'), 'BAD');
  // Scaling a Deployment whose image was already bad: not blocked.
  const scale = structuredClone(bad);
  scale.request.operation = 'UPDATE';
  scale.request.oldObject = structuredClone(bad.request.object);
  scale.request.object.spec.replicas = 5;
  let res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: scale });
  t.equal(res.json().response.allowed, true, 'scaling is not blocked');
  // Changing the image to another bad one: checked.
  const change = structuredClone(scale);
  change.request.object.spec.template.spec.containers[0].image = 'ALSO_BAD';
  res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: change });
  t.equal(res.json().response.allowed, false, 'a changed image is checked');
});

t.test('DELETE and CONNECT are allowed without looking', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  for (const operation of ['DELETE', 'CONNECT']) {
    const review = withImage(loadFixture('pod-create-good-pod.json'), 'BAD');
    review.request.operation = operation;
    const res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: review });
    t.same(res.json().response, { uid: review.request.uid, allowed: true }, operation);
  }
});

t.test('unknown kinds carry no images and are allowed', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  const review = loadFixture('pod-create-good-pod.json');
  review.request['kind'] = { group: 'example.com', version: 'v1', kind: 'Pod' };
  const res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: review });
  t.same(res.json().response, { uid: review.request.uid, allowed: true, auditAnnotations: { verdict: 'allow' } });
});

t.test('bad input always gets a specific answer', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  const uid = 'c0ffee00-0000-4000-8000-000000000000';
  const good = loadFixture('pod-create-good-pod.json');

  const cases: { name: string; payload: string; headers?: Record<string, string>; status: number; want: unknown }[] = [
    {
      name: 'not JSON',
      payload: '{"apiVersion": ',
      status: 400,
      want: { statusCode: 400, code: 'REVIEW_NOT_JSON', error: 'Bad Request' },
    },
    {
      name: 'JSON that is not an AdmissionReview',
      payload: '[1,2,3]',
      status: 400,
      want: { statusCode: 400, code: 'REVIEW_INVALID', error: 'Bad Request' },
    },
    {
      name: 'missing request.uid',
      payload: JSON.stringify({ ...good, request: { ...good.request, uid: undefined } }),
      status: 400,
      want: { statusCode: 400, code: 'REVIEW_INVALID', error: 'Bad Request', message: 'not an AdmissionReview admission.k8s.io/v1: request: missing "uid"' },
    },
    {
      name: 'wrong content type',
      payload: JSON.stringify(good),
      headers: { 'content-type': 'text/plain' },
      status: 415,
      want: { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type', message: 'send the AdmissionReview as Content-Type: application/json' },
    },
    {
      name: 'v1beta1 review with a uid: answered in a review, errored 400',
      payload: JSON.stringify({ ...good, apiVersion: 'admission.k8s.io/v1beta1', request: { ...good.request, uid } }),
      status: 200,
      want: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid, allowed: false, status: { code: 400, message: 'not an AdmissionReview admission.k8s.io/v1: apiVersion: must be "admission.k8s.io/v1"' } },
      },
    },
  ];
  for (const c of cases) {
    const res = await app.inject({ method: 'POST', url: '/validate', headers: c.headers ?? JSON_HEADERS, payload: c.payload });
    t.equal(res.statusCode, c.status, c.name);
    t.match(res.json(), c.want, c.name);
  }
});

t.test('a body over the limit is refused with 413', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  const res = await app.inject({
    method: 'POST',
    url: '/validate',
    headers: JSON_HEADERS,
    payload: '{"pad":"' + 'x'.repeat(BODY_LIMIT_BYTES) + '"}',
  });
  t.equal(res.statusCode, 413);
  t.equal(res.json().code, 'BODY_TOO_LARGE');
});

t.test('objects without a pod spec, containers without image, images that are not strings', async (t) => {
  const app = await testApp();
  t.teardown(() => app.close());
  const base = loadFixture('deployment-create-good-deploy.json');
  const noSpec = structuredClone(base);
  delete noSpec.request.object.spec;
  let res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: noSpec });
  let response = res.json().response;
  t.equal(response.allowed, true, 'no spec: nothing to check, admitted');
  t.match(response.warnings[0], /^WORKLOAD_UNREADABLE the pod spec \(spec.template.spec\): no pod spec: spec is missing; nothing was checked$/);

  const noImage = structuredClone(base);
  delete noImage.request.object.spec.template.spec.containers[0].image;
  res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: noImage });
  response = res.json().response;
  t.equal(response.allowed, false);
  t.match(response.status.message, /container "app" \(spec.template.spec.containers\[0\].image\): the container has no image/);

  const numeric = withImage(base, 42);
  res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: numeric });
  t.match(res.json().response.status.message, /image is a number, not a string/);
});

t.test('healthz and readyz', async (t) => {
  let reason: string | null = 'informers not synced';
  const app = await testApp(undefined, { readiness: { notReadyReason: () => reason } });
  t.teardown(() => app.close());
  t.same((await app.inject('/healthz')).json(), { status: 'ok' });
  let res = await app.inject('/readyz');
  t.equal(res.statusCode, 503);
  t.same(res.json(), { status: 'not ready', reason: 'informers not synced' });
  reason = null;
  res = await app.inject('/readyz');
  t.equal(res.statusCode, 200);
  const missing = await app.inject('/nope');
  t.same(missing.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: 'no route GET /nope' });
});

t.test('parseTimeout reads the API server\'s Go durations', async (t) => {
  const cases = [
    { input: '10s', want: 10_000 },
    { input: '1s', want: 1000 },
    { input: '500ms', want: 500 },
    { input: '1m', want: 60_000 },
    { input: '10', want: null },
    { input: '', want: null },
    { input: undefined, want: null },
    { input: '-1s', want: null },
  ];
  for (const c of cases) t.equal(parseTimeout(c.input), c.want, String(c.input));
});

t.test('without cluster data the answer says which pull secrets were not checked, and why', async (t) => {
  const { engineDeps } = await import('../../src/cli/wiring.js');
  const { ClusterStore } = await import('../../src/cluster/store.js');
  const { defaultConfig } = await import('../../src/config/load.js');
  const { build } = await import('../../src/server/app.js');
  const deps = engineDeps(defaultConfig(), {
    state: new ClusterStore({ available: false }),
    registry: null,
    unavailableReason: 'pullguard runs without cluster data (no --kubeconfig, not in a cluster)',
  });
  const app = await build({ deps: () => deps });
  t.teardown(() => app.close());
  const review = loadFixture('deployment-create-good-deploy.json'); // lists imagePullSecrets: regcred
  const res = await app.inject({ method: 'POST', url: '/validate', headers: JSON_HEADERS, payload: review });
  t.same(res.json().response, {
    uid: review.request.uid,
    allowed: true,
    warnings: ['PULL_SECRET_UNVERIFIED container "app" (image "registry.example.invalid/team/app:1.0"): pull secret "regcred" not checked (no cluster data); give pullguard cluster access'],
    auditAnnotations: { verdict: 'warn', findings: 'PULL_SECRET_UNVERIFIED' },
  });
});
