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
 */
import type { ImageCredentials } from '../credentials/resolve.js';
import type { Credential, Platform, RegistryOutcome } from '../registry/outcome.js';
import type { ImageReference } from '../reference/types.js';
import type { RegistryStep } from './engine.js';
import { wantedPlatforms } from './platforms.js';
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
  readonly clusterPlatforms: readonly Platform[];
}

function credentialsOf(image: ImageCredentials | undefined): Credential[] {
  if (!image) return [];
  return image.credentials.map((c) => ({ username: c.auth.username, password: c.auth.password }));
}

export function registryStep(opts: RegistryStepOptions): RegistryStep {
  return {
    async check({ subject, images, podSpec, credentials, deadline }) {
      const platforms = wantedPlatforms(podSpec, opts.clusterPlatforms);
      const results = await Promise.all(
        images.map(async ({ use, ref }, i): Promise<Finding | null> => {
          const creds = credentials?.[i];
          if (creds?.keyringError) return null;
          const options: RegistryLookupOptions = { credentials: credentialsOf(creds), platforms, deadline };
          const outcome = subject.controller ? opts.lookup.cached(ref, options) : await opts.lookup.check(ref, options);
          if (outcome === null) return null;
          return registryFinding(use, ref, outcome, { nodeCredentialsMayApply: creds?.nodeProvider != null });
        }),
      );
      return results.filter((f): f is Finding => f !== null);
    },
  };
}
