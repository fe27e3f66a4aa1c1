// No secret value may appear in logs, admission answers, warnings, reports or error messages.
// Distinctive values are planted in every kind of pull secret (good, malformed, expired ECR token,
// wrong type) and searched for in everything pullguard says.
import t from 'tap';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { build } from '../../src/server/app.js';
import { defaultConfig } from '../../src/config/load.js';
import { credentialStep } from '../../src/checks/credentials.js';
import { clusterStateFromObjects } from '../../src/cluster/memory.js';
import { loadFixture } from '../helpers/fixtures.js';
import { run } from '../helpers/cli.js';

const PASSWORD = 'S3CRET-PASSWORD-b7f1';
const USER = 'SECRET-USER-9c2e';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const ecrToken = b64(JSON.stringify({ payload: 'SECRET-PAYLOAD-77aa', datakey: 'k', version: '2', type: 'DATA_KEY', expiration: 1_000_000 }));
const SECRET_STRINGS = [PASSWORD, USER, b64(`${USER}:${PASSWORD}`), 'SECRET-PAYLOAD-77aa', ecrToken, 'SECRET-KEY-IN-URL'];

const dockerconfig = (auths: unknown) => ({ '.dockerconfigjson': b64(JSON.stringify({ auths })) });
const secrets = [
  { name: 'good', type: 'kubernetes.io/dockerconfigjson', data: dockerconfig({ 'ghcr.io': { auth: b64(`${USER}:${PASSWORD}`) }, [`https://u:SECRET-KEY-IN-URL@quay.io`]: { username: USER, password: PASSWORD } }) },
  { name: 'malformed', type: 'kubernetes.io/dockerconfigjson', data: dockerconfig({ 'ghcr.io': { auth: `${PASSWORD}!!notbase64` } }) },
  { name: 'expired', type: 'kubernetes.io/dockerconfigjson', data: dockerconfig({ '123456789012.dkr.ecr.eu-west-1.amazonaws.com': { username: 'AWS', password: ecrToken } }) },
  { name: 'opaque', type: 'Opaque', data: { password: b64(PASSWORD) } },
].map((s) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: 'webhook-demo' }, type: s.type, data: s.data }));

const podSpec = {
  imagePullSecrets: [{ name: 'good' }, { name: 'malformed' }, { name: 'expired' }, { name: 'opaque' }, { name: 'missing' }],
  containers: [
    { name: 'a', image: 'ghcr.io/acme/app:1' },
    { name: 'b', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1' },
    { name: 'c', image: 'quay.io/acme/x:1' },
  ],
};

function assertClean(t: { notOk(v: unknown, m: string): unknown }, where: string, text: string) {
  for (const s of SECRET_STRINGS) t.notOk(text.includes(s), `${where} does not contain ${s.slice(0, 12)}…`);
}

t.test('webhook: logs and answers carry no secret value', async (t) => {
  let logs = '';
  const sink = new Writable({ write(chunk, _enc, cb) { logs += chunk; cb(); } });
  const { state } = clusterStateFromObjects(secrets, { defaultNamespace: 'webhook-demo' });
  const config = defaultConfig();
  const app = await build({
    deps: () => ({ config, credentials: credentialStep({ state, config }) }),
    logger: { level: 'debug', stream: sink },
  });
  t.teardown(() => app.close());
  const review = loadFixture('pod-create-good-pod.json');
  review.request.object.spec = { ...review.request.object.spec, ...podSpec };
  for (const mode of ['enforce', 'warn']) {
    const res = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: review });
    const body = res.json();
    t.equal(body.response.uid, review.request.uid, mode);
    t.ok(body.response.status?.message || body.response.warnings, 'the answer says something');
    assertClean(t, `answer (${mode})`, res.body);
  }
  t.match(logs, /"findings":\["PULL_SECRET/, 'the decision was logged');
  assertClean(t, 'logs', logs);
});

t.test('CLI: json and text reports and errors carry no secret value', async (t) => {
  // A malformed secret makes the kubelet fail every pull of its pod before any credential is tried,
  // so the expired token gets a pod of its own.
  const expiredOnly = { ...podSpec, imagePullSecrets: [{ name: 'good' }, { name: 'expired' }] };
  const stream = [
    ...secrets,
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'webhook-demo' }, spec: podSpec },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', namespace: 'webhook-demo' }, spec: expiredOnly },
  ]
    .map((o) => stringify(o)).join('---\n');
  for (const output of ['json', 'text']) {
    const r = await run(['check', '--offline', '--output', output, '-'], stream);
    t.equal(r.code, 1, `${output}: denied (malformed secret)`);
    t.match(r.stdout, /PULL_SECRET_MALFORMED/);
    t.match(r.stdout, /PULL_SECRET_EXPIRED/);
    assertClean(t, `${output} report`, r.stdout + r.stderr);
  }
});
