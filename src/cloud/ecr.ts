/**
 * Amazon ECR credentials with pullguard's own AWS identity.
 *
 * `GetAuthorizationToken` (AWS JSON 1.1, `AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken`)
 * through `@aws-sdk/client-ecr` and the SDK's default credential chain (environment, web identity =
 * IRSA, EKS Pod Identity, shared config, instance role). The SDK's own settings apply, including
 * `AWS_ENDPOINT_URL_ECR`. The answer's `authorizationToken` is base64 of `AWS:<password>`; the
 * registry takes it as Basic credentials until `expiresAt` (12 hours).
 *
 * One token per partition/account/region, requested with `registryIds: [account]` (cross-account
 * registries) in the image's region, cached until CREDENTIAL_RENEW_MARGIN_MS before `expiresAt`;
 * concurrent requests share one SDK call. The SDK is imported on first use only.
 */
import type { ECRClient, GetAuthorizationTokenCommandOutput } from '@aws-sdk/client-ecr';
import type { Credential } from '../registry/outcome.js';
import { ecrTokenExpiry } from '../credentials/ecr.js';
import type { Fetched } from './cache.js';
import { CachingCredentialProvider, lazyModule, type CachingOptions } from './provider.js';
import { CloudCredentialError, type CloudDescriptor, type CloudFailureReason } from './types.js';

export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b';

export interface EcrHost {
  /** 12-digit AWS account id. */
  readonly account: string;
  readonly region: string;
  readonly partition: AwsPartition;
  /** `dkr.ecr-fips` host: use the FIPS API endpoint. */
  readonly fips: boolean;
  /** The lower-cased host. */
  readonly host: string;
}

/**
 * The host rule of the kubelet's ECR credential provider, which the EKS nodes run:
 * kubernetes/cloud-provider-aws cmd/ecr-credential-provider/main.go `ecrPrivateHostPattern`
 * (commit a76e0ad4e9e0ff6bc8b09991ff97bf9e2cc10a77):
 * `^(\d{12})\.dkr\.ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.com(\.cn)?|sc2s\.sgov\.gov|c2s\.ic\.gov)$`.
 * Any region label is taken (new regions need no change here); hosts are lower-cased first.
 */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9][a-z0-9_-]*)\.(amazonaws\.com|amazonaws\.com\.cn|c2s\.ic\.gov|sc2s\.sgov\.gov)$/;

/**
 * `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]` and the C2S/SC2S forms
 * (`.c2s.ic.gov`, `.sc2s.sgov.gov`) → account, region, partition, fips; null for anything else
 * (ports, `public.ecr.aws`, other hosts).
 */
export function parseEcrHost(domain: string): EcrHost | null {
  const host = domain.toLowerCase();
  const m = ECR_HOST.exec(host);
  if (!m) return null;
  const region = m[3]!;
  const suffix = m[4]!;
  let partition: AwsPartition;
  if (suffix === 'amazonaws.com.cn') partition = 'aws-cn';
  else if (suffix === 'c2s.ic.gov') partition = 'aws-iso';
  else if (suffix === 'sc2s.sgov.gov') partition = 'aws-iso-b';
  else partition = region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return { account: m[1]!, region, partition, fips: m[2] !== undefined, host };
}

/** `account 123456789012, region eu-west-1` (for messages). */
export function ecrLocation(h: EcrHost): string {
  return `account ${h.account}, region ${h.region}${h.fips ? ' (FIPS)' : ''}`;
}

export interface EcrProviderOptions extends CachingOptions {
  /** Extra ECRClient configuration (tests; normally the SDK's defaults and environment decide). */
  readonly clientConfig?: Readonly<Record<string, unknown>>;
}

type EcrSdk = typeof import('@aws-sdk/client-ecr');

/** One GetAuthorizationToken call per token (`requests` counts them). */
export class EcrCredentialProvider extends CachingCredentialProvider<EcrHost> {
  readonly kind = 'ecr' as const;
  readonly #o: EcrProviderOptions;
  readonly #clients = new Map<string, ECRClient>();
  // Loaded here and only here: never at module top level.
  readonly #loadSdk = lazyModule<EcrSdk>(() => import('@aws-sdk/client-ecr'));

  constructor(opts: EcrProviderOptions = {}) {
    super(opts);
    this.#o = opts;
  }

  protected parseHost(registry: string): EcrHost | null {
    return parseEcrHost(registry);
  }

  protected cacheKey(h: EcrHost): string {
    return `${h.partition}|${h.account}|${h.region}|${h.fips ? 'fips' : ''}`;
  }

  protected notOurs(registry: string): CloudCredentialError {
    return new CloudCredentialError('ecr', registry, 'invalid', `${registry} is not an Amazon ECR registry host`, 'use an image of the form <account>.dkr.ecr.<region>.amazonaws.com/<repository>');
  }

  protected timedOut(h: EcrHost, registry: string): CloudCredentialError {
    return new CloudCredentialError(
      'ecr',
      registry,
      'timeout',
      `ECR GetAuthorizationToken for ${ecrLocation(h)} did not answer before the check's deadline`,
      'retry; if it persists, check pullguard\'s network access to the ECR API and STS endpoints',
    );
  }

  #client(sdk: EcrSdk, h: EcrHost): ECRClient {
    const key = `${h.region}|${h.fips}`;
    let c = this.#clients.get(key);
    if (!c) {
      const timeout = this.requestTimeoutMs;
      c = new sdk.ECRClient({
        region: h.region,
        ...(h.fips ? { useFipsEndpoint: true } : {}),
        maxAttempts: 2,
        requestHandler: { connectionTimeout: Math.min(timeout, 5_000), requestTimeout: timeout },
        ...this.#o.clientConfig,
      });
      this.#clients.set(key, c);
    }
    return c;
  }

  protected async fetchCredential(h: EcrHost): Promise<Fetched> {
    let sdk: EcrSdk;
    try {
      sdk = await this.#loadSdk();
    } catch (err) {
      throw new CloudCredentialError('ecr', h.host, 'unavailable', `the AWS SDK could not be loaded (${short(err)})`, 'reinstall pullguard with its dependencies');
    }
    const timeout = this.requestTimeoutMs;
    let out: GetAuthorizationTokenCommandOutput;
    try {
      out = await this.#client(sdk, h).send(new sdk.GetAuthorizationTokenCommand({ registryIds: [h.account] }), {
        abortSignal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw ecrError(h, err);
    }
    const data = out.authorizationData?.[0];
    const decoded = data?.authorizationToken ? Buffer.from(data.authorizationToken, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (!data || colon <= 0 || colon === decoded.length - 1)
      throw new CloudCredentialError('ecr', h.host, 'invalid', `ECR GetAuthorizationToken for ${ecrLocation(h)} answered without a usable authorizationToken`, 'check the ECR API endpoint pullguard talks to (AWS_ENDPOINT_URL_ECR)');
    const credential: Credential = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    let expiresAt: number;
    if (data.expiresAt instanceof Date && Number.isFinite(data.expiresAt.getTime())) {
      // expiresAt is wall-clock time; the cache runs on its own (injectable) clock: keep the lifetime.
      expiresAt = this.clock() + (data.expiresAt.getTime() - Date.now());
    } else {
      const embedded = ecrTokenExpiry(credential.password);
      expiresAt = this.clock() + (embedded !== null ? embedded * 1000 - Date.now() : DEFAULT_ECR_TOKEN_LIFETIME_MS);
    }
    return { credential, expiresAt };
  }

  override async close(): Promise<void> {
    for (const c of this.#clients.values()) c.destroy();
    this.#clients.clear();
    await super.close();
  }
}

/** Lifetime assumed when an answer carries no expiry at all (ECR tokens last 12 hours). */
export const DEFAULT_ECR_TOKEN_LIFETIME_MS = 60 * 60_000;

function short(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown };
  const name = typeof e?.name === 'string' && e.name !== 'Error' ? `${e.name}: ` : '';
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  const s = `${name}${msg}`.replace(/\s+/g, ' ').trim();
  return s.length > 300 ? `${s.slice(0, 299)}…` : s;
}

const POLICY_FIX = 'allow ecr:GetAuthorizationToken (resource "*") in the IAM policy of pullguard\'s role, with ecr:BatchGetImage and ecr:ListImages on the repositories (docs/cloud.md)';
const IDENTITY_FIX =
  'give pullguard an AWS identity: annotate its ServiceAccount with eks.amazonaws.com/role-arn (IRSA) or create an EKS Pod Identity association for it (docs/cloud.md), or set cloud.ecr: false';

/** An SDK/credential-chain error → CloudCredentialError naming the missing IAM action. */
export function ecrError(h: EcrHost, err: unknown): CloudCredentialError {
  const e = (err ?? {}) as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  const msg = e.message ?? '';
  const where = ecrLocation(h);
  const mk = (reason: CloudFailureReason, what: string, fix: string): CloudCredentialError => new CloudCredentialError('ecr', h.host, reason, what, fix);
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(msg))
    return mk('no-identity', `pullguard has no AWS credentials to call ecr:GetAuthorizationToken for ${where} (${short(err)})`, IDENTITY_FIX);
  if (/AssumeRoleWithWebIdentity|InvalidIdentityToken|IDPCommunicationError/i.test(`${name} ${msg}`))
    return mk(
      'permission',
      `pullguard's web identity could not assume its IAM role (${short(err)})`,
      'check the role ARN in the eks.amazonaws.com/role-arn annotation and that the role\'s trust policy allows sts:AssumeRoleWithWebIdentity for system:serviceaccount:<namespace>:pullguard (docs/cloud.md)',
    );
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || /not authorized to perform/i.test(msg))
    return mk('permission', `pullguard's AWS identity may not call ecr:GetAuthorizationToken for ${where} (${short(err)})`, POLICY_FIX);
  if (/^(UnrecognizedClientException|InvalidSignatureException|ExpiredTokenException|InvalidClientTokenId|SignatureDoesNotMatch)$/.test(name))
    return mk('rejected', `AWS rejected pullguard's credentials when it asked ECR for a token for ${where} (${short(err)})`, 'check the AWS credentials pullguard gets (IRSA/Pod Identity setup, or AWS_* environment variables)');
  if (name === 'InvalidParameterException' || name === 'ValidationException')
    return mk('invalid', `ECR refused the GetAuthorizationToken request for ${where} (${short(err)})`, 'check the image\'s account id and region');
  if (name === 'TimeoutError' || name === 'AbortError' || e.code === 'ETIMEDOUT')
    return mk('timeout', `ECR GetAuthorizationToken for ${where} timed out (${short(err)})`, 'check pullguard\'s network access to the ECR API endpoint');
  return mk('unavailable', `ECR GetAuthorizationToken for ${where} failed (${short(err)})`, 'retry; if it persists, check pullguard\'s network access to the ECR API and STS endpoints');
}

/** Amazon ECR, the `cloud.ecr` row of the cloud table (./index.ts). */
export const ecr: CloudDescriptor = {
  id: 'ecr',
  recognises: (host) => parseEcrHost(host) !== null,
  alwaysPrivate: true,
  nodePreset: {
    name: 'eks',
    // The EKS node AMIs' ecr-credential-provider configuration (../shared/notes/registries.md,
    // "Node-side credential providers"); every host parseEcrHost takes is matched by one of them.
    matchImages: ['*.dkr.ecr.*.amazonaws.com', '*.dkr.ecr.*.amazonaws.com.cn', '*.dkr.ecr-fips.*.amazonaws.com', '*.dkr.ecr.*.c2s.ic.gov', '*.dkr.ecr.*.sc2s.sgov.gov'],
    source: 'EKS AMI ecr-credential-provider config (../shared/notes/registries.md); host rule: kubernetes/cloud-provider-aws cmd/ecr-credential-provider/main.go@a76e0ad4e9e0ff6bc8b09991ff97bf9e2cc10a77',
  },
  provider: () => new EcrCredentialProvider(),
  texts: {
    label: 'ECR',
    product: 'an Amazon ECR registry',
    privacy: 'always requires authentication',
    identity: 'AWS identity',
    authority: 'AWS',
    principal: 'IAM role',
    tokenPermission: () => 'ecr:GetAuthorizationToken',
    readGrant: (_host, repository) => ({ fix: `allow ecr:BatchGetImage (and ecr:ListImages) on ${repository} for pullguard's IAM role`, short: 'allow ecr:BatchGetImage' }),
    enable: () => 'an IAM role with ecr:GetAuthorizationToken and ecr:BatchGetImage (IRSA or EKS Pod Identity)',
    nodeAccess: 'give the nodes the ECR credential provider (on EKS: the node IAM role with ECR read access)',
    docs: 'docs/cloud.md#amazon-ecr',
    registryOf: (host) => {
      const h = parseEcrHost(host);
      return h ? { long: `the ECR registry of ${ecrLocation(h)}`, short: `ECR ${h.account} (${h.region})`, check: 'the account and the region', checkShort: 'name/account/region' } : null;
    },
  },
};
