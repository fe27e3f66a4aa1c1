/**
 * The credentials step: the kubelet's view of a pod's pull credentials (src/credentials/resolve.ts)
 * over whatever cluster view is wired in — informers in the webhook, the manifest set (and a docker
 * config, a cluster) in the CLI. Pure: the cluster view is an in-memory index.
 */
import type { ClusterState } from '../credentials/state.js';
import type { Config } from '../config/schema.js';
import type { DockerConfig } from '../credentials/dockerconfig.js';
import { podCredentialContext, resolvePodCredentials } from '../credentials/resolve.js';
import { ALWAYS_PRIVATE } from '../cloud/index.js';
import { finding } from '../findings/build.js';
import type { Finding } from '../findings/types.js';
import { credentialFindings } from './credential-findings.js';
import type { CredentialStep } from './engine.js';

export interface CredentialStepOptions {
  readonly state: ClusterState;
  readonly config: Pick<Config, 'nodeCredentialProviders' | 'privateRegistries' | 'credentials'>;
  /** Entries of a docker config.json (CLI `--docker-config`), tried after pull secrets. */
  readonly dockerConfig?: DockerConfig;
  readonly now?: () => number;
  /**
   * Why the cluster view may lack Secrets (no --kubeconfig, no Secrets in the manifest set): said in
   * the PULL_SECRET_UNVERIFIED finding for pull secrets a pod names that could not be read.
   */
  readonly unavailableReason?: string;
}

/**
 * A secret-level problem (not found, unusable, malformed) is reported by the resolver once per image
 * that would use the secret; users need it once per pod spec.
 */
function oncePerProblem(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = f.code.startsWith('PULL_SECRET_') ? `${f.code}\0${f.short}` : `${f.code}\0${f.field}\0${f.short}`;
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
    alwaysPrivate: ALWAYS_PRIVATE,
    expiringWindowSeconds: opts.config.credentials.expiringWindowSeconds,
    ...(opts.dockerConfig ? { dockerConfig: opts.dockerConfig } : {}),
  };
  return {
    resolve({ subject, podSpec, images, elsewhere }) {
      const ctx = podCredentialContext(podSpec, subject.namespace, subject.group === '' && subject.kind === 'Pod');
      const result = resolvePodCredentials(ctx, images, opts.state, resolveConfig, now());
      const findings = oncePerProblem(result.images.flatMap((image) => credentialFindings(image, elsewhere)));
      // The pod's own listed secrets that the view lacks (a ServiceAccount it lacks is not reported:
      // most pods list no secrets, and a warning on each would be noise).
      const unread = result.unknown.filter((ns_name) => ctx.imagePullSecrets.some((n) => `${ctx.namespace}/${n}` === ns_name));
      const reason = opts.unavailableReason ?? 'no cluster data';
      const first = images[0];
      if (unread.length > 0 && first) {
        const names = unread.map((x) => JSON.stringify(x.slice(x.indexOf('/') + 1))).join(', ');
        const many = unread.length > 1;
        findings.push(
          finding('PULL_SECRET_UNVERIFIED', first.use, {
            cause: `pull secret${many ? 's' : ''} ${names} could not be checked: ${reason}; whether ${many ? 'they exist' : 'it exists'} and what ${many ? 'they hold' : 'it holds'} is unknown, so registry answers that need credentials are not verified`,
            fix: 'let pullguard read them: cluster access (--kubeconfig, or the webhook in its cluster), or the Secrets among the checked manifests',
            short: [`pull secret${many ? 's' : ''} ${names} not checked: ${reason}`, `pull secret${many ? 's' : ''} ${names} not checked (no cluster data); give pullguard cluster access`],
          }),
        );
      }
      if (unread.length > 0) return { images: result.images, findings, unknown: reason };
      // The controller may add credentials pullguard did not read (Tekton's cluster defaults): registry
      // answers that need credentials decide nothing either.
      if (elsewhere) return { images: result.images, findings, unknown: elsewhere.text, unknownFix: elsewhere.fix };
      return { images: result.images, findings, unknown: null };
    },
  };
}
