/**
 * A failure to get a registry credential with pullguard's own cloud identity → finding (pure).
 * The nodes pull with their own identity, so this never decides the pull: CLOUD_CREDENTIALS_UNAVAILABLE
 * (warn, follows failurePolicy), with the cause (the missing IAM action or role) and the fix. The nouns
 * (which identity, which permission) come from the cloud's descriptor (src/cloud CLOUDS).
 */
import { cloudById } from '../cloud/index.js';
import type { CloudCredentialError, CloudTexts } from '../cloud/types.js';
import type { ImageReference } from '../reference/types.js';
import { finding } from '../findings/build.js';
import type { Finding, ImageUse } from '../findings/types.js';

/** Words for an error of a cloud the table does not list (only a provider built by hand can raise one). */
function unlisted(kind: string): CloudTexts {
  return {
    label: kind.toUpperCase(),
    product: `a ${kind} registry`,
    privacy: 'requires authentication',
    identity: 'cloud identity',
    authority: 'the cloud',
    principal: 'identity',
    tokenPermission: () => 'a registry token',
    readGrant: () => ({ fix: "grant pullguard's identity pull access", short: 'grant it pull access' }),
    enable: () => 'a cloud identity with pull access',
    nodeAccess: 'give the nodes access',
    docs: 'docs/cloud.md',
  };
}

const SHORT: Record<CloudCredentialError['reason'], (e: CloudCredentialError, t: CloudTexts) => string> = {
  'no-identity': (e, t) => `pullguard has no ${t.identity} for ${t.label} (cloud.${e.kind}); see docs/cloud.md`,
  permission: (e, t) => `pullguard's ${t.principal} lacks ${t.tokenPermission(e.registry)}; not verified`,
  rejected: (_e, t) => `${t.authority} rejected pullguard's own credentials; image not verified`,
  unavailable: (_e, t) => `no ${t.label} token for pullguard's identity (service failed); not verified`,
  timeout: (_e, t) => `${t.label} token for pullguard's identity took too long; not verified`,
  invalid: (e, t) => `could not get a ${t.label} token for ${e.registry}; not verified`,
};

export function cloudCredentialFinding(use: ImageUse, _ref: ImageReference, err: CloudCredentialError): Finding {
  const texts = cloudById(err.kind)?.texts ?? unlisted(err.kind);
  return finding('CLOUD_CREDENTIALS_UNAVAILABLE', use, {
    cause: `nodes pull this image with their own credential provider; pullguard could not check it with its own identity: ${err.message}`,
    fix: err.fix,
    short: SHORT[err.reason](err, texts),
  });
}
