/** Registry existence checks: public surface. */
export {
  RegistryChecker,
  DEFAULT_POSITIVE_TAG_TTL_MS,
  DEFAULT_POSITIVE_DIGEST_TTL_MS,
  DEFAULT_NEGATIVE_TTL_MS,
  DEFAULT_CACHE_MAX_ENTRIES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_CHECK_BUDGET_MS,
  type RegistryCheckerOptions,
  type CheckOptions,
  type CacheTtls,
} from './checker.js';
export type { RegistrySettings } from './client.js';
export { DEFAULT_BREAKER_FAILURE_THRESHOLD, DEFAULT_BREAKER_COOL_DOWN_MS } from './breaker.js';
export type {
  RegistryOutcome,
  OutcomeKind,
  OutcomeOf,
  Credential,
  Platform,
  UnreachableCause,
  AccessDeniedReason,
} from './outcome.js';
export { outcomeClass, platformString, MANIFEST_ACCEPT } from './outcome.js';
export { createRegistryMetrics, noopMetrics, type RegistryMetrics } from './metrics.js';
export { parseWwwAuthenticate, type AuthChallenge } from './wwwauth.js';
export { suggestTags } from './suggest.js';
export { registryKind, apiHost, type RegistryKind } from './hosts.js';
