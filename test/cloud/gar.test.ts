// Google Artifact Registry / Container Registry with pullguard's own Google identity, end to end and
// offline: the REAL google-auth-library (Application Default Credentials → the metadata server, which
// gcp-metadata finds at GCE_METADATA_HOST) talks to a metadata-server stand-in on 127.0.0.1; the access
// token it issues is the password of user `oauth2accesstoken` on a REAL docker-registry (TLS +
// htpasswd) that serves under Artifact Registry and gcr.io host names through the checker's
// hostOverrides.
import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcpMetadata } from 'google-auth-library';
import {
  CloudCredentialError,
  CREDENTIAL_RENEW_MARGIN_MS,
  GAR_ACCESS_TOKEN_USERNAME,
  GAR_SCOPE,
  GarCredentialProvider,
  NODE_PROVIDER_PRESETS,
  parseGarHost,
} from '../../src/cloud/index.js';
import { review } from '../../src/checks/engine.js';
import { configFromValue } from '../../src/config/load.js';
import { ClusterStore } from '../../src/cluster/store.js';
import * as wiring from '../../src/cli/wiring.js';
import { requireRegistry, startRegistry } from '../helpers/registry.js';
import { startMetadataStandIn } from '../helpers/cloud-standins.js';

const AR = 'europe-west1-docker.pkg.dev';
const GCR = 'gcr.io';
const EU_GCR = 'eu.gcr.io';
const TOKEN = `ya29.pullguard-test-${Date.now()}`;

t.test('GAR host names', async (t) => {
  const cases: Array<{ host: string; want: ReturnType<typeof parseGarHost> }> = [
    { host: AR, want: { host: AR, family: 'pkg-dev' } },
    { host: 'US-DOCKER.PKG.DEV', want: { host: 'us-docker.pkg.dev', family: 'pkg-dev' } },
    { host: GCR, want: { host: GCR, family: 'gcr' } },
    { host: EU_GCR, want: { host: EU_GCR, family: 'gcr' } },
    { host: 'container.cloud.google.com', want: { host: 'container.cloud.google.com', family: 'container' } },
    { host: 'a.b.pkg.dev', want: null },
    { host: 'gcr.io:443', want: null },
    { host: '-bad.gcr.io', want: null },
    { host: 'pkg.dev', want: null },
    { host: 'gcr.io.example.com', want: null },
  ];
  for (const c of cases) t.same(parseGarHost(c.host), c.want, c.host);
});

// google-auth-library's own settings, pointed at the stand-in; nothing from the machine's Google setup.
const metadata = await startMetadataStandIn({ token: TOKEN, delayMs: 30 });
t.teardown(() => metadata.close());
const gcloudDir = await mkdtemp(join(tmpdir(), 'pullguard-gcloud-'));
for (const k of ['GOOGLE_APPLICATION_CREDENTIALS', 'GCE_METADATA_IP', 'GOOGLE_CLOUD_QUOTA_PROJECT', 'DETECT_GCP_RETRIES']) delete process.env[k];
Object.assign(process.env, {
  GCE_METADATA_HOST: metadata.host,
  // No gcloud well-known credentials file, and a project id so the library does not run `gcloud`.
  CLOUDSDK_CONFIG: gcloudDir,
  GCLOUD_PROJECT: 'pullguard-test',
  METADATA_SERVER_DETECTION: 'ping-only',
});

t.test('access token: one metadata request under load, for every GAR host, as oauth2accesstoken', async (t) => {
  metadata.mode = 'present';
  const p = new GarCredentialProvider();
  t.teardown(() => p.close());
  const before = metadata.count();
  const creds = await Promise.all(Array.from({ length: 120 }, (_, i) => p.credential([AR, GCR, EU_GCR][i % 3]!)));
  t.equal(metadata.count() - before, 1, '120 concurrent requests on three hosts → 1 token request');
  t.ok(creds.every((c) => c.username === GAR_ACCESS_TOKEN_USERNAME && c.password === TOKEN), 'oauth2accesstoken / <access token>');
  const last = metadata.requests.filter((r) => r.path.endsWith('/token')).at(-1)!;
  t.same([last.scopes, last.flavored], [GAR_SCOPE, true], 'cloud-platform scope, Metadata-Flavor: Google');
  t.same(p.cachedCredential('us-docker.pkg.dev'), { username: GAR_ACCESS_TOKEN_USERNAME, password: TOKEN }, 'one token for every host');
  t.equal(p.cachedCredential('ghcr.io'), null);
  const bad = await p.credential('ghcr.io').catch((e: unknown) => e);
  t.match(bad, { reason: 'invalid' });
});

t.test('cached until shortly before expiry, then refreshed once', async (t) => {
  metadata.mode = 'present';
  // A token of 301 s: pullguard keeps it for half its life (injected clock); google-auth-library keeps
  // its own copy until 5 minutes before expiry_date on the wall clock — 1 s here.
  metadata.expiresIn = 301;
  t.teardown(() => {
    metadata.token = TOKEN;
    metadata.expiresIn = 3599;
  });
  let now = Date.now();
  const p = new GarCredentialProvider({ clock: () => now });
  t.teardown(() => p.close());
  const before = metadata.count();
  t.equal((await p.credential(AR)).password, TOKEN);
  now += 140_000;
  await Promise.all(Array.from({ length: 20 }, () => p.credential(GCR)));
  t.equal(metadata.count() - before, 1, 'still cached before the renewal point');
  now += 20_000;
  t.equal(p.cachedCredential(AR), null, 'past the renewal point: no cached credential');
  await new Promise((r) => setTimeout(r, 1_200));
  metadata.token = `${TOKEN}-renewed`;
  const renewed = await Promise.all(Array.from({ length: 20 }, () => p.credential(AR)));
  t.equal(metadata.count() - before, 2, 'one more token request for 20 callers');
  t.ok(renewed.every((c) => c.password === `${TOKEN}-renewed`), 'all callers get the renewed token');
  t.equal(p.requests, 2, 'two fetches in all: the first and the renewal');
  t.ok(CREDENTIAL_RENEW_MARGIN_MS > 0);
});

t.test('the identity may not get a token (403): rejected, with the Workload Identity fix', async (t) => {
  metadata.mode = 'denied';
  t.teardown(() => void (metadata.mode = 'present'));
  const p = new GarCredentialProvider({ failureTtlMs: 60_000 });
  t.teardown(() => p.close());
  const e = (await p.credential(AR).catch((x: unknown) => x)) as CloudCredentialError;
  t.ok(e instanceof CloudCredentialError);
  t.equal(e.reason, 'rejected');
  t.match(e.message, /Google refused pullguard's credentials/);
  t.match(e.fix, /roles\/iam\.workloadIdentityUser/);
  const n = metadata.requests.length;
  await p.credential(AR).catch(() => undefined);
  t.equal(metadata.requests.length, n, 'a definite failure is remembered briefly (no new request)');
});

t.test('no identity: no metadata server, no credentials file → no-identity; found again once there is one', async (t) => {
  metadata.mode = 'absent';
  t.teardown(() => void (metadata.mode = 'present'));
  // gcp-metadata remembers process-wide whether a metadata server answered; a process that never saw one:
  gcpMetadata.resetIsAvailableCache();
  const p = new GarCredentialProvider({ failureTtlMs: 1 });
  t.teardown(() => p.close());
  const e = (await p.credential(GCR).catch((x: unknown) => x)) as CloudCredentialError;
  t.ok(e instanceof CloudCredentialError);
  t.equal(e.reason, 'no-identity');
  t.match(e.message, /pullguard has no Google credentials/);
  t.match(e.fix, /GKE Workload Identity/);
  t.match(e.fix, /cloud\.gar: false/);

  metadata.mode = 'present';
  await new Promise((r) => setTimeout(r, 5));
  const c = await p.credential(GCR);
  t.equal(c.password, TOKEN, 'the provider looked again after the failure TTL and found the metadata server');
});

t.test('against a real registry under Artifact Registry and gcr.io host names', async (t) => {
  if (!requireRegistry(t)) return;
  metadata.mode = 'present';
  const reg = await startRegistry(t, { auth: 'htpasswd', names: [AR, GCR, EU_GCR], extraUsers: [{ username: GAR_ACCESS_TOKEN_USERNAME, password: TOKEN }] });
  // An Artifact Registry path: <project>/<repository>/<image>.
  await reg.pusher.image('pullguard-test/images/api', '2.0.0', { seed: 'api' });
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-gar-'));
  await writeFile(join(dir, 'ca.pem'), reg.caPem);
  const hostOverrides = { [AR]: reg.host, [GCR]: reg.host, [EU_GCR]: reg.host };
  const baseConfig = {
    nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['gke']!],
    registries: Object.fromEntries(Object.keys(hostOverrides).map((h) => [h, { caFile: join(dir, 'ca.pem') }])),
  };
  const pod = (name: string, image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image }] } });
  const setUp = async (config: ReturnType<typeof configFromValue>) => {
    const registry = await wiring.makeRegistryChecker(config, { extra: { hostOverrides } });
    t.teardown(() => registry.close());
    return wiring.engineDeps(config, { state: new ClusterStore(), registry });
  };
  const reviewPod = async (deps: Awaited<ReturnType<typeof setUp>>, name: string, image: string) =>
    (await review({ group: '', kind: 'Pod', namespace: 'default', name, object: pod(name, image) }, deps, { deadline: Date.now() + 8000 })).evaluation.findings;

  await t.test('cloud.gar on: found, tag missing, repository missing — one token for the whole run', async (t) => {
    const deps = await setUp(configFromValue({ ...baseConfig, cloud: { gar: true } }, 'test'));
    const before = metadata.count();
    const images = [`${AR}/pullguard-test/images/api:2.0.0`, ...reg.appTags.map((tag) => `${GCR}/team/app:${tag}`), `${EU_GCR}/team/app:1.2.0`];
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => reviewPod(deps, `p${i}`, images[i % images.length]!)));
    t.same(results.flat(), [], 'every existing image verified with the access token (the registry accepts only oauth2accesstoken:<token>)');
    t.equal(metadata.count() - before, 1, 'one token request for 60 reviews on three hosts');

    const typo = await reviewPod(deps, 'typo', `${AR}/pullguard-test/images/api:2.0.O`);
    t.match(typo, [{ code: 'IMAGE_TAG_NOT_FOUND', message: /tag 2\.0\.O not found in europe-west1-docker\.pkg\.dev\/pullguard-test\/images\/api; did you mean 2\.0\.0/ }]);
    const gone = await reviewPod(deps, 'gone', `${AR}/pullguard-test/images/nope:1`);
    t.match(gone, [{ code: 'IMAGE_REPOSITORY_NOT_FOUND', message: /repository europe-west1-docker\.pkg\.dev\/pullguard-test\/images\/nope does not exist/ }]);
    t.equal(metadata.count() - before, 1, 'still one token');
  });

  await t.test('no permission: the registry refuses pullguard\'s token → CLOUD_CREDENTIALS_UNAVAILABLE naming roles/artifactregistry.reader', async (t) => {
    metadata.token = 'ya29.a-service-account-without-access';
    t.teardown(() => void (metadata.token = TOKEN));
    const deps = await setUp(configFromValue({ ...baseConfig, cloud: { gar: true } }, 'test'));
    const f = await reviewPod(deps, 'denied', `${AR}/pullguard-test/images/api:2.0.0`);
    t.match(f, [{ code: 'CLOUD_CREDENTIALS_UNAVAILABLE', message: /nodes pull with their own identity.*roles\/artifactregistry\.reader/ }]);
    t.match(f[0]!.short, /^pullguard(?:'s [^;]+)? may not pull pullguard-test\/images\/api; grant it artifactregistry\.reader \(not verified\)$/);
    const gcr = await reviewPod(deps, 'denied-gcr', `${GCR}/team/app:1.2.0`);
    t.match(gcr, [{ code: 'CLOUD_CREDENTIALS_UNAVAILABLE', message: /gcr\.io images live in the Artifact Registry gcr\.io repository/ }]);
  });

  await t.test('no identity: CLOUD_CREDENTIALS_UNAVAILABLE with the fix, never a denial', async (t) => {
    metadata.mode = 'absent';
    t.teardown(() => void (metadata.mode = 'present'));
    gcpMetadata.resetIsAvailableCache();
    const deps = await setUp(configFromValue({ ...baseConfig, cloud: { gar: true } }, 'test'));
    const o = await review({ group: '', kind: 'Pod', namespace: 'default', name: 'noid', object: pod('noid', `${AR}/pullguard-test/images/api:2.0.0`) }, deps, { deadline: Date.now() + 8000 });
    t.match(o.evaluation.findings, [{ code: 'CLOUD_CREDENTIALS_UNAVAILABLE', message: /pullguard has no Google credentials.*GKE Workload Identity/ }]);
    t.match(o.evaluation.findings[0]!.short, /pullguard has no Google identity for GAR \(cloud\.gar\)/);
    t.equal(o.decision.verdict, 'warn', 'warns (follows failurePolicy), never denies');
  });

  await t.test('cloud.gar off: unverified, with how to enable the check; no token asked for', async (t) => {
    const deps = await setUp(configFromValue(baseConfig, 'test'));
    const before = metadata.requests.length;
    const f = await reviewPod(deps, 'off', `${AR}/pullguard-test/images/api:2.0.0`);
    t.match(f, [{ code: 'IMAGE_UNVERIFIED', message: /set cloud\.gar: true and give pullguard a Google identity with roles\/artifactregistry\.reader \(GKE Workload Identity\)/ }]);
    t.equal(metadata.requests.length, before, 'the metadata server was not asked');
  });

  await t.test('no GKE preset: a private GAR image is asked anonymously (public repositories exist) and needs a pull secret', async (t) => {
    const deps = await setUp(configFromValue({ registries: baseConfig.registries }, 'test'));
    const f = await reviewPod(deps, 'nopreset', `${AR}/pullguard-test/images/api:2.0.0`);
    t.match(f, [{ code: 'REGISTRY_AUTH_REQUIRED', message: /europe-west1-docker\.pkg\.dev requires authentication and no pull secret covers it/ }]);
  });
});

t.test('a registry that answers a manifest request with a redirect: not followed, unverified (warn), never denied', async (t) => {
  // What pullguard does if gcr.io ever answered the registry API with an HTTP redirect to Artifact
  // Registry: the registry client (undici request, no redirect interceptor) does not follow it.
  const { createServer } = await import('node:http');
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (req.url === '/v2/') {
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' });
      return res.end('{}');
    }
    res.writeHead(307, { location: `https://europe-docker.pkg.dev${req.url}` });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  const config = configFromValue({ registries: { [GCR]: { insecureHttp: true } } }, 'test');
  const registry = await wiring.makeRegistryChecker(config, { extra: { hostOverrides: { [GCR]: `127.0.0.1:${port}` } } });
  t.teardown(() => registry.close());
  const deps = wiring.engineDeps(config, { state: new ClusterStore(), registry });
  const o = await review(
    { group: '', kind: 'Pod', namespace: 'default', name: 'moved', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'moved', namespace: 'default' }, spec: { containers: [{ name: 'app', image: `${GCR}/p/app:1.0` }] } } },
    deps,
    { deadline: Date.now() + 8000 },
  );
  t.match(o.evaluation.findings, [{ code: 'IMAGE_UNVERIFIED', message: /gcr\.io gave an unexpected answer .*307/ }]);
  t.not(o.decision.verdict, 'deny');
  t.ok(hits.some((h) => h.includes('/v2/p/app/manifests/1.0')), 'the manifest was asked for');
});
