/**
 * The registry step: ask each image's registry whether the image is there, with the credentials the
 * kubelet would offer, in kubelet order, inside the review's deadline. Pure: the registry is reached
 * through `RegistryLookup` (src/registry/checker.ts in production).
 *
 * - All images of a review are checked in parallel; identical lookups share one request in the checker.
 * - Pods created by a controller (ReplicaSet, Job, …) get cached answers only: their template was
 *   checked where the user saw the answer, and a registry outage must not turn into thousands of slow
 *   pod admissions. A cache miss there checks nothing.
 * - Images whose pull the kubelet fails before it reaches the registry (a malformed pull secret) are
 *   not asked: the credentials finding already says why.
 * - Cloud registry images (ECR, ACR, GAR: src/cloud CLOUDS) that nodes pull with their own credential
 *   provider, with no pull secret matching, are checked with a credential from pullguard's own cloud
 *   identity when that cloud's provider is given (config `cloud.<id>`); failures to get one become
 *   CLOUD_CREDENTIALS_UNAVAILABLE.
 */
import { CloudCredentialError, type CloudCredentialProvider } from '../cloud/types.js';
import type { ImageCredentials } from '../credentials/resolve.js';
import { cloudOf } from '../cloud/index.js';
import type { AuthEntry } from '../credentials/dockerconfig.js';
import { tryNextCredential, type Credential, type Platform, type RegistryOutcome } from '../registry/outcome.js';
import type { ImageReference } from '../reference/types.js';
import type { RegistryStep } from './engine.js';
import { wantedPlatforms } from './platforms.js';
import { cloudCredentialFinding } from './cloud.js';
import { registryFinding } from './registry.js';
import type { Finding } from '../findings/types.js';

export interface RegistryLookupOptions {
  readonly credentials?: Credential[];
  readonly platforms?: Platform[];
  readonly deadline?: number;
}

export interface RegistryLookup {
  check(ref: ImageReference, options?: RegistryLookupOptions): Promise<RegistryOutcome>;
  cached(ref: ImageReference, options?: RegistryLookupOptions): RegistryOutcome | null;
}

export interface RegistryStepOptions {
  readonly lookup: RegistryLookup;
  /** Every platform a node of the cluster has (config `platforms`); images must provide them all unless the pod pins one. */
  readonly clusterPlatforms: () => readonly Platform[];
  /** Credentials from pullguard's own cloud identity, by cloud id (`ecr`, `acr`, `gar`; absent or null: not enabled). */
  readonly cloud?: Readonly<Record<string, CloudCredentialProvider | null | undefined>>;
}

/** The credential the kubelet would send for a keyring entry: its exact bytes (an `auth` may decode to non-UTF-8). */
export function credentialOf(auth: AuthEntry): Credential {
  return { username: auth.username, password: auth.password, bytes: { username: auth.usernameBytes, password: auth.passwordBytes } };
}

function credentialsOf(image: ImageCredentials | undefined): Credential[] {
  if (!image) return [];
  return image.credentials.map((c) => credentialOf(c.auth));
}

/** What a cloud-identity retry may replace a refused secret's finding with: a definitive answer about the image. */
const DEFINITIVE: ReadonlySet<RegistryOutcome['kind']> = new Set(['available', 'repository-missing', 'tag-missing', 'digest-missing', 'platform-missing']);

export function registryStep(opts: RegistryStepOptions): RegistryStep {
  return {
    async check({ subject, images, podSpec, credentials, credentialsUnknown, credentialsUnknownFix, deadline }) {
      const unknown = credentialsUnknown ? { credentialsUnknown, ...(credentialsUnknownFix ? { credentialsUnknownFix } : {}) } : {};
      const platforms = wantedPlatforms(podSpec, opts.clusterPlatforms());
      /** pullguard's own credential for the image's registry: cached only for controller-created pods. */
      const ownCredential = async (provider: CloudCredentialProvider, domain: string): Promise<Credential | null> => {
        if (subject.controller) return provider.cachedCredential(domain);
        return provider.credential(domain, { deadline });
      };
      const lookup = (ref: ImageReference, options: RegistryLookupOptions): Promise<RegistryOutcome | null> | RegistryOutcome | null =>
        subject.controller ? opts.lookup.cached(ref, options) : opts.lookup.check(ref, options);
      const results = await Promise.all(
        images.map(async ({ use, ref }, i): Promise<Finding | null> => {
          const creds = credentials?.[i];
          if (creds?.keyringError) return null;
          const list = credentialsOf(creds);
          const cloud = opts.cloud ? cloudOf(ref.domain) : null;
          const candidate = cloud ? opts.cloud?.[cloud.id] : null;
          // Only where the kubelet itself would use the nodes' credential provider.
          const provider = candidate && creds?.nodeProvider != null && candidate.handles(ref.domain) ? candidate : null;

          if (provider && list.length === 0) {
            // No pull secret matches: the nodes pull with their own identity; check with pullguard's.
            let own: Credential | null;
            try {
              own = await ownCredential(provider, ref.domain);
            } catch (err) {
              return cloudCredentialFinding(use, ref, asCloudError(provider, ref.domain, err));
            }
            if (own === null) return null;
            const outcome = await lookup(ref, { credentials: [own], platforms, deadline });
            if (outcome === null) return null;
            return registryFinding(use, ref, outcome, { nodeCredentialsMayApply: true, cloudIdentity: provider.kind, ...unknown });
          }

          const outcome = await lookup(ref, { credentials: list, platforms, deadline });
          if (outcome === null) return null;
          const finding = registryFinding(use, ref, outcome, {
            nodeCredentialsMayApply: creds?.nodeProvider != null,
            ...unknown,
          });
          // The registry client already went through the pull secrets in kubelet order, moving on where the
          // kubelet does (tryNextCredential); after the last of them the kubelet tries the node's
          // credential (pkg/kubelet/kuberuntime/kuberuntime_image.go PullImage loops over every credential).
          if (!provider || list.length === 0 || !tryNextCredential(outcome)) return finding;

          // No pull secret got the image. Ask with pullguard's own credential: a definitive answer about
          // the image replaces the secrets' finding (an image that is there means the pull succeeds);
          // anything else leaves that finding standing.
          let own: Credential | null;
          try {
            own = await ownCredential(provider, ref.domain);
          } catch {
            return finding;
          }
          if (own === null) return finding;
          const retried = await lookup(ref, { credentials: [own], platforms, deadline });
          if (retried === null || !DEFINITIVE.has(retried.kind)) return finding;
          return registryFinding(use, ref, retried, { nodeCredentialsMayApply: true, cloudIdentity: provider.kind });
        }),
      );
      return results.filter((f): f is Finding => f !== null);
    },
  };
}

function asCloudError(provider: CloudCredentialProvider, domain: string, err: unknown): CloudCredentialError {
  if (err instanceof CloudCredentialError) return err;
  return new CloudCredentialError(
    provider.kind,
    domain,
    'unavailable',
    `internal error: ${err instanceof Error ? err.message : String(err)}`,
    'report this as a pullguard bug',
  );
}
