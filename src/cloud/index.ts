/**
 * The cloud registries pullguard knows, as a table: one file per cloud, each exporting one
 * `CloudDescriptor` (./types.ts), listed once in `CLOUDS`. The configuration's `cloud.<id>` switches,
 * the offline "this registry always needs credentials" knowledge, the node credential-provider presets,
 * the providers the wiring creates and the words of the findings all come from this list: a new cloud
 * is a new file and one line here. Its provider extends CachingCredentialProvider (./provider.ts),
 * which keeps the token cache and the request skeleton: the file says how hosts parse, what a token is
 * cached under, how one is fetched, and how failures are phrased.
 *
 * Importing this module loads no cloud SDK: each provider imports its SDK on first use.
 */
import { acr } from './acr.js';
import { ecr } from './ecr.js';
import { gar } from './gar.js';
import type { CloudDescriptor } from './types.js';

export const CLOUDS: readonly CloudDescriptor[] = [ecr, acr, gar];

/** The cloud whose provider serves this registry domain (as in the image reference; lower-cased here), or null. */
export function cloudOf(domain: string): CloudDescriptor | null {
  const host = domain.toLowerCase();
  return CLOUDS.find((c) => c.recognises(host)) ?? null;
}

/** The descriptor with this id (config key), or null. */
export function cloudById(id: string): CloudDescriptor | null {
  return CLOUDS.find((c) => c.id === id) ?? null;
}

/** The nodes' kubelet credential-provider `matchImages` of each managed service (`eks`, `aks`, …). */
export const NODE_PROVIDER_PRESETS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(CLOUDS.map((c) => [c.nodePreset.name, c.nodePreset.matchImages]));

/**
 * Registries that always need credentials, as the credential resolver takes them
 * (src/credentials/resolve.ts `ResolveConfig.alwaysPrivate`): the node-provider patterns of every cloud
 * whose images are never public.
 */
export const ALWAYS_PRIVATE: readonly { readonly kind: string; readonly patterns: readonly string[] }[] = CLOUDS.filter((c) => c.alwaysPrivate).map((c) => ({
  kind: c.id,
  patterns: c.nodePreset.matchImages,
}));

export {
  CloudCredentialError,
  CREDENTIAL_FAILURE_TTL_MS,
  CREDENTIAL_RENEW_MARGIN_MS,
  CREDENTIAL_REQUEST_TIMEOUT_MS,
  type CloudCredentialProvider,
  type CloudDescriptor,
  type CloudFailureReason,
  type CloudKind,
  type CloudProviderContext,
  type CloudTexts,
  type CredentialRequestOptions,
  type NodeProviderPreset,
} from './types.js';
export { EcrCredentialProvider, parseEcrHost, ecrLocation, type EcrHost, type EcrProviderOptions } from './ecr.js';
export {
  AcrCredentialProvider,
  parseAcrHost,
  ACR_REFRESH_TOKEN_USERNAME,
  ACR_SCOPE,
  type AcrHost,
  type AcrProviderOptions,
} from './acr.js';
export {
  GarCredentialProvider,
  parseGarHost,
  GAR_ACCESS_TOKEN_USERNAME,
  GAR_SCOPE,
  GKE_MATCH_IMAGES,
  type GarHost,
  type GarProviderOptions,
} from './gar.js';
