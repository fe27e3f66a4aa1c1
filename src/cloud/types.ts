/**
 * Registry credentials obtained with pullguard's OWN cloud identity (ECR: the AWS SDK's default
 * credential chain; ACR: an Entra ID token exchanged for an ACR refresh token), for images that the
 * nodes pull with their own credential provider and no pull secret covers.
 *
 * Providers never import their SDK at module top level: the SDK is loaded with `import()` the first
 * time a credential is asked for, so `check --offline` and a webhook without `cloud` config never load it.
 */
import type { Credential } from '../registry/outcome.js';

export type CloudKind = 'ecr' | 'acr';

/**
 * Why no credential could be had:
 * - `no-identity`: pullguard has no cloud identity (no IRSA/Pod Identity/instance role, no workload identity);
 * - `permission`: the identity may not get a registry credential (IAM action, AcrPull role);
 * - `rejected`: the cloud refused the identity's own credentials (invalid or expired keys, wrong tenant);
 * - `unavailable`: the token service could not be reached or failed (transient);
 * - `timeout`: no answer before the review's deadline;
 * - `invalid`: the registry host or the answer could not be understood.
 */
export type CloudFailureReason = 'no-identity' | 'permission' | 'rejected' | 'unavailable' | 'timeout' | 'invalid';

export class CloudCredentialError extends Error {
  override readonly name = 'CloudCredentialError';
  constructor(
    readonly kind: CloudKind,
    /** The registry host the credential was for. */
    readonly registry: string,
    readonly reason: CloudFailureReason,
    /** What happened, in one clause (no secrets). */
    message: string,
    /** How to fix it, in one clause. */
    readonly fix: string,
  ) {
    super(message);
  }
}

export interface CredentialRequestOptions {
  /** Absolute deadline (epoch ms, Date.now() scale): the caller stops waiting then (the shared request goes on). */
  readonly deadline?: number;
  readonly signal?: AbortSignal;
}

export interface CloudCredentialProvider {
  readonly kind: CloudKind;
  /** Does this provider serve the registry domain (`123456789012.dkr.ecr.eu-west-1.amazonaws.com`, `acme.azurecr.io`)? */
  handles(registry: string): boolean;
  /**
   * A registry credential for the domain (Basic user/password the distribution client understands).
   * Cached until shortly before it expires; concurrent calls for the same account/region (ECR) or
   * registry (ACR) share one request. Throws CloudCredentialError.
   */
  credential(registry: string, options?: CredentialRequestOptions): Promise<Credential>;
  /** The cached credential, without asking anyone (null when there is none or it is near expiry). */
  cachedCredential(registry: string): Credential | null;
  close(): Promise<void>;
}

/** Credentials are renewed this long before they expire. */
export const CREDENTIAL_RENEW_MARGIN_MS = 5 * 60_000;
/**
 * Definite failures (no identity, permission, rejected) are remembered this long, so a busy webhook
 * does not ask the cloud again for every image while the IAM/role setup is wrong.
 */
export const CREDENTIAL_FAILURE_TTL_MS = 30_000;
/** Upper bound on one shared token request (SDK call or HTTP exchange). */
export const CREDENTIAL_REQUEST_TIMEOUT_MS = 10_000;
