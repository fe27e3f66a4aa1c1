/**
 * The options that say which cluster and namespaces a command reads, with kubectl's names and rules,
 * shared by `pullguard audit` and `pullguard explain` so that both accept and refuse the same things.
 */
import { KubeClient } from '../cluster/client.js';
import { describeSource, KubeconfigError, kubeconfigSource, loadClusterConnection } from '../cluster/kubeconfig.js';
import { UsageError } from './io.js';

/** node:util parseArgs options: -n, -A, --kubeconfig, --context. */
export const CLUSTER_OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A', default: false },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const;

/** The lines of --help for CLUSTER_OPTIONS; `namespaces` says what -n/-A select for this command. */
export function clusterOptionsHelp(namespaces: { readonly one: string; readonly all: string }): string {
  return `  -n, --namespace NS      ${namespaces.one}
  -A, --all-namespaces    ${namespaces.all}
      --kubeconfig FILE   cluster access (default: the files in $KUBECONFIG merged as
                          kubectl merges them, else ~/.kube/config; with neither,
                          inside a Pod, its ServiceAccount)
      --context NAME      the kubeconfig context to use instead of its current-context`;
}

export interface ClusterArgs {
  readonly namespace: string | undefined;
  readonly allNamespaces: boolean;
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
}

/** Validates the parsed CLUSTER_OPTIONS values; every refusal is a UsageError naming the option. */
export function clusterArgs(values: { namespace?: string | undefined; 'all-namespaces'?: boolean | undefined; kubeconfig?: string | undefined; context?: string | undefined }): ClusterArgs {
  const allNamespaces = values['all-namespaces'] ?? false;
  if (values.namespace !== undefined && allNamespaces) throw new UsageError('--namespace and --all-namespaces cannot be used together');
  if (values.namespace === '') throw new UsageError('--namespace needs a name');
  if (values.kubeconfig === '') throw new UsageError('--kubeconfig needs a file name');
  if (values.context === '') throw new UsageError('--context needs a context name');
  return { namespace: values.namespace, allNamespaces, kubeconfig: values.kubeconfig, context: values.context };
}

/**
 * A client for the cluster the arguments name. Throws KubeconfigError with the source named
 * (`kubeconfig FILE: …`, the files joined as in $KUBECONFIG) when it cannot be loaded.
 */
export async function clusterClient(args: ClusterArgs, env: Readonly<Record<string, string | undefined>>): Promise<KubeClient> {
  const source = kubeconfigSource(args.kubeconfig, env);
  try {
    return new KubeClient(await loadClusterConnection(source, env, args.context !== undefined ? { context: args.context } : {}));
  } catch (err) {
    if (err instanceof KubeconfigError) throw new KubeconfigError(`kubeconfig ${describeSource(source)}: ${err.message}`);
    throw err;
  }
}
