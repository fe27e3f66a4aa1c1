import t from 'tap';
import type { Finding, ImageUse } from '../../src/findings/types.js';
import type { ImageReference } from '../../src/reference/types.js';
import { clusterStateFromObjects } from '../../src/cluster/memory.js';
import { parseDockerConfigJSON } from '../../src/credentials/dockerconfig.js';
import { ALWAYS_PRIVATE, NODE_PROVIDER_PRESETS } from '../../src/cloud/index.js';
import {
  podCredentialContext,
  registryAuthRequirement,
  resolvePodCredentials as resolveFacts,
  type PodCredentialContext,
  type ResolveConfig,
} from '../../src/credentials/resolve.js';

import { credentialFindings } from '../../src/checks/credential-findings.js';

/** The resolver's facts with the findings the credentials check phrases from them (per image and all). */
function resolvePodCredentials(...args: Parameters<typeof resolveFacts>) {
  const r = resolveFacts(...args);
  const images = r.images.map((i) => ({ ...i, findings: credentialFindings(i) }));
  return { ...r, images, findings: images.flatMap((i) => i.findings) };
}


const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const NOW_S = NOW / 1000;
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const DCJ = 'kubernetes.io/dockerconfigjson';

/** An ImageReference literal for a normalised `name` (tag 1.0). */
function ref(name: string): ImageReference {
  const i = name.indexOf('/');
  return {
    raw: `${name}:1.0`,
    domain: name.slice(0, i),
    path: name.slice(i + 1),
    name,
    tag: '1.0',
    tagDefaulted: false,
    digest: null,
    familiar: `${name}:1.0`,
  };
}

function use(container: string, image: string, index = 0, slot: ImageUse['slot'] = 'containers'): ImageUse {
  return { container, slot, field: `spec.${slot}[${index}].image`, image, problem: null };
}

function img(container: string, name: string, index = 0) {
  return { use: use(container, `${name}:1.0`, index), ref: ref(name) };
}

function dockerSecret(name: string, namespace: string, auths: Record<string, unknown>, type = DCJ) {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type, data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } };
}

function sa(name: string, namespace: string, secrets: string[]) {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace }, imagePullSecrets: secrets.map((n) => ({ name: n })) };
}

const ecrToken = (expiration: number): string => b64(JSON.stringify({ payload: 'p', datakey: 'd', version: '2', type: 'DATA_KEY', expiration }));

// The cloud table's always-private registries, as the credentials step passes them (src/checks/credentials.ts).
const baseConfig: ResolveConfig = { nodeCredentialProviders: [], privateRegistries: [], alwaysPrivate: ALWAYS_PRIVATE };

function ctx(over: Partial<PodCredentialContext> = {}): PodCredentialContext {
  return { namespace: 'prod', imagePullSecrets: [], serviceAccountName: null, isPod: false, ...over };
}

const codes = (fs: readonly Finding[]): string[] => fs.map((f) => f.code);

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app';
const ACR = 'myreg.azurecr.io/team/app';

t.test('pod imagePullSecrets win over the ServiceAccount; SA is the fallback', async (t) => {
  const { state } = clusterStateFromObjects(
    [
      dockerSecret('pod-secret', 'prod', { 'ghcr.io': { username: 'p', password: 'x' } }),
      dockerSecret('sa-secret', 'prod', { 'ghcr.io': { username: 's', password: 'x' } }),
      sa('builder', 'prod', ['sa-secret']),
      sa('default', 'prod', []),
    ],
    { defaultNamespace: 'prod' },
  );
  const cases: Array<{ name: string; ctx: PodCredentialContext; from: string; sources: unknown[] }> = [
    {
      name: 'pod lists secrets',
      ctx: ctx({ imagePullSecrets: ['pod-secret'], serviceAccountName: 'builder' }),
      from: 'pod',
      sources: [{ source: 'secret', secret: 'prod/pod-secret', key: 'ghcr.io' }],
    },
    {
      name: 'pod lists none: ServiceAccount secrets',
      ctx: ctx({ serviceAccountName: 'builder' }),
      from: 'serviceaccount',
      sources: [{ source: 'serviceaccount', secret: 'prod/sa-secret', key: 'ghcr.io' }],
    },
    { name: 'default ServiceAccount without secrets', ctx: ctx(), from: 'none', sources: [] },
    {
      name: 'an entry without a name still counts as listed (SA not merged) and is skipped',
      ctx: ctx({ imagePullSecrets: [''], serviceAccountName: 'builder' }),
      from: 'pod',
      sources: [],
    },
    {
      name: 'Pods follow the same rule',
      ctx: ctx({ serviceAccountName: 'builder', isPod: true }),
      from: 'serviceaccount',
      sources: [{ source: 'serviceaccount', secret: 'prod/sa-secret', key: 'ghcr.io' }],
    },
  ];
  for (const c of cases) {
    const r = resolvePodCredentials(c.ctx, [img('app', 'ghcr.io/acme/app')], state, baseConfig, NOW);
    t.equal(r.secretsFrom, c.from, `${c.name}: secretsFrom`);
    t.same(r.images[0]!.sources, c.sources, `${c.name}: sources`);
    t.same(r.findings, [], `${c.name}: no findings`);
  }
});

t.test('kubelet ordering: one keyring for all pull secrets, then the node docker config', async (t) => {
  const { state } = clusterStateFromObjects(
    [
      dockerSecret('a', 'prod', { 'ghcr.io': { username: 'a', password: 'x' } }),
      dockerSecret('b', 'prod', { 'ghcr.io/acme': { username: 'b', password: 'x' }, 'ghcr.io': { username: 'b2', password: 'x' } }),
    ],
    { defaultNamespace: 'prod' },
  );
  const node = parseDockerConfigJSON('{"auths":{"https://ghcr.io/v1/":{"username":"n","password":"x"},"quay.io":{"username":"q","password":"x"}}}');
  if (!node.ok) throw new Error(node.error);
  const r = resolvePodCredentials(
    ctx({ imagePullSecrets: ['a', 'b'] }),
    [img('app', 'ghcr.io/acme/app'), img('side', 'quay.io/x/y', 1)],
    state,
    { ...baseConfig, dockerConfig: node.config },
    NOW,
  );
  t.same(r.images[0]!.sources, [
    { source: 'secret', secret: 'prod/b', key: 'ghcr.io/acme' },
    { source: 'secret', secret: 'prod/a', key: 'ghcr.io' },
    { source: 'secret', secret: 'prod/b', key: 'ghcr.io' },
    { source: 'docker-config', secret: null, key: 'https://ghcr.io/v1/' },
  ]);
  t.same(r.images[0]!.credentials.map((c) => c.auth.username), ['b', 'a', 'b2', 'n'], 'credentials in the same order');
  t.same(r.images[1]!.sources, [{ source: 'docker-config', secret: null, key: 'quay.io' }]);
});

t.test('PULL_SECRET_NOT_FOUND', async (t) => {
  const objs = [dockerSecret('regcred', 'staging', { 'ghcr.io': { auth: b64('u:p') } }), sa('default', 'prod', ['sa-missing'])];
  const { state } = clusterStateFromObjects(objs, { defaultNamespace: 'prod' });
  const r = resolvePodCredentials(ctx({ imagePullSecrets: ['regcred', 'gone', 'regcred'] }), [img('app', 'ghcr.io/acme/app'), img('init', 'ghcr.io/acme/init', 1)], state, baseConfig, NOW);
  t.same(codes(r.images[0]!.findings), ['PULL_SECRET_NOT_FOUND', 'PULL_SECRET_NOT_FOUND'], 'one per missing name, per image');
  const [hint, plain] = r.images[0]!.findings;
  t.match(hint!.message, /^container "app" \(image "ghcr\.io\/acme\/app:1\.0"\): imagePullSecrets\[0\] names Secret "regcred", which does not exist in namespace "prod" \(a Secret with that name exists in namespace "staging"; secrets are namespaced/);
  t.match(hint!.message, /Create the Secret in namespace "prod"/);
  t.match(hint!.short, /exists in "staging"; secrets are namespaced/);
  t.ok(hint!.short.length <= 100);
  t.equal(hint!.field, 'spec.containers[0].image');
  t.match(plain!.message, /imagePullSecrets\[1\] names Secret "gone", which does not exist in namespace "prod"; the kubelet skips it/);
  t.equal(r.findings.length, 4);

  const viaSa = resolvePodCredentials(ctx(), [img('app', 'ghcr.io/acme/app')], state, baseConfig, NOW);
  t.match(viaSa.findings[0]!.message, /ServiceAccount "default" lists pull Secret "sa-missing"/);

  const offline = clusterStateFromObjects(objs, { defaultNamespace: 'prod', available: false }).state;
  const r2 = resolvePodCredentials(ctx({ imagePullSecrets: ['gone'] }), [img('app', ECR)], offline, baseConfig, NOW);
  t.same(r2.findings, [], 'unavailable view: nothing is reported missing, and auth-required is not concluded');
  t.notOk(r2.complete);
  t.same(r2.unknown, ['prod/gone']);
  const r3 = resolvePodCredentials(ctx({ serviceAccountName: 'unknown-sa' }), [img('app', ECR)], offline, baseConfig, NOW);
  t.same(r3.unknown, ['prod/unknown-sa'], 'an unseen ServiceAccount makes the answer incomplete');
  t.same(r3.findings, []);
});

t.test('PULL_SECRET_UNUSABLE', async (t) => {
  const { state } = clusterStateFromObjects(
    [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: 'prod' }, type: 'Opaque', data: { '.dockerconfigjson': b64('{"auths":{}}') } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrongkey', namespace: 'prod' }, type: DCJ, data: { '.dockercfg': b64('{}') } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'emptykey', namespace: 'prod' }, type: DCJ, data: { '.dockerconfigjson': '' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cfg-missing', namespace: 'prod' }, type: 'kubernetes.io/dockercfg', data: { '.dockerconfigjson': b64('{}') } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'prod' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('x'), 'tls.key': b64('y') } },
    ],
    { defaultNamespace: 'prod' },
  );
  const r = resolvePodCredentials(ctx({ imagePullSecrets: ['opaque', 'wrongkey', 'emptykey', 'cfg-missing', 'tls'] }), [img('app', 'ghcr.io/acme/app')], state, baseConfig, NOW);
  const fs = r.images[0]!.findings;
  t.same(codes(fs), Array(5).fill('PULL_SECRET_UNUSABLE'));
  t.match(fs[0]!.message, /Secret "opaque", which has type "Opaque" \(data keys: "\.dockerconfigjson"\); the kubelet only reads kubernetes\.io\/dockerconfigjson and kubernetes\.io\/dockercfg secrets, so the kubelet silently ignores it\. Set its type to kubernetes\.io\/dockerconfigjson/);
  t.match(fs[1]!.message, /has type kubernetes\.io\/dockerconfigjson but no "\.dockerconfigjson" data key \(data keys: "\.dockercfg"\).*Change its type to kubernetes\.io\/dockercfg/);
  t.match(fs[2]!.message, /"\.dockerconfigjson" data key is empty/);
  t.match(fs[3]!.message, /has type kubernetes\.io\/dockercfg but no "\.dockercfg" data key.*Change its type to kubernetes\.io\/dockerconfigjson/);
  t.match(fs[4]!.message, /has type "kubernetes\.io\/tls".*Recreate it with kubectl create secret docker-registry/);
  for (const f of fs) t.ok(f.short.length <= 100, f.short);
  t.same(r.images[0]!.sources, []);
});

t.test('PULL_SECRET_MALFORMED fails every image of the pod', async (t) => {
  const { state } = clusterStateFromObjects(
    [
      dockerSecret('good', 'prod', { 'ghcr.io': { username: 'u', password: 'p' } }),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad', namespace: 'prod' }, type: DCJ, data: { '.dockerconfigjson': b64('{"auths":{"quay.io":{"auth":"not base64!"}}}') } },
    ],
    { defaultNamespace: 'prod' },
  );
  const r = resolvePodCredentials(ctx({ imagePullSecrets: ['good', 'bad'] }), [img('app', 'ghcr.io/acme/app'), img('web', 'docker.io/library/nginx', 1)], state, baseConfig, NOW);
  t.same(codes(r.findings), ['PULL_SECRET_MALFORMED', 'PULL_SECRET_MALFORMED']);
  t.same(r.images[0]!.credentials, [], 'the kubelet gets an error, not credentials');
  t.match(r.images[0]!.keyringError, /entry "quay\.io": field "auth" is not valid base64/);
  t.match(r.findings[1]!.message, /^container "web" \(image "docker\.io\/library\/nginx:1\.0"\): imagePullSecrets\[1\] names Secret "bad" \(type kubernetes\.io\/dockerconfigjson\), whose data cannot be parsed: entry "quay\.io": field "auth" is not valid base64.*every image pull of this pod/);
  t.match(r.findings[1]!.message, /Fix its \.dockerconfigjson data/);
  t.ok(r.findings[1]!.short.length <= 100);
});

t.test('PULL_SECRET_EXPIRED / PULL_SECRET_EXPIRING for ECR tokens', async (t) => {
  const ecrHost = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
  const objs = (exp: number, extra: Record<string, unknown> = {}) => [
    dockerSecret('ecr', 'prod', { [ecrHost]: { username: 'AWS', password: ecrToken(exp) }, ...extra }),
  ];
  const cases: Array<{ name: string; exp: number; extra?: Record<string, unknown>; config?: Partial<ResolveConfig>; want: Array<{ code: string; actionHint?: string }> }> = [
    { name: 'expired, alone', exp: NOW_S - 60, want: [{ code: 'PULL_SECRET_EXPIRED', actionHint: 'deny' }] },
    { name: 'expired exactly now', exp: NOW_S, want: [{ code: 'PULL_SECRET_EXPIRED', actionHint: 'deny' }] },
    {
      name: 'expired, but another credential matches',
      exp: NOW_S - 60,
      extra: { '*.dkr.ecr.*.amazonaws.com': { username: 'AWS', password: ecrToken(NOW_S + 40000) } },
      want: [{ code: 'PULL_SECRET_EXPIRED', actionHint: 'warn' }],
    },
    {
      name: 'expired, node provider covers it',
      exp: NOW_S - 60,
      config: { nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['eks']!] },
      want: [{ code: 'PULL_SECRET_EXPIRED', actionHint: 'warn' }],
    },
    {
      name: 'expired, the other credential is expired too',
      exp: NOW_S - 60,
      extra: { '*.dkr.ecr.*.amazonaws.com': { username: 'AWS', password: ecrToken(NOW_S - 1) } },
      want: [
        { code: 'PULL_SECRET_EXPIRED', actionHint: 'deny' },
        { code: 'PULL_SECRET_EXPIRED', actionHint: 'deny' },
      ],
    },
    { name: 'expiring within the default hour', exp: NOW_S + 1500, want: [{ code: 'PULL_SECRET_EXPIRING' }] },
    { name: 'valid for 5 hours', exp: NOW_S + 5 * 3600, want: [] },
    { name: 'custom window', exp: NOW_S + 5 * 3600, config: { expiringWindowSeconds: 6 * 3600 }, want: [{ code: 'PULL_SECRET_EXPIRING' }] },
  ];
  for (const c of cases) {
    const { state } = clusterStateFromObjects(objs(c.exp, c.extra), { defaultNamespace: 'prod' });
    const r = resolvePodCredentials(ctx({ imagePullSecrets: ['ecr'] }), [img('app', ECR)], state, { ...baseConfig, ...c.config }, NOW);
    t.same(r.findings.map((f) => ({ code: f.code, ...(f.actionHint ? { actionHint: f.actionHint } : {}) })), c.want, c.name);
  }
  const { state } = clusterStateFromObjects(objs(NOW_S - 3600), { defaultNamespace: 'prod' });
  const r = resolvePodCredentials(ctx({ imagePullSecrets: ['ecr'] }), [img('app', ECR)], state, baseConfig, NOW);
  t.match(r.findings[0]!.message, /the credential for "123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com" from pull Secret "ecr" is an ECR token that expired at 2025-01-15T11:00:00Z; no other credential serves this image/);
  t.match(r.findings[0]!.short, /^ECR token in pull secret "ecr" expired 2025-01-15T11:00:00Z; refresh it$/);
  const { state: s2 } = clusterStateFromObjects(objs(NOW_S + 1500), { defaultNamespace: 'prod' });
  const r2 = resolvePodCredentials(ctx({ imagePullSecrets: ['ecr'] }), [img('app', ECR)], s2, baseConfig, NOW);
  t.match(r2.findings[0]!.message, /expires at 2025-01-15T12:25:00Z \(in 25 minutes\)/);
  t.match(r2.findings[0]!.short, /expires in 25 minutes; refresh it/);
  const otherImage = resolvePodCredentials(ctx({ imagePullSecrets: ['ecr'] }), [img('app', 'ghcr.io/acme/app')], state, baseConfig, NOW);
  t.same(otherImage.findings, [], 'an expired token for another registry does not matter to this image');
});

t.test('REGISTRY_AUTH_REQUIRED and node credential providers', async (t) => {
  const { state } = clusterStateFromObjects(
    [dockerSecret('gh', 'prod', { 'ghcr.io': { username: 'u', password: 'p' } }), dockerSecret('acr', 'prod', { 'myreg.azurecr.io': { username: 'u', password: 'p' } })],
    { defaultNamespace: 'prod' },
  );
  const cases: Array<{ name: string; image: string; secrets?: string[]; config?: Partial<ResolveConfig>; want: string[]; node?: string | null }> = [
    { name: 'ECR without credentials', image: ECR, want: ['REGISTRY_AUTH_REQUIRED'] },
    { name: 'ECR covered by the EKS preset', image: ECR, config: { nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['eks']!] }, want: [], node: '*.dkr.ecr.*.amazonaws.com' },
    { name: 'ECR China covered by the EKS preset', image: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app', config: { nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['eks']!] }, want: [], node: '*.dkr.ecr.*.amazonaws.com.cn' },
    { name: 'ECR not covered by the AKS preset', image: ECR, config: { nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['aks']!] }, want: ['REGISTRY_AUTH_REQUIRED'] },
    { name: 'ECR FIPS', image: '123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app', want: ['REGISTRY_AUTH_REQUIRED'] },
    { name: 'public ECR needs nothing', image: 'public.ecr.aws/nginx/nginx', want: [] },
    { name: 'ACR without credentials', image: ACR, want: ['REGISTRY_AUTH_REQUIRED'] },
    { name: 'ACR with a matching secret', image: ACR, secrets: ['acr'], want: [] },
    { name: 'ACR covered by the AKS preset', image: ACR, config: { nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['aks']!] }, want: [], node: '*.azurecr.io' },
    { name: 'ACR with only a ghcr.io secret', image: ACR, secrets: ['gh'], want: ['REGISTRY_AUTH_REQUIRED'] },
    { name: 'unknown registry: offline we cannot tell', image: 'registry.example.com/app', want: [] },
    { name: 'privateRegistries pattern', image: 'registry.corp.example/team/app', config: { privateRegistries: ['registry.corp.example'] }, want: ['REGISTRY_AUTH_REQUIRED'] },
    { name: 'privateRegistries glob', image: 'eu.registry.corp.example/team/app', config: { privateRegistries: ['*.registry.corp.example'] }, want: ['REGISTRY_AUTH_REQUIRED'] },
    { name: 'privateRegistries path prefix', image: 'docker.io/acme/private', config: { privateRegistries: ['docker.io/acme'] }, want: ['REGISTRY_AUTH_REQUIRED'] },
    { name: 'privateRegistries path prefix, other namespace', image: 'docker.io/library/nginx', config: { privateRegistries: ['docker.io/acme'] }, want: [] },
    { name: 'privateRegistries covered by a node provider', image: 'registry.corp.example/team/app', config: { privateRegistries: ['registry.corp.example'], nodeCredentialProviders: ['registry.corp.example'] }, want: [], node: 'registry.corp.example' },
  ];
  for (const c of cases) {
    const r = resolvePodCredentials(ctx({ imagePullSecrets: c.secrets ?? [] }), [img('app', c.image)], state, { ...baseConfig, ...c.config }, NOW);
    t.same(codes(r.findings), c.want, c.name);
    if (c.node !== undefined) {
      t.equal(r.images[0]!.nodeProvider, c.node, `${c.name}: node provider`);
      t.same(r.images[0]!.sources.at(-1), { source: 'node', secret: null, key: c.node }, `${c.name}: node source last`);
    }
  }
  const ecr = resolvePodCredentials(ctx(), [img('app', ECR)], state, baseConfig, NOW).findings[0]!;
  t.match(ecr.message, /^container "app" \(image "123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/team\/app:1\.0"\): "123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com" is an Amazon ECR registry, which always requires authentication, but neither the pod nor ServiceAccount "default" lists imagePullSecrets and no node credential provider is configured for it; the pull fails\./);
  t.match(ecr.message, /Add a kubernetes\.io\/dockerconfigjson secret with an entry for "123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com" to imagePullSecrets, or give the nodes the ECR credential provider/);
  t.ok(ecr.short.length <= 100, ecr.short);
  const acr = resolvePodCredentials(ctx({ imagePullSecrets: ['gh'] }), [img('app', ACR)], state, baseConfig, NOW).findings[0]!;
  t.match(acr.message, /the pull secret entries \("ghcr\.io"\) do not match "myreg\.azurecr\.io\/team\/app"/);
  t.match(acr.message, /az aks update --attach-acr/);
  const hub = resolvePodCredentials(ctx(), [img('app', 'docker.io/acme/private')], state, { ...baseConfig, privateRegistries: ['docker.io/acme'] }, NOW).findings[0]!;
  t.match(hub.message, /with an entry for "https:\/\/index\.docker\.io\/v1\/" to imagePullSecrets/);
  t.match(hub.short, /^private registry: no credential matches; add a pull secret entry for "https:\/\/index\.docker\.io\/v1\/"$/);
});

t.test('Docker Hub private repository served by the index.docker.io fallback', async (t) => {
  const { state } = clusterStateFromObjects([dockerSecret('hub', 'prod', { 'https://index.docker.io/v1/': { username: 'u', password: 'p' } })], { defaultNamespace: 'prod' });
  const r = resolvePodCredentials(ctx({ imagePullSecrets: ['hub'] }), [img('app', 'docker.io/acme/private')], state, { ...baseConfig, privateRegistries: ['docker.io/acme'] }, NOW);
  t.same(r.findings, []);
  t.same(r.images[0]!.sources, [{ source: 'secret', secret: 'prod/hub', key: 'https://index.docker.io/v1/' }]);
});

t.test('image volumes and init containers are named as such', async (t) => {
  const { state } = clusterStateFromObjects([], { defaultNamespace: 'prod' });
  const r = resolvePodCredentials(ctx(), [{ use: use('models', 'myreg.azurecr.io/m:1.0', 0, 'volumes'), ref: ref('myreg.azurecr.io/m') }], state, baseConfig, NOW);
  t.match(r.findings[0]!.message, /^image volume "models" \(image "myreg\.azurecr\.io\/m:1\.0"\)/);
  t.equal(r.findings[0]!.field, 'spec.volumes[0].image');
  const init = resolvePodCredentials(ctx(), [{ use: use('setup', 'myreg.azurecr.io/m:1.0', 1, 'initContainers'), ref: ref('myreg.azurecr.io/m') }], state, baseConfig, NOW);
  t.match(init.findings[0]!.message, /^init container "setup" \(image "myreg\.azurecr\.io\/m:1\.0"\)/);
});

t.test('podCredentialContext reads a raw pod spec', async (t) => {
  t.same(podCredentialContext({ imagePullSecrets: [{ name: 'a' }, {}, { name: 5 }], serviceAccountName: 'sa' }, 'ns', true), {
    namespace: 'ns',
    imagePullSecrets: ['a', '', ''],
    serviceAccountName: 'sa',
    isPod: true,
  });
  t.equal(podCredentialContext({ serviceAccount: 'legacy' }, 'ns', false).serviceAccountName, 'legacy');
  t.equal(podCredentialContext({ serviceAccountName: '', serviceAccount: '' }, 'ns', false).serviceAccountName, null);
  t.same(podCredentialContext(null, 'ns', false).imagePullSecrets, []);
});

t.test('registryAuthRequirement', async (t) => {
  t.same(registryAuthRequirement(ECR, [], ALWAYS_PRIVATE), { kind: 'ecr', pattern: '*.dkr.ecr.*.amazonaws.com' });
  t.same(registryAuthRequirement('x.dkr.ecr.us-gov-west-1.c2s.ic.gov/a', [], ALWAYS_PRIVATE), { kind: 'ecr', pattern: '*.dkr.ecr.*.c2s.ic.gov' });
  t.same(registryAuthRequirement('reg.azurecr.cn/a', [], ALWAYS_PRIVATE), { kind: 'acr', pattern: '*.azurecr.cn' });
  t.equal(registryAuthRequirement(ECR, []), null, 'no cloud list given: only privateRegistries count');
  t.equal(registryAuthRequirement('public.ecr.aws/a/b', [], ALWAYS_PRIVATE), null);
  t.equal(registryAuthRequirement('ghcr.io/a/b', [], ALWAYS_PRIVATE), null);
  t.same(registryAuthRequirement('ghcr.io/a/b', ['ghcr.io/a'], ALWAYS_PRIVATE), { kind: 'private', pattern: 'ghcr.io/a' });
  // Artifact Registry and GCR have public repositories: never known to need credentials offline.
  for (const image of ['us-docker.pkg.dev/p/r/app', 'gcr.io/distroless/static', 'eu.gcr.io/p/app'])
    t.equal(registryAuthRequirement(image, [], ALWAYS_PRIVATE), null, image);
});
