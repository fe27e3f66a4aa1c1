/**
 * What the kubelet makes of one pull secret (kubernetes/kubernetes pkg/credentialprovider/secrets):
 * it counts only if its type and a non-empty data key go together —
 * `kubernetes.io/dockerconfigjson` + `.dockerconfigjson`, or `kubernetes.io/dockercfg` + `.dockercfg` —
 * and is skipped silently otherwise. A counted secret whose data does not parse makes every pull of
 * the pod fail.
 */
import {
  DOCKERCFG_KEY,
  DOCKER_CONFIG_JSON_KEY,
  SECRET_TYPE_DOCKERCFG,
  SECRET_TYPE_DOCKER_CONFIG_JSON,
} from './keyring.js';
import { parseDockercfg, parseDockerConfigJSON, type DockerConfig } from './dockerconfig.js';

export type PullSecretFormat = 'dockerconfigjson' | 'dockercfg';

/** Why the kubelet skips a secret. */
export type IgnoredReason =
  /** The type is neither dockerconfigjson nor dockercfg (e.g. Opaque). */
  | 'wrong-type'
  /** The type is right but its data key is absent. */
  | 'missing-key'
  /** The type is right and its data key is present but empty. */
  | 'empty-key';

export type PullSecretStatus =
  | { readonly status: 'usable'; readonly format: PullSecretFormat; readonly config: DockerConfig }
  | { readonly status: 'malformed'; readonly format: PullSecretFormat; readonly error: string }
  | { readonly status: 'ignored'; readonly reason: IgnoredReason };

/** The data key the kubelet reads for a secret type, or null when it reads none. */
export function pullDataKey(type: string): string | null {
  if (type === SECRET_TYPE_DOCKER_CONFIG_JSON) return DOCKER_CONFIG_JSON_KEY;
  if (type === SECRET_TYPE_DOCKERCFG) return DOCKERCFG_KEY;
  return null;
}

/**
 * Classify a secret from its type and decoded data. `data` values that failed to decode (invalid base64
 * in a manifest) are passed as `{ invalid: string }` and make a counted secret malformed.
 */
export function classifyPullSecret(
  type: string,
  data: ReadonlyMap<string, Uint8Array | { readonly invalid: string }>,
): PullSecretStatus {
  const key = pullDataKey(type);
  if (key === null) return { status: 'ignored', reason: 'wrong-type' };
  const format: PullSecretFormat = type === SECRET_TYPE_DOCKER_CONFIG_JSON ? 'dockerconfigjson' : 'dockercfg';
  const bytes = data.get(key);
  if (bytes === undefined) return { status: 'ignored', reason: 'missing-key' };
  if (!(bytes instanceof Uint8Array)) return { status: 'malformed', format, error: bytes.invalid };
  if (bytes.length === 0) return { status: 'ignored', reason: 'empty-key' };
  const parsed = format === 'dockerconfigjson' ? parseDockerConfigJSON(bytes) : parseDockercfg(bytes);
  if (!parsed.ok) return { status: 'malformed', format, error: parsed.error };
  return { status: 'usable', format, config: parsed.config };
}
