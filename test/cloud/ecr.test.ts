// ECR with pullguard's own AWS identity, end to end and offline: the REAL @aws-sdk/client-ecr (default
// credential chain from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, endpoint from AWS_ENDPOINT_URL_ECR)
// talks to an ECR API stand-in on 127.0.0.1 that answers GetAuthorizationToken in the AWS JSON 1.1
// shape; the token it issues is the password of user `AWS` on a REAL docker-registry (TLS + htpasswd)
// that serves under ECR host names through the checker's hostOverrides.
import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { EcrCredentialProvider, parseEcrHost, CREDENTIAL_RENEW_MARGIN_MS, CloudCredentialError } from '../../src/cloud/index.js';
import { configFromValue } from '../../src/config/load.js';
import { review } from '../../src/checks/engine.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { NODE_PROVIDER_PRESETS } from '../../src/cloud/index.js';
import * as wiring from '../../src/cli/wiring.js';
import { runWith } from '../helpers/cli.js';
import { requireRegistry, startRegistry } from '../helpers/registry.js';
import { ecrPassword, startEcrStandIn } from '../helpers/cloud-standins.js';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const DENIED = '999999999999';
const HOST = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
const OTHER_HOST = `${OTHER}.dkr.ecr.us-east-1.amazonaws.com`;
const DENIED_HOST = `${DENIED}.dkr.ecr.eu-west-1.amazonaws.com`;

t.test('ECR host names', async (t) => {
  t.same(parseEcrHost(HOST), { account: ACCOUNT, region: 'eu-west-1', partition: 'aws', fips: false, host: HOST });
  t.match(parseEcrHost('123456789012.dkr.ecr-fips.us-east-1.amazonaws.com'), { region: 'us-east-1', partition: 'aws', fips: true });
  t.match(parseEcrHost('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com'), { region: 'us-gov-west-1', partition: 'aws-us-gov', fips: true });
  t.match(parseEcrHost('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn'), { region: 'cn-north-1', partition: 'aws-cn', fips: false });
  t.match(parseEcrHost('123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov'), { region: 'us-iso-east-1', partition: 'aws-iso' });
  t.match(parseEcrHost('123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov'), { region: 'us-isob-east-1', partition: 'aws-iso-b' });
  t.match(parseEcrHost('123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM'), { account: ACCOUNT, region: 'eu-west-1' });
  for (const no of ['public.ecr.aws', '12345.dkr.ecr.eu-west-1.amazonaws.com', `${HOST}:443`, 'ghcr.io', `x.${HOST}`, '123456789012.dkr.ecr.eu-west-1.amazonaws.org'])
    t.equal(parseEcrHost(no), null, no);
});

// The SDK's own settings, pointed at the stand-in; nothing from the machine's AWS configuration.
const password = ecrPassword();
const ecr = await startEcrStandIn({ password, deniedAccounts: [DENIED], delayMs: 40 });
t.teardown(() => ecr.close());
const AWS_ENV = {
  AWS_ENDPOINT_URL_ECR: ecr.url,
  AWS_ACCESS_KEY_ID: 'AKIAPULLGUARDTEST000',
  AWS_SECRET_ACCESS_KEY: 'pullguard-test-secret-key',
  AWS_CONFIG_FILE: '/nonexistent/pullguard/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/pullguard/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};
for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_ENDPOINT_URL'])
  delete process.env[k];
Object.assign(process.env, AWS_ENV);

t.test('GetAuthorizationToken: one SDK call per account/region under load, in the image\'s region', async (t) => {
  const p = new EcrCredentialProvider();
  t.teardown(() => p.close());
  const before = ecr.count();
  const creds = await Promise.all(Array.from({ length: 200 }, () => p.credential(HOST)));
  t.equal(ecr.count() - before, 1, '200 concurrent requests → 1 GetAuthorizationToken');
  t.ok(creds.every((c) => c.username === 'AWS' && c.password === password), 'token decoded to AWS/<password>');
  const last = ecr.requests.at(-1)!;
  t.same([last.region, last.registryIds, last.signed], ['eu-west-1', [ACCOUNT], true], 'signed for eu-west-1, registryIds [account]');
  await p.credential(HOST);
  t.equal(ecr.count() - before, 1, 'cached afterwards');
  t.same(p.cachedCredential(HOST), { username: 'AWS', password });

  await Promise.all(Array.from({ length: 50 }, () => p.credential(OTHER_HOST)));
  t.equal(ecr.count() - before, 2, 'another account/region: its own token');
  t.same([ecr.requests.at(-1)!.region, ecr.requests.at(-1)!.registryIds], ['us-east-1', [OTHER]], 'cross-account: registryIds names the image\'s account');
});

t.test('renewed shortly before expiresAt (injected clock)', async (t) => {
  let now = Date.now();
  const p = new EcrCredentialProvider({ clock: () => now });
  t.teardown(() => p.close());
  const before = ecr.count();
  await p.credential(HOST);
  const lifetime = 12 * 3600_000;
  now += lifetime - CREDENTIAL_RENEW_MARGIN_MS - 5_000;
  await Promise.all(Array.from({ length: 20 }, () => p.credential(HOST)));
  t.equal(ecr.count() - before, 1, 'still cached just before the renewal margin');
  now += 10_000;
  t.equal(p.cachedCredential(HOST), null, 'inside the margin: no cached credential');
  await Promise.all(Array.from({ length: 20 }, () => p.credential(HOST)));
  t.equal(ecr.count() - before, 2, 'renewed once inside the margin');
});

t.test('errors name what is missing', async (t) => {
  const p = new EcrCredentialProvider();
  t.teardown(() => p.close());
  const err = await p.credential(DENIED_HOST).catch((e: unknown) => e);
  t.ok(err instanceof CloudCredentialError);
  const e = err as CloudCredentialError;
  t.equal(e.reason, 'permission');
  t.match(e.message, /may not call ecr:GetAuthorizationToken for account 999999999999, region eu-west-1/);
  t.match(e.message, /AccessDeniedException/);
  t.match(e.fix, /allow ecr:GetAuthorizationToken \(resource "\*"\)/);
  const n = ecr.requests.length;
  await p.credential(DENIED_HOST).catch(() => undefined);
  t.equal(ecr.requests.length, n, 'a definite failure is remembered briefly (no new call)');

  const bad = await p.credential('ghcr.io').catch((x: unknown) => x);
  t.match(bad, { reason: 'invalid' });
});

t.test('no AWS identity at all', async (t) => {
  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
  delete process.env['AWS_ACCESS_KEY_ID'];
  delete process.env['AWS_SECRET_ACCESS_KEY'];
  t.teardown(() => Object.assign(process.env, { AWS_ACCESS_KEY_ID: saved.id, AWS_SECRET_ACCESS_KEY: saved.secret }));
  const p = new EcrCredentialProvider();
  t.teardown(() => p.close());
  const n = ecr.requests.length;
  const e = await p.credential(HOST).catch((x: unknown) => x);
  t.match(e, { reason: 'no-identity', message: /no AWS credentials/ });
  t.match((e as CloudCredentialError).fix, /eks\.amazonaws\.com\/role-arn/);
  t.equal(ecr.requests.length, n, 'nothing reached ECR');
});

t.test('against a real registry under ECR host names', async (t) => {
  if (!requireRegistry(t)) return;
  const reg = await startRegistry(t, { auth: 'htpasswd', names: [HOST, OTHER_HOST, DENIED_HOST], extraUsers: [{ username: 'AWS', password }] });
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-ecr-'));
  await writeFile(join(dir, 'ca.pem'), reg.caPem);
  const hostOverrides = { [HOST]: reg.host, [OTHER_HOST]: reg.host, [DENIED_HOST]: reg.host };
  const baseConfig = {
    nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['eks']!],
    registries: Object.fromEntries(Object.keys(hostOverrides).map((h) => [h, { caFile: join(dir, 'ca.pem') }])),
  };
  const pod = (name: string, image: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image }] },
  });
  const reviewPod = async (deps: ReturnType<typeof wiring.engineDeps>, name: string, image: string) => {
    const out = await review({ group: '', kind: 'Pod', namespace: 'default', name, object: pod(name, image) }, deps, { deadline: Date.now() + 8000 });
    return out.evaluation.findings;
  };

  await t.test('full path: node-provider image, no pull secret → own token → real registry → finding', async (t) => {
    const config = configFromValue({ ...baseConfig, cloud: { ecr: true } }, 'test');
    const registry = await wiring.makeRegistryChecker(config, { extra: { hostOverrides } });
    t.teardown(() => registry.close());
    const deps = wiring.engineDeps(config, { state: new ClusterStore(), registry });
    const before = ecr.count();

    // 200 concurrent reviews of different images on one account/region → 1 GetAuthorizationToken.
    const images = Array.from({ length: 200 }, (_, i) => `${HOST}/team/app:${reg.appTags[i % reg.appTags.length]}`);
    const results = await Promise.all(images.map((img, i) => reviewPod(deps, `p${i}`, img)));
    t.same(results.flat(), [], 'every existing image verified with the ECR token (the registry accepts only AWS:<token>)');
    t.equal(ecr.count() - before, 1, 'one GetAuthorizationToken for 200 reviews');

    const typo = await reviewPod(deps, 'typo', `${HOST}/team/app:1.2.O`);
    t.match(typo, [{ code: 'IMAGE_TAG_NOT_FOUND', message: /did you mean 1\.2\.0/ }]);

    const missing = await reviewPod(deps, 'missing', `${HOST}/team/nope:1`);
    t.match(missing, [{ code: 'IMAGE_REPOSITORY_NOT_FOUND', message: /repository team\/nope does not exist in the ECR registry of account 123456789012, region eu-west-1/ }]);
    t.ok(missing[0]!.short.length <= 100);

    const denied = await reviewPod(deps, 'denied', `${DENIED_HOST}/team/app:1.2.0`);
    t.match(denied, [{ code: 'CLOUD_CREDENTIALS_UNAVAILABLE', message: /ecr:GetAuthorizationToken/ }]);

    const cross = await reviewPod(deps, 'cross', `${OTHER_HOST}/team/app:1.2.0`);
    t.same(cross, [], 'cross-account, other region: verified with its own token');
    t.equal(ecr.count() - before, 2);
  });

  await t.test('a pull secret that matches wins: no cloud token is asked for', async (t) => {
    const config = configFromValue({ ...baseConfig, cloud: { ecr: true } }, 'test');
    const registry = await wiring.makeRegistryChecker(config, { extra: { hostOverrides } });
    t.teardown(() => registry.close());
    const state = new ClusterStore({ available: true });
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ecr', namespace: 'default' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [HOST]: { username: 'AWS', password } } })).toString('base64') },
    };
    t.match(state.applyObject(secret, 'default'), { ok: true });
    const deps = wiring.engineDeps(config, { state, registry });
    const before = ecr.count();
    const o = await review(
      { group: '', kind: 'Pod', namespace: 'default', name: 'with-secret', object: { ...pod('with-secret', `${HOST}/team/app:1.2.0`), spec: { imagePullSecrets: [{ name: 'ecr' }], containers: [{ name: 'app', image: `${HOST}/team/app:1.2.0` }] } } },
      deps,
      { deadline: Date.now() + 8000 },
    );
    t.match(o.evaluation.images[0]?.credentials, [{ source: 'secret' }, { source: 'node' }]);
    t.same(o.evaluation.findings, []);
    t.equal(ecr.count() - before, 0, 'the pull secret was used, not pullguard\'s identity');
  });

  await t.test('a pull secret the registry rejects: like the kubelet, go on to the nodes\' credential (own identity)', async (t) => {
    // The kubelet tries every credential its keyring returns — pod secrets, then the node's provider —
    // until a pull succeeds; a stale ECR token in a pull secret does not stop the pull on EKS nodes.
    const stale = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'stale', namespace: 'default' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [HOST]: { username: 'AWS', password: 'expired-token' }, [DENIED_HOST]: { username: 'AWS', password: 'expired-token' } } })).toString('base64') },
    };
    const withStale = (name: string, image: string) => ({
      group: '',
      kind: 'Pod',
      namespace: 'default',
      name,
      object: { ...pod(name, image), spec: { imagePullSecrets: [{ name: 'stale' }], containers: [{ name: 'app', image }] } },
    });
    const setUp = async (cloud: boolean) => {
      const config = configFromValue({ ...baseConfig, ...(cloud ? { cloud: { ecr: true } } : {}) }, 'test');
      const registry = await wiring.makeRegistryChecker(config, { extra: { hostOverrides } });
      t.teardown(() => registry.close());
      const state = new ClusterStore({ available: true });
      t.match(state.applyObject(stale, 'default'), { ok: true });
      return wiring.engineDeps(config, { state, registry });
    };
    const cases: Array<{ name: string; cloud: boolean; image: string; want: Array<{ code: string; message?: RegExp }>; tokens: number }> = [
      { name: 'image there: the pull succeeds with the node credential, no finding', cloud: true, image: `${HOST}/team/app:1.2.0`, want: [], tokens: 1 },
      { name: 'tag missing: said with the own identity\'s answer', cloud: true, image: `${HOST}/team/app:1.2.O`, want: [{ code: 'IMAGE_TAG_NOT_FOUND', message: /did you mean 1\.2\.0/ }], tokens: 0 },
      { name: 'own identity refused too: the secret\'s rejection stands, as a warning', cloud: true, image: `${DENIED_HOST}/team/app:1.2.0`, want: [{ code: 'REGISTRY_AUTH_REJECTED', message: /Nodes may still pull it/ }], tokens: 0 },
      { name: 'cloud.ecr off: the rejection, as a warning, no token asked for', cloud: false, image: `${HOST}/team/app:1.2.0`, want: [{ code: 'REGISTRY_AUTH_REJECTED', message: /Nodes may still pull it/ }], tokens: 0 },
    ];
    const deps = { on: await setUp(true), off: await setUp(false) };
    for (const c of cases) {
      const before = ecr.count();
      const o = await review(withStale(c.name.slice(0, 20), c.image), c.cloud ? deps.on : deps.off, { deadline: Date.now() + 8000 });
      t.match(o.evaluation.findings, c.want, c.name);
      t.equal(o.evaluation.findings.length, c.want.length, `${c.name}: nothing else`);
      t.equal(ecr.count() - before, c.tokens, `${c.name}: ${c.tokens} GetAuthorizationToken`);
    }
    const rejected = await review(withStale('warn', `${HOST}/team/app:1.2.0`), deps.off, { deadline: Date.now() + 8000 });
    t.equal(rejected.decision.verdict, 'warn', 'a rejected secret the nodes may cover warns, never denies');

    // A secret the registry accepts, for a tag that is not there: the kubelet moves on after that too
    // (tryNextCredential), so the node's credential is asked; it finds the tag missing as well.
    const good = { ...stale, metadata: { name: 'good', namespace: 'default' }, data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [HOST]: { username: 'AWS', password } } })).toString('base64') } };
    const config = configFromValue({ ...baseConfig, cloud: { ecr: true } }, 'test');
    const registry = await wiring.makeRegistryChecker(config, { extra: { hostOverrides } });
    t.teardown(() => registry.close());
    const state = new ClusterStore({ available: true });
    t.match(state.applyObject(good, 'default'), { ok: true });
    const before = ecr.count();
    const image = `${HOST}/team/app:1.2.O`;
    const missing = await review(
      { group: '', kind: 'Pod', namespace: 'default', name: 'typo', object: { ...pod('typo', image), spec: { imagePullSecrets: [{ name: 'good' }], containers: [{ name: 'app', image }] } } },
      wiring.engineDeps(config, { state, registry }),
      { deadline: Date.now() + 8000 },
    );
    t.match(missing.evaluation.findings, [{ code: 'IMAGE_TAG_NOT_FOUND', message: /did you mean 1\.2\.0/ }], 'missing for the node\'s credential too: denied');
    t.equal(missing.evaluation.findings.length, 1);
    t.equal(ecr.count() - before, 1, 'the own credential was asked for');
  });

  await t.test('cloud.ecr off: the image stays unverified, and the message says how to enable the check', async (t) => {
    const config = configFromValue(baseConfig, 'test');
    const registry = await wiring.makeRegistryChecker(config, { extra: { hostOverrides } });
    t.teardown(() => registry.close());
    const deps = wiring.engineDeps(config, { state: new ClusterStore(), registry });
    const before = ecr.requests.length;
    const f = await reviewPod(deps, 'off', `${HOST}/team/app:1.2.0`);
    t.match(f, [{ code: 'IMAGE_UNVERIFIED', message: /set cloud\.ecr: true and give pullguard an IAM role with ecr:GetAuthorizationToken and ecr:BatchGetImage \(IRSA or EKS Pod Identity/ }]);
    t.equal(ecr.requests.length, before, 'no token asked for');
  });

  await t.test('through `pullguard check`', async (t) => {
    // check.ts is imported with its `./wiring.js` replaced (tap's mock reaches direct imports only
    // when the sources are .ts files).
    const { runCheck } = await t.mockImport<typeof import('../../src/cli/check.js')>('../../src/cli/check.ts', {
      '../../src/cli/wiring.js': {
        ...wiring,
        // The one test seam: the ECR host names resolve to the local registry.
        makeRegistryChecker: (config: Parameters<typeof wiring.makeRegistryChecker>[0], opts: Parameters<typeof wiring.makeRegistryChecker>[1] = {}) =>
          wiring.makeRegistryChecker(config, { ...opts, extra: { ...opts.extra, hostOverrides } }),
      },
    });
    await writeFile(join(dir, 'config.yaml'), stringify({ ...baseConfig, cloud: { ecr: true } }));
    const manifests = [pod('ok', `${HOST}/team/app:1.2.0`), pod('typo', `${HOST}/team/app:1.2.O`), pod('gone', `${HOST}/team/gone:2`)]
      .map((o) => stringify(o))
      .join('---\n');
    const before = ecr.count();
    const { code, stdout: out, stderr: err } = await runWith(['-o', 'json', '-c', join(dir, 'config.yaml'), '-'], { stdin: manifests, entry: runCheck });
    t.equal(err, '');
    t.equal(code, 1, 'something would be denied');
    const report = JSON.parse(out) as { objects: Array<{ name: string; findings: Array<{ code: string; message: string }> }> };
    const byName = Object.fromEntries(report.objects.map((o) => [o.name, o.findings.map((f) => f.code)]));
    t.same(byName, { ok: [], typo: ['IMAGE_TAG_NOT_FOUND'], gone: ['IMAGE_REPOSITORY_NOT_FOUND'] });
    t.match(report.objects.find((o) => o.name === 'gone')!.findings[0]!.message, /account 123456789012, region eu-west-1/);
    t.equal(ecr.count() - before, 1, 'one GetAuthorizationToken for the whole run');
  });
});
