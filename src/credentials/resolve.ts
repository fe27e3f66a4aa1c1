/**
 * Which credentials the kubelet would use for each image of one pod, and what is wrong with them.
 * Pure (no I/O): it reads a ClusterState and configuration and returns facts (`CredentialProblem`s,
 * as src/registry/outcome.ts does for registry answers); src/checks/credential-findings.ts phrases them.
 *
 * Order (kubelet): the pull secrets — the pod's own `imagePullSecrets` when it lists any, else its
 * ServiceAccount's (the ServiceAccount admission plugin's rule; Pods normally arrive already merged,
 * templates never do) — in listed order through one keyring, then the node keyring (docker config
 * entries, then node credential-provider plugins for matching `matchImages`).
 */
import type { CredentialSourceReport, ImageUse } from '../findings/types.js';
import type { ClusterState, StoredSecret } from './state.js';
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

export const DEFAULT_EXPIRING_WINDOW_SECONDS = 3600;

export interface ResolveConfig {
  /** `matchImages` patterns of the kubelet credential providers on the nodes (presets: src/cloud CLOUDS). */
  readonly nodeCredentialProviders: readonly string[];
  /** Registries known to require authentication (same pattern matcher). */
  readonly privateRegistries: readonly string[];
  /**
   * Cloud registries whose images always need credentials, by cloud id (src/cloud ALWAYS_PRIVATE: ECR,
   * ACR), tried before `privateRegistries`. Given by the caller: the cloud table sits above this layer.
   */
  readonly alwaysPrivate?: readonly AlwaysPrivate[];
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

/** A cloud id (`ecr`, `acr`: src/cloud CLOUDS) or `private` (config `privateRegistries`). */
export type RegistryAuthKind = string;

/** Registries of one cloud that always need credentials: its id and its node-provider patterns. */
export interface AlwaysPrivate {
  readonly kind: string;
  readonly patterns: readonly string[];
}

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
  /** What is wrong with the credentials for this image, in the order found. */
  readonly problems: readonly CredentialProblem[];
}

/** How a pull secret is referenced: by the pod, or by its ServiceAccount. */
export interface SecretRef {
  readonly name: string;
  /** Index in the imagePullSecrets list that names it. */
  readonly index: number;
  readonly via: 'pod' | 'serviceaccount';
  readonly serviceAccount: string;
}

/** Where a credential the kubelet would try comes from, as a message names it. */
export type CredentialFrom =
  | { readonly source: 'secret'; readonly secret: SecretRef | null; readonly name: string }
  | { readonly source: 'docker-config' }
  | { readonly source: 'node' };

/**
 * What the resolver found wrong, as facts. One per secret-level problem per image (a check that wants
 * them once per pod deduplicates), one per expired/expiring token, and `auth-required` when a registry
 * that always needs credentials gets none.
 */
export type CredentialProblem =
  | {
      readonly kind: 'secret-not-found';
      readonly secret: SecretRef;
      readonly namespace: string;
      /** Namespaces that hold a Secret with this name (sorted), other than the pod's. */
      readonly otherNamespaces: readonly string[];
    }
  | { readonly kind: 'secret-unusable'; readonly secret: SecretRef; readonly stored: StoredSecret; readonly reason: IgnoredReason }
  | {
      readonly kind: 'secret-malformed';
      readonly secret: SecretRef;
      readonly stored: StoredSecret;
      readonly error: string;
      readonly format: PullSecretFormat;
    }
  | {
      readonly kind: 'token-expired';
      /** The docker config key (redacted) of the credential. */
      readonly key: string;
      readonly from: CredentialFrom;
      readonly expiresAt: number;
      /** True when no other credential (pull secret or node provider) can serve the image. */
      readonly fatal: boolean;
    }
  | { readonly kind: 'token-expiring'; readonly key: string; readonly from: CredentialFrom; readonly expiresAt: number; readonly inSeconds: number }
  | {
      readonly kind: 'auth-required';
      readonly registry: { readonly kind: RegistryAuthKind; readonly pattern: string };
      readonly secretsFrom: PodCredentials['secretsFrom'];
      /** The pod lists imagePullSecrets itself (none of them usable when `secretsFrom` is 'none'). */
      readonly podListsSecrets: boolean;
      readonly serviceAccount: string;
      /** Registry keys of the usable pull secret entries (redacted), none of which matches. */
      readonly entryKeys: readonly string[];
      readonly nodeProvidersConfigured: boolean;
    };

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

/**
 * Offline: does this repository's registry always require authentication?
 *
 * Image names remembered per (cloud list, `privateRegistries` list) pair — one pair per loaded
 * configuration, so a reload starts afresh. Matching runs the kubelet's URL-glob rules over every cloud
 * and private pattern; the answer for a name never changes. Bounded: names come from workloads.
 */
export const AUTH_REQUIREMENT_MEMO_MAX = 4096;
type AuthRequirement = { readonly kind: RegistryAuthKind; readonly pattern: string } | null;
const NO_CLOUDS: readonly AlwaysPrivate[] = [];
const authMemo = new WeakMap<readonly AlwaysPrivate[], WeakMap<readonly string[], Map<string, AuthRequirement>>>();

export function registryAuthRequirement(name: string, privateRegistries: readonly string[], alwaysPrivate: readonly AlwaysPrivate[] = NO_CLOUDS): AuthRequirement {
  let byList = authMemo.get(alwaysPrivate);
  if (byList === undefined) {
    byList = new WeakMap();
    authMemo.set(alwaysPrivate, byList);
  }
  let memo = byList.get(privateRegistries);
  if (memo === undefined) {
    memo = new Map();
    byList.set(privateRegistries, memo);
  }
  let found = memo.get(name);
  if (found === undefined) {
    found = matchAuthRequirement(name, privateRegistries, alwaysPrivate);
    if (memo.size >= AUTH_REQUIREMENT_MEMO_MAX) memo.clear();
    memo.set(name, found);
  }
  return found;
}

function matchAuthRequirement(name: string, privateRegistries: readonly string[], alwaysPrivate: readonly AlwaysPrivate[]): AuthRequirement {
  for (const cloud of alwaysPrivate) {
    const p = firstMatchingPattern(cloud.patterns, name);
    if (p) return { kind: cloud.kind, pattern: p };
  }
  const p = firstMatchingPattern(privateRegistries, name);
  if (p) return { kind: 'private', pattern: p };
  return null;
}

// ---------------------------------------------------------------------------------------------------

type SecretIssue = Extract<CredentialProblem, { kind: 'secret-not-found' | 'secret-unusable' | 'secret-malformed' }>;

function credentialFrom(c: TrackedCredential, refs: ReadonlyMap<string, SecretRef>): CredentialFrom {
  const p = c.provenance;
  if (p.source === 'docker-config' || p.source === 'node') return { source: p.source };
  const name = p.secret ? p.secret.slice(p.secret.indexOf('/') + 1) : '';
  return { source: 'secret', secret: refs.get(name) ?? null, name };
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
          issues.push({ kind: 'secret-not-found', secret: ref, namespace: ns, otherNamespaces: state.secretNamespaces(name).filter((n) => n !== ns) });
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
        issues.push({ kind: 'secret-unusable', secret: ref, stored: secret, reason: pull.reason });
      }
      keyringSecrets.push({ origin, pull: { status: 'ignored' } });
    } else if (pull.status === 'malformed') {
      if (!seenIssue.has(name)) {
        seenIssue.add(name);
        issues.push({ kind: 'secret-malformed', secret: ref, stored: secret, error: pull.error, format: pull.format });
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
    // Secrets that are missing or ignored do not stop the pull; each image is told about them.
    const problems: CredentialProblem[] = issues.filter((i) => i.kind !== 'secret-malformed');

    if (!made.ok) {
      // MakeDockerKeyring failed: a counted pull secret does not parse, and every pull of the pod fails.
      problems.push(...issues.filter((i) => i.kind === 'secret-malformed'));
      return {
        use,
        ref,
        credentials: [],
        sources: [],
        nodeProvider: firstMatchingPattern(config.nodeCredentialProviders, ref.name),
        authRequired: registryAuthRequirement(ref.name, config.privateRegistries, config.alwaysPrivate),
        keyringError: made.error,
        problems,
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
      const from = credentialFrom(c, refsByName);
      if (exp <= nowSec) {
        const others = credentials.filter((_, j) => j !== i && (expiries[j] === null || expiries[j]! > nowSec));
        problems.push({ kind: 'token-expired', key, from, expiresAt: exp, fatal: others.length === 0 && nodeProvider === null });
      } else if (exp - nowSec <= window) {
        problems.push({ kind: 'token-expiring', key, from, expiresAt: exp, inSeconds: exp - nowSec });
      }
    });

    // Offline: registries that always need credentials.
    const authRequired = registryAuthRequirement(ref.name, config.privateRegistries, config.alwaysPrivate);
    if (authRequired && credentials.length === 0 && nodeProvider === null && complete) {
      problems.push({
        kind: 'auth-required',
        registry: authRequired,
        secretsFrom,
        podListsSecrets: ctx.imagePullSecrets.length > 0,
        serviceAccount: saName,
        entryKeys: [...new Set(entryKeys)],
        nodeProvidersConfigured: config.nodeCredentialProviders.length > 0,
      });
    }

    return { use, ref, credentials, sources, nodeProvider, authRequired, keyringError: null, problems };
  });

  return { secretsFrom, serviceAccount: saName, complete, unknown, images: results };
}
