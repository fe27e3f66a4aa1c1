/**
 * An in-memory ClusterState fed from plain objects — what the CLI builds from the Secrets and
 * ServiceAccounts in the manifest set. Namespace-aware; objects without a namespace go to
 * `defaultNamespace`. `List` objects (`kind: List` / `*List` with `items`) are expanded.
 */
import { ClusterStore } from './store.js';

export interface MemoryStateOptions {
  /** Namespace for objects that do not name one (the CLI's `--namespace`, else `default`). */
  readonly defaultNamespace: string;
  /**
   * Whether absence in this view means absence in the cluster (default true). Set false when the
   * manifests are known to be only part of what the cluster holds.
   */
  readonly available?: boolean;
}

export interface MemoryStateResult {
  readonly state: ClusterStore;
  /** Secrets / ServiceAccounts that could not be stored, with why (no secret values). */
  readonly problems: readonly string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clusterStateFromObjects(objects: Iterable<unknown>, options: MemoryStateOptions): MemoryStateResult {
  const state = new ClusterStore({ available: options.available ?? true });
  const problems: string[] = [];
  // Lists may nest (a List of Lists): walked with an explicit stack, in document order, so no nesting
  // depth can overflow the call stack.
  const visit = (root: unknown): void => {
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const obj = stack.pop();
      if (!isRecord(obj)) continue;
      const kind = obj['kind'];
      if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(obj['items'])) {
        for (let i = obj['items'].length - 1; i >= 0; i--) stack.push(obj['items'][i]);
        continue;
      }
      if (kind !== 'Secret' && kind !== 'ServiceAccount') continue;
      const apiVersion = obj['apiVersion'];
      if (apiVersion !== undefined && apiVersion !== 'v1') continue;
      const r = state.applyObject(obj, options.defaultNamespace);
      if (!r.ok) problems.push(r.reason);
    }
  };
  for (const obj of objects) visit(obj);
  return { state, problems };
}
