/**
 * Which credentials the kubelet would use for each image of one pod, and what is wrong with them.
 * Pure (no I/O): it reads a ClusterState and configuration and returns findings.
 *
 * Order (kubelet): the pull secrets — the pod's own `imagePullSecrets` when it lists any, else its
 * ServiceAccount's (the ServiceAccount admission plugin's rule; Pods normally arrive already merged,
 * templates never do) — in listed order through one keyring, then the node keyring (docker config
 * entries, then node credential-provider plugins for matching `matchImages`).
 */
import type { CredentialSourceReport, Finding, ImageUse } from '../checks/types.js';
import type { ClusterState, StoredSecret } from '../cluster/types.js';
import type { ImageReference } from '../reference/types.js';
import { redactConfigKey, type DockerConfig } from './dockerconfig.js';
import { ecrCredentialExpiry } from './ecr.js';
import {
  BasicDockerKeyring,
  firstMatchingPattern,
  makeDockerKeyring,
  type KeyringSecret,
  type TrackedCredential,
} from './keyring.js';
import type { IgnoredReason, PullSecretFormat } from './pullsecret.js';

/** kubelet credential-provider `matchImages` patterns of managed node pools (registries.md). */
export const NODE_PROVIDER_PRESETS = {
  eks: [
    '*.dkr.ecr.*.amazonaws.com',
    '*.dkr.ecr.*.amazonaws.com.cn',
    '*.dkr.ecr-fips.*.amazonaws.com',
    '*.dkr.ecr.*.c2s.ic.gov',
    '*.dkr.ecr.*.sc2s.sgov.gov',
  ],
  aks: ['*.azurecr.io', '*.azurecr.cn', '*.azurecr.de', '*.azurecr.us'],
} as const satisfies Record<string, readonly string[]>;

export type NodeProviderPreset = keyof typeof NODE_PROVIDER_PRESETS;

export const DEFAULT_EXPIRING_WINDOW_SECONDS = 3600;

export interface ResolveConfig {
  /** `matchImages` patterns of the kubelet credential providers on the nodes (see NODE_PROVIDER_PRESETS). */
  readonly nodeCredentialProviders: readonly string[];
  /** Registries known to require authentication (same pattern matcher). */
  readonly privateRegistries: readonly string[];
  /** Warn about tokens expiring within this many seconds (default 3600). */
  readonly expiringWindowSeconds?: number;
  /** The nodes' docker config.json entries, if known (source `docker-config`). */
  readonly dockerConfig?: DockerConfig;
}

/** What the resolver needs to know about the pod. */
export interface PodCredentialContext {
  readonly namespace: string;
  /** `imagePullSecrets[].name` in order ('' for an entry without a name). */
  readonly imagePullSecrets: readonly string[];
  /** `serviceAccountName` (or the deprecated `serviceAccount`); null/'' means `default`. */
  readonly serviceAccountName: string | null;
  /** True for a Pod (usually already merged by ServiceAccount admission); false for pod templates. */
  readonly isPod: boolean;
}

export interface ImageInput {
  readonly use: ImageUse;
  /** The parsed reference; `ref.name` is what the kubelet looks up. */
  readonly ref: ImageReference;
}

export type RegistryAuthKind = 'ecr' | 'acr' | 'private';

export interface ImageCredentials {
  readonly use: ImageUse;
  readonly ref: ImageReference;
  /** Credentials the kubelet would try, in order. Values redact themselves; never print `auth`. */
  readonly credentials: readonly TrackedCredential[];
  /** Provenance of `credentials` (same order), then `{source: 'node'}` when a node provider covers the image. */
  readonly sources: readonly CredentialSourceReport[];
  /** The node credential-provider pattern covering the image, or null. */
  readonly nodeProvider: string | null;
  /** Offline knowledge that the registry requires authentication, or null. */
  readonly authRequired: { readonly kind: RegistryAuthKind; readonly pattern: string } | null;
  /** The pull fails before credentials are tried: a counted pull secret does not parse. */
  readonly keyringError: string | null;
  readonly findings: readonly Finding[];
}

export interface PodCredentials {
  /** Whose imagePullSecrets apply. */
  readonly secretsFrom: 'pod' | 'serviceaccount' | 'none';
  readonly serviceAccount: string;
  /**
   * False when the answer depends on Secrets / the ServiceAccount that an unavailable cluster view
   * lacks; REGISTRY_AUTH_REQUIRED is then not reported.
   */
  readonly complete: boolean;
  /** `namespace/name` of referenced Secrets (or the ServiceAccount) the unavailable view lacks. */
  readonly unknown: readonly string[];
  readonly images: readonly ImageCredentials[];
  /** All findings of all images, in image order. */
  readonly findings: readonly Finding[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Build a PodCredentialContext from a raw pod spec. */
export function podCredentialContext(podSpec: unknown, namespace: string, isPod: boolean): PodCredentialContext {
  const spec = isRecord(podSpec) ? podSpec : {};
  const names: string[] = [];
  if (Array.isArray(spec['imagePullSecrets'])) {
    for (const item of spec['imagePullSecrets']) {
      names.push(isRecord(item) && typeof item['name'] === 'string' ? item['name'] : '');
    }
  }
  const san = spec['serviceAccountName'];
  const sa = spec['serviceAccount'];
  const serviceAccountName =
    typeof san === 'string' && san !== '' ? san : typeof sa === 'string' && sa !== '' ? sa : null;
  return { namespace, imagePullSecrets: names, serviceAccountName, isPod };
}

const ECR_PATTERNS: readonly string[] = NODE_PROVIDER_PRESETS.eks;
const ACR_PATTERNS: readonly string[] = NODE_PROVIDER_PRESETS.aks;

/** Offline: does this repository's registry always require authentication? */
/**
 * Image names remembered per `privateRegistries` list (one list per loaded configuration, so a reload
 * starts afresh). Matching runs the kubelet's URL-glob rules over every ECR, ACR and private pattern;
 * the answer for a name never changes. Bounded: names come from workloads.
 */
export const AUTH_REQUIREMENT_MEMO_MAX = 4096;
type AuthRequirement = { readonly kind: RegistryAuthKind; readonly pattern: string } | null;
const authMemo = new WeakMap<readonly string[], Map<string, AuthRequirement>>();

export function registryAuthRequirement(name: string, privateRegistries: readonly string[]): AuthRequirement {
  let memo = authMemo.get(privateRegistries);
  if (memo === undefined) {
    memo = new Map();
    authMemo.set(privateRegistries, memo);
  }
  let found = memo.get(name);
  if (found === undefined) {
    found = matchAuthRequirement(name, privateRegistries);
    if (memo.size >= AUTH_REQUIREMENT_MEMO_MAX) memo.clear();
    memo.set(name, found);
  }
  return found;
}

function matchAuthRequirement(name: string, privateRegistries: readonly string[]): AuthRequirement {
  let p = firstMatchingPattern(ECR_PATTERNS, name);
  if (p) return { kind: 'ecr', pattern: p };
  p = firstMatchingPattern(ACR_PATTERNS, name);
  if (p) return { kind: 'acr', pattern: p };
  p = firstMatchingPattern(privateRegistries, name);
  if (p) return { kind: 'private', pattern: p };
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Messages

const q = (s: string): string => JSON.stringify(s);
const SHORT_MAX = 100;

function clip(s: string): string {
  return s.length <= SHORT_MAX ? s : s.slice(0, SHORT_MAX - 1) + '…';
}

/** The first candidate that fits a kubectl Warning line, else the last one clipped. */
function fit(...candidates: string[]): string {
  for (const c of candidates) if (c.length <= SHORT_MAX) return c;
  return clip(candidates[candidates.length - 1] ?? '');
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function subject(use: ImageUse): string {
  const who = use.slot === 'volumes' ? `image volume ${q(use.container)}` : `container ${q(use.container)}`;
  return `${capital(who)} (image ${q(use.image ?? '')})`;
}

function make(
  code: Finding['code'],
  use: ImageUse,
  cause: string,
  fix: string,
  short: string | readonly string[],
  actionHint?: 'deny' | 'warn',
): Finding {
  const f: Finding = {
    code,
    container: use.container,
    field: use.field,
    image: use.image ?? '',
    message: `${subject(use)}: ${cause}. ${capital(fix)}.`,
    short: typeof short === 'string' ? clip(short) : fit(...short),
    ...(actionHint ? { actionHint } : {}),
  };
  return f;
}

function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function humanDuration(seconds: number): string {
  if (seconds < 120) return `${Math.max(0, Math.round(seconds))} seconds`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 360) / 10} hours`;
}

/** How a pull secret reference reads in a message. */
interface SecretRef {
  readonly name: string;
  readonly index: number;
  readonly via: 'pod' | 'serviceaccount';
  readonly serviceAccount: string;
}

function refText(r: SecretRef): string {
  return r.via === 'pod'
    ? `imagePullSecrets[${r.index}] names Secret ${q(r.name)}`
    : `ServiceAccount ${q(r.serviceAccount)} lists pull Secret ${q(r.name)} (imagePullSecrets[${r.index}])`;
}

function typeFix(secret: StoredSecret, reason: IgnoredReason): { cause: string; fix: string; short: string[] } {
  const hasJson = secret.dataKeys.includes('.dockerconfigjson');
  const hasCfg = secret.dataKeys.includes('.dockercfg');
  const keys = secret.dataKeys.length ? secret.dataKeys.map(q).join(', ') : 'none';
  const ignored = 'the kubelet silently ignores it';
  const name = q(secret.name);
  if (reason === 'wrong-type') {
    const fix = hasJson
      ? 'set its type to kubernetes.io/dockerconfigjson (kubectl create secret docker-registry creates it that way)'
      : hasCfg
        ? 'set its type to kubernetes.io/dockercfg, or recreate it with kubectl create secret docker-registry'
        : 'recreate it with kubectl create secret docker-registry (type kubernetes.io/dockerconfigjson, key .dockerconfigjson)';
    return {
      cause: `has type ${q(secret.type)} (data keys: ${keys}); the kubelet only reads kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg secrets, so ${ignored}`,
      fix,
      short: [
        `pull secret ${name} has type ${q(secret.type)}, which the kubelet ignores; ${hasCfg && !hasJson ? 'use kubernetes.io/dockercfg' : 'use kubernetes.io/dockerconfigjson'}`,
        `pull secret ${name} has a type the kubelet ignores; ${hasCfg && !hasJson ? 'use kubernetes.io/dockercfg' : 'use kubernetes.io/dockerconfigjson'}`,
        `a pull secret has a type the kubelet ignores; use kubernetes.io/dockerconfigjson`,
      ],
    };
  }
  const want = secret.type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : '.dockercfg';
  const other = want === '.dockerconfigjson' ? '.dockercfg' : '.dockerconfigjson';
  const otherType = want === '.dockerconfigjson' ? 'kubernetes.io/dockercfg' : 'kubernetes.io/dockerconfigjson';
  if (reason === 'missing-key') {
    const hasOther = secret.dataKeys.includes(other);
    return {
      cause: `has type ${secret.type} but no ${q(want)} data key (data keys: ${keys}), so ${ignored}`,
      fix: hasOther
        ? `change its type to ${otherType} to match its ${q(other)} key, or store the config under ${q(want)}`
        : `store the docker config JSON under the ${q(want)} key (kubectl create secret docker-registry does)`,
      short: [
        `pull secret ${name} (${secret.type}) has no ${q(want)} key, so the kubelet ignores it`,
        `pull secret ${name} has no ${q(want)} key, so the kubelet ignores it`,
        `a pull secret has no ${q(want)} key, so the kubelet ignores it`,
      ],
    };
  }
  return {
    cause: `has type ${secret.type} but its ${q(want)} data key is empty, so ${ignored}`,
    fix: `put the docker config JSON in ${q(want)} (kubectl create secret docker-registry does)`,
    short: [
      `pull secret ${name} has an empty ${q(want)} key, so the kubelet ignores it`,
      `a pull secret has an empty ${q(want)} key, so the kubelet ignores it`,
    ],
  };
}

function malformedFix(format: PullSecretFormat): string {
  return format === 'dockerconfigjson'
    ? 'fix its .dockerconfigjson data to the form {"auths": {"<registry>": {"auth": "<base64 of username:password>"}}} (kubectl create secret docker-registry writes it correctly)'
    : 'fix its .dockercfg data to the form {"<registry>": {"auth": "<base64 of username:password>"}}, or recreate it as kubernetes.io/dockerconfigjson with kubectl create secret docker-registry';
}

function originText(c: TrackedCredential, refs: ReadonlyMap<string, SecretRef>): string {
  const p = c.provenance;
  if (p.source === 'docker-config') return 'the node docker config';
  if (p.source === 'node') return 'a node credential provider';
  const name = p.secret ? p.secret.slice(p.secret.indexOf('/') + 1) : '';
  const r = refs.get(name);
  return r?.via === 'serviceaccount' ? `ServiceAccount ${q(r.serviceAccount)}'s pull Secret ${q(name)}` : `pull Secret ${q(name)}`;
}

function shortOrigin(c: TrackedCredential): string {
  const p = c.provenance;
  if (p.source === 'docker-config') return 'node docker config';
  const name = p.secret ? p.secret.slice(p.secret.indexOf('/') + 1) : '';
  return `pull secret ${q(name)}`;
}

function suggestedKey(ref: ImageReference): string {
  return ref.domain === 'docker.io' ? 'https://index.docker.io/v1/' : ref.domain;
}

// ---------------------------------------------------------------------------------------------------

interface SecretIssue {
  readonly ref: SecretRef;
  readonly kind: 'not-found' | 'unusable' | 'malformed';
  readonly secret?: StoredSecret;
  readonly otherNamespaces?: readonly string[];
}

export function resolvePodCredentials(
  ctx: PodCredentialContext,
  images: readonly ImageInput[],
  state: ClusterState,
  config: ResolveConfig,
  now: Date | number,
): PodCredentials {
  const nowSec = Math.floor((typeof now === 'number' ? now : now.getTime()) / 1000);
  const window = config.expiringWindowSeconds ?? DEFAULT_EXPIRING_WINDOW_SECONDS;
  const ns = ctx.namespace;
  const saName = ctx.serviceAccountName && ctx.serviceAccountName !== '' ? ctx.serviceAccountName : 'default';
  const unknown: string[] = [];

  // 1. Which references apply.
  let names: readonly string[] = [];
  let via: 'pod' | 'serviceaccount' = 'pod';
  if (ctx.imagePullSecrets.length > 0) {
    names = ctx.imagePullSecrets;
  } else {
    via = 'serviceaccount';
    const sa = state.serviceAccount(ns, saName);
    if (sa) names = sa.imagePullSecrets;
    else if (!state.available) unknown.push(`${ns}/${saName}`);
  }
  const secretsFrom: PodCredentials['secretsFrom'] =
    names.length === 0 ? 'none' : via === 'pod' ? 'pod' : 'serviceaccount';

  // 2. Look each up, as the kubelet's getPullSecretsForPod does (empty names skipped, missing skipped).
  const issues: SecretIssue[] = [];
  const seenIssue = new Set<string>();
  const keyringSecrets: KeyringSecret[] = [];
  const refsByName = new Map<string, SecretRef>();
  const entryKeys: string[] = [];
  names.forEach((name, index) => {
    if (name === '') return;
    const ref: SecretRef = { name, index, via, serviceAccount: saName };
    if (!refsByName.has(name)) refsByName.set(name, ref);
    const secret = state.secret(ns, name);
    const origin = { source: via === 'pod' ? ('secret' as const) : ('serviceaccount' as const), secret: `${ns}/${name}` };
    if (!secret) {
      if (state.available) {
        if (!seenIssue.has(name)) {
          seenIssue.add(name);
          issues.push({ ref, kind: 'not-found', otherNamespaces: state.secretNamespaces(name).filter((n) => n !== ns) });
        }
      } else if (!unknown.includes(`${ns}/${name}`)) {
        unknown.push(`${ns}/${name}`);
      }
      return;
    }
    const pull = secret.pull;
    if (pull.status === 'ignored') {
      if (!seenIssue.has(name)) {
        seenIssue.add(name);
        issues.push({ ref, kind: 'unusable', secret });
      }
      keyringSecrets.push({ origin, pull: { status: 'ignored' } });
    } else if (pull.status === 'malformed') {
      if (!seenIssue.has(name)) {
        seenIssue.add(name);
        issues.push({ ref, kind: 'malformed', secret });
      }
      keyringSecrets.push({ origin, pull: { status: 'malformed', error: pull.error } });
    } else {
      keyringSecrets.push({ origin, pull: { status: 'usable', config: pull.config } });
      for (const item of pull.config) entryKeys.push(redactConfigKey(item.key));
    }
  });
  const complete = unknown.length === 0;

  // 3. The node keyring (docker config on the node), then MakeDockerKeyring.
  let nodeKeyring: BasicDockerKeyring | null = null;
  if (config.dockerConfig && config.dockerConfig.length > 0) {
    nodeKeyring = new BasicDockerKeyring();
    nodeKeyring.add({ source: 'docker-config', secret: null }, config.dockerConfig);
  }
  const made = makeDockerKeyring(keyringSecrets, nodeKeyring);

  // 4. Per image.
  const results: ImageCredentials[] = images.map(({ use, ref }) => {
    const findings: Finding[] = [];
    for (const issue of issues) {
      if (issue.kind === 'not-found') {
        const others = issue.otherNamespaces ?? [];
        const where = others.length
          ? ` (a Secret with that name exists in namespace${others.length > 1 ? 's' : ''} ${others.map(q).join(', ')}; secrets are namespaced and the kubelet reads only the pod's namespace)`
          : '';
        findings.push(
          make(
            'PULL_SECRET_NOT_FOUND',
            use,
            `${refText(issue.ref)}, which does not exist in namespace ${q(ns)}${where}; the kubelet skips it and pulls without its credentials`,
            others.length
              ? `create the Secret in namespace ${q(ns)} (for example a copy of the one in ${q(others[0]!)}) or remove the reference`
              : `create the Secret in namespace ${q(ns)}, fix the name, or remove the reference`,
            others.length
              ? [
                  `pull secret ${q(issue.ref.name)} not in namespace ${q(ns)} (exists in ${q(others[0]!)}; secrets are namespaced); copy it`,
                  `pull secret ${q(issue.ref.name)} not in this namespace (exists in ${q(others[0]!)}; secrets are namespaced)`,
                  `pull secret ${q(issue.ref.name)} not in this namespace (secrets are namespaced); copy it here`,
                ]
              : [
                  `pull secret ${q(issue.ref.name)} not found in namespace ${q(ns)}; create it or fix the name`,
                  `pull secret ${q(issue.ref.name)} not found in this namespace; create it or fix the name`,
                ],
          ),
        );
      } else if (issue.kind === 'unusable' && issue.secret && issue.secret.pull.status === 'ignored') {
        const t = typeFix(issue.secret, issue.secret.pull.reason);
        findings.push(make('PULL_SECRET_UNUSABLE', use, `${refText(issue.ref)}, which ${t.cause}`, t.fix, t.short));
      }
    }

    if (!made.ok) {
      const malformed = issues.filter((i) => i.kind === 'malformed');
      for (const issue of malformed) {
        const s = issue.secret!;
        if (s.pull.status !== 'malformed') continue;
        findings.push(
          make(
            'PULL_SECRET_MALFORMED',
            use,
            `${refText(issue.ref)} (type ${s.type}), whose data cannot be parsed: ${s.pull.error}; the kubelet fails every image pull of this pod`,
            malformedFix(s.pull.format),
            [
              `pull secret ${q(s.name)} cannot be parsed (${s.pull.error}); every pull of the pod fails`,
              `pull secret ${q(s.name)} cannot be parsed, so every image pull of the pod fails; fix its data`,
            ],
          ),
        );
      }
      return {
        use,
        ref,
        credentials: [],
        sources: [],
        nodeProvider: firstMatchingPattern(config.nodeCredentialProviders, ref.name),
        authRequired: registryAuthRequirement(ref.name, config.privateRegistries),
        keyringError: made.error,
        findings,
      };
    }

    const credentials = made.keyring ? made.keyring.lookup(ref.name).credentials : [];
    const nodeProvider = firstMatchingPattern(config.nodeCredentialProviders, ref.name);
    const sources: CredentialSourceReport[] = credentials.map((c) => c.provenance);
    if (nodeProvider !== null) sources.push({ source: 'node', secret: null, key: nodeProvider });

    // Token expiry (ECR).
    const expiries = credentials.map((c) => ecrCredentialExpiry(c.auth.username, c.auth.password));
    credentials.forEach((c, i) => {
      const exp = expiries[i];
      if (exp === null || exp === undefined) return;
      const key = c.provenance.key ?? '';
      if (exp <= nowSec) {
        const others = credentials.filter((_, j) => j !== i && (expiries[j] === null || expiries[j]! > nowSec));
        const fatal = others.length === 0 && nodeProvider === null;
        findings.push(
          make(
            'PULL_SECRET_EXPIRED',
            use,
            `the credential for ${q(key)} from ${originText(c, refsByName)} is an ECR token that expired at ${isoSeconds(exp)}; ` +
              (fatal
                ? 'no other credential serves this image, so the registry denies the pull ("Your authorization token has expired")'
                : 'the kubelet tries it, is denied, and falls back to the other credentials'),
            'refresh it with a new token (aws ecr get-login-password; tokens last 12 hours), or let the nodes pull through the kubelet ECR credential provider',
            [`ECR token in ${shortOrigin(c)} expired ${isoSeconds(exp)}; refresh it`, `ECR token in a pull secret expired ${isoSeconds(exp)}; refresh it`],
            fatal ? 'deny' : 'warn',
          ),
        );
      } else if (exp - nowSec <= window) {
        findings.push(
          make(
            'PULL_SECRET_EXPIRING',
            use,
            `the credential for ${q(key)} from ${originText(c, refsByName)} is an ECR token that expires at ${isoSeconds(exp)} (in ${humanDuration(exp - nowSec)}); pulls after that fail`,
            'refresh it on a schedule (tokens last 12 hours), or let the nodes pull through the kubelet ECR credential provider',
            [
              `ECR token in ${shortOrigin(c)} expires in ${humanDuration(exp - nowSec)}; refresh it`,
              `ECR token in a pull secret expires in ${humanDuration(exp - nowSec)}; refresh it`,
            ],
          ),
        );
      }
    });

    // Offline: registries that always need credentials.
    const authRequired = registryAuthRequirement(ref.name, config.privateRegistries);
    if (authRequired && credentials.length === 0 && nodeProvider === null && complete) {
      const domain = ref.domain;
      const what =
        authRequired.kind === 'ecr'
          ? `${q(domain)} is an Amazon ECR registry, which always requires authentication`
          : authRequired.kind === 'acr'
            ? `${q(domain)} is an Azure Container Registry, which requires authentication`
            : `${q(domain)} matches the private registry pattern ${q(authRequired.pattern)}`;
      let have: string;
      if (secretsFrom === 'none') {
        have =
          ctx.imagePullSecrets.length > 0
            ? 'the pod lists no usable imagePullSecrets'
            : `neither the pod nor ServiceAccount ${q(saName)} lists imagePullSecrets`;
      } else {
        const keys = [...new Set(entryKeys)];
        have = keys.length
          ? `the pull secret entries (${keys.slice(0, 5).map(q).join(', ')}${keys.length > 5 ? ', …' : ''}) do not match ${q(ref.name)}`
          : 'no pull secret has a usable entry';
      }
      const nodeText = config.nodeCredentialProviders.length
        ? 'no node credential provider matchImages pattern covers it'
        : 'no node credential provider is configured for it';
      const extra =
        authRequired.kind === 'ecr'
          ? ', or give the nodes the ECR credential provider (on EKS: the node IAM role with ECR read access)'
          : authRequired.kind === 'acr'
            ? ', or attach the registry to the cluster (az aks update --attach-acr)'
            : '';
      const label = authRequired.kind === 'ecr' ? 'ECR registry' : authRequired.kind === 'acr' ? 'ACR registry' : 'private registry';
      findings.push(
        make(
          'REGISTRY_AUTH_REQUIRED',
          use,
          `${what}, but ${have} and ${nodeText}; the pull fails`,
          `add a kubernetes.io/dockerconfigjson secret with an entry for ${q(suggestedKey(ref))} to imagePullSecrets${extra}`,
          [
            `${label} needs credentials, none match; add a pull secret with an entry for ${q(suggestedKey(ref))}`,
            `${label}: no credential matches; add a pull secret entry for ${q(suggestedKey(ref))}`,
            `${label} needs credentials and none match; add a dockerconfigjson pull secret for its host`,
          ],
        ),
      );
    }

    return { use, ref, credentials, sources, nodeProvider, authRequired, keyringError: null, findings };
  });

  return {
    secretsFrom,
    serviceAccount: saName,
    complete,
    unknown,
    images: results,
    findings: results.flatMap((r) => r.findings),
  };
}
