/**
 * Which registry a reference's domain names, and where its API lives.
 * Sources: docker/distribution reference normalisation (docker.io), registries.md.
 * Cloud registries with their own credentials (ECR, ACR, GAR) are recognised by their descriptors
 * (src/cloud CLOUDS), not here: the registry protocol is the same for them.
 */

export type RegistryKind = 'dockerhub' | 'ecr-public' | 'ghcr' | 'generic';

/** The host Docker Hub's API is served from (`docker.io` is only a name). */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** Split `host[:port]` (IPv6 in brackets allowed). */
export function splitHostPort(domain: string): { host: string; port: number | null } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(domain);
  if (!m) return { host: domain, port: null };
  return { host: m[1]!, port: m[2] === undefined ? null : Number(m[2]) };
}

/**
 * Distinct domains remembered by `registryKind`. Every image of every review asks it several times
 * (registry step, checker, client, findings), and the answer for a domain never changes; domains come
 * from workloads, so the memo is bounded (cleared when full).
 */
export const REGISTRY_KIND_MEMO_MAX = 1024;
const kindMemo = new Map<string, RegistryKind>();

export function registryKind(domain: string): RegistryKind {
  let kind = kindMemo.get(domain);
  if (kind === undefined) {
    kind = classify(domain);
    if (kindMemo.size >= REGISTRY_KIND_MEMO_MAX) kindMemo.clear();
    kindMemo.set(domain, kind);
  }
  return kind;
}

function classify(domain: string): RegistryKind {
  const host = splitHostPort(domain.toLowerCase()).host;
  if (DOCKER_HUB_NAMES.has(host)) return 'dockerhub';
  if (host === 'public.ecr.aws') return 'ecr-public';
  if (host === 'ghcr.io') return 'ghcr';
  return 'generic';
}

/** The `host[:port]` to send API requests to for a reference domain. */
export function apiHost(domain: string): string {
  return registryKind(domain) === 'dockerhub' ? DOCKER_HUB_API_HOST : domain;
}
