// Findings when the check used pullguard's own cloud identity (pure): refusals say what pullguard's
// identity lacks (CLOUD_CREDENTIALS_UNAVAILABLE, warn), never "the pull fails"; decided answers
// (missing repository/tag) stay decided; every short line fits a kubectl Warning.
import t from 'tap';
import { registryFinding } from '../../src/checks/registry.js';
import { SHORT_MAX } from '../../src/findings/build.js';
import { cloudCredentialFinding } from '../../src/checks/cloud.js';
import { FINDINGS } from '../../src/findings/codes.js';
import { CloudCredentialError, type CloudFailureReason } from '../../src/cloud/types.js';
import type { RegistryOutcome } from '../../src/registry/outcome.js';
import type { ImageUse } from '../../src/findings/types.js';
import { imageRef } from '../helpers/registry.js';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const ACR = 'acme.azurecr.io';
const use = (image: string): ImageUse => ({ container: 'api', slot: 'containers', field: 'spec.containers[0].image', image, problem: null });

t.test('CLOUD_CREDENTIALS_UNAVAILABLE is undecided (warn, follows failurePolicy)', async (t) => {
  t.same([FINDINGS.CLOUD_CREDENTIALS_UNAVAILABLE.defaultAction, FINDINGS.CLOUD_CREDENTIALS_UNAVAILABLE.undecided], ['warn', true]);
});

for (const [host, kind, fix] of [
  [ECR, 'ecr', /ecr:BatchGetImage/],
  [ACR, 'acr', /AcrPull role to pullguard's identity on acme\.azurecr\.io/],
] as const) {
  t.test(`${kind}: refusals of pullguard's own credential`, async (t) => {
    const ref = imageRef(host, 'team/app', { tag: '1.0' });
    const base = { registry: host, repository: 'team/app', reference: '1.0', detail: 'x' };
    const outcomes: RegistryOutcome[] = [
      { ...base, kind: 'auth-required', scheme: 'bearer' },
      { ...base, kind: 'credentials-rejected', tried: 1 },
      { ...base, kind: 'access-denied', reason: 'permission' },
      { ...base, kind: 'access-denied', reason: 'insufficient-scope' },
      { ...base, kind: 'access-denied', reason: 'token-expired' },
    ];
    for (const o of outcomes) {
      const f = registryFinding(use(ref.raw), ref, o, { nodeCredentialsMayApply: true, cloudIdentity: kind });
      t.equal(f?.code, 'CLOUD_CREDENTIALS_UNAVAILABLE', o.kind);
      t.match(f?.message, fix);
      t.match(f?.message, /nodes pull with their own identity/);
      t.ok(f && f.short.length <= SHORT_MAX, f?.short ?? "no finding");
    }
    t.match(registryFinding(use(ref.raw), ref, { ...base, kind: 'tag-missing', tag: '1.0', suggestions: [], pullThroughCache: false }, { cloudIdentity: kind }), { code: 'IMAGE_TAG_NOT_FOUND' });
    t.equal(registryFinding(use(ref.raw), ref, { ...base, kind: 'available', digest: 'sha256:x', mediaType: '', platforms: null, credential: 0 }, { cloudIdentity: kind }), null);
  });
}

t.test('ECR missing repository names repository, account and region', async (t) => {
  for (const host of [ECR, '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn']) {
    const ref = imageRef(host, 'team/some-long-repository-name/with/path', { tag: '1.0' });
    const f = registryFinding(use(ref.raw), ref, { registry: host, repository: ref.path, reference: '1.0', detail: 'x', kind: 'repository-missing', pullThroughCache: false });
    t.equal(f?.code, 'IMAGE_REPOSITORY_NOT_FOUND');
    t.match(f?.message, /repository team\/some-long-repository-name\/with\/path does not exist in the ECR registry of account 123456789012, region /);
    t.ok(f && f.short.length <= SHORT_MAX, f?.short ?? "no finding");
  }
});

t.test('cloud credential failures, every reason', async (t) => {
  const reasons: CloudFailureReason[] = ['no-identity', 'permission', 'rejected', 'unavailable', 'timeout', 'invalid'];
  for (const kind of ['ecr', 'acr'] as const) {
    const host = kind === 'ecr' ? ECR : ACR;
    const ref = imageRef(host, 'team/app', { tag: '1.0' });
    for (const reason of reasons) {
      const f = cloudCredentialFinding(use(ref.raw), ref, new CloudCredentialError(kind, host, reason, `the cause for ${reason}`, 'do the fix'));
      t.equal(f.code, 'CLOUD_CREDENTIALS_UNAVAILABLE');
      t.match(f.message, new RegExp(`^container "api" \\(image "${ref.raw.replace(/\./g, '\\.')}"\\): nodes pull this image with their own credential provider; .*the cause for ${reason}\\. Do the fix\\.$`));
      t.ok(f.short.length <= SHORT_MAX, `${kind}/${reason}: ${f.short}`);
    }
  }
});
