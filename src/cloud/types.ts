/**
 * Cloud registries as a table: each cloud is ONE file of this directory exporting ONE
 * `CloudDescriptor` (its config key, how to recognise its hosts, the nodes' kubelet credential-provider
 * preset, how pullguard gets its own registry credential, and the nouns the findings are phrased
 * with), and ./index.ts lists them in `CLOUDS`. Everything else loops over that list.
 *
 * Registry credentials obtained with pullguard's OWN cloud identity (ECR: the AWS SDK's default
 * credential chain; ACR: an Entra ID token exchanged for an ACR refresh token; GAR: a Google access
 * token), for images that the nodes pull with their own credential provider and no pull secret covers.
 *
 * Providers never import their SDK at module top level: the SDK is loaded with `import()` the first
 * time a credential is asked for, so `check --offline` and a webhook without `cloud` config never load it.
 */
import type { Credential } from '../registry/outcome.js';
import type { RegistrySettings } from '../registry/client.js';

/** A cloud's id: its key under `cloud` in the configuration (`ecr`) and the descriptor's `id`. */
export type CloudKind = string;

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

/** What the wiring hands a descriptor's provider factory. */
export interface CloudProviderContext {
  /** Per-registry settings (a registry's extra CA bundle is trusted for token exchanges with it too). */
  readonly settings: (registry: string) => RegistrySettings;
  /** Test/lab only: `host` → `ip[:port]` (the checker's hostOverrides). */
  readonly hostOverrides?: Readonly<Record<string, string>>;
}

/**
 * The kubelet credential provider the managed node pools of this cloud run, as pullguard's
 * `nodeCredentialProviders` takes it: its `matchImages` patterns (the kubelet's URL-glob matcher:
 * one glob per DNS label), and where they come from.
 */
export interface NodeProviderPreset {
  /** Preset name, the managed Kubernetes service (`eks`, `aks`, `gke`). */
  readonly name: string;
  readonly matchImages: readonly string[];
  /** Source of the patterns (file and commit). */
  readonly source: string;
}

/**
 * The nouns the findings about this cloud are made of. checks/ builds the sentences (the rule: adapters
 * return facts, checks phrase them); a descriptor says WHICH identity, permission, command and page.
 */
export interface CloudTexts {
  /** Short product name for kubectl lines: `ECR`. */
  readonly label: string;
  /** The product, with an article, as in "… is <product>": `an Amazon ECR registry`. */
  readonly product: string;
  /** What it asks of anonymous pulls, after "which ": `always requires authentication`. */
  readonly privacy: string;
  /** Whose identity pullguard needs: `AWS identity`, `Entra ID identity`. */
  readonly identity: string;
  /** Who issues and refuses that identity's credentials: `AWS`, `Entra ID`, `Google`. */
  readonly authority: string;
  /** What pullguard's identity is, in "pullguard's <principal>": `IAM role`, `identity`. */
  readonly principal: string;
  /** Why no registry token was issued although the identity works: `ecr:GetAuthorizationToken`. */
  readonly tokenPermission: (host: string) => string;
  /** The fix when pullguard's identity may not read a repository (imperative clause), and its short form. */
  readonly readGrant: (host: string, repository: string) => { readonly fix: string; readonly short: string };
  /** What to give pullguard so that it can check such images (after "give pullguard "). */
  readonly enable: (host: string) => string;
  /** How the NODES get access (after "or "), for images no pull secret and no node provider covers. */
  readonly nodeAccess: string;
  /** The section of docs/cloud.md about this cloud (`docs/cloud.md#amazon-ecr`). */
  readonly docs: string;
  /**
   * The registry an image host names, in words, when the host says more than its name (ECR: account
   * and region): `{long: 'the ECR registry of account 1…, region eu-west-1', short: 'ECR 1… (eu-west-1)',
   * check: 'the account and the region', checkShort: 'name/account/region'}`; null when the host name
   * is all there is to say.
   */
  readonly registryOf?: (host: string) => { readonly long: string; readonly short: string; readonly check: string; readonly checkShort: string } | null;
}

export interface CloudDescriptor {
  /** Config key under `cloud` (`cloud.ecr: true`) and the id providers and findings carry. */
  readonly id: CloudKind;
  /** Is this registry host (lower-cased, no port) one whose images this cloud's provider serves? */
  recognises(host: string): boolean;
  /**
   * Every image on its hosts needs credentials (ECR, ACR): without a pull secret or a node provider the
   * pull fails, which is known offline. False where public repositories exist (GAR, GCR).
   */
  readonly alwaysPrivate: boolean;
  readonly nodePreset: NodeProviderPreset;
  /** pullguard's own credential provider for this cloud; creating it loads no SDK. */
  provider(context: CloudProviderContext): CloudCredentialProvider;
  readonly texts: CloudTexts;
}
