/**
 * One explanation per failing pull (pure): the kubelet's words classified (./classify.ts), set against
 * what the engine found asking the registry with the pod's own credentials, with the fix as commands.
 *
 * The cause is a code of src/findings/codes.ts: one of the engine's FINDINGS where the engine can prove
 * the cause, one of the DIAGNOSES for causes that live on the node or in the runtime.
 */
import { FINDINGS, isFindingCode, type DiagnosisCode, type FindingCode } from '../findings/codes.js';
import type { Finding, ImageReport } from '../findings/types.js';
import { parseEcrHost } from '../cloud/ecr.js';
import type { Decision } from '../verdict/policy.js';
import { CAUSES, type Cause, type Classification } from './classify.js';
import type { FailingPull, NodeFacts } from './evidence.js';

/** The code a cause gets from the message alone. */
export function codeOfCause(cause: Cause, image: string): FindingCode | DiagnosisCode {
  switch (cause) {
    case 'reference-invalid':
      return 'IMAGE_REFERENCE_INVALID';
    case 'short-name-ambiguous':
      return 'IMAGE_NAME_AMBIGUOUS';
    case 'never-pull':
      return 'IMAGE_NEVER_PULLED';
    case 'not-found-or-unauthorized':
      return 'IMAGE_MISSING_OR_PRIVATE';
    case 'repository-missing':
      return 'IMAGE_REPOSITORY_NOT_FOUND';
    case 'manifest-not-found':
    case 'tag-missing':
      return image.includes('@') ? 'IMAGE_DIGEST_NOT_FOUND' : 'IMAGE_TAG_NOT_FOUND';
    case 'content-missing':
      return 'IMAGE_CONTENT_MISSING';
    case 'platform-missing':
      return 'IMAGE_PLATFORM_MISSING';
    case 'no-credentials':
    case 'unauthorized':
      return 'REGISTRY_AUTH_REQUIRED';
    case 'credentials-rejected':
      return 'REGISTRY_AUTH_REJECTED';
    case 'token-expired':
      return 'PULL_SECRET_EXPIRED';
    case 'access-denied':
      return 'REGISTRY_ACCESS_DENIED';
    case 'rate-limited':
      return 'REGISTRY_RATE_LIMITED';
    case 'kubelet-throttled':
      return 'KUBELET_PULL_THROTTLED';
    case 'dns':
    case 'tls':
    case 'plain-http':
    case 'unreachable':
    case 'timeout':
    case 'server-error':
      return 'REGISTRY_UNREACHABLE';
    case 'pull-canceled':
      return 'IMAGE_PULL_CANCELED';
    case 'disk-full':
      return 'NODE_DISK_FULL';
    case 'signature-rejected':
      return 'IMAGE_SIGNATURE_REJECTED';
    case 'format-unsupported':
      return 'IMAGE_FORMAT_UNSUPPORTED';
    case 'inspect-failed':
      return 'IMAGE_INSPECT_FAILED';
    case 'back-off-only':
    case 'unknown':
      return 'PULL_FAILURE_UNCLASSIFIED';
  }
}

/** Engine codes that decide the cause (the others mean "could not tell"). */
const DECISIVE = new Set([
  'IMAGE_REFERENCE_INVALID',
  'IMAGE_REPOSITORY_NOT_FOUND',
  'IMAGE_TAG_NOT_FOUND',
  'IMAGE_DIGEST_NOT_FOUND',
  'IMAGE_PLATFORM_MISSING',
  'REGISTRY_AUTH_REQUIRED',
  'REGISTRY_AUTH_REJECTED',
  'REGISTRY_ACCESS_DENIED',
  'PULL_SECRET_EXPIRED',
  'PULL_SECRET_MALFORMED',
]);

const AUTH = ['REGISTRY_AUTH_REQUIRED', 'REGISTRY_AUTH_REJECTED', 'REGISTRY_ACCESS_DENIED', 'PULL_SECRET_EXPIRED', 'PULL_SECRET_MALFORMED'];
const MISSING = ['IMAGE_REPOSITORY_NOT_FOUND', 'IMAGE_TAG_NOT_FOUND', 'IMAGE_DIGEST_NOT_FOUND'];

/** Which engine codes agree with what the message says. */
const AGREES: Partial<Record<Cause, readonly string[]>> = {
  'reference-invalid': ['IMAGE_REFERENCE_INVALID'],
  'not-found-or-unauthorized': [...MISSING, ...AUTH],
  'repository-missing': ['IMAGE_REPOSITORY_NOT_FOUND'],
  'manifest-not-found': MISSING,
  'tag-missing': MISSING,
  'platform-missing': ['IMAGE_PLATFORM_MISSING'],
  'no-credentials': ['REGISTRY_AUTH_REQUIRED'],
  'credentials-rejected': ['REGISTRY_AUTH_REJECTED', 'PULL_SECRET_EXPIRED', 'PULL_SECRET_MALFORMED'],
  'token-expired': ['PULL_SECRET_EXPIRED', 'REGISTRY_AUTH_REJECTED'],
  unauthorized: ['REGISTRY_AUTH_REQUIRED', 'REGISTRY_AUTH_REJECTED', 'PULL_SECRET_EXPIRED', 'PULL_SECRET_MALFORMED'],
  'access-denied': ['REGISTRY_ACCESS_DENIED', 'REGISTRY_AUTH_REQUIRED'],
};

/** Causes that happen on the node or in the runtime: a registry that answers well does not contradict them. */
const NODE_SIDE: ReadonlySet<Cause> = new Set<Cause>([
  'short-name-ambiguous',
  'never-pull',
  'kubelet-throttled',
  'dns',
  'tls',
  'plain-http',
  'unreachable',
  'timeout',
  'pull-canceled',
  'server-error',
  'rate-limited',
  'disk-full',
  'signature-rejected',
  'inspect-failed',
  'content-missing',
  'format-unsupported',
]);

/** Where a pod comes from, for "retry now". */
export interface Owner {
  readonly kind: string;
  readonly name: string;
}

export interface PodFacts {
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  /** The pod's own imagePullSecrets names. */
  readonly imagePullSecrets: readonly string[];
  /** Outermost owner first (Deployment, then ReplicaSet); empty for a bare pod. */
  readonly owners: readonly Owner[];
}

/** What the engine said about this image; absent when it was not asked (--offline). */
export interface EngineView {
  readonly findings: readonly Finding[];
  readonly report: ImageReport | null;
  /** The decision the webhook (enforce mode) would make on these findings. */
  readonly decision: Decision;
  /** Why the pod's pull secrets could not be read, or null. */
  readonly secretsProblem: string | null;
}

export type Confirmation = 'confirmed' | 'contradicted' | 'node-side' | 'not-confirmed' | 'offline';

export interface Explanation {
  readonly namespace: string;
  readonly pod: string;
  readonly node: string;
  readonly platform: string | null;
  readonly runtime: string | null;
  readonly container: string;
  readonly slot: FailingPull['slot'];
  readonly image: string;
  readonly reason: string;
  readonly code: string;
  readonly cause: Cause;
  readonly summary: string;
  /** The kubelet's own words: waiting message and events (reason, count, last seen, message). */
  readonly kubelet: {
    readonly waitingMessage: string;
    readonly events: readonly { readonly reason: string; readonly count: number; readonly lastSeen: string; readonly message: string; readonly api: string }[];
  };
  /** The table row that matched (its source), or null. */
  readonly matched: { readonly runtime: string; readonly source: string } | null;
  readonly confirmation: Confirmation;
  /** What pullguard checked and found, one line each. */
  readonly checked: readonly string[];
  /** Where the registry's answer and the message disagree, or null. */
  readonly disagreement: string | null;
  readonly fix: readonly string[];
  readonly retry: readonly string[];
  readonly webhook: string;
}

function q(s: string): string {
  return /^[A-Za-z0-9@%_+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `registry.example:5000/team/app:1.2@sha256:…` → host, repository, tag. */
export function splitImage(image: string): { host: string; repo: string; tag: string | null } {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.indexOf('/');
  const first = slash >= 0 ? noDigest.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : 'docker.io';
  const rest = hasHost ? noDigest.slice(slash + 1) : noDigest;
  const colon = rest.lastIndexOf(':');
  const repo = colon >= 0 ? rest.slice(0, colon) : rest;
  const tag = colon >= 0 ? rest.slice(colon + 1) : null;
  return { host, repo: hasHost ? `${host}/${repo}` : repo, tag };
}

/** The workload to change for a fix: the outermost owner, else the pod. */
function workloadRef(p: PodFacts): string {
  const top = p.owners[0];
  if (!top) return `pod/${p.name}`;
  return `${top.kind.toLowerCase()}/${top.name}`;
}

function ns(p: PodFacts): string {
  return `-n ${q(p.namespace)}`;
}

/** The secret names whose credentials the engine matched for this image. */
function matchedSecrets(report: ImageReport | null): string[] {
  if (!report) return [];
  // Reported as namespace/name; kubectl wants the name (the namespace goes in -n).
  return [...new Set(report.credentials.filter((c) => c.secret).map((c) => c.secret!.slice(c.secret!.indexOf('/') + 1)))];
}

function secretCommand(p: PodFacts, name: string, host: string, replace: boolean): string {
  const server = host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
  const ecr = parseEcrHost(host);
  const creds = ecr
    ? `--docker-username=AWS --docker-password="$(aws ecr get-login-password --region ${ecr.region})"`
    : '--docker-username=USER --docker-password=PASSWORD';
  const base = `kubectl create secret docker-registry ${q(name)} ${ns(p)} --docker-server=${q(server)} ${creds}`;
  return replace ? `${base} --dry-run=client -o yaml | kubectl apply -f -` : base;
}

function slug(host: string): string {
  return `pull-${host.split(':')[0]!.split('.')[0]!.replace(/[^a-z0-9-]/gi, '').toLowerCase() || 'registry'}`;
}

function fixFor(code: string, cause: Cause, f: FailingPull, p: PodFacts, finding: Finding | null, report: ImageReport | null, node: NodeFacts | null): string[] {
  const { host, repo, tag } = splitImage(f.image);
  const setImage = (img: string) =>
    f.slot === 'sandbox'
      ? `set sandbox_image = "${img}" in the runtime's configuration on the node (containerd: [plugins."io.containerd.grpc.v1.cri"] sandbox_image; CRI-O: pause_image)`
      : `kubectl set image ${workloadRef(p)} ${q(f.name)}=${q(img)} ${ns(p)}`;
  const usesServiceAccount = p.imagePullSecrets.length === 0;
  switch (code) {
    case 'IMAGE_REFERENCE_INVALID':
      return [finding ? finding.message : 'correct the image reference (registry/repository:tag, lowercase repository)', setImage('REGISTRY/REPOSITORY:TAG')];
    case 'IMAGE_TAG_NOT_FOUND': {
      const m = finding ? /did you mean ([^?]+)\?/.exec(finding.message) : null;
      const first = m ? m[1]!.split(/, | or /)[0]!.trim() : null;
      if (first) return [`use an existing tag (nearest: ${m![1]})`, setImage(`${repo}:${first}`)];
      return [`use an existing tag, or push ${repo}:${tag ?? 'latest'} first`, `docker push ${repo}:${tag ?? 'latest'}`];
    }
    case 'IMAGE_DIGEST_NOT_FOUND':
      return ['pin a digest that exists in the repository (it may have been deleted)', setImage(`${repo}@sha256:DIGEST`)];
    case 'IMAGE_REPOSITORY_NOT_FOUND':
      return [`check the image name (registry, namespace, spelling), or push the image to ${repo} first`, setImage(`${repo}:${tag ?? 'latest'}`)];
    case 'IMAGE_MISSING_OR_PRIVATE':
    case 'REGISTRY_AUTH_REQUIRED': {
      const name = slug(host);
      const lines = [
        code === 'IMAGE_MISSING_OR_PRIVATE' ? `check that ${repo} exists; if it is private, give the pod a pull secret for ${host}:` : `give the pod a pull secret for ${host}:`,
        secretCommand(p, name, host, false),
      ];
      if (usesServiceAccount) lines.push(`kubectl patch serviceaccount ${q(p.serviceAccount)} ${ns(p)} -p '{"imagePullSecrets":[{"name":"${name}"}]}'`);
      else lines.push(`kubectl patch ${workloadRef(p)} ${ns(p)} --type=json -p '[{"op":"add","path":"${p.owners.length ? '/spec/template/spec' : '/spec'}/imagePullSecrets/-","value":{"name":"${name}"}}]'`);
      if (usesServiceAccount) lines.push('(a ServiceAccount\'s pull secrets reach only pods created after the patch)');
      return lines;
    }
    case 'REGISTRY_AUTH_REJECTED':
    case 'PULL_SECRET_EXPIRED':
    case 'PULL_SECRET_MALFORMED': {
      const secrets = matchedSecrets(report);
      const names = secrets.length ? secrets : [slug(host)];
      const lines = names.map((s) => secretCommand(p, s, host, true));
      const ecr = parseEcrHost(host);
      if (ecr) lines.push('ECR tokens last 12 hours: let the nodes pull with the kubelet ECR credential provider (ecr-credential-provider), or refresh the secret on a schedule');
      return [code === 'PULL_SECRET_EXPIRED' ? `refresh the expired token in ${names.join(', ')}:` : `replace the credentials in ${names.join(', ')}:`, ...lines];
    }
    case 'REGISTRY_ACCESS_DENIED': {
      const ecr = parseEcrHost(host);
      if (ecr) return [`allow ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on ${repo.slice(host.length + 1)} to the identity the nodes (or the pull secret) use`, `aws ecr get-repository-policy --repository-name ${q(repo.slice(host.length + 1))} --region ${ecr.region}`];
      return [`grant the pull secret's account pull access to ${repo}, or use credentials that have it`];
    }
    case 'IMAGE_PLATFORM_MISSING': {
      const plat = node?.platform ? `${node.platform.os}/${node.platform.architecture}` : 'OS/ARCH';
      return [`build and push ${f.image} for ${plat}:`, `docker buildx build --platform ${plat} -t ${q(f.image)} --push .`, `or keep the pod off such nodes: kubectl patch ${workloadRef(p)} ${ns(p)} -p '{"spec":{"template":{"spec":{"nodeSelector":{"kubernetes.io/arch":"ARCH"}}}}}'`];
    }
    case 'REGISTRY_RATE_LIMITED':
      return [`authenticate pulls from ${host} (a pull secret raises Docker Hub's limit) or pull through a mirror`, secretCommand(p, slug(host), host, false)];
    case 'REGISTRY_UNREACHABLE': {
      const where = node ? `on node ${node.name}` : 'on the node';
      const hint: Partial<Record<Cause, string>> = {
        dns: `check DNS ${where}: getent hosts ${host.split(':')[0]}`,
        tls: `trust the registry's CA ${where}: containerd /etc/containerd/certs.d/${host}/ca.crt (hosts.toml), CRI-O /etc/containers/certs.d/${host}/ca.crt`,
        'plain-http': `${host} speaks plain HTTP: declare it in the runtime (containerd hosts.toml server = "http://${host}"; CRI-O registries.conf insecure = true)`,
        unreachable: `check the registry and the network path ${where} (firewall, proxy, egress)`,
        timeout: `check the network path ${where} and the registry's health`,
        'server-error': `the registry answered 5xx: check ${host} and retry`,
      };
      return [hint[cause] ?? `check the network path ${where} to ${host}`, `try the pull ${where}: crictl pull ${q(f.image)}`];
    }
    case 'IMAGE_NAME_AMBIGUOUS':
      return ['name the registry explicitly (CRI-O ≥ 1.34 enforces short-name mode):', setImage(f.image.includes('/') ? `docker.io/${f.image}` : `docker.io/library/${f.image}`)];
    case 'IMAGE_NEVER_PULLED':
      return [`load the image onto node ${node?.name ?? ''} (kind load docker-image / minikube image load / ctr -n k8s.io images import), or let the kubelet pull it:`, `kubectl patch ${workloadRef(p)} ${ns(p)} --type=json -p '[{"op":"replace","path":"${p.owners.length ? '/spec/template/spec' : '/spec'}/${f.slot}/0/imagePullPolicy","value":"IfNotPresent"}]'  # index 0: adjust to the container's position`];
    case 'IMAGE_CONTENT_MISSING':
      return [`push ${f.image} again (a blob is gone), or fix the mirror / pull-through cache in front of ${host}`];
    case 'KUBELET_PULL_THROTTLED':
      return ['raise registryPullQPS / registryBurst in the kubelet configuration, or spread the rollout'];
    case 'NODE_DISK_FULL':
      return [`free image space on node ${node?.name ?? ''}: crictl rmi --prune; check DiskPressure: kubectl describe node ${node?.name ?? 'NODE'}`];
    case 'IMAGE_SIGNATURE_REJECTED':
      return ['sign the image for the policy the runtime enforces, or check the policy (CRI-O: /etc/containers/policy.json, namespaced policies)'];
    case 'IMAGE_FORMAT_UNSUPPORTED':
      return [`rebuild and push ${f.image} as an OCI or Docker schema 2 image (e.g. docker buildx build … --push, or crane copy to convert)`];
    case 'IMAGE_PULL_CANCELED':
      return ['a large image or a slow registry: raise containerd image_pull_progress_timeout, pre-pull the image, or use a closer mirror'];
    case 'IMAGE_INSPECT_FAILED':
      return [`inspect the image on node ${node?.name ?? ''}: crictl inspecti ${q(f.image)}; the runtime's image store may be damaged`];
    default:
      return [`look at the events: kubectl get events ${ns(p)} --field-selector involvedObject.name=${q(p.name)}`];
  }
}

function retryLines(p: PodFacts): string[] {
  const lines = ['the kubelet retries the pull by itself with back-off: 10 s, doubling up to 5 minutes between attempts'];
  const top = p.owners[0];
  if (top && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(top.kind)) {
    lines.push(`retry now: kubectl rollout restart ${top.kind.toLowerCase()}/${top.name} ${ns(p)}`);
  } else if (top) {
    lines.push(`retry now: kubectl delete pod ${q(p.name)} ${ns(p)}  (its ${top.kind} creates a new one)`);
  } else {
    lines.push(`retry now: kubectl delete pod ${q(p.name)} ${ns(p)} and apply its manifest again (a bare pod is not recreated)`);
  }
  return lines;
}

export interface ExplainInput {
  readonly pull: FailingPull;
  readonly classification: Classification;
  readonly pod: PodFacts;
  readonly node: NodeFacts | null;
  readonly runtime: string | null;
  /** null when --offline. */
  readonly engine: EngineView | null;
}

export function explain(input: ExplainInput): Explanation {
  const { pull: f, classification: c, pod: p, node, engine } = input;
  const findings = engine?.findings ?? [];
  const decisive = findings.find((x) => DECISIVE.has(x.code)) ?? null;
  // "Could not decide" findings (the code table's `undecided`): unreachable, rate-limited, unverified.
  const undecided = findings.find((x) => isFindingCode(x.code) && FINDINGS[x.code].undecided) ?? null;
  const checked: string[] = [];
  let confirmation: Confirmation;
  let disagreement: string | null = null;
  let code = codeOfCause(c.cause, f.image);
  let finding: Finding | null = null;

  if (!engine) {
    confirmation = 'offline';
    checked.push('nothing was confirmed: --offline classifies the kubelet\'s message only (no registry, no secrets read)');
  } else {
    const report = engine.report;
    if (report?.ref) checked.push(`reference: "${f.image}" parses as ${report.ref.name}${report.ref.tag ? `:${report.ref.tag}` : ''}${report.ref.digest ? `@${report.ref.digest}` : ''} (the kubelet's grammar)`);
    const sources = report?.credentials ?? [];
    if (sources.length > 0) {
      checked.push(
        `credentials the kubelet offers for this image: ${sources
          .map((s) => (s.source === 'node' ? 'the node\'s credential provider' : s.secret ? `secret ${s.secret.slice(s.secret.indexOf('/') + 1)}${s.source === 'serviceaccount' ? ` (from ServiceAccount ${p.serviceAccount})` : ''}` : s.source))
          .join(', ')}`,
      );
    } else if (report?.ref) {
      checked.push(`credentials: no pull secret of the pod${p.imagePullSecrets.length === 0 ? ` or of ServiceAccount ${p.serviceAccount}` : ''} matches ${report.ref.domain}; the kubelet pulls anonymously`);
    }
    if (engine.secretsProblem) checked.push(`pull secrets not read: ${engine.secretsProblem}`);
    for (const x of findings) if (x !== decisive && x !== undecided) checked.push(`also: ${x.code}: ${x.message}`);

    if (decisive) {
      finding = decisive;
      checked.push(`registry / credentials: ${decisive.code}: ${decisive.message}`);
      const agrees = (AGREES[c.cause] ?? []).includes(decisive.code) || c.cause === 'unknown' || c.cause === 'back-off-only' || c.cause === 'inspect-failed';
      if (agrees) {
        confirmation = 'confirmed';
        code = decisive.code;
      } else if (NODE_SIDE.has(c.cause)) {
        confirmation = 'node-side';
        disagreement = `the kubelet's message points at the node (${CAUSES[c.cause].summary}); the registry also shows ${decisive.code}, which will fail the pull once the node's problem is gone`;
      } else {
        confirmation = 'contradicted';
        disagreement = `the kubelet's message says ${CAUSES[c.cause].summary}; asked with this pod's credentials, the registry says ${decisive.code}`;
        code = decisive.code;
      }
    } else if (undecided) {
      confirmation = 'not-confirmed';
      finding = undecided;
      checked.push(`registry: ${undecided.code}: ${undecided.message}`);
      if (undecided.code === 'REGISTRY_UNREACHABLE') checked.push('pullguard has no network path to this registry from where it runs: the message\'s cause is not confirmed');
    } else if (report?.ref) {
      checked.push(`registry: ${report.ref.domain} serves ${f.image}${node?.platform ? ` for ${node.platform.os}/${node.platform.architecture}` : ''} with the credentials this pod offers`);
      if (NODE_SIDE.has(c.cause)) {
        confirmation = 'node-side';
        disagreement = `the image is fine at the registry: the failure is specific to node ${node?.name ?? ''} (its network, DNS, CA bundle, mirror, runtime configuration or disk)`;
      } else if (c.cause === 'unknown' || c.cause === 'back-off-only') {
        confirmation = 'not-confirmed';
        disagreement = 'the registry serves the image now; the kubelet\'s next retry should succeed, unless the node sees a different registry (mirror, network)';
      } else {
        confirmation = 'contradicted';
        disagreement = `the registry serves the image now with this pod's credentials, but the kubelet said: ${CAUSES[c.cause].summary}. It was pushed (or access granted) after the failure, or the node's network, mirror or credentials differ from what pullguard sees`;
      }
    } else {
      confirmation = 'not-confirmed';
    }
  }

  const webhook = !engine
    ? 'not evaluated (--offline)'
    : f.slot === 'sandbox'
      ? "pullguard's webhook does not check the pause image: it is the runtime's setting (sandbox_image / pause_image), not the pod's"
      : engine.decision.verdict === 'deny'
      ? `pullguard's webhook (enforce mode) would deny this pod${p.owners.length ? ` and its ${p.owners[0]!.kind}` : ''} at apply time: ${engine.decision.decided.map((d) => d.finding.code).filter((v, i, a) => a.indexOf(v) === i).join(', ')}`
      : engine.decision.verdict === 'warn'
        ? `pullguard's webhook would admit it with a warning (${engine.decision.decided.map((d) => d.finding.code).filter((v, i, a) => a.indexOf(v) === i).join(', ')}); set the code's action to deny to stop it`
        : NODE_SIDE.has(c.cause)
          ? 'pullguard\'s webhook would not have stopped it: the cause is on the node, not in the pod spec or the registry'
          : 'pullguard\'s webhook would admit it today: nothing the registry says now is wrong with it';

  return {
    namespace: p.namespace,
    pod: p.name,
    node: node?.name ?? '',
    platform: node?.platform ? `${node.platform.os}/${node.platform.architecture}` : null,
    runtime: input.runtime,
    container: f.name,
    slot: f.slot,
    image: f.image,
    reason: f.reason,
    code,
    cause: c.cause,
    summary: confirmation === 'confirmed' && finding ? finding.short : CAUSES[c.cause].summary,
    kubelet: {
      waitingMessage: f.waitingMessage,
      events: f.events.map((e) => ({ reason: e.reason, count: e.count, lastSeen: e.lastSeen, message: e.message, api: e.api })),
    },
    matched: c.pattern ? { runtime: c.pattern.runtime, source: c.pattern.source } : null,
    confirmation,
    checked,
    disagreement,
    fix: fixFor(code, c.cause, f, p, finding, engine?.report ?? null, node),
    retry: retryLines(p),
    webhook,
  };
}
