/**
 * Credential facts (src/credentials/resolve.ts CredentialProblem) → findings (pure): the words for
 * missing, ignored and unparseable pull secrets, expired and expiring registry tokens, and registries
 * that always need credentials but get none. The kubelet behaviour each text states is cited in
 * resolve.ts and ../shared/notes/kubelet-credentials.md.
 */
import type { CredentialFrom, CredentialProblem, SecretRef } from '../credentials/resolve.js';
import type { StoredSecret } from '../credentials/state.js';
import type { IgnoredReason, PullSecretFormat } from '../credentials/pullsecret.js';
import { cloudById } from '../cloud/index.js';
import { finding } from '../findings/build.js';
import type { Finding, ImageUse } from '../findings/types.js';
import type { ImageReference } from '../reference/types.js';
import type { CredentialsElsewhere } from '../workload/carriers.js';

const q = (s: string): string => JSON.stringify(s);

function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function humanDuration(seconds: number): string {
  if (seconds < 120) return `${Math.max(0, Math.round(seconds))} seconds`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 360) / 10} hours`;
}

function refText(r: SecretRef): string {
  return r.via === 'pod'
    ? `imagePullSecrets[${r.index}] names Secret ${q(r.name)}`
    : `ServiceAccount ${q(r.serviceAccount)} lists pull Secret ${q(r.name)} (imagePullSecrets[${r.index}])`;
}

function typeFix(secret: StoredSecret, reason: IgnoredReason): { cause: string; fix: string; short: string[] } {
  const hasJson = secret.dataKeys.includes('.dockerconfigjson');
  const hasCfg = secret.dataKeys.includes('.dockercfg');
  const keys = secret.dataKeys.length ? secret.dataKeys.map(q).join(', ') : 'none';
  const ignored = 'the kubelet silently ignores it';
  const name = q(secret.name);
  if (reason === 'wrong-type') {
    const fix = hasJson
      ? 'set its type to kubernetes.io/dockerconfigjson (kubectl create secret docker-registry creates it that way)'
      : hasCfg
        ? 'set its type to kubernetes.io/dockercfg, or recreate it with kubectl create secret docker-registry'
        : 'recreate it with kubectl create secret docker-registry (type kubernetes.io/dockerconfigjson, key .dockerconfigjson)';
    return {
      cause: `has type ${q(secret.type)} (data keys: ${keys}); the kubelet only reads kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg secrets, so ${ignored}`,
      fix,
      short: [
        `pull secret ${name} has type ${q(secret.type)}, which the kubelet ignores; ${hasCfg && !hasJson ? 'use kubernetes.io/dockercfg' : 'use kubernetes.io/dockerconfigjson'}`,
        `pull secret ${name} has a type the kubelet ignores; ${hasCfg && !hasJson ? 'use kubernetes.io/dockercfg' : 'use kubernetes.io/dockerconfigjson'}`,
        `a pull secret has a type the kubelet ignores; use kubernetes.io/dockerconfigjson`,
      ],
    };
  }
  const want = secret.type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : '.dockercfg';
  const other = want === '.dockerconfigjson' ? '.dockercfg' : '.dockerconfigjson';
  const otherType = want === '.dockerconfigjson' ? 'kubernetes.io/dockercfg' : 'kubernetes.io/dockerconfigjson';
  if (reason === 'missing-key') {
    const hasOther = secret.dataKeys.includes(other);
    return {
      cause: `has type ${secret.type} but no ${q(want)} data key (data keys: ${keys}), so ${ignored}`,
      fix: hasOther
        ? `change its type to ${otherType} to match its ${q(other)} key, or store the config under ${q(want)}`
        : `store the docker config JSON under the ${q(want)} key (kubectl create secret docker-registry does)`,
      short: [
        `pull secret ${name} (${secret.type}) has no ${q(want)} key, so the kubelet ignores it`,
        `pull secret ${name} has no ${q(want)} key, so the kubelet ignores it`,
        `a pull secret has no ${q(want)} key, so the kubelet ignores it`,
      ],
    };
  }
  return {
    cause: `has type ${secret.type} but its ${q(want)} data key is empty, so ${ignored}`,
    fix: `put the docker config JSON in ${q(want)} (kubectl create secret docker-registry does)`,
    short: [
      `pull secret ${name} has an empty ${q(want)} key, so the kubelet ignores it`,
      `a pull secret has an empty ${q(want)} key, so the kubelet ignores it`,
    ],
  };
}

function malformedFix(format: PullSecretFormat): string {
  return format === 'dockerconfigjson'
    ? 'fix its .dockerconfigjson data to the form {"auths": {"<registry>": {"auth": "<base64 of username:password>"}}} (kubectl create secret docker-registry writes it correctly)'
    : 'fix its .dockercfg data to the form {"<registry>": {"auth": "<base64 of username:password>"}}, or recreate it as kubernetes.io/dockerconfigjson with kubectl create secret docker-registry';
}

function originText(from: CredentialFrom): string {
  if (from.source === 'docker-config') return 'the node docker config';
  if (from.source === 'node') return 'a node credential provider';
  return from.secret?.via === 'serviceaccount'
    ? `ServiceAccount ${q(from.secret.serviceAccount)}'s pull Secret ${q(from.name)}`
    : `pull Secret ${q(from.name)}`;
}

function shortOrigin(from: CredentialFrom): string {
  if (from.source === 'docker-config') return 'node docker config';
  if (from.source === 'node') return 'node credential provider';
  return `pull secret ${q(from.name)}`;
}

function suggestedKey(ref: ImageReference): string {
  return ref.domain === 'docker.io' ? 'https://index.docker.io/v1/' : ref.domain;
}

export function credentialFinding(use: ImageUse, ref: ImageReference, p: CredentialProblem, elsewhere?: CredentialsElsewhere): Finding {
  switch (p.kind) {
    case 'secret-not-found': {
      const others = p.otherNamespaces;
      const ns = p.namespace;
      const where = others.length
        ? ` (a Secret with that name exists in namespace${others.length > 1 ? 's' : ''} ${others.map(q).join(', ')}; secrets are namespaced and the kubelet reads only the pod's namespace)`
        : '';
      return finding('PULL_SECRET_NOT_FOUND', use, {
        cause: `${refText(p.secret)}, which does not exist in namespace ${q(ns)}${where}; the kubelet skips it and pulls without its credentials`,
        fix: others.length
          ? `create the Secret in namespace ${q(ns)} (for example a copy of the one in ${q(others[0]!)}) or remove the reference`
          : `create the Secret in namespace ${q(ns)}, fix the name, or remove the reference`,
        short: others.length
          ? [
              `pull secret ${q(p.secret.name)} not in namespace ${q(ns)} (exists in ${q(others[0]!)}; secrets are namespaced); copy it`,
              `pull secret ${q(p.secret.name)} not in this namespace (exists in ${q(others[0]!)}; secrets are namespaced)`,
              `pull secret ${q(p.secret.name)} not in this namespace (secrets are namespaced); copy it here`,
            ]
          : [
              `pull secret ${q(p.secret.name)} not found in namespace ${q(ns)}; create it or fix the name`,
              `pull secret ${q(p.secret.name)} not found in this namespace; create it or fix the name`,
            ],
      });
    }
    case 'secret-unusable': {
      const t = typeFix(p.stored, p.reason);
      return finding('PULL_SECRET_UNUSABLE', use, { cause: `${refText(p.secret)}, which ${t.cause}`, fix: t.fix, short: t.short });
    }
    case 'secret-malformed':
      return finding('PULL_SECRET_MALFORMED', use, {
        cause: `${refText(p.secret)} (type ${p.stored.type}), whose data cannot be parsed: ${p.error}; the kubelet fails every image pull of this pod`,
        fix: malformedFix(p.format),
        short: [
          `pull secret ${q(p.stored.name)} cannot be parsed (${p.error}); every pull of the pod fails`,
          `pull secret ${q(p.stored.name)} cannot be parsed, so every image pull of the pod fails; fix its data`,
        ],
      });
    case 'token-expired':
      return finding('PULL_SECRET_EXPIRED', use, {
        cause:
          `the credential for ${q(p.key)} from ${originText(p.from)} is an ECR token that expired at ${isoSeconds(p.expiresAt)}; ` +
          (p.fatal
            ? 'no other credential serves this image, so the registry denies the pull ("Your authorization token has expired")'
            : 'the kubelet tries it, is denied, and falls back to the other credentials'),
        fix: 'refresh it with a new token (aws ecr get-login-password; tokens last 12 hours), or let the nodes pull through the kubelet ECR credential provider',
        short: [`ECR token in ${shortOrigin(p.from)} expired ${isoSeconds(p.expiresAt)}; refresh it`, `ECR token in a pull secret expired ${isoSeconds(p.expiresAt)}; refresh it`],
        actionHint: p.fatal ? 'deny' : 'warn',
      });
    case 'token-expiring':
      return finding('PULL_SECRET_EXPIRING', use, {
        cause: `the credential for ${q(p.key)} from ${originText(p.from)} is an ECR token that expires at ${isoSeconds(p.expiresAt)} (in ${humanDuration(p.inSeconds)}); pulls after that fail`,
        fix: 'refresh it on a schedule (tokens last 12 hours), or let the nodes pull through the kubelet ECR credential provider',
        short: [
          `ECR token in ${shortOrigin(p.from)} expires in ${humanDuration(p.inSeconds)}; refresh it`,
          `ECR token in a pull secret expires in ${humanDuration(p.inSeconds)}; refresh it`,
        ],
      });
    case 'auth-required': {
      const domain = ref.domain;
      const cloud = cloudById(p.registry.kind);
      const what = cloud
        ? `${q(domain)} is ${cloud.texts.product}, which ${cloud.texts.privacy}`
        : `${q(domain)} matches the private registry pattern ${q(p.registry.pattern)}`;
      let have: string;
      if (p.secretsFrom === 'none') {
        have = p.podListsSecrets ? 'the pod lists no usable imagePullSecrets' : `neither the pod nor ServiceAccount ${q(p.serviceAccount)} lists imagePullSecrets`;
      } else {
        const keys = p.entryKeys;
        have = keys.length
          ? `the pull secret entries (${keys.slice(0, 5).map(q).join(', ')}${keys.length > 5 ? ', …' : ''}) do not match ${q(ref.name)}`
          : 'no pull secret has a usable entry';
      }
      const nodeText = p.nodeProvidersConfigured ? 'no node credential provider matchImages pattern covers it' : 'no node credential provider is configured for it';
      const extra = cloud ? `, or ${cloud.texts.nodeAccess}` : '';
      const label = cloud ? `${cloud.texts.label} registry` : 'private registry';
      return finding('REGISTRY_AUTH_REQUIRED', use, {
        // Credentials the controller may add (Tekton's cluster defaults) could serve it: a warning, and
        // the kubectl line says why it is not certain.
        ...(elsewhere ? { note: `Not certain: ${elsewhere.text}`, actionHint: 'warn' as const } : {}),
        cause: `${what}, but ${have} and ${nodeText}; the pull fails`,
        fix: `add a kubernetes.io/dockerconfigjson secret with an entry for ${q(suggestedKey(ref))} to imagePullSecrets${extra}`,
        short: elsewhere
          ? [
              `no credential matches; ${elsewhere.short} may add one; add a pull secret for ${q(suggestedKey(ref))}`,
              `no credential matches; ${elsewhere.short} may add one; add a pull secret for its host`,
            ]
          : [
              `${label} needs credentials, none match; add a pull secret with an entry for ${q(suggestedKey(ref))}`,
              `${label}: no credential matches; add a pull secret entry for ${q(suggestedKey(ref))}`,
              `${label} needs credentials and none match; add a dockerconfigjson pull secret for its host`,
            ],
      });
    }
  }
}

/** Every finding of one image's credential problems, in order. */
export function credentialFindings(image: { readonly use: ImageUse; readonly ref: ImageReference; readonly problems: readonly CredentialProblem[] }, elsewhere?: CredentialsElsewhere): Finding[] {
  return image.problems.map((p) => credentialFinding(image.use, image.ref, p, elsewhere));
}
