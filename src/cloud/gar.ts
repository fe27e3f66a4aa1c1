/**
 * Google Artifact Registry and Container Registry credentials with pullguard's own Google identity.
 *
 * 1. An OAuth 2.0 access token (scope cloud-platform) from `google-auth-library`'s Application Default
 *    Credentials: GOOGLE_APPLICATION_CREDENTIALS (a service-account key, or a workload identity
 *    federation config), the gcloud well-known file, else the metadata server
 *    (`/computeMetadata/v1/instance/service-accounts/default/token`) — on GKE with Workload Identity
 *    that is the GKE metadata server answering for the pod's Kubernetes ServiceAccount. The library
 *    honours GCE_METADATA_HOST / GCE_METADATA_IP (gcp-metadata getBaseUrl).
 * 2. The distribution client gets Basic credentials `oauth2accesstoken` / `<access token>`, which
 *    gcr.io and *-docker.pkg.dev accept at their token endpoints ("docker login -u oauth2accesstoken",
 *    Artifact Registry "Configure authentication": access token).
 *
 * The kubelet's GCP credential provider offers the node's token for the same hosts (with user
 * `_token`); its patterns are the descriptor's node preset below.
 *
 * One token serves every host (it belongs to the identity, not to a registry): cached until
 * CREDENTIAL_RENEW_MARGIN_MS before its `expiry_date`, concurrent requests share one fetch.
 * `google-auth-library` is imported on first use only.
 */
import type { GoogleAuth } from 'google-auth-library';
import type { Fetched } from './cache.js';
import { CachingCredentialProvider, lazyModule, type CachingOptions } from './provider.js';
import { CloudCredentialError, type CloudDescriptor, type CloudFailureReason } from './types.js';

/** The username that marks the password as an OAuth 2.0 access token (GCR and Artifact Registry). */
export const GAR_ACCESS_TOKEN_USERNAME = 'oauth2accesstoken';
/** The scope asked for (Artifact Registry accepts cloud-platform; GKE Workload Identity issues it). */
export const GAR_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Lifetime assumed when the token answer carries no expiry (Google access tokens last an hour). */
export const DEFAULT_GAR_TOKEN_LIFETIME_MS = 30 * 60_000;

/**
 * The GCP credential provider's host patterns, as the kubelet on GKE nodes matches them:
 * kubernetes/cloud-provider-gcp pkg/gcpcredential/gcpcredential.go `containerRegistryUrls`
 * (commit 35abf857f366d9334be1c2cec06af0376bfd4256), the `matchImages` of auth-provider-gcp in
 * cluster/gce/gci/configure-helper.sh `configure-auth-provider-gcp` (commit 16c6ae82c6cf04203bc71a558b95490e363d6ddf).
 * One glob per DNS label: `*.gcr.io` is `eu.gcr.io`, not `a.b.gcr.io`; `*.pkg.dev` is
 * `europe-west1-docker.pkg.dev`.
 */
export const GKE_MATCH_IMAGES = ['container.cloud.google.com', 'gcr.io', '*.gcr.io', '*.pkg.dev'] as const;

const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export interface GarHost {
  /** The lower-cased host. */
  readonly host: string;
  /** `gcr`: gcr.io and its regional hosts (served by Artifact Registry gcr.io repositories since the GCR transition); `pkg-dev`: Artifact Registry; `container`: container.cloud.google.com. */
  readonly family: 'gcr' | 'pkg-dev' | 'container';
}

/** A host the GKE node provider serves → its family; null for anything else (ports, deeper names). */
export function parseGarHost(domain: string): GarHost | null {
  const host = domain.toLowerCase();
  if (host === 'gcr.io') return { host, family: 'gcr' };
  if (host === 'container.cloud.google.com') return { host, family: 'container' };
  const dot = host.indexOf('.');
  if (dot <= 0 || !LABEL.test(host.slice(0, dot))) return null;
  const rest = host.slice(dot + 1);
  if (rest === 'gcr.io') return { host, family: 'gcr' };
  if (rest === 'pkg.dev') return { host, family: 'pkg-dev' };
  return null;
}

export interface GarProviderOptions extends CachingOptions {
  /** Options for GoogleAuth (tests, embedding); default: Application Default Credentials with GAR_SCOPE. */
  readonly authOptions?: Readonly<Record<string, unknown>>;
}

type GoogleAuthLib = typeof import('google-auth-library');

/** One access-token fetch per token, for every GAR and GCR host (`requests` counts them). */
export class GarCredentialProvider extends CachingCredentialProvider<GarHost> {
  readonly kind = 'gar' as const;
  readonly #o: GarProviderOptions;
  // Loaded here and only here: never at module top level.
  readonly #loadLib = lazyModule<GoogleAuthLib>(() => import('google-auth-library'));
  #auth: GoogleAuth | null = null;

  constructor(opts: GarProviderOptions = {}) {
    super(opts);
    this.#o = opts;
  }

  protected parseHost(registry: string): GarHost | null {
    return parseGarHost(registry);
  }

  /** The one cache key: the token is the identity's, for every host. */
  protected cacheKey(): string {
    return 'gar';
  }

  protected notOurs(registry: string): CloudCredentialError {
    return new CloudCredentialError('gar', registry, 'invalid', `${registry} is not a Google Artifact Registry or Container Registry host`, 'use an image of the form <location>-docker.pkg.dev/<project>/<repository>/<image> or gcr.io/<project>/<image>');
  }

  protected timedOut(g: GarHost): CloudCredentialError {
    return new CloudCredentialError('gar', g.host, 'timeout', `getting a Google access token for ${g.host} did not finish before the check's deadline`, "retry; if it persists, check pullguard's access to the metadata server (GKE) or to oauth2.googleapis.com");
  }

  protected async fetchCredential(g: GarHost): Promise<Fetched> {
    let lib: GoogleAuthLib;
    try {
      lib = await this.#loadLib();
    } catch (err) {
      throw new CloudCredentialError('gar', g.host, 'unavailable', `google-auth-library could not be loaded (${describe(err)})`, 'reinstall pullguard with its dependencies');
    }
    this.#auth ??= new lib.GoogleAuth({ scopes: [GAR_SCOPE], ...this.#o.authOptions });
    const auth = this.#auth;
    const timeout = this.requestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${timeout} ms`), { name: 'TimeoutError' })), timeout);
      timer.unref();
    });
    let token: string | null | undefined;
    let expiry: number | null | undefined;
    try {
      const client = await Promise.race([auth.getClient(), expired]);
      token = (await Promise.race([client.getAccessToken(), expired])).token;
      expiry = client.credentials.expiry_date;
    } catch (err) {
      const e = garError(g, err);
      if (e.reason === 'no-identity') {
        // Whether there is a metadata server is remembered by the library (per GoogleAuth, and
        // process-wide in gcp-metadata): forget it, so that the next attempt (after the failure TTL)
        // looks again — an identity set up later, or a metadata server that was slow at start-up.
        this.#auth = null;
        lib.gcpMetadata.resetIsAvailableCache();
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
    if (!token)
      throw new CloudCredentialError('gar', g.host, 'invalid', 'the Google credential returned no access token', "check pullguard's Google credential configuration (GOOGLE_APPLICATION_CREDENTIALS, or the metadata server)");
    // expiry_date is wall-clock time; the cache runs on its own (injectable) clock: keep the lifetime.
    const lifetime = typeof expiry === 'number' && Number.isFinite(expiry) ? expiry - Date.now() : DEFAULT_GAR_TOKEN_LIFETIME_MS;
    return { credential: { username: GAR_ACCESS_TOKEN_USERNAME, password: token }, expiresAt: this.clock() + lifetime };
  }

  override async close(): Promise<void> {
    await super.close();
    this.#auth = null;
  }
}

function describe(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  const parts = [typeof e?.code === 'string' ? e.code : '', typeof e?.message === 'string' ? e.message : String(err)].filter(Boolean);
  const s = parts.join(' ').replace(/\s+/g, ' ').trim();
  return s.length > 300 ? `${s.slice(0, 299)}…` : s;
}

const IDENTITY_FIX =
  'give pullguard a Google identity: GKE Workload Identity for its ServiceAccount (an IAM binding for principal://…/subject/ns/pullguard/sa/pullguard, or the iam.gke.io/gcp-service-account annotation and roles/iam.workloadIdentityUser), or GOOGLE_APPLICATION_CREDENTIALS (docs/cloud.md#google-artifact-registry-and-container-registry); or set cloud.gar: false';

/** An error of google-auth-library / gaxios → why pullguard has no Google access token. */
export function garError(g: GarHost, err: unknown): CloudCredentialError {
  const e = (err ?? {}) as { name?: string; message?: string; code?: string | number; status?: number; response?: { status?: number } };
  const msg = e.message ?? '';
  const status = e.response?.status ?? e.status;
  const mk = (reason: CloudFailureReason, what: string, fix: string): CloudCredentialError => new CloudCredentialError('gar', g.host, reason, what, fix);
  if (/Could not load the default credentials/i.test(msg))
    return mk('no-identity', `pullguard has no Google credentials (no GOOGLE_APPLICATION_CREDENTIALS, no gcloud credentials, no metadata server) to get an access token for ${g.host}`, IDENTITY_FIX);
  if (status === 404)
    return mk('no-identity', `the metadata server has no service account for pullguard (${describe(err)})`, IDENTITY_FIX);
  if (status === 401 || status === 403 || /invalid_grant|unauthorized_client|access_denied/i.test(msg))
    return mk(
      'rejected',
      `Google refused pullguard's credentials when it asked for an access token for ${g.host} (${describe(err)})`,
      "check pullguard's Google identity: the Workload Identity binding of its ServiceAccount (roles/iam.workloadIdentityUser) or the credential file GOOGLE_APPLICATION_CREDENTIALS names (docs/cloud.md#google-artifact-registry-and-container-registry)",
    );
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'ETIMEDOUT' || /timeout/i.test(String(e.code ?? '')))
    return mk('timeout', `no Google access token for ${g.host} in time (${describe(err)})`, "check pullguard's access to the metadata server (GKE) or to oauth2.googleapis.com");
  return mk('unavailable', `no Google access token for ${g.host} (${describe(err)})`, "retry; if it persists, check pullguard's Google identity setup and its access to the metadata server or oauth2.googleapis.com");
}

/** Google Artifact Registry and Container Registry, the `cloud.gar` row of the cloud table (./index.ts). */
export const gar: CloudDescriptor = {
  id: 'gar',
  recognises: (host) => parseGarHost(host) !== null,
  // Public repositories exist (gcr.io/distroless, Artifact Registry repositories readable by allUsers).
  alwaysPrivate: false,
  nodePreset: {
    name: 'gke',
    matchImages: GKE_MATCH_IMAGES,
    source: 'kubernetes/cloud-provider-gcp pkg/gcpcredential/gcpcredential.go@35abf857f366d9334be1c2cec06af0376bfd4256 (containerRegistryUrls); cluster/gce/gci/configure-helper.sh configure-auth-provider-gcp',
  },
  provider: () => new GarCredentialProvider(),
  texts: {
    label: 'GAR',
    product: 'a Google Artifact Registry or Container Registry host',
    privacy: 'requires authentication unless the repository is public',
    identity: 'Google identity',
    authority: 'Google',
    principal: 'Google service account',
    tokenPermission: () => 'a Workload Identity binding',
    readGrant: (host) => ({
      fix: `grant pullguard's Google service account (or its Workload Identity principal) roles/artifactregistry.reader on the repository${host === 'gcr.io' || host.endsWith('.gcr.io') ? ` (${host} images live in the Artifact Registry gcr.io repository since the Container Registry transition)` : ''}`,
      short: 'grant it artifactregistry.reader',
    }),
    enable: () => 'a Google identity with roles/artifactregistry.reader (GKE Workload Identity)',
    nodeAccess: "give the nodes' service account roles/artifactregistry.reader (GKE nodes pull with it)",
    docs: 'docs/cloud.md#google-artifact-registry-and-container-registry',
  },
};
