/**
 * Wiring shared by `serve` and `check`: the registry checker built from the configuration, and the
 * engine dependencies around it. The only place (with serve.ts and check.ts) where adapters meet the
 * pure engine.
 */
import { readFile } from 'node:fs/promises';
import type { Registry as PromRegistry } from 'prom-client';
import { credentialStep } from '../checks/credentials.js';
import { CLOUDS } from '../cloud/index.js';
import type { CloudCredentialProvider } from '../cloud/types.js';
import type { EngineDeps } from '../checks/engine.js';
import { parsePlatform } from '../checks/platforms.js';
import { registryStep, type RegistryLookup, type RegistryStepOptions } from '../checks/registry-step.js';
import type { ClusterState } from '../credentials/state.js';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { DockerConfig } from '../credentials/dockerconfig.js';
import { RegistryChecker, type RegistryCheckerOptions } from '../registry/checker.js';
import { createRegistryMetrics, type RegistryMetrics } from '../registry/metrics.js';
import type { RegistrySettings } from '../registry/client.js';
import type { Platform, RateLimitState } from '../registry/outcome.js';
import type { CarrierEnvironment } from '../workload/carriers.js';

/** The parts of the configuration the registry checker is built from (a change rebuilds it). */
export function registryConfigKey(config: Config): string {
  return JSON.stringify([config.registries, config.cache, config.timeouts.registryRequestMs]);
}

export async function makeRegistryChecker(
  config: Config,
  opts: {
    readonly metrics?: PromRegistry;
    readonly extra?: Partial<RegistryCheckerOptions>;
    /** Told of every lookup that went to the network (registry lookups by reason). */
    readonly onNetworkLookup?: (registry: string) => void;
    /** Told of every answer that states the registry's request budget (Docker Hub ratelimit-remaining). */
    readonly onRateLimit?: (registry: string, state: RateLimitState) => void;
  } = {},
): Promise<RegistryChecker> {
  const registries: Record<string, RegistrySettings> = {};
  for (const [host, s] of Object.entries(config.registries)) {
    let caBundle: string | undefined;
    if (s.caFile) {
      try {
        caBundle = await readFile(s.caFile, 'utf8');
      } catch (err) {
        throw new ConfigError('(configuration)', [`registries.${host}.caFile: cannot read ${s.caFile}: ${(err as Error).message}`]);
      }
    }
    registries[host] = {
      ...(caBundle ? { caBundle } : {}),
      ...(s.insecureHttp ? { plainHttp: true } : {}),
      ...(s.pullThroughCachePrefixes ? { pullThroughCachePrefixes: s.pullThroughCachePrefixes } : {}),
    };
  }
  const checker = new RegistryChecker({
    registries,
    requestTimeoutMs: config.timeouts.registryRequestMs,
    defaultBudgetMs: config.timeouts.defaultBudgetMs,
    cache: {
      maxEntries: config.cache.maxEntries,
      positiveTagMs: config.cache.positiveTagSeconds * 1000,
      positiveDigestMs: config.cache.positiveDigestSeconds * 1000,
      negativeMs: config.cache.negativeSeconds * 1000,
    },
    ...opts.extra,
    ...(opts.metrics || opts.onNetworkLookup || opts.onRateLimit
      ? { metrics: withHooks(opts.metrics ? createRegistryMetrics(opts.metrics) : {}, opts.onNetworkLookup, opts.onRateLimit) }
      : {}),
  });
  cloudProviders.set(checker, { registries, hostOverrides: opts.extra?.hostOverrides, made: new Map() });
  return checker;
}

function withHooks(
  metrics: Partial<RegistryMetrics>,
  onLookup: ((registry: string) => void) | undefined,
  onRateLimit: ((registry: string, state: RateLimitState) => void) | undefined,
): Partial<RegistryMetrics> {
  return {
    ...metrics,
    ...(onLookup
      ? {
          checkOutcome(e) {
            metrics.checkOutcome?.(e);
            if (e.source === 'network') onLookup(e.registry);
          },
        }
      : {}),
    ...(onRateLimit
      ? {
          rateLimit(e) {
            metrics.rateLimit?.(e);
            const { registry, ...state } = e;
            onRateLimit(registry, state);
          },
        }
      : {}),
  };
}

/**
 * Providers of registry credentials from pullguard's own cloud identity (config `cloud`). They live as
 * long as the checker they serve (token caches survive configuration reloads), share its registry
 * settings (CA bundles, test host overrides), and are created only when their `cloud.<id>` switch is
 * on — creating one loads no SDK either: that happens on its first credential request.
 */
interface CloudProviders {
  readonly registries: Readonly<Record<string, RegistrySettings>>;
  readonly hostOverrides: Readonly<Record<string, string>> | undefined;
  readonly made: Map<string, CloudCredentialProvider>;
}
const cloudProviders = new WeakMap<RegistryChecker, CloudProviders>();

function cloudFor(config: Config, registry: RegistryChecker): Pick<RegistryStepOptions, 'cloud'> {
  const on = CLOUDS.filter((c) => config.cloud[c.id] === true);
  if (on.length === 0) return {};
  let p = cloudProviders.get(registry);
  if (!p) cloudProviders.set(registry, (p = { registries: {}, hostOverrides: undefined, made: new Map() }));
  const { registries, hostOverrides, made } = p;
  const cloud: Record<string, CloudCredentialProvider> = {};
  for (const c of on) {
    let provider = made.get(c.id);
    if (!provider) made.set(c.id, (provider = c.provider({ settings: (r) => registries[r] ?? {}, ...(hostOverrides ? { hostOverrides } : {}) })));
    cloud[c.id] = provider;
  }
  return { cloud };
}

/** The configured `platforms` (`os/arch[/variant]`), parsed. */
export function configuredPlatforms(config: Config): Platform[] {
  return config.platforms.map((p) => parsePlatform(p)).filter((p): p is Platform => p !== null);
}

function clusterPlatformsFor(config: Config, nodePlatforms: (() => readonly Platform[]) | undefined): () => readonly Platform[] {
  const configured = configuredPlatforms(config);
  if (configured.length > 0 || !nodePlatforms) return () => configured;
  return nodePlatforms;
}

export function engineDeps(
  config: Config,
  opts: {
    readonly state: ClusterState;
    readonly dockerConfig?: DockerConfig | undefined;
    readonly registry: RegistryChecker | null;
    /** What the registry step asks instead of `registry` itself (the audit's per-cycle, budgeted lookup). */
    readonly lookup?: RegistryLookup;
    /** The platforms of the cluster's nodes (Nodes informer), used when the configuration names none. */
    readonly nodePlatforms?: () => readonly Platform[];
    /** Why the cluster view may lack Secrets, in the words the user can act on. */
    readonly unavailableReason?: string;
    /** What carriers' controllers read from the cluster (Tekton's defaults), read once per object. */
    readonly environment?: () => CarrierEnvironment;
  },
): EngineDeps {
  return {
    config,
    ...(opts.environment ? { environment: opts.environment } : {}),
    credentials: credentialStep({
      state: opts.state,
      config,
      ...(opts.dockerConfig ? { dockerConfig: opts.dockerConfig } : {}),
      ...(opts.unavailableReason ? { unavailableReason: opts.unavailableReason } : {}),
    }),
    ...(opts.registry && config.registryChecks
      ? { registry: registryStep({ lookup: opts.lookup ?? opts.registry, clusterPlatforms: clusterPlatformsFor(config, opts.nodePlatforms), ...cloudFor(config, opts.registry) }) }
      : {}),
  };
}
