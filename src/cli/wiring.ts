/**
 * Wiring shared by `serve` and `check`: the registry checker built from the configuration, and the
 * engine dependencies around it. The only place (with serve.ts and check.ts) where adapters meet the
 * pure engine.
 */
import { readFile } from 'node:fs/promises';
import type { Registry as PromRegistry } from 'prom-client';
import { credentialStep } from '../checks/credentials.js';
import type { EngineDeps } from '../checks/engine.js';
import { parsePlatform } from '../checks/platforms.js';
import { registryStep } from '../checks/registry-step.js';
import type { ClusterState } from '../cluster/types.js';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { DockerConfig } from '../credentials/dockerconfig.js';
import { RegistryChecker, type RegistryCheckerOptions } from '../registry/checker.js';
import { createRegistryMetrics } from '../registry/metrics.js';
import type { RegistrySettings } from '../registry/client.js';
import type { Platform } from '../registry/outcome.js';

/** The parts of the configuration the registry checker is built from (a change rebuilds it). */
export function registryConfigKey(config: Config): string {
  return JSON.stringify([config.registries, config.cache, config.timeouts.registryRequestMs]);
}

export async function makeRegistryChecker(
  config: Config,
  opts: { readonly metrics?: PromRegistry; readonly extra?: Partial<RegistryCheckerOptions> } = {},
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
  return new RegistryChecker({
    registries,
    requestTimeoutMs: config.timeouts.registryRequestMs,
    defaultBudgetMs: config.timeouts.defaultBudgetMs,
    cache: {
      maxEntries: config.cache.maxEntries,
      positiveTagMs: config.cache.positiveTagSeconds * 1000,
      positiveDigestMs: config.cache.positiveDigestSeconds * 1000,
      negativeMs: config.cache.negativeSeconds * 1000,
    },
    ...(opts.metrics ? { metrics: createRegistryMetrics(opts.metrics) } : {}),
    ...opts.extra,
  });
}

export function clusterPlatforms(config: Config): Platform[] {
  return config.platforms.map((p) => parsePlatform(p)).filter((p): p is Platform => p !== null);
}

export function engineDeps(
  config: Config,
  opts: { readonly state: ClusterState; readonly dockerConfig?: DockerConfig | undefined; readonly registry: RegistryChecker | null },
): EngineDeps {
  return {
    config,
    credentials: credentialStep({ state: opts.state, config, ...(opts.dockerConfig ? { dockerConfig: opts.dockerConfig } : {}) }),
    ...(opts.registry && config.registryChecks
      ? { registry: registryStep({ lookup: opts.registry, clusterPlatforms: clusterPlatforms(config) }) }
      : {}),
  };
}
