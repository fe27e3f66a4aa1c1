/**
 * One-shot reading of what the kubelet's pull credentials come from: the pull Secrets (the two types
 * the kubelet reads; see ./watch.ts PULL_SECRET_TYPES) and the ServiceAccounts, of one namespace or
 * all, into a ClusterStore. `serve` keeps the same objects current with watches (./watch.ts); the
 * CLI (`check --kubeconfig`, `audit`) reads them once.
 */
import { listAll, type ListParams, type ListResult } from './client.js';
import type { ClusterStore } from './store.js';
import { PULL_SECRET_TYPES } from './watch.js';

export async function loadPullObjects(
  client: { list(path: string, params: ListParams, signal?: AbortSignal): Promise<ListResult> },
  store: ClusterStore,
  opts: { readonly namespace?: string | undefined; readonly signal?: AbortSignal } = {},
): Promise<{ readonly secrets: number; readonly serviceAccounts: number }> {
  const prefix = opts.namespace ? `/api/v1/namespaces/${encodeURIComponent(opts.namespace)}` : '/api/v1';
  let secrets = 0;
  let serviceAccounts = 0;
  for (const type of PULL_SECRET_TYPES) {
    for (const s of (await listAll(client, `${prefix}/secrets`, { fieldSelector: `type=${type}` }, opts.signal)).items) {
      if (store.applyObject({ ...(s as object), kind: 'Secret', apiVersion: 'v1' }, '').ok) secrets++;
    }
  }
  for (const sa of (await listAll(client, `${prefix}/serviceaccounts`, {}, opts.signal)).items) {
    if (store.applyObject({ ...(sa as object), kind: 'ServiceAccount', apiVersion: 'v1' }, '').ok) serviceAccounts++;
  }
  return { secrets, serviceAccounts };
}
