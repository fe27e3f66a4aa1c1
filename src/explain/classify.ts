/**
 * What the kubelet's and the container runtime's words say about a failed image pull: ONE ordered table
 * of patterns, each citing where its text comes from. Pure: text in, cause out.
 *
 * The texts reach a pod in three places (../shared/notes/pull-failures.md §1):
 *   - the container's `state.waiting.message`: the runtime error for ErrImagePull; for ImagePullBackOff
 *     `Back-off pulling image "<image>"`, which since Kubernetes 1.32 (kubernetes#127918) goes on with
 *     `: <previous reason>: <previous message>`;
 *   - Warning `Failed` events `Failed to pull image "<image>": <runtime error>` (the only events that carry
 *     the runtime's text), `InspectFailed` (parse / ImageStatus failures), `ErrImageNeverPull`;
 *   - `FailedCreatePodSandBox` events when the sandbox (pause) image cannot be pulled.
 * The runtime error arrives wrapped by gRPC (`rpc error: code = Unknown desc = …`; kubelets ≥ 1.28 strip
 * code Unknown only, kubernetes#117612; 1.6-era kubelets print numeric codes `code = 2`).
 *
 * Runtimes word the same cause differently — containerd (core/remotes/docker/{resolver,fetcher,
 * authorizer}.go, internal/cri/server/images/image_pull.go), CRI-O with containers/image
 * (docker/docker_client.go, docker/docker_image_src.go, docker/errors.go, manifest/list.go), Docker
 * (dockershim ≤ 1.23, cri-dockerd: `Error response from daemon: …`, moby distribution/errors.go) — and
 * some messages prove less than they seem (containerd's `<ref>: not found` cannot tell a missing
 * repository from a missing tag; `pull access denied … insufficient_scope` means missing OR private).
 * Such causes are marked `ambiguous`: the registry, asked with the pod's credentials, decides.
 *
 * Order matters: the first pattern that matches wins, so specific wordings come before generic ones
 * (an expired ECR token inside Docker's `pull access denied …: denied: …` text; a DNS failure inside
 * `failed to fetch anonymous token: Get "…": dial tcp: lookup …`). Patterns match anywhere in the text
 * (never anchored on a prefix that a kubelet version or a runtime version changes).
 */

/** The causes a message can prove (or leave open, `ambiguous`). */
export const CAUSES = {
  'reference-invalid': { ambiguous: false, summary: 'the image reference does not parse' },
  'short-name-ambiguous': { ambiguous: false, summary: 'CRI-O refuses a short image name that several search registries could serve' },
  'never-pull': { ambiguous: false, summary: 'imagePullPolicy Never, and the image is not on the node (or not for this pod)' },
  'not-found-or-unauthorized': { ambiguous: true, summary: 'the repository is missing, or it is private and the pull had no access' },
  'repository-missing': { ambiguous: false, summary: 'the registry says the repository does not exist' },
  'manifest-not-found': { ambiguous: true, summary: 'the registry has no manifest for the reference (missing tag or digest, or missing repository)' },
  'tag-missing': { ambiguous: true, summary: 'the registry has no manifest for the tag or digest (some registries say the same for a missing repository)' },
  'content-missing': { ambiguous: false, summary: 'the manifest resolved but a blob or child manifest is gone (garbage collection, a broken mirror or pull-through cache)' },
  'platform-missing': { ambiguous: false, summary: "the image index has no entry for the node's platform" },
  'no-credentials': { ambiguous: false, summary: 'the runtime sent no credentials and the registry requires them' },
  'credentials-rejected': { ambiguous: false, summary: 'the registry (or its token service) rejected the credentials that were sent' },
  'token-expired': { ambiguous: false, summary: 'the registry token (ECR: 12 hours) in the credentials has expired' },
  unauthorized: { ambiguous: true, summary: 'the registry answered 401: no credentials were sent, or they were rejected' },
  'access-denied': { ambiguous: false, summary: 'the credentials are valid but may not pull this repository (403 / DENIED)' },
  'rate-limited': { ambiguous: false, summary: 'the registry rate-limited the pull (429 TOOMANYREQUESTS)' },
  'kubelet-throttled': { ambiguous: false, summary: "the kubelet's own pull rate limit (registryPullQPS / registryBurst) was exceeded" },
  dns: { ambiguous: false, summary: "the registry's host name did not resolve on the node" },
  tls: { ambiguous: false, summary: "TLS to the registry failed on the node (unknown CA, expired or mismatched certificate)" },
  'plain-http': { ambiguous: false, summary: 'the registry speaks plain HTTP and the runtime is not configured to allow it' },
  unreachable: { ambiguous: false, summary: 'the node could not connect to the registry (refused, no route, reset, proxy)' },
  timeout: { ambiguous: false, summary: 'the registry did not answer in time' },
  'pull-canceled': { ambiguous: false, summary: "the pull was cancelled (containerd's image_pull_progress_timeout without progress, or the pod went away)" },
  'server-error': { ambiguous: false, summary: 'the registry answered with a server error (5xx)' },
  'disk-full': { ambiguous: false, summary: "the node's image filesystem is full" },
  'signature-rejected': { ambiguous: false, summary: "the runtime's signature policy rejected the image" },
  'format-unsupported': { ambiguous: false, summary: 'the image format (Docker schema 1) is no longer supported by the runtime' },
  'inspect-failed': { ambiguous: false, summary: 'the runtime could not inspect the image on the node (ImageStatus failed)' },
  'back-off-only': { ambiguous: true, summary: 'only "Back-off pulling image" is left: the message that said why has expired' },
  unknown: { ambiguous: true, summary: 'the message matches no known wording' },
} as const satisfies Record<string, { ambiguous: boolean; summary: string }>;

export type Cause = keyof typeof CAUSES;

export type Runtime = 'kubelet' | 'containerd' | 'cri-o' | 'docker' | 'registry';

export interface Pattern {
  readonly cause: Cause;
  /** Whose wording this is (`registry`: a registry's own error body, relayed by any runtime). */
  readonly runtime: Runtime;
  readonly re: RegExp;
  /** Where the text comes from: the source file that produces it, or the public report that shows it. */
  readonly source: string;
  /** Match the kubelet's whole text, not only the runtime's part (patterns about the kubelet's own wrapper). */
  readonly whole?: true;
}

/** The ordered table. First match wins. */
export const PATTERNS: readonly Pattern[] = [
  // --- decided by the kubelet before any runtime call
  {
    cause: 'reference-invalid',
    runtime: 'kubelet',
    re: /couldn't parse image (?:reference|name) "|Failed to apply default image tag "|invalid reference format/,
    source: 'kubernetes pkg/kubelet/images/image_manager.go applyDefaultImageTag (≤1.27 "reference", ≥1.28 pkg/util/parsers "name", kubernetes#116231)',
  },
  {
    cause: 'never-pull',
    runtime: 'kubelet',
    re: /is not present with pull policy of Never/,
    source: 'kubernetes pkg/kubelet/images/image_manager.go EnsureImageExists (ErrImageNeverPull)',
  },
  {
    cause: 'kubelet-throttled',
    runtime: 'kubelet',
    re: /pull QPS exceeded/,
    source: 'kubernetes pkg/kubelet/images/puller.go throttledImageService (registryPullQPS)',
  },
  // --- runtime policy
  {
    cause: 'short-name-ambiguous',
    runtime: 'cri-o',
    re: /short name mode is enforcing|short-name "[^"]*" did not resolve to an alias|did not resolve to an alias and no (?:unqualified-search|containers-registries\.conf)/,
    source: 'containers/image pkg/shortnames/shortnames.go; CRI-O ≥1.34 enforcing (cri-o#9401; longhorn/longhorn#12268)',
  },
  {
    cause: 'signature-rejected',
    runtime: 'cri-o',
    re: /SignatureValidationFailed|signature validation failed|Source image rejected|signature verification failed|image signature verification failed/i,
    source: 'kubernetes cri-api pkg/errors ErrSignatureValidationFailed (kubernetes#117717); cri-o#8656; containers/image signature/policy_eval.go "Source image rejected"',
  },
  // --- ECR's "expired" text inside other wrappers must win over the wrappers
  {
    cause: 'token-expired',
    runtime: 'registry',
    re: /authori[sz]ation token has expired|token has expired|expired token/i,
    source: 'ECR error body "Your authorization token has expired. Reauthenticate and try again." (portainer/portainer#6764, buildkite/elastic-ci-stack-for-aws#178)',
  },
  {
    cause: 'rate-limited',
    runtime: 'registry',
    re: /toomanyrequests|too many requests|\b429\b|pull rate limit/i,
    source: 'distribution TOOMANYREQUESTS; containerd fetcher.go "unexpected status code <url>: 429 Too Many Requests" (kata-containers/kata-containers#10109); docker "Error response from daemon: toomanyrequests" (ceph/ceph-csi#2029)',
  },
  {
    cause: 'disk-full',
    runtime: 'kubelet',
    re: /no space left on device|disk quota exceeded/i,
    source: 'containerd "failed to extract layer … no space left on device" (usestrix/strix#483); docker "failed to register layer … no space left on device" (Kaggle/docker-python#19)',
  },
  {
    cause: 'format-unsupported',
    runtime: 'containerd',
    re: /is no longer supported since containerd v2|schema ?1 (?:support is disabled|images? (?:is|are) (?:deprecated|not supported))|manifest version 2, schema 1 support/i,
    source: 'containerd v2.0 core/remotes/docker/schema1 removal (ErrSchema1Unsupported); moby "Docker Image Format v1 and Docker Image manifest version 2, schema 1 support is disabled"',
  },
  {
    cause: 'platform-missing',
    runtime: 'containerd',
    re: /no match for platform in manifest|no matching manifest for .+? in the manifest list entries|no image found in (?:manifest list|image index) for architecture|no (?:suitable|matching) image (?:found )?for (?:the )?platform|image operating system "[^"]+" cannot be used on this platform/i,
    source: 'containerd images/image.go "no match for platform in manifest" (nginx/nginx-gateway-fabric#3661); moby "no matching manifest for linux/arm64/v8 in the manifest list entries"; containers/image manifest/list.go "no image found in manifest list for architecture" (cri-o/cri-o#8283)',
  },
  // --- transport: TLS, DNS, connection, time (before any "status" pattern: a token fetch that fails
  //     on the network carries "failed to fetch anonymous token: Get …: dial tcp …")
  {
    cause: 'plain-http',
    runtime: 'containerd',
    re: /server gave HTTP response to HTTPS client|first record does not look like a TLS handshake/,
    source: 'Go net/http client error, relayed by every runtime (enix/kube-image-keeper#60)',
  },
  {
    cause: 'tls',
    runtime: 'containerd',
    re: /x509: |tls: failed to verify certificate|tls: handshake failure|remote error: tls|certificate signed by unknown authority|certificate has expired|certificate is valid for/,
    source: 'Go crypto/x509 and crypto/tls errors, relayed by every runtime (kubernetes/kubernetes#93556, easzlab/kubeasz#1163)',
  },
  {
    cause: 'dns',
    runtime: 'containerd',
    re: /\blookup [^\s:]+(?: on [^\s]+)?: (?:no such host|server misbehaving|Try again|Temporary failure in name resolution|i\/o timeout|read udp|dial udp|device or resource busy|no answer)|\bno such host\b|Temporary failure in name resolution|name resolution failed/,
    source: 'Go net.DNSError "dial tcp: lookup <host> on <server>: no such host" (docker/for-win#6241, kubernetes/kubernetes#90326)',
  },
  {
    cause: 'unreachable',
    runtime: 'cri-o',
    re: /^RegistryUnavailable\b|because the registry is unavailable|connect: connection refused|connection refused|connect: no route to host|no route to host|network is unreachable|connection reset by peer|proxyconnect tcp|: (?:unexpected )?EOF\s*$|: EOF\b/,
    source: 'kubernetes cri-api pkg/errors ErrRegistryUnavailable ("image pull failed for <image> because the registry is unavailable", ≥1.28); Go net.OpError; CRI-O maps ECONNREFUSED to RegistryUnavailable (server/image_pull.go)',
  },
  {
    cause: 'timeout',
    runtime: 'containerd',
    re: /i\/o timeout|connection timed out|context deadline exceeded|code = DeadlineExceeded|code = 4 desc|Client\.Timeout exceeded|TLS handshake timeout|request canceled while waiting for connection|timeout exceeded|Timeout exceeded/,
    source: 'Go net/http and context errors (kubernetes/kubeadm#2936 "dial tcp …: connect: connection timed out"; cri-o/cri-o#189 "rpc error: code = 4 desc = context deadline exceeded")',
  },
  {
    cause: 'pull-canceled',
    runtime: 'containerd',
    re: /code = Canceled|context canceled/,
    source: 'containerd internal/cri/server/images/image_pull.go image_pull_progress_timeout cancels the pull (kubernetes/kubernetes#131521)',
  },
  {
    cause: 'server-error',
    runtime: 'registry',
    re: /\b50[0234] (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\b|unexpected status code \S+: 5\d\d|invalid status code from registry 5\d\d|received unexpected HTTP status: 5\d\d|HTTP code 5\d\d/i,
    source: 'containerd fetcher.go / resolver.go "unexpected status …: 5xx"; containers/image docker_client.go; moby registry errors',
  },
  // --- repository / manifest answers
  {
    cause: 'repository-missing',
    runtime: 'registry',
    re: /The repository with name '[^']+' does not exist in the registry with id|name unknown|NAME_UNKNOWN|repository name not known to registry/,
    source: 'distribution NAME_UNKNOWN "repository name not known to registry"; ECR RepositoryNotFoundException body (pull-failures.md row 5); containers/image "reading manifest … in …: name unknown" (podman-container-tools/podman#9990)',
  },
  {
    cause: 'not-found-or-unauthorized',
    runtime: 'cri-o',
    re: /Requesting bearer token: invalid status code from registry 40[13]|failed to fetch anonymous token: unexpected status(?: from \w+ request to \S+)?: 403/,
    source: 'containers/image docker_client.go getBearerToken "invalid status code from registry 403 (Forbidden)" (cri-o/cri-o#7007, k0sproject/k0sctl#981); containerd anonymous-token 403 (kubernetes/kubernetes#66162)',
  },
  {
    cause: 'access-denied',
    runtime: 'registry',
    re: /Permission "artifactregistry\.repositories\.downloadArtifacts" denied|not authorized to perform: ecr:|is not allowed access|failed to fetch oauth token: unexpected status(?: from \w+ request to \S+)?: 403|\b403 Forbidden\b|status code \[?[^\]]*\]?: 403|unexpected status(?: from \w+ request to \S+)?: 403|unexpected status code \S+: 403|denied: (?:access forbidden|requested access to the resource is denied: 403)|": Forbidden\s*$|\bHTTP 403 response body/,
    source: 'containerd authorizer.go "failed to fetch oauth token: unexpected status: 403" (CrowdStrike/terraform-kubectl-falcon#27); containerd resolver.go "pulling from host … failed with status code [manifests …]: 403 Forbidden" (mysticaltech/terraform-hcloud-kube-hetzner#451); GAR / ECR permission bodies',
  },
  {
    cause: 'credentials-rejected',
    runtime: 'containerd',
    re: /failed to fetch oauth token: unexpected status(?: from \w+ request to \S+)?: 401|unable to retrieve auth token: invalid username\/password|incorrect username or password|invalid username\/password|Application not registered with AAD|The security token included in the request is invalid|unauthorized: (?:BAD_CREDENTIAL|Password is invalid|incorrect)|authentication failed/i,
    source: 'containerd authorizer.go fetchToken "failed to fetch oauth token: unexpected status: 401 Unauthorized" (containerd/containerd#2211); containers/image docker_client.go "unable to retrieve auth token: invalid username/password" (kubernetes-sigs/cri-tools#731, yandex-cloud/k8s-csi-s3#81); docker "unauthorized: incorrect username or password" (containerd/cri#668)',
  },
  {
    cause: 'no-credentials',
    runtime: 'containerd',
    re: /failed to fetch anonymous token: unexpected status(?: from \w+ request to \S+)?: 401|no basic auth credentials|authorization failed: no basic auth credentials/,
    source: 'containerd authorizer.go "failed to fetch anonymous token" (jfrog/jfrog-credentials-provider#41); docker "no basic auth credentials" (kubernetes/community#4003, aws-samples/eks-workshop#451)',
  },
  {
    cause: 'not-found-or-unauthorized',
    runtime: 'containerd',
    re: /pull access denied|repository does not exist or may require|insufficient_scope|does not exist or no pull access|requested access to the resource is denied|may require 'docker login'/,
    source: 'containerd resolver.go ErrInvalidAuthorization "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope" (vmware-archive/buildkit-cli-for-kubectl#119); moby "pull access denied for <repo>, repository does not exist or may require \'docker login\'" (opsnull/follow-me-install-kubernetes-cluster#639); CRI-O "denied: requested access to the resource is denied" (cri-o/cri-o#2331)',
  },
  {
    cause: 'unauthorized',
    runtime: 'registry',
    re: /unauthorized: authentication required|401 Unauthorized|status code \[?[^\]]*\]?: 401|unexpected status(?: from \w+ request to \S+)?: 401|unauthorized: access to the requested resource is not authorized|\bUNAUTHORIZED\b|\bunauthorized\b/,
    source: 'distribution UNAUTHORIZED; containerd 1.6 "pulling from host … failed with status code [manifests …]: 401 Unauthorized" (kubernetes/kubernetes#110678); docker "unauthorized: authentication required" (kubernetes/kubernetes#41154, rancher-archives/rke#167)',
  },
  {
    cause: 'content-missing',
    runtime: 'containerd',
    re: /could not fetch content descriptor|content at [^\s]+ not found|content digest [^\s]+: not found|failed to copy: [^\n]*not found|blob unknown|unknown blob|BLOB_UNKNOWN/,
    source: 'containerd remotes/handlers.go "could not fetch content descriptor … from remote: not found"; distribution BLOB_UNKNOWN',
  },
  {
    cause: 'tag-missing',
    runtime: 'registry',
    re: /manifest unknown|MANIFEST_UNKNOWN|manifest for \S+ not found|Requested image not found|reading manifest \S+ in \S+: not found|image \S+ not found/,
    source: 'distribution MANIFEST_UNKNOWN; moby "manifest for <ref> not found: manifest unknown" (kubevela/kubevela#981, lachie83/k8s-kubectl#157); containers/image "Error reading manifest <tag> in <repo>: manifest unknown" (cri-o/cri-o#4388, raffaelespazzoli/credscontroller#10); ECR "Requested image not found"',
  },
  {
    cause: 'manifest-not-found',
    runtime: 'containerd',
    re: /failed to resolve reference "[^"]+": [^\s]+: not found|: not found\s*$|code = NotFound|\bnot found\b/,
    source: 'containerd resolver.go Resolve "<ref>: not found" (errdefs.ErrNotFound, gRPC NotFound) (sympozium-ai/sympozium#5, forcedotcom/salesforcedx-docker#35)',
  },
  {
    cause: 'inspect-failed',
    runtime: 'kubelet',
    re: /^Failed to inspect image|failed to inspect sandbox image/,
    whole: true,
    source: 'kubernetes pkg/kubelet/images/image_manager.go "Failed to inspect image" (ImageInspectError)',
  },
  {
    cause: 'back-off-only',
    runtime: 'kubelet',
    re: /^\s*Back-off pulling image "[^"]*"\s*$/,
    whole: true,
    source: 'kubernetes pkg/kubelet/images/image_manager.go "Back-off pulling image %q" (before 1.32, and every BackOff event)',
  },
];

/** Which runtime wrote a text, from its wording (the node's containerRuntimeVersion is better when known). */
const RUNTIME_FINGERPRINTS: readonly { readonly runtime: Exclude<Runtime, 'kubelet' | 'registry'>; readonly re: RegExp }[] = [
  { runtime: 'containerd', re: /failed to pull and unpack image|failed to resolve reference|httpRead(?:er)?Seeker|failed to resolve image .*no available registry endpoint|failed to do request: /i },
  { runtime: 'cri-o', re: /reading manifest |initializing source docker:\/\/|pinging (?:container|docker) registry|choosing image instance|Requesting bearer token|short name mode|unable to retrieve auth token|Source image rejected/i },
  { runtime: 'docker', re: /Error response from daemon|error pulling image configuration|failed to register layer|may require 'docker login'/i },
];

export function runtimeOfText(text: string): Exclude<Runtime, 'kubelet' | 'registry'> | null {
  for (const f of RUNTIME_FINGERPRINTS) if (f.re.test(text)) return f.runtime;
  return null;
}

/** `containerd://1.7.2` (node.status.nodeInfo.containerRuntimeVersion) → the runtime. */
export function runtimeOfNode(containerRuntimeVersion: string): Exclude<Runtime, 'kubelet' | 'registry'> | null {
  const scheme = containerRuntimeVersion.split('://')[0]?.toLowerCase() ?? '';
  if (scheme === 'containerd') return 'containerd';
  if (scheme === 'cri-o') return 'cri-o';
  if (scheme === 'docker') return 'docker';
  return null;
}

export interface Classification {
  readonly cause: Cause;
  /** The pattern that matched (null for `unknown` and for empty texts). */
  readonly pattern: Pattern | null;
  /** The runtime's own error text, without the kubelet's and gRPC's wrappers. */
  readonly runtimeText: string;
  /** Which runtime's wording it is, when it tells. */
  readonly runtime: Exclude<Runtime, 'kubelet' | 'registry'> | null;
}

/**
 * Strip the wrappers the kubelet and gRPC put around the runtime's error:
 *   `Failed to pull image "x": ` · `Back-off pulling image "x": <Reason>: ` (≥1.32) ·
 *   `image pull failed for x because the registry is unavailable: ` · `rpc error: code = C desc = `.
 */
export function runtimeText(message: string): string {
  let t = message.trim();
  // kubectl ≥ 1.33 prints an event's fieldPath before its note; copies of that output carry it.
  t = t.replace(/^spec\.(?:initContainers|containers|ephemeralContainers)\{[^}]*\}: /, '');
  t = t.replace(/^Failed to (?:pull|inspect) image "[^"]*": /, '');
  t = t.replace(/^Back-off pulling image "[^"]*": (?:[A-Za-z]+: )?/, '');
  t = t.replace(/^Failed create pod sandbox: |^Failed to create pod sandbox: /, '');
  for (let i = 0; i < 2; i++) t = t.replace(/^rpc error: code = \w+ desc = /, '');
  return t;
}

/** Classify one text (a waiting message or an event message). */
export function classify(message: string): Classification {
  const text = message.trim();
  const inner = runtimeText(text);
  if (text === '') return { cause: 'unknown', pattern: null, runtimeText: '', runtime: null };
  for (const p of PATTERNS) {
    const subject = p.whole ? text.replace(/^spec\.\w+\{[^}]*\}: /, '') : inner;
    if (p.re.test(subject)) return { cause: p.cause, pattern: p, runtimeText: inner, runtime: runtimeOfText(inner) };
  }
  return { cause: 'unknown', pattern: null, runtimeText: inner, runtime: runtimeOfText(inner) };
}

/** Waiting reasons the kubelet sets for image problems (pkg/kubelet/images/types.go, cri-api pkg/errors). */
export const PULL_WAITING_REASONS = [
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
  'SignatureValidationFailed',
  'ImageInspectError',
  'ErrImageNotEnsured',
  'PullImageError',
] as const;

export function isPullWaitingReason(reason: string): boolean {
  return (PULL_WAITING_REASONS as readonly string[]).includes(reason);
}

/** What a waiting reason alone proves, when no text says more. */
export function causeOfReason(reason: string): Cause | null {
  switch (reason) {
    case 'InvalidImageName':
      return 'reference-invalid';
    case 'ErrImageNeverPull':
      return 'never-pull';
    case 'RegistryUnavailable':
      return 'unreachable';
    case 'SignatureValidationFailed':
      return 'signature-rejected';
    case 'ImageInspectError':
      return 'inspect-failed';
    default:
      return null;
  }
}

/**
 * The best classification among several texts about one container (newest first): the first that
 * names a cause beats `back-off-only` and `unknown`; the reason decides when no text does.
 */
export function classifyAll(texts: readonly string[], reason: string): Classification {
  const all = texts.filter((t) => t.trim() !== '').map(classify);
  const decisive = all.find((c) => c.cause !== 'unknown' && c.cause !== 'back-off-only' && c.cause !== 'inspect-failed');
  if (decisive) return decisive;
  const first = all[0];
  const byReason = causeOfReason(reason);
  if (byReason !== null) return { cause: byReason, pattern: null, runtimeText: first?.runtimeText ?? '', runtime: first?.runtime ?? null };
  return all.find((c) => c.cause === 'inspect-failed') ?? first ?? { cause: 'unknown', pattern: null, runtimeText: '', runtime: null };
}
