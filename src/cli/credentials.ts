/**
 * Where `pullguard check` gets pull credentials from: the Secrets and ServiceAccounts in the manifest
 * set, a docker config.json (`--docker-config`), and a cluster (`--kubeconfig`, listed once).
 */
import { readFile } from 'node:fs/promises';
import { KubeClient } from '../cluster/client.js';
import { loadClusterConnection } from '../cluster/kubeconfig.js';
import { clusterStateFromObjects } from '../cluster/memory.js';
import type { ClusterStore } from '../cluster/store.js';
import { loadPullObjects } from '../cluster/pull-objects.js';
import { parseDockerConfigJSON, type DockerConfig } from '../credentials/dockerconfig.js';
import { InputError } from './inputs.js';
import { readArgoDefaults, type ArgoEnvironment } from '../cluster/argo-defaults.js';
import { readTektonDefaults, type TektonEnvironment } from '../cluster/tekton-defaults.js';

export async function readDockerConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`--docker-config ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const parsed = parseDockerConfigJSON(text);
  if (!parsed.ok) throw new InputError(`--docker-config ${path}: ${parsed.error}`);
  return parsed.config;
}

/**
 * The cluster view for a manifest set. It is treated as complete — a referenced Secret it lacks is
 * reported missing — when it comes from a cluster, or when the manifests carry Secrets or
 * ServiceAccounts of their own (the set then describes the namespace). Manifests without any leave
 * the view incomplete: most repositories keep Secrets out of git, and "not found" would be noise.
 * From a cluster, the controllers' cluster defaults are read too (Tekton's config-defaults, Argo's
 * workflowDefaults, where `controllers` says they are), or why they could not be.
 */
export async function clusterViewFor(
  objects: readonly Record<string, unknown>[],
  opts: {
    readonly defaultNamespace: string;
    readonly kubeconfig?: string | undefined;
    readonly controllers?: { readonly tekton: { readonly namespace: string }; readonly argo: { readonly namespace: string; readonly configMap: string } };
  },
): Promise<{ state: ClusterStore; problems: readonly string[]; controllers?: TektonEnvironment & ArgoEnvironment }> {
  const carriesCredentials = objects.some((o) => o['kind'] === 'Secret' || o['kind'] === 'ServiceAccount');
  const { state, problems } = clusterStateFromObjects(objects, {
    defaultNamespace: opts.defaultNamespace,
    available: carriesCredentials || opts.kubeconfig !== undefined,
  });
  if (!opts.kubeconfig) return { state, problems };
  const controllers = await addClusterObjects(state, opts.kubeconfig, opts.controllers);
  return { state, problems, ...(controllers ? { controllers } : {}) };
}

/**
 * The Tekton and Argo controllers' cluster defaults, each read once (`audit`, `check --kubeconfig`).
 * Never an error: a ConfigMap that cannot be read leaves its defaults unknown, with the reason.
 */
export async function readControllerDefaults(
  client: { get(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> },
  where: { readonly tekton: { readonly namespace: string }; readonly argo: { readonly namespace: string; readonly configMap: string } },
): Promise<TektonEnvironment & ArgoEnvironment> {
  const [tekton, argo] = await Promise.all([readTektonDefaults(client, where.tekton.namespace), readArgoDefaults(client, where.argo)]);
  return { ...tekton, ...argo };
}

async function addClusterObjects(
  state: ClusterStore,
  kubeconfig: string,
  controllers: NonNullable<Parameters<typeof clusterViewFor>[1]['controllers']> | undefined,
): Promise<(TektonEnvironment & ArgoEnvironment) | undefined> {
  let client: KubeClient;
  try {
    client = new KubeClient(await loadClusterConnection(kubeconfig));
  } catch (err) {
    throw new InputError(`--kubeconfig ${kubeconfig}: ${(err as Error).message}`);
  }
  try {
    await loadPullObjects(client, state);
  } catch (err) {
    await client.close();
    // The client's message names the call and the HTTP status (`list /api/v1/secrets: HTTP 403: …`).
    throw new InputError(`--kubeconfig ${kubeconfig}: cannot list pull secrets and service accounts: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return controllers ? await readControllerDefaults(client, controllers) : undefined;
  } finally {
    await client.close();
  }
}
