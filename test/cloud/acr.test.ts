// ACR with pullguard's own Entra ID identity, end to end and offline: the REAL @azure/identity
// (EnvironmentCredential with a client secret; AZURE_AUTHORITY_HOST points MSAL at an Entra ID
// stand-in answering OpenID discovery and the token endpoint) → Entra ID token → `POST /oauth2/exchange`
// at an ACR front → refresh token → the distribution client's Bearer flow (`GET /oauth2/token` with
// Basic 00000000-…:<refresh token>, the registry's realm) → a REAL docker-registry with token auth,
// served as `acme.azurecr.io` through the checker's hostOverrides.
import t from 'tap';
import { Agent as HttpsAgent } from 'node:https';
import { AcrCredentialProvider, ACR_REFRESH_TOKEN_USERNAME, ACR_SCOPE, CREDENTIAL_RENEW_MARGIN_MS, parseAcrHost, type AcrProviderOptions } from '../../src/cloud/index.js';
import { jwtClaims } from '../../src/cloud/acr.js';
import { configFromValue } from '../../src/config/load.js';
import { review, type EngineDeps } from '../../src/checks/engine.js';
import { credentialStep } from '../../src/checks/credentials.js';
import { registryStep } from '../../src/checks/registry-step.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { NODE_PROVIDER_PRESETS } from '../../src/cloud/index.js';
import { RegistryChecker } from '../../src/registry/checker.js';
import { requireRegistry, startRegistry } from '../helpers/registry.js';
import { startAcrFront, startEntraStandIn } from '../helpers/cloud-standins.js';

const HOST = 'acme.azurecr.io';

t.test('ACR login servers and token claims', async (t) => {
  t.same(parseAcrHost('acme.azurecr.io'), { name: 'acme', host: 'acme.azurecr.io', cloud: 'io' });
  t.same(parseAcrHost('Acme.AzureCR.cn'), { name: 'acme', host: 'acme.azurecr.cn', cloud: 'cn' });
  t.match(parseAcrHost('acme.azurecr.us'), { cloud: 'us' });
  for (const no of ['acme.azurecr.io:443', 'azurecr.io', 'acme.azurecr.com', 'a.b.azurecr.io', 'ghcr.io']) t.equal(parseAcrHost(no), null, no);
  t.same(jwtClaims(`x.${Buffer.from('{"exp":5,"tid":"t"}').toString('base64url')}.y`), { exp: 5, tid: 't' });
  t.equal(jwtClaims('not-a-jwt'), null);
  t.equal(ACR_SCOPE, 'https://containerregistry.azure.net/.default');
});

t.test('against a real registry as acme.azurecr.io', async (t) => {
  if (!requireRegistry(t)) return;
  const reg = await startRegistry(t, {
    auth: 'token',
    names: [HOST],
    tokenService: HOST,
    tokenRealm: `https://${HOST}/oauth2/token`,
  });
  const entra = await startEntraStandIn({ certPem: reg.pki.serverCertPem, keyPem: reg.pki.serverKeyPem });
  t.teardown(() => entra.close());
  const front = await startAcrFront(reg, { host: HOST, entra, delayMs: 30 });
  t.teardown(() => front.close());

  // The SDK's own settings: EnvironmentCredential from AZURE_*; the authority host is the stand-in.
  for (const k of ['AZURE_FEDERATED_TOKEN_FILE', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_USERNAME', 'AZURE_PASSWORD', 'IDENTITY_ENDPOINT', 'MSI_ENDPOINT', 'AZURE_TOKEN_CREDENTIALS'])
    delete process.env[k];
  Object.assign(process.env, {
    AZURE_TENANT_ID: entra.tenant,
    AZURE_CLIENT_ID: entra.clientId,
    AZURE_CLIENT_SECRET: entra.clientSecret,
    AZURE_AUTHORITY_HOST: entra.authorityHost,
  });
  // Test-only transport settings for the SDK: trust the test CA (the stand-in is HTTPS, as MSAL
  // requires), and skip instance discovery (an unknown authority host would be looked up on
  // login.microsoftonline.com).
  const agent = new HttpsAgent({ ca: reg.caPem, keepAlive: false });
  t.teardown(() => agent.destroy());
  // The production chain minus ManagedIdentityCredential: a test must never reach for the instance
  // metadata address (EnvironmentCredential answers first anyway).
  const providerOptions = (extra: Partial<AcrProviderOptions> = {}): AcrProviderOptions => ({
    chain: ['environment', 'workload-identity'],
    credentialOptions: { agent, disableInstanceDiscovery: true },
    hostOverrides: { [HOST]: front.address },
    settings: () => ({ caBundle: reg.caPem }),
    ...extra,
  });
  const config = configFromValue({ nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['aks']!], cloud: { acr: true } }, 'test');
  const newChecker = (): RegistryChecker => {
    const c = new RegistryChecker({ hostOverrides: { [HOST]: front.address }, registries: { [HOST]: { caBundle: reg.caPem } } });
    t.teardown(() => c.close());
    return c;
  };
  const depsWith = (checker: RegistryChecker, provider: AcrCredentialProvider | null): EngineDeps => ({
    config,
    credentials: credentialStep({ state: new ClusterStore(), config }),
    registry: registryStep({ lookup: checker, clusterPlatforms: () => [], ...(provider ? { cloud: { acr: provider } } : {}) }),
  });
  const reviewPod = async (deps: EngineDeps, name: string, image: string) => {
    const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image }] } };
    return (await review({ group: '', kind: 'Pod', namespace: 'default', name, object }, deps, { deadline: Date.now() + 8000 })).evaluation.findings;
  };

  await t.test('one Entra ID token and one exchange per registry under load', async (t) => {
    const p = new AcrCredentialProvider(providerOptions());
    t.teardown(() => p.close());
    const creds = await Promise.all(Array.from({ length: 200 }, () => p.credential(HOST)));
    t.equal(front.exchanges.length, 1, '200 concurrent requests → 1 exchange');
    t.equal(entra.tokenRequests.length, 1, '… and 1 Entra ID token');
    t.same(entra.tokenRequests[0], { scope: ACR_SCOPE, clientId: entra.clientId, status: 200 }, 'the ACR audience scope');
    t.same(front.exchanges[0], { status: 200, service: HOST, tenant: entra.tenant }, 'service and tenant (from the token) sent');
    t.ok(creds.every((c) => c.username === ACR_REFRESH_TOKEN_USERNAME && c.password === creds[0]!.password), 'null GUID + refresh token');
    t.match(jwtClaims(creds[0]!.password), { aud: HOST, grant_type: 'refresh_token' });
    await p.credential(HOST);
    t.equal(front.exchanges.length, 1, 'cached afterwards');
  });

  await t.test('renewed shortly before the refresh token expires (injected clock)', async (t) => {
    let now = Date.now();
    const p = new AcrCredentialProvider(providerOptions({ clock: () => now }));
    t.teardown(() => p.close());
    const before = front.exchanges.length;
    await p.credential(HOST);
    now += 3 * 3600_000 - CREDENTIAL_RENEW_MARGIN_MS - 10_000;
    await Promise.all(Array.from({ length: 20 }, () => p.credential(HOST)));
    t.equal(front.exchanges.length - before, 1, 'still cached before the margin');
    now += 20_000;
    t.equal(p.cachedCredential(HOST), null);
    await Promise.all(Array.from({ length: 20 }, () => p.credential(HOST)));
    t.equal(front.exchanges.length - before, 2, 'one new exchange inside the margin');
  });

  await t.test('full path: credentials → own identity → exchange → realm token → manifest → finding', async (t) => {
    const p = new AcrCredentialProvider(providerOptions());
    t.teardown(() => p.close());
    const deps = depsWith(newChecker(), p);
    const ex = front.exchanges.length;
    const tok = front.tokens.length;
    const images = Array.from({ length: 200 }, (_, i) => `${HOST}/team/app:${reg.appTags[i % reg.appTags.length]}`);
    const results = await Promise.all(images.map((img, i) => reviewPod(deps, `p${i}`, img)));
    t.same(results.flat(), [], 'every existing image verified through the ACR token flow');
    t.equal(front.exchanges.length - ex, 1, 'one exchange for 200 reviews');
    t.ok(front.tokens.slice(tok).every((r) => r.status === 200 && r.user === ACR_REFRESH_TOKEN_USERNAME), 'the realm got the refresh token as Basic password');
    t.ok(front.tokens.length - tok >= 1, 'registry tokens came from the ACR realm stand-in');

    t.match(await reviewPod(deps, 'typo', `${HOST}/team/app:1.2.O`), [{ code: 'IMAGE_TAG_NOT_FOUND', message: /did you mean 1\.2\.0/ }]);
    t.match(await reviewPod(deps, 'gone', `${HOST}/team/gone:1`), [{ code: 'IMAGE_REPOSITORY_NOT_FOUND' }]);
  });

  await t.test('no AcrPull role: reported as such', async (t) => {
    front.acrPull = false;
    t.teardown(() => void (front.acrPull = true));
    const p = new AcrCredentialProvider(providerOptions());
    t.teardown(() => p.close());
    const f = await reviewPod(depsWith(newChecker(), p), 'norole', `${HOST}/team/app:1.2.0`);
    t.match(f, [{ code: 'CLOUD_CREDENTIALS_UNAVAILABLE', message: /Assign the AcrPull role to pullguard's identity on acme\.azurecr\.io/ }]);
    t.ok(f[0]!.short.length <= 100);

    front.refuseExchange = true;
    t.teardown(() => void (front.refuseExchange = false));
    const q = new AcrCredentialProvider(providerOptions());
    t.teardown(() => q.close());
    const g = await reviewPod(depsWith(newChecker(), q), 'refused', `${HOST}/team/app:1.2.0`);
    t.match(g, [{ code: 'CLOUD_CREDENTIALS_UNAVAILABLE', message: /refused pullguard's Entra ID token \(POST https:\/\/acme\.azurecr\.io\/oauth2\/exchange answered 401 UNAUTHORIZED.*Assign the AcrPull role to pullguard's identity on acme\.azurecr\.io/ }]);
    t.match(g[0]!.short, /lacks the AcrPull role on acme\.azurecr\.io/);
  });

  await t.test('Entra ID refuses the identity, or there is none', async (t) => {
    const secret = process.env['AZURE_CLIENT_SECRET'];
    process.env['AZURE_CLIENT_SECRET'] = 'wrong-secret';
    const bad = new AcrCredentialProvider(providerOptions({ chain: ['environment'] }));
    t.teardown(() => bad.close());
    const e = await bad.credential(HOST).catch((x: unknown) => x);
    process.env['AZURE_CLIENT_SECRET'] = secret;
    t.match(e, { reason: 'rejected', message: /Entra ID refused pullguard's credentials.*AADSTS7000215/ });

    const saved = { ...process.env };
    for (const k of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']) delete process.env[k];
    const none = new AcrCredentialProvider(providerOptions({ chain: ['environment', 'workload-identity'] }));
    t.teardown(() => none.close());
    const n = await none.credential(HOST).catch((x: unknown) => x);
    Object.assign(process.env, { AZURE_TENANT_ID: saved['AZURE_TENANT_ID'], AZURE_CLIENT_ID: saved['AZURE_CLIENT_ID'], AZURE_CLIENT_SECRET: saved['AZURE_CLIENT_SECRET'] });
    t.match(n, { reason: 'no-identity', fix: /azure\.workload\.identity\/client-id.*azure\.workload\.identity\/use: "true"/ });
    const f = await reviewPod(depsWith(newChecker(), none), 'none', `${HOST}/team/app:1.2.0`);
    t.match(f, [{ code: 'CLOUD_CREDENTIALS_UNAVAILABLE', short: /no Entra ID identity/ }]);
  });

  await t.test('cloud.acr off: unverified, with how to enable the check', async (t) => {
    const ex = front.exchanges.length;
    const f = await reviewPod(depsWith(newChecker(), null), 'off', `${HOST}/team/app:1.2.0`);
    t.match(f, [{ code: 'IMAGE_UNVERIFIED', message: /set cloud\.acr: true and give pullguard a workload identity with the AcrPull role on acme\.azurecr\.io/ }]);
    t.equal(front.exchanges.length, ex, 'no exchange');
  });

  await t.test('controller-created pods use a cached credential only', async (t) => {
    const p = new AcrCredentialProvider(providerOptions());
    t.teardown(() => p.close());
    const deps = depsWith(newChecker(), p);
    const ex = front.exchanges.length;
    const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'rs-x', namespace: 'default' }, spec: { containers: [{ name: 'app', image: `${HOST}/team/app:1.2.0` }] } };
    const o = await review({ group: '', kind: 'Pod', namespace: 'default', name: 'rs-x', object, controller: 'ReplicaSet' }, deps, { deadline: Date.now() + 8000 });
    t.same(o.evaluation.findings, []);
    t.equal(front.exchanges.length, ex, 'nothing asked for a controller pod');
  });
});
