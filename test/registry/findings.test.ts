// src/checks/registry.ts: registry outcome + image use → finding (pure).
import t from 'tap';
import { registryFinding } from '../../src/checks/registry.js';
import { SHORT_MAX } from '../../src/findings/build.js';
import { FINDINGS, type FindingCode } from '../../src/findings/codes.js';
import type { ImageUse } from '../../src/findings/types.js';
import type { RegistryOutcome } from '../../src/registry/outcome.js';
import { imageRef } from '../helpers/registry.js';

const use: ImageUse = { container: 'api', slot: 'containers', field: 'spec.containers[0].image', image: 'ghcr.io/acme/api:1.2.O', problem: null } as ImageUse;
const ref = imageRef('ghcr.io', 'acme/api', { tag: '1.2.O' });
const base = { registry: 'ghcr.io', repository: 'acme/api', reference: '1.2.O', detail: 'registry said so' };

interface Case {
  readonly name: string;
  readonly outcome: RegistryOutcome;
  readonly code: FindingCode | null;
  readonly short?: RegExp;
  readonly message?: RegExp;
  readonly ctx?: { nodeCredentialsMayApply?: boolean };
}

const cases: Case[] = [
  { name: 'available → none', outcome: { ...base, kind: 'available', digest: 'sha256:a', mediaType: 'm', platforms: null, credential: null }, code: null },
  {
    name: 'tag missing with a suggestion',
    outcome: { ...base, kind: 'tag-missing', tag: '1.2.O', suggestions: ['1.2.0'], pullThroughCache: false },
    code: 'IMAGE_TAG_NOT_FOUND',
    short: /^tag 1\.2\.O not found in ghcr\.io\/acme\/api; did you mean 1\.2\.0\?$/,
  },
  {
    name: 'tag missing with several suggestions',
    outcome: { ...base, kind: 'tag-missing', tag: '1.2.O', suggestions: ['1.2.0', '1.2.1', '1.3.0'], pullThroughCache: false },
    code: 'IMAGE_TAG_NOT_FOUND',
    short: /did you mean 1\.2\.0, 1\.2\.1 or 1\.3\.0\?/,
  },
  { name: 'tag missing, nothing close', outcome: { ...base, kind: 'tag-missing', tag: '1.2.O', suggestions: [], pullThroughCache: false }, code: 'IMAGE_TAG_NOT_FOUND', short: /push 1\.2\.O/ },
  { name: 'repository missing', outcome: { ...base, kind: 'repository-missing', pullThroughCache: false }, code: 'IMAGE_REPOSITORY_NOT_FOUND', short: /repository ghcr\.io\/acme\/api does not exist/ },
  { name: 'repository missing under a pull-through cache', outcome: { ...base, kind: 'repository-missing', pullThroughCache: true }, code: 'IMAGE_UNVERIFIED', message: /pull-through-cache/ },
  { name: 'tag missing under a pull-through cache', outcome: { ...base, kind: 'tag-missing', tag: '1.2.O', suggestions: [], pullThroughCache: true }, code: 'IMAGE_UNVERIFIED' },
  { name: 'digest missing', outcome: { ...base, kind: 'digest-missing', digest: `sha256:${'f'.repeat(64)}`, pullThroughCache: false }, code: 'IMAGE_DIGEST_NOT_FOUND', short: /sha256:ffffffffffff… not found/ },
  {
    name: 'platform missing',
    outcome: { ...base, kind: 'platform-missing', digest: 'sha256:a', missing: [{ os: 'linux', architecture: 'arm64' }], available: [{ os: 'linux', architecture: 'amd64' }] },
    code: 'IMAGE_PLATFORM_MISSING',
    short: /no linux\/arm64 \(has linux\/amd64\)/,
  },
  { name: 'auth required', outcome: { ...base, kind: 'auth-required', scheme: 'bearer' }, code: 'REGISTRY_AUTH_REQUIRED', message: /imagePullSecret/ },
  { name: 'auth required, node credentials may apply', outcome: { ...base, kind: 'auth-required', scheme: 'basic' }, code: 'IMAGE_UNVERIFIED', ctx: { nodeCredentialsMayApply: true } },
  { name: 'Docker Hub private or missing (anonymous)', outcome: { ...base, kind: 'private-or-missing', authenticated: false }, code: 'REGISTRY_AUTH_REQUIRED', short: /missing or private/ },
  { name: 'Docker Hub private or missing (authenticated)', outcome: { ...base, kind: 'private-or-missing', authenticated: true }, code: 'REGISTRY_ACCESS_DENIED' },
  { name: 'credentials rejected', outcome: { ...base, kind: 'credentials-rejected', tried: 2 }, code: 'REGISTRY_AUTH_REJECTED', short: /all 2 credentials/ },
  { name: 'ECR token expired', outcome: { ...base, kind: 'access-denied', reason: 'token-expired' }, code: 'REGISTRY_AUTH_REJECTED', short: /expired/ },
  { name: 'ECR permission', outcome: { ...base, kind: 'access-denied', reason: 'permission' }, code: 'REGISTRY_ACCESS_DENIED', message: /ecr:BatchGetImage/ },
  { name: 'rate limited', outcome: { ...base, kind: 'rate-limited', retryAfterSeconds: 30 }, code: 'REGISTRY_RATE_LIMITED', short: /retry after 30 s/ },
  { name: 'unreachable (tls)', outcome: { ...base, kind: 'unreachable', cause: 'tls', status: null }, code: 'REGISTRY_UNREACHABLE', message: /caBundle/ },
  { name: 'unreachable (circuit open)', outcome: { ...base, kind: 'unreachable', cause: 'circuit-open', status: null }, code: 'REGISTRY_UNREACHABLE' },
  { name: 'unexpected', outcome: { ...base, kind: 'unexpected', status: 418, code: null }, code: 'IMAGE_UNVERIFIED', short: /\(418\)/ },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const f = registryFinding(use, ref, c.outcome, c.ctx);
    if (c.code === null) {
      t.equal(f, null);
      return;
    }
    if (!f) return t.fail('expected a finding');
    t.equal(f.code, c.code);
    t.equal(f.container, 'api');
    t.equal(f.field, 'spec.containers[0].image');
    t.equal(f.image, 'ghcr.io/acme/api:1.2.O');
    t.match(f.message, /^container "api" \(image "ghcr\.io\/acme\/api:1\.2\.O"\): /, 'message names container and image');
    t.match(f.message, /\.$/, 'message is a sentence');
    t.ok(f.short.length <= SHORT_MAX, `short is ${f.short.length} chars: ${f.short}`);
    t.notMatch(f.short, /container "api"/, 'short has no container prefix');
    if (c.short) t.match(f.short, c.short);
    if (c.message) t.match(f.message, c.message);
  });
}

t.test('codes: deny when decided, warn+undecided when not', async (t) => {
  const deny: FindingCode[] = ['IMAGE_REPOSITORY_NOT_FOUND', 'IMAGE_TAG_NOT_FOUND', 'IMAGE_DIGEST_NOT_FOUND', 'IMAGE_PLATFORM_MISSING', 'REGISTRY_AUTH_REQUIRED', 'REGISTRY_AUTH_REJECTED', 'REGISTRY_ACCESS_DENIED'];
  const undecided: FindingCode[] = ['REGISTRY_UNREACHABLE', 'REGISTRY_RATE_LIMITED', 'IMAGE_UNVERIFIED'];
  for (const c of deny) t.same([FINDINGS[c].defaultAction, FINDINGS[c].undecided], ['deny', false], c);
  for (const c of undecided) t.same([FINDINGS[c].defaultAction, FINDINGS[c].undecided], ['warn', true], c);
});

t.test('long names keep short within the limit', async (t) => {
  const longPath = `acme/${'very-long-repository-name-'.repeat(6)}x`;
  const r = imageRef('registry.example.com:5000', longPath, { tag: 'v1' });
  const f = registryFinding({ ...use, image: r.raw }, r, { ...base, repository: longPath, kind: 'tag-missing', tag: 'v1', suggestions: ['v1.0.0'], pullThroughCache: false });
  t.ok(f && f.short.length <= SHORT_MAX);
  t.ok(f && f.short.endsWith('…'));
});

t.test('image falls back to the reference when the use has none', async (t) => {
  const f = registryFinding({ ...use, image: null }, ref, { ...base, kind: 'repository-missing', pullThroughCache: false });
  t.equal(f?.image, ref.raw);
});

t.test('rejected pull-secret credentials are not fatal when a node provider covers the image', async (t) => {
  const ref = imageRef('123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'team/app', { tag: '1' });
  const use = { container: 'app', slot: 'containers' as const, field: 'spec.containers[0].image', image: ref.raw, problem: null };
  const base = { registry: ref.domain, repository: ref.name, reference: '1', detail: 'UNAUTHORIZED' };
  const cases = [
    { name: 'rejected, no node provider', outcome: { ...base, kind: 'credentials-rejected', tried: 1 }, node: false, code: 'REGISTRY_AUTH_REJECTED', hint: undefined },
    { name: 'rejected, node provider', outcome: { ...base, kind: 'credentials-rejected', tried: 1 }, node: true, code: 'REGISTRY_AUTH_REJECTED', hint: 'warn' },
    { name: 'denied, no node provider', outcome: { ...base, kind: 'access-denied', reason: 'permission' }, node: false, code: 'REGISTRY_ACCESS_DENIED', hint: undefined },
    { name: 'denied, node provider', outcome: { ...base, kind: 'access-denied', reason: 'permission' }, node: true, code: 'REGISTRY_ACCESS_DENIED', hint: 'warn' },
  ];
  for (const c of cases) {
    const f = registryFinding(use, ref, c.outcome as never, { nodeCredentialsMayApply: c.node });
    t.equal(f?.code, c.code, c.name);
    t.equal(f?.actionHint, c.hint, `${c.name}: action hint`);
    if (c.node) t.match(f?.message, /Nodes may still pull it with their own credentials/, c.name);
  }
});
