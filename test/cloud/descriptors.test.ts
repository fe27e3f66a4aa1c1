// The cloud table (src/cloud CLOUDS): every cloud is one descriptor, and the rest of pullguard reads
// its id, hosts, node preset and texts from there. Host recognition is checked against the kubelet's
// own pattern matcher over the descriptor's node preset (the hosts pullguard checks with its own
// identity are hosts the nodes' credential provider serves), and every text a finding is made of
// names the identity, the permission and the fix.
import t from 'tap';
import { cloudCredentialFinding } from '../../src/checks/cloud.js';
import { credentialFinding } from '../../src/checks/credential-findings.js';
import { registryFinding } from '../../src/checks/registry.js';
import { ALWAYS_PRIVATE, CLOUDS, NODE_PROVIDER_PRESETS, cloudById, cloudOf } from '../../src/cloud/index.js';
import { CloudCredentialError, type CloudFailureReason } from '../../src/cloud/types.js';
import { configFromValue } from '../../src/config/load.js';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';
import { firstMatchingPattern } from '../../src/credentials/keyring.js';
import { SHORT_MAX } from '../../src/findings/build.js';
import type { ImageUse } from '../../src/findings/types.js';
import type { RegistryOutcome } from '../../src/registry/outcome.js';
import { imageRef } from '../helpers/registry.js';

/** One registry host of each cloud, for the text tests (a new cloud adds its row). */
const SAMPLE: Readonly<Record<string, string>> = {
  ecr: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  acr: 'acme.azurecr.io',
  gar: 'europe-west1-docker.pkg.dev',
};

/** What each cloud's texts must name: the identity it needs, the permission, and how to enable the check. */
const EXPECT: Readonly<Record<string, { identity: RegExp; permission: RegExp; enable: RegExp }>> = {
  ecr: { identity: /AWS identity/, permission: /ecr:BatchGetImage/, enable: /IAM role with ecr:GetAuthorizationToken and ecr:BatchGetImage \(IRSA or EKS Pod Identity\)/ },
  acr: { identity: /Entra ID identity/, permission: /AcrPull role/, enable: /workload identity with the AcrPull role on acme\.azurecr\.io/ },
  gar: { identity: /Google/, permission: /roles\/artifactregistry\.reader/, enable: /Workload Identity/ },
};

const HOSTS: ReadonlyArray<{ name: string; host: string; cloud: string | null }> = [
  { name: 'ECR', host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', cloud: 'ecr' },
  { name: 'ECR upper case', host: '123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM', cloud: 'ecr' },
  { name: 'ECR FIPS', host: '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', cloud: 'ecr' },
  { name: 'ECR China', host: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', cloud: 'ecr' },
  { name: 'ECR C2S', host: '123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov', cloud: 'ecr' },
  { name: 'ECR SC2S', host: '123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov', cloud: 'ecr' },
  { name: 'ECR, a region label the provider takes as it is', host: '123456789012.dkr.ecr.mx-central-1.amazonaws.com', cloud: 'ecr' },
  { name: 'ECR account of 11 digits', host: '12345678901.dkr.ecr.eu-west-1.amazonaws.com', cloud: null },
  { name: 'ECR with a port', host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com:443', cloud: null },
  { name: 'ECR Public (anonymous pulls)', host: 'public.ecr.aws', cloud: null },
  { name: 'ACR', host: 'acme.azurecr.io', cloud: 'acr' },
  { name: 'ACR China', host: 'acme.azurecr.cn', cloud: 'acr' },
  { name: 'ACR US Gov', host: 'acme.azurecr.us', cloud: 'acr' },
  { name: 'ACR Germany', host: 'acme.azurecr.de', cloud: 'acr' },
  { name: 'ACR two labels', host: 'a.b.azurecr.io', cloud: null },
  { name: 'ACR bare', host: 'azurecr.io', cloud: null },
  { name: 'Artifact Registry', host: 'europe-west1-docker.pkg.dev', cloud: 'gar' },
  { name: 'Artifact Registry multi-region', host: 'us-docker.pkg.dev', cloud: 'gar' },
  { name: 'Container Registry', host: 'gcr.io', cloud: 'gar' },
  { name: 'Container Registry regional', host: 'eu.gcr.io', cloud: 'gar' },
  { name: 'Container Registry (k8s.gcr.io, frozen)', host: 'k8s.gcr.io', cloud: 'gar' },
  { name: 'GKE container.cloud.google.com', host: 'container.cloud.google.com', cloud: 'gar' },
  { name: 'pkg.dev two labels deep (not matched by *.pkg.dev)', host: 'a.b.pkg.dev', cloud: null },
  { name: 'pkg.dev bare', host: 'pkg.dev', cloud: null },
  { name: 'gcr.io with a port', host: 'gcr.io:443', cloud: null },
  { name: 'registry.k8s.io (served from AR, but not a GAR host name)', host: 'registry.k8s.io', cloud: null },
  { name: 'GHCR', host: 'ghcr.io', cloud: null },
  { name: 'Docker Hub', host: 'docker.io', cloud: null },
  { name: 'a local registry', host: '127.0.0.1:5000', cloud: null },
];

const use = (image: string): ImageUse => ({ container: 'api', slot: 'containers', field: 'spec.containers[0].image', image, problem: null });

t.test('the table: unique ids and presets, one config switch per cloud, off by default', async (t) => {
  const ids = CLOUDS.map((c) => c.id);
  t.same(new Set(ids).size, ids.length, `ids ${ids.join(', ')} are unique`);
  t.same(new Set(CLOUDS.map((c) => c.nodePreset.name)).size, CLOUDS.length, 'preset names are unique');
  t.same(Object.keys(NODE_PROVIDER_PRESETS).sort(), CLOUDS.map((c) => c.nodePreset.name).sort());
  const schemaKeys = Object.keys((CONFIG_SCHEMA.properties.cloud as { properties: Record<string, unknown> }).properties);
  t.same(schemaKeys, ids, 'config schema: cloud.<id> for every cloud, nothing else');
  t.same(configFromValue({}, 'test').cloud, Object.fromEntries(ids.map((id) => [id, false])), 'all off by default');
  t.throws(() => configFromValue({ cloud: { nope: true } }, 'test'), 'an unknown cloud key is a configuration error');
  for (const id of ids) {
    t.equal(cloudById(id)?.id, id);
    t.ok(SAMPLE[id] && EXPECT[id], `${id}: the text tests below have a row for it`);
  }
  t.equal(cloudById('private'), null);
  t.same(
    ALWAYS_PRIVATE.map((a) => a.kind),
    CLOUDS.filter((c) => c.alwaysPrivate).map((c) => c.id),
    'the offline "always needs credentials" list is the always-private clouds',
  );
});

t.test('host recognition (table)', async (t) => {
  for (const c of HOSTS) t.equal(cloudOf(c.host)?.id ?? null, c.cloud, `${c.name}: ${c.host}`);
});

t.test('every host a cloud recognises is served by its node preset (the kubelet matcher), and by no other cloud', async (t) => {
  for (const c of HOSTS) {
    const cloud = cloudOf(c.host);
    if (!cloud) continue;
    const image = `${c.host.toLowerCase()}/team/app`;
    t.ok(firstMatchingPattern(cloud.nodePreset.matchImages, image), `${c.name}: ${cloud.nodePreset.name} preset matches ${image}`);
    for (const other of CLOUDS) {
      if (other === cloud) continue;
      t.notOk(other.recognises(c.host.toLowerCase()), `${c.name}: not ${other.id}`);
      t.equal(firstMatchingPattern(other.nodePreset.matchImages, image), null, `${c.name}: not in the ${other.nodePreset.name} preset`);
    }
  }
});

t.test('node presets: kubelet patterns with a cited source', async (t) => {
  for (const c of CLOUDS) {
    t.ok(c.nodePreset.matchImages.length > 0, `${c.id}: patterns`);
    for (const p of c.nodePreset.matchImages) t.match(p, /^(\*|[a-z0-9-]+)(\.(\*|[a-z0-9-]+))+$/, `${c.id}: ${p} is a host glob (no scheme, port or path)`);
    t.match(c.nodePreset.source, /\S+\.(go|sh|md|yaml)/, `${c.id}: source names a file`);
  }
});

t.test('texts: the identity, the permission and the fix, in every finding about a cloud', async (t) => {
  const reasons: CloudFailureReason[] = ['no-identity', 'permission', 'rejected', 'unavailable', 'timeout', 'invalid'];
  for (const cloud of CLOUDS) {
    const host = SAMPLE[cloud.id]!;
    const want = EXPECT[cloud.id]!;
    const ref = imageRef(host, 'team/app', { tag: '1.0' });
    t.ok(cloud.recognises(host), `${cloud.id}: sample host is its own`);

    // pullguard's identity got no credential.
    const noIdentity = cloudCredentialFinding(use(ref.raw), ref, new CloudCredentialError(cloud.id, host, 'no-identity', 'no identity at all', 'give it one'));
    t.match(noIdentity.short, want.identity, `${cloud.id}: no-identity short names the identity`);
    t.match(noIdentity.short, new RegExp(`cloud\\.${cloud.id}`), `${cloud.id}: no-identity short names the switch`);
    for (const reason of reasons) {
      const f = cloudCredentialFinding(use(ref.raw), ref, new CloudCredentialError(cloud.id, host, reason, `cause ${reason}`, 'the fix'));
      t.equal(f.code, 'CLOUD_CREDENTIALS_UNAVAILABLE');
      const names = reason === 'permission' ? cloud.texts.tokenPermission(host) : reason === 'rejected' ? cloud.texts.authority : reason === 'no-identity' ? cloud.texts.identity : cloud.texts.label;
      t.ok(f.short.includes(names), `${cloud.id}/${reason}: short names ${names}`);
      t.ok(f.short.length <= SHORT_MAX, `${cloud.id}/${reason}: ${f.short}`);
    }

    // pullguard's identity may not read the repository.
    const base = { registry: host, repository: 'team/app', reference: '1.0', detail: 'DENIED' };
    const denied = registryFinding(use(ref.raw), ref, { ...base, kind: 'access-denied', reason: 'permission' } as RegistryOutcome, { nodeCredentialsMayApply: true, cloudIdentity: cloud.id });
    t.equal(denied?.code, 'CLOUD_CREDENTIALS_UNAVAILABLE', `${cloud.id}: refusal of pullguard's own credential`);
    t.match(denied?.message, want.permission, `${cloud.id}: the fix names the permission`);
    t.match(denied?.message, new RegExp(cloud.texts.docs.replace(/[.#]/g, '\\$&')), `${cloud.id}: and its docs section`);
    t.match(denied?.short, new RegExp(`pullguard(?:'s ${cloud.texts.principal}|'s identity)? may not pull team/app; ${cloud.texts.readGrant(host, 'team/app').short.replace(/[.()]/g, '\\$&')} \\(not verified\\)`), `${cloud.id}: short names whose access is missing and the grant`);
    t.ok(denied && denied.short.length <= SHORT_MAX, denied?.short ?? 'no finding');

    // Off: the nodes may authenticate; the hint says how to turn the check on.
    const off = registryFinding(use(ref.raw), ref, { ...base, kind: 'auth-required', scheme: 'bearer' } as RegistryOutcome, { nodeCredentialsMayApply: true });
    t.equal(off?.code, 'IMAGE_UNVERIFIED');
    t.match(off?.message, new RegExp(`set cloud\\.${cloud.id}: true and give pullguard `), `${cloud.id}: how to enable`);
    t.match(off?.message, want.enable, `${cloud.id}: with which identity and permission`);

    // No pull secret, no node provider: only clouds whose images are never public are known offline.
    if (cloud.alwaysPrivate) {
      const f = credentialFinding(use(ref.raw), ref, {
        kind: 'auth-required',
        registry: { kind: cloud.id, pattern: cloud.nodePreset.matchImages[0]! },
        secretsFrom: 'none',
        podListsSecrets: false,
        serviceAccount: 'default',
        entryKeys: [],
        nodeProvidersConfigured: false,
      });
      t.match(f.message, new RegExp(`is ${cloud.texts.product}, which ${cloud.texts.privacy}`), `${cloud.id}: names the product`);
      t.match(f.message, new RegExp(`or ${cloud.texts.nodeAccess.replace(/[.()*+?[\]]/g, '\\$&')}`), `${cloud.id}: and how the nodes get access`);
      t.match(f.short, new RegExp(`^${cloud.texts.label} registry`));
    }
  }
});

t.test('ECR: the registry a host names (account and region) in the missing-repository finding', async (t) => {
  const ecr = cloudById('ecr')!;
  t.same(ecr.texts.registryOf?.('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com'), {
    long: 'the ECR registry of account 123456789012, region us-gov-west-1 (FIPS)',
    short: 'ECR 123456789012 (us-gov-west-1)',
    check: 'the account and the region',
    checkShort: 'name/account/region',
  });
  t.equal(ecr.texts.registryOf?.('ghcr.io'), null);
});

t.test('creating a provider loads no SDK and serves exactly its hosts', async (t) => {
  for (const cloud of CLOUDS) {
    const p = cloud.provider({ settings: () => ({}) });
    t.equal(p.kind, cloud.id);
    t.ok(p.handles(SAMPLE[cloud.id]!), `${cloud.id}: handles its sample host`);
    for (const other of CLOUDS) if (other !== cloud) t.notOk(p.handles(SAMPLE[other.id]!), `${cloud.id}: not ${other.id}'s host`);
    t.equal(p.cachedCredential(SAMPLE[cloud.id]!), null);
    await p.close();
  }
});
