/**
 * A failure to get a registry credential with pullguard's own cloud identity → finding (pure).
 * The nodes pull with their own identity, so this never decides the pull: CLOUD_CREDENTIALS_UNAVAILABLE
 * (warn, follows failurePolicy), with the cause (the missing IAM action or role) and the fix.
 */
import type { CloudCredentialError } from '../cloud/types.js';
import type { ImageReference } from '../reference/types.js';
import { finding } from '../findings/build.js';
import type { Finding, ImageUse } from '../findings/types.js';

const SHORT: Record<CloudCredentialError['reason'], (e: CloudCredentialError) => string> = {
  'no-identity': (e) => (e.kind === 'ecr' ? 'pullguard has no AWS identity for ECR (cloud.ecr); see docs/cloud.md' : 'pullguard has no Entra ID identity for ACR (cloud.acr); see docs/cloud.md'),
  permission: (e) =>
    e.kind === 'ecr' ? "pullguard's IAM role lacks ecr:GetAuthorizationToken; image not verified" : `pullguard's identity has no AcrPull role on ${e.registry}; not verified`,
  rejected: (e) => `${e.kind === 'ecr' ? 'AWS' : 'Entra ID'} rejected pullguard's own credentials; image not verified`,
  unavailable: (e) => `no ${e.kind === 'ecr' ? 'ECR' : 'ACR'} token for pullguard's identity (service failed); not verified`,
  timeout: (e) => `${e.kind === 'ecr' ? 'ECR' : 'ACR'} token for pullguard's identity took too long; not verified`,
  invalid: (e) => `could not get a ${e.kind === 'ecr' ? 'ECR' : 'ACR'} token for ${e.registry}; not verified`,
};

export function cloudCredentialFinding(use: ImageUse, _ref: ImageReference, err: CloudCredentialError): Finding {
  return finding('CLOUD_CREDENTIALS_UNAVAILABLE', use, {
    cause: `nodes pull this image with their own credential provider; pullguard could not check it with its own identity: ${err.message}`,
    fix: err.fix,
    short: SHORT[err.reason](err),
  });
}
