/**
 * Cloud registry credentials with pullguard's own identity (config `cloud.ecr`, `cloud.acr`).
 * Importing this module loads no cloud SDK: each provider imports its SDK on first use.
 */
export {
  CloudCredentialError,
  CREDENTIAL_FAILURE_TTL_MS,
  CREDENTIAL_RENEW_MARGIN_MS,
  CREDENTIAL_REQUEST_TIMEOUT_MS,
  type CloudCredentialProvider,
  type CloudFailureReason,
  type CloudKind,
  type CredentialRequestOptions,
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
