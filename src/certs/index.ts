/**
 * TLS certificates for the webhook server: generation (`pullguard certs`, self-signed start-up),
 * on-disk layout (a Kubernetes TLS secret), validation, and hot reload on rotation.
 */
export {
  CA_VALIDITY_DAYS,
  CLOCK_SKEW_BACKDATE_MS,
  DEFAULT_NAMESPACE,
  DEFAULT_SERVICE,
  LEAF_VALIDITY_DAYS,
  RSA_KEY_BITS,
  generateCertificates,
  servingSans,
  type GenerateOptions,
  type GeneratedCertificates,
} from './generate.js';
export {
  CA_BUNDLE_PATCH_FILE,
  CA_CERT_FILE,
  CA_KEY_FILE,
  CERT_FILE,
  EXPIRY_WARNING_DAYS,
  KEY_FILE,
  WEBHOOK_CONFIGURATION_NAME,
  WEBHOOK_NAME,
  caBundlePatch,
  ensureCertDir,
  startupMessage,
  writeDeploymentInputs,
  type DeploymentInputsOptions,
  type DeploymentInputsResult,
  type EnsureCertDirOptions,
  type EnsureCertDirResult,
} from './files.js';
export {
  CertificateReloader,
  DEBOUNCE_MS,
  POLL_INTERVAL_MS,
  type BaseTlsOptions,
  type CertLogger,
  type CertificateReloaderOptions,
  type SecureContextTarget,
} from './reload.js';
export {
  CertificateError,
  certificateInfo,
  parseSubjectAltName,
  validateKeyPair,
  type CertificateInfo,
  type SubjectAltName,
  type ValidatedKeyPair,
} from './pem.js';
