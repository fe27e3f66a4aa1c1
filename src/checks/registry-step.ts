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
 * - ECR/ACR images that nodes pull with their own credential provider, with no pull secret matching,
 *   are checked with a credential from pullguard's own cloud identity when `cloud` providers are
 *   given (config `cloud.ecr` / `cloud.acr`); failures to get one become CLOUD_CREDENTIALS_UNAVAILABLE.
 */
import { CloudCredentialError, type CloudCredentialProvider } from '../cloud/types.js';
import type { ImageCredentials } from '../credentials/resolve.js';
import { registryKind } from '../registry/hosts.js';
import type { Credential, Platform, RegistryOutcome } from '../registry/outcome.js';
import type { ImageReference } from '../reference/types.js';
import type { RegistryStep } from './engine.js';
import { wantedPlatforms } from './platforms.js';
import { cloudCredentialFinding } from './cloud.js';
import { registryFinding } from './registry.js';
import type { Finding } from './types.js';

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
  /** Credentials from pullguard's own cloud identity, per registry kind (absent or null: not enabled). */
  readonly cloud?: { readonly ecr?: CloudCredentialProvider | null; readonly acr?: CloudCredentialProvider | null };
}

function credentialsOf(image: ImageCredentials | undefined): Credential[] {
  if (!image) return [];
  return image.credentials.map((c) => ({ username: c.auth.username, password: c.auth.password }));
}

export function registryStep(opts: RegistryStepOptions): RegistryStep {
  return {
    async check({ subject, images, podSpec, credentials, credentialsUnknown, deadline }) {
      const platforms = wantedPlatforms(podSpec, opts.clusterPlatforms());
      const results = await Promise.all(
        images.map(async ({ use, ref }, i): Promise<Finding | null> => {
          const creds = credentials?.[i];
          if (creds?.keyringError) return null;
          let list = credentialsOf(creds);
          let cloudIdentity: 'ecr' | 'acr' | null = null;
          const kind = registryKind(ref.domain);
          const provider = kind === 'ecr' || kind === 'acr' ? opts.cloud?.[kind] : null;
          if (provider && list.length === 0 && creds?.nodeProvider != null && provider.handles(ref.domain)) {
            cloudIdentity = provider.kind;
            if (subject.controller) {
              // Cached answers only: a cached credential, else nothing to look up.
              const cached = provider.cachedCredential(ref.domain);
              if (cached === null) return null;
              list = [cached];
            } else {
              try {
                list = [await provider.credential(ref.domain, { deadline })];
              } catch (err) {
                if (err instanceof CloudCredentialError) return cloudCredentialFinding(use, ref, err);
                return cloudCredentialFinding(
                  use,
                  ref,
                  new CloudCredentialError(provider.kind, ref.domain, 'unavailable', `internal error: ${err instanceof Error ? err.message : String(err)}`, 'report this as a pullguard bug'),
                );
              }
            }
          }
          const options: RegistryLookupOptions = { credentials: list, platforms, deadline };
          const outcome = subject.controller ? opts.lookup.cached(ref, options) : await opts.lookup.check(ref, options);
          if (outcome === null) return null;
          return registryFinding(use, ref, outcome, {
            nodeCredentialsMayApply: creds?.nodeProvider != null,
            ...(credentialsUnknown ? { credentialsUnknown } : {}),
            ...(cloudIdentity ? { cloudIdentity } : {}),
          });
        }),
      );
      return results.filter((f): f is Finding => f !== null);
    },
  };
}
