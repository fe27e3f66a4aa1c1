/**
 * Registry outcome + image use → finding (pure). One finding per image use at most; `available`
 * gives none. Messages name the container, the image, the cause and the fix; `short` is the cause and
 * fix for a kubectl Warning line (≤ 100 characters).
 */
import type { ImageReference } from '../reference/types.js';
import type { RegistryOutcome, UnreachableCause } from '../registry/outcome.js';
import { platformString } from '../registry/outcome.js';
import { cloudById, cloudOf } from '../cloud/index.js';
import { finding } from '../findings/build.js';
import type { FindingCode } from '../findings/codes.js';
import type { Finding, ImageUse } from '../findings/types.js';

export interface RegistryFindingContext {
  /**
   * True when a node-side credential provider (EKS/AKS kubelet provider, node docker config) may
   * serve this image: the check cannot use it, so "authentication required" is not final.
   */
  readonly nodeCredentialsMayApply?: boolean;
  /**
   * Set to the cloud's id (src/cloud CLOUDS) when the check used a credential from pullguard's OWN
   * cloud identity (config `cloud.<id>`) because the nodes pull with theirs: an authentication or
   * permission failure then says something about pullguard's setup, not about the pull
   * (CLOUD_CREDENTIALS_UNAVAILABLE).
   */
  readonly cloudIdentity?: string;
  /**
   * Set when the pod's pull secrets could not be read (no cluster data): the check went without
   * them, so "authentication required" says nothing about the pull.
   */
  readonly credentialsUnknown?: string;
  /** How to make them known (default: give pullguard cluster access). */
  readonly credentialsUnknownFix?: string;
}

/** How to let pullguard verify images that nodes pull with their own cloud identity (ECR, ACR, GAR, …). */
function enableCloudHint(host: string): string {
  const cloud = cloudOf(host);
  if (!cloud) return '';
  return `; to verify such images, set cloud.${cloud.id}: true and give pullguard ${cloud.texts.enable(host.toLowerCase())}; see ${cloud.texts.docs}`;
}

function shortDigest(d: string): string {
  const i = d.indexOf(':');
  return i >= 0 && d.length > i + 13 ? `${d.slice(0, i + 13)}…` : d;
}

const UNREACHABLE_TEXT: Record<UnreachableCause, { cause: string; fix: string }> = {
  dns: { cause: 'its name does not resolve', fix: 'check the registry host name and cluster DNS' },
  'connect-refused': { cause: 'the connection was refused', fix: 'check the registry address and that it is running' },
  'connect-timeout': { cause: 'the connection timed out', fix: 'check network access from the cluster to the registry' },
  tls: { cause: 'TLS verification failed', fix: "add the registry's CA to pullguard's registry settings (caBundle)" },
  timeout: { cause: 'it did not answer in time', fix: 'retry; if it persists, check the registry' },
  reset: { cause: 'it closed the connection', fix: 'check the registry and any proxy in front of it' },
  'server-error': { cause: 'it answered with a server error', fix: 'retry later; check the registry status' },
  protocol: { cause: 'its answer was not a valid registry response', fix: 'check the registry address (is it a registry?)' },
  'circuit-open': { cause: 'it failed repeatedly and is skipped for a while', fix: 'check the registry; pullguard retries it shortly' },
};

/**
 * The kubelet's keyring is a union: pull-secret credentials first, then the node's own (docker config,
 * credential-provider plugins; pkg/credentialprovider/keyring.go UnionDockerKeyring), tried in order
 * until one works. When a node provider covers the image, a rejected pull secret is wrong but not fatal:
 * the finding stands, as a warning.
 */
const AFTER_SECRETS_THE_NODE = { note: 'Nodes may still pull it with their own credentials, which pullguard cannot use', actionHint: 'warn' } as const;

export function registryFinding(
  use: ImageUse,
  ref: ImageReference,
  outcome: RegistryOutcome,
  ctx: RegistryFindingContext = {},
): Finding | null {
  const repo = `${ref.domain}/${ref.path}`;
  const host = ref.domain;
  // A registry answer is only ever about a parsed image; the reference stands in if a caller has no text.
  const at = use.image === null ? { ...use, image: ref.raw } : use;
  const make = (code: FindingCode, cause: string, fix: string, short?: string | readonly string[], extra?: typeof AFTER_SECRETS_THE_NODE): Finding =>
    finding(code, at, { cause, fix, ...(short !== undefined ? { short } : {}), ...extra });

  switch (outcome.kind) {
    case 'available':
      return null;

    case 'repository-missing':
      if (outcome.pullThroughCache)
        return make('IMAGE_UNVERIFIED', `${host} has no repository ${ref.path} yet, but it is under an ECR pull-through-cache prefix that creates it on first pull`, 'make sure the upstream image exists', `${repo} not created yet (ECR pull-through cache); not verified`);
      {
        // A cloud whose host names say more than a name (ECR: account and region) says where it looked.
        const where = cloudOf(host)?.texts.registryOf?.(host.toLowerCase());
        if (where)
          return make(
            'IMAGE_REPOSITORY_NOT_FOUND',
            `repository ${ref.path} does not exist in ${where.long}`,
            `check the repository name, ${where.check} of the image, or create the repository and push the image`,
            `no repository ${ref.path} in ${where.short}; check ${where.checkShort}`,
          );
      }
      return make('IMAGE_REPOSITORY_NOT_FOUND', `repository ${repo} does not exist`, 'check the image name (registry, namespace, spelling) or push the image first', `repository ${repo} does not exist; check the name or push it`);

    case 'tag-missing': {
      if (outcome.pullThroughCache)
        return make('IMAGE_UNVERIFIED', `tag ${outcome.tag} is not in ${repo} yet, but it is under an ECR pull-through-cache prefix that fetches it on pull`, 'make sure the upstream tag exists', `tag ${outcome.tag} not cached yet (ECR pull-through cache); not verified`);
      const s = outcome.suggestions;
      if (s.length > 0) {
        const mean = s.length === 1 ? s[0]! : `${s.slice(0, -1).join(', ')} or ${s[s.length - 1]}`;
        const cause = `tag ${outcome.tag} not found in ${repo}`;
        return make('IMAGE_TAG_NOT_FOUND', `${cause}; did you mean ${mean}?`, `use an existing tag, or push ${outcome.tag} first`, `${cause}; did you mean ${mean}?`);
      }
      return make('IMAGE_TAG_NOT_FOUND', `tag ${outcome.tag} not found in ${repo}`, `use an existing tag, or push ${outcome.tag} first`);
    }

    case 'digest-missing':
      if (outcome.pullThroughCache)
        return make('IMAGE_UNVERIFIED', `digest ${outcome.digest} is not in ${repo} yet, but it is under an ECR pull-through-cache prefix`, 'make sure the upstream image has this digest', `digest ${shortDigest(outcome.digest)} not cached yet (ECR pull-through cache); not verified`);
      return make(
        'IMAGE_DIGEST_NOT_FOUND',
        `no manifest with digest ${outcome.digest} in ${repo}`,
        'pin a digest that exists there (it may have been deleted or pushed to another repository)',
        `digest ${shortDigest(outcome.digest)} not found in ${repo}; pin an existing digest`,
      );

    case 'platform-missing': {
      const missing = outcome.missing.map(platformString).join(', ');
      const have = outcome.available.map(platformString).join(', ') || 'none';
      const osOnly = outcome.missing.every((p) => p.architecture === '');
      return make(
        'IMAGE_PLATFORM_MISSING',
        `the image index lists no ${missing}${osOnly ? ' image for any architecture' : ''} (it has ${have})`,
        `build and push the image for ${missing}, or keep the pod off such nodes (nodeSelector ${osOnly ? 'kubernetes.io/os' : 'kubernetes.io/arch'})`,
        `image has no ${missing} (has ${have}); build for it or pin the pod's nodes`,
      );
    }

    case 'auth-required':
      if (ctx.cloudIdentity) return cloudDenied(make, host, ref.path, ctx.cloudIdentity, `${host} still asks for authentication with the credential from pullguard's own identity`);
      if (ctx.credentialsUnknown)
        return make('IMAGE_UNVERIFIED', `${host} requires authentication and the pod's pull secrets could not be read (${ctx.credentialsUnknown})`, ctx.credentialsUnknownFix ?? 'give pullguard cluster access to check it', `${host} requires authentication; pull secrets unread, not verified`);
      if (ctx.nodeCredentialsMayApply)
        return make('IMAGE_UNVERIFIED', `${host} requires authentication; nodes may authenticate with their own credential provider, which pullguard cannot use`, `nothing to do if node credentials cover this registry; otherwise add an imagePullSecret${enableCloudHint(host)}`, `${host} requires authentication; node credentials may cover it (not verified)`);
      return make('REGISTRY_AUTH_REQUIRED', `${host} requires authentication and no pull secret covers it`, 'add an imagePullSecret (to the pod or its ServiceAccount) with credentials for this registry', `${host} requires authentication; add an imagePullSecret for it`);

    case 'private-or-missing':
      if (ctx.cloudIdentity) return cloudDenied(make, host, ref.path, ctx.cloudIdentity, `${repo} is missing or not accessible to pullguard's own identity`);
      if (!outcome.authenticated && ctx.credentialsUnknown)
        return make('IMAGE_UNVERIFIED', `${repo} is missing or private, and the pod's pull secrets could not be read (${ctx.credentialsUnknown})`, ctx.credentialsUnknownFix ?? 'give pullguard cluster access to check it', `${repo} missing or private; pull secrets unread, not verified`);
      if (outcome.authenticated) {
        return make('REGISTRY_ACCESS_DENIED', `${repo} does not exist, or the pull secret's account may not pull it`, 'check the image name, or grant that account access to the repository', `${repo} missing or not accessible to the pull secret's account`, ctx.nodeCredentialsMayApply ? AFTER_SECRETS_THE_NODE : undefined);
      }
      return make('REGISTRY_AUTH_REQUIRED', `${repo} does not exist or is private (Docker Hub answers both the same to anonymous pulls)`, 'check the image name; if it is private, add an imagePullSecret', `${repo} is missing or private; check the name or add a pull secret`);

    case 'credentials-rejected': {
      if (ctx.cloudIdentity) return cloudDenied(make, host, ref.path, ctx.cloudIdentity, `${host} rejected the credential pullguard got with its own identity (${outcome.detail})`);
      const n = outcome.tried > 1 ? `all ${outcome.tried} credentials` : 'the credentials';
      if (ctx.nodeCredentialsMayApply) return make('REGISTRY_AUTH_REJECTED', `${host} rejected ${n} from the pull secrets`, 'update the pull secret, or remove it if the nodes\' own credentials serve this registry', `${host} rejected the pull secret; node credentials may still serve it`, AFTER_SECRETS_THE_NODE);
      return make('REGISTRY_AUTH_REJECTED', `${host} rejected ${n} the kubelet would use`, 'update the pull secret with a valid username and password or token', `${host} rejected ${n}; update the pull secret`);
    }

    case 'access-denied':
      if (ctx.cloudIdentity) return cloudDenied(make, host, ref.path, ctx.cloudIdentity, `pullguard's own identity may not pull ${ref.path} from ${host} (${outcome.detail})`);
      if (ctx.nodeCredentialsMayApply) return make('REGISTRY_ACCESS_DENIED', `the pull secret's credentials for ${host} may not pull ${ref.path}`, 'grant them pull access, or remove the pull secret if the nodes\' own credentials serve this registry', `pull secret may not pull ${repo}; node credentials may still serve it`, AFTER_SECRETS_THE_NODE);
      if (outcome.reason === 'token-expired')
        return make('REGISTRY_AUTH_REJECTED', `${host} says the registry token in the pull secret has expired`, 'refresh the pull secret (ECR tokens last 12 hours; use a credential provider or a refresher)', `${host}: registry token expired; refresh the pull secret`);
      return make(
        'REGISTRY_ACCESS_DENIED',
        `the credentials for ${host} may not pull ${ref.path}${outcome.reason === 'permission' ? ' (missing permission, e.g. ecr:BatchGetImage)' : ''}`,
        'grant pull access to the repository, or use credentials that have it',
        `credentials may not pull ${repo}; grant pull access`,
      );

    case 'rate-limited': {
      const after = outcome.retryAfterSeconds !== null ? ` (retry after ${outcome.retryAfterSeconds} s)` : '';
      return make('REGISTRY_RATE_LIMITED', `${host} rate-limited the check${after}; the image was not verified`, 'authenticate to raise the limit, use a mirror, or retry later', `${host} rate-limited the check${after}; not verified`);
    }

    case 'unreachable': {
      const t = UNREACHABLE_TEXT[outcome.cause];
      return make('REGISTRY_UNREACHABLE', `${host} could not be reached (${t.cause}); the image was not verified`, t.fix, `${host} unreachable (${t.cause}); not verified`);
    }

    case 'unexpected':
      return make('IMAGE_UNVERIFIED', `${host} gave an unexpected answer (${outcome.detail}); the image was not verified`, 'check the registry; pullguard could not decide', `${host} gave an unexpected answer${outcome.status ? ` (${outcome.status})` : ''}; not verified`);
  }
}

/**
 * The registry refused pullguard's own cloud identity. The nodes pull with theirs, so this decides
 * nothing about the pull: it says what pullguard's identity lacks.
 */
function cloudDenied(
  make: (code: FindingCode, cause: string, fix: string, short?: string | readonly string[]) => Finding,
  host: string,
  path: string,
  kind: string,
  cause: string,
): Finding {
  const texts = cloudById(kind)?.texts;
  const grant = texts?.readGrant(host.toLowerCase(), path) ?? { fix: "grant pullguard's identity pull access to the repository", short: 'grant it pull access' };
  return make(
    'CLOUD_CREDENTIALS_UNAVAILABLE',
    `${cause}; the image was not verified (nodes pull with their own identity)`,
    `${grant.fix} (${texts?.docs ?? 'docs/cloud.md'})`,
    [
      `pullguard's ${texts?.principal ?? 'identity'} may not pull ${path}; ${grant.short} (not verified)`,
      `pullguard's identity may not pull ${path}; ${grant.short} (not verified)`,
      `pullguard may not pull ${path}; ${grant.short} (not verified)`,
      `pullguard's identity may not pull this repository; ${grant.short} (not verified)`,
    ],
  );
}
