/**
 * The credentials step: the kubelet's view of a pod's pull credentials (src/credentials/resolve.ts)
 * over whatever cluster view is wired in — informers in the webhook, the manifest set (and a docker
 * config, a cluster) in the CLI. Pure: the cluster view is an in-memory index.
 */
import type { ClusterState } from '../cluster/types.js';
import type { Config } from '../config/schema.js';
import type { DockerConfig } from '../credentials/dockerconfig.js';
import { podCredentialContext, resolvePodCredentials } from '../credentials/resolve.js';
import type { CredentialStep } from './engine.js';
import type { Finding } from './types.js';

export interface CredentialStepOptions {
  readonly state: ClusterState;
  readonly config: Pick<Config, 'nodeCredentialProviders' | 'privateRegistries' | 'credentials'>;
  /** Entries of a docker config.json (CLI `--docker-config`), tried after pull secrets. */
  readonly dockerConfig?: DockerConfig;
  readonly now?: () => number;
}

/**
 * A secret-level problem (not found, unusable, malformed) is reported by the resolver once per image
 * that would use the secret; users need it once per pod spec.
 */
function oncePerProblem(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = f.code.startsWith('PULL_SECRET_') ? `${f.code}\\0${f.short}` : `${f.code}\\0${f.field}\\0${f.short}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function credentialStep(opts: CredentialStepOptions): CredentialStep {
  const now = opts.now ?? Date.now;
  const resolveConfig = {
    nodeCredentialProviders: opts.config.nodeCredentialProviders,
    privateRegistries: opts.config.privateRegistries,
    expiringWindowSeconds: opts.config.credentials.expiringWindowSeconds,
    ...(opts.dockerConfig ? { dockerConfig: opts.dockerConfig } : {}),
  };
  return {
    resolve({ subject, podSpec, images }) {
      const ctx = podCredentialContext(podSpec, subject.namespace, subject.group === '' && subject.kind === 'Pod');
      const result = resolvePodCredentials(ctx, images, opts.state, resolveConfig, now());
      return { images: result.images, findings: oncePerProblem(result.findings) };
    },
  };
}
