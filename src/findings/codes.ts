/**
 * Every finding a user can see, in one table: its stable code, its default action and a one-line
 * description. docs/findings.md documents the same table (a test keeps them in step).
 *
 * Actions: `deny` — the kubelet would certainly fail to pull; `warn` — it might, or we could not tell.
 * Policy (src/verdict) can override the action per code.
 */
export type Action = 'deny' | 'warn' | 'off';

export interface FindingSpec {
  readonly defaultAction: Exclude<Action, 'off'>;
  /** True when the finding means "could not decide" rather than "decided": failurePolicy governs it. */
  readonly undecided: boolean;
  readonly summary: string;
}

export const FINDINGS = {
  IMAGE_REFERENCE_INVALID: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'The image reference does not parse as the kubelet parses it; the pod fails with InvalidImageName.',
  },
  WORKLOAD_UNREADABLE: {
    defaultAction: 'warn',
    undecided: true,
    summary: 'The object is of a kind that carries a pod template, but no pod spec could be read from it; nothing was checked.',
  },
  PULL_SECRET_NOT_FOUND: {
    defaultAction: 'warn',
    undecided: false,
    summary: "An imagePullSecrets entry (of the pod or its ServiceAccount) names a Secret that does not exist in the pod's namespace; the kubelet pulls without it.",
  },
  PULL_SECRET_UNVERIFIED: {
    defaultAction: 'warn',
    undecided: true,
    summary: 'The pod names pull secrets that pullguard could not read (no cluster data); they were not checked, and registry answers that need credentials are not verified.',
  },
  PULL_SECRET_UNUSABLE: {
    defaultAction: 'warn',
    undecided: false,
    summary: 'A pull secret has a type or data key the kubelet does not read (it reads only kubernetes.io/dockerconfigjson with .dockerconfigjson, or kubernetes.io/dockercfg with .dockercfg); it is silently ignored.',
  },
  PULL_SECRET_MALFORMED: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'A pull secret of a type the kubelet reads holds data it cannot parse; every image pull of the pod fails.',
  },
  PULL_SECRET_EXPIRED: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'A credential matching the image is an expired registry token (ECR); the pull fails unless another credential serves the image (then the finding carries actionHint warn).',
  },
  PULL_SECRET_EXPIRING: {
    defaultAction: 'warn',
    undecided: false,
    summary: 'A credential matching the image is a registry token (ECR) that expires within the configured window; pulls after that fail.',
  },
  REGISTRY_AUTH_REQUIRED: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'The image is on a registry that always requires authentication (ECR, ACR, or a configured private registry), and no pull secret, node docker config or node credential provider covers it.',
  },
  IMAGE_REPOSITORY_NOT_FOUND: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'The registry answered that the repository does not exist (NAME_UNKNOWN, or tags/list says so); the pull fails with ErrImagePull.',
  },
  IMAGE_TAG_NOT_FOUND: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'The repository exists but has no such tag (MANIFEST_UNKNOWN); the message names the nearest existing tags when the registry lists them.',
  },
  IMAGE_DIGEST_NOT_FOUND: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'The image is pinned by digest and the repository has no manifest with that digest; the pull fails.',
  },
  IMAGE_PLATFORM_MISSING: {
    defaultAction: 'deny',
    undecided: false,
    summary: "The image is a multi-platform index that lists no entry for a platform the pod's nodes need; the pull fails there with \"no match for platform in manifest\".",
  },
  REGISTRY_AUTH_REJECTED: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'The registry (or its token service) rejected every credential the kubelet would offer, or said the token has expired; the pull fails with an authorization error.',
  },
  REGISTRY_ACCESS_DENIED: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'The credentials are valid but may not pull this repository (DENIED, e.g. ECR ecr:BatchGetImage missing, or a token without pull scope); the pull fails.',
  },
  REGISTRY_UNREACHABLE: {
    defaultAction: 'warn',
    undecided: true,
    summary: 'The registry could not be asked within the deadline (DNS, connection, TLS, timeout, 5xx, or its circuit is open); the image was not verified.',
  },
  REGISTRY_RATE_LIMITED: {
    defaultAction: 'warn',
    undecided: true,
    summary: 'The registry answered 429 TOOMANYREQUESTS to the check; the image was not verified (and node pulls may hit the same limit).',
  },
  IMAGE_UNVERIFIED: {
    defaultAction: 'warn',
    undecided: true,
    summary: 'The registry answered, but not in a way that decides the pull (an ECR pull-through-cache prefix, an unexpected status, or node credentials that the check cannot use).',
  },
  CLOUD_CREDENTIALS_UNAVAILABLE: {
    defaultAction: 'warn',
    undecided: true,
    summary: "pullguard could not get or use a registry credential with its own cloud identity (config cloud.ecr / cloud.acr / cloud.gar): no identity, a missing IAM permission (ecr:GetAuthorizationToken, ecr:BatchGetImage), AcrPull role or roles/artifactregistry.reader, or the token service failed; the image was not verified (nodes pull with their own identity).",
  },
  MANIFEST_UNPARSEABLE: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'A document of a manifest file cannot be read the way kubectl reads it (invalid YAML, an unrendered template, a key that is a mapping); kubectl rejects it too, nothing in it was checked, and pullguard check exits 2 after reporting everything else.',
  },
  MANIFEST_UNREADABLE: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'A manifest file or directory found in a walk cannot be read (permission denied, a broken symlink, not a regular file); nothing in it was checked, and pullguard check exits 2 after reporting everything else.',
  },
} as const satisfies Record<string, FindingSpec>;

export type FindingCode = keyof typeof FINDINGS;

export const FINDING_CODES = Object.keys(FINDINGS) as FindingCode[];

export function isFindingCode(s: string): s is FindingCode {
  return Object.prototype.hasOwnProperty.call(FINDINGS, s);
}

/**
 * Causes only `pullguard explain` reports: they happen on the node or in the container runtime, where
 * no registry answer and no manifest can show them, so check, the webhook and the audit never produce
 * them and the policy (`actions.<CODE>`) does not apply. explain gives them from the kubelet's own
 * words (src/explain/classify.ts). docs/findings.md lists them in a second table (a test keeps it in
 * step) and docs/explain.md maps each to the kubelet's wording.
 */
export const DIAGNOSES = {
  IMAGE_NAME_AMBIGUOUS: 'CRI-O refuses a short image name that several unqualified-search registries could serve.',
  IMAGE_NEVER_PULLED: 'imagePullPolicy is Never and the image is not on the node (or, with KEP-2535, not for this pod).',
  IMAGE_MISSING_OR_PRIVATE: 'The registry said "missing or no access" and pullguard could not tell which (not confirmed).',
  IMAGE_CONTENT_MISSING: 'The manifest resolved but a blob or child manifest is gone from the registry or its mirror.',
  KUBELET_PULL_THROTTLED: "The kubelet's own pull rate limit (registryPullQPS) was exceeded.",
  NODE_DISK_FULL: "The node's image filesystem is full.",
  IMAGE_SIGNATURE_REJECTED: "The runtime's signature policy rejected the image.",
  IMAGE_FORMAT_UNSUPPORTED: 'The image is in Docker schema 1 format, which the runtime no longer pulls.',
  IMAGE_INSPECT_FAILED: 'The runtime could not inspect the image on the node (ImageStatus failed).',
  IMAGE_PULL_CANCELED: "The pull was cancelled: no progress within the runtime's timeout, or the pod went away.",
  PULL_FAILURE_UNCLASSIFIED: 'The kubelet\'s message matches no known wording, or only "Back-off pulling image" is left.',
} as const satisfies Record<string, string>;

export type DiagnosisCode = keyof typeof DIAGNOSES;

export const DIAGNOSIS_CODES = Object.keys(DIAGNOSES) as DiagnosisCode[];

export function isDiagnosisCode(s: string): s is DiagnosisCode {
  return Object.prototype.hasOwnProperty.call(DIAGNOSES, s);
}
