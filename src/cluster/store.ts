/**
 * The mutable store behind ClusterState: upsert/delete by namespace/name, shared by the manifest-fed
 * view (./memory.ts) and informers (list + watch events map onto applyObject / deleteObject).
 */
import { objectRef, reduceSecret, reduceServiceAccount } from './objects.js';
import type { ClusterState, StoredSecret, StoredServiceAccount } from '../credentials/state.js';

export type ApplyResult =
  | { readonly ok: true; readonly kind: 'Secret' | 'ServiceAccount'; readonly namespace: string; readonly name: string }
  | { readonly ok: false; readonly reason: string };

function nsName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class ClusterStore implements ClusterState {
  #available: boolean;
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #serviceAccounts = new Map<string, StoredServiceAccount>();
  /** Secret name → namespaces holding one. */
  readonly #secretNamespaces = new Map<string, Set<string>>();

  constructor(options: { readonly available?: boolean } = {}) {
    this.#available = options.available ?? true;
  }

  get available(): boolean {
    return this.#available;
  }

  /** Informers set this once their initial list has synced (and clear it when a watch is lost). */
  setAvailable(available: boolean): void {
    this.#available = available;
  }

  secret(namespace: string, name: string): StoredSecret | undefined {
    return this.#secrets.get(nsName(namespace, name));
  }

  serviceAccount(namespace: string, name: string): StoredServiceAccount | undefined {
    return this.#serviceAccounts.get(nsName(namespace, name));
  }

  secretNamespaces(name: string): string[] {
    return [...(this.#secretNamespaces.get(name) ?? [])].sort();
  }

  get secretCount(): number {
    return this.#secrets.size;
  }

  get serviceAccountCount(): number {
    return this.#serviceAccounts.size;
  }

  upsertSecret(secret: StoredSecret): void {
    this.#secrets.set(nsName(secret.namespace, secret.name), secret);
    let set = this.#secretNamespaces.get(secret.name);
    if (!set) this.#secretNamespaces.set(secret.name, (set = new Set()));
    set.add(secret.namespace);
  }

  deleteSecret(namespace: string, name: string): boolean {
    const had = this.#secrets.delete(nsName(namespace, name));
    const set = this.#secretNamespaces.get(name);
    if (set) {
      set.delete(namespace);
      if (set.size === 0) this.#secretNamespaces.delete(name);
    }
    return had;
  }

  upsertServiceAccount(sa: StoredServiceAccount): void {
    this.#serviceAccounts.set(nsName(sa.namespace, sa.name), sa);
  }

  deleteServiceAccount(namespace: string, name: string): boolean {
    return this.#serviceAccounts.delete(nsName(namespace, name));
  }

  /** Remove everything (an informer relist replaces the contents). */
  clear(): void {
    this.#secrets.clear();
    this.#serviceAccounts.clear();
    this.#secretNamespaces.clear();
  }

  /**
   * Upsert a plain Secret or ServiceAccount object (other kinds are refused). Objects without a
   * namespace go to `defaultNamespace`.
   */
  applyObject(obj: unknown, defaultNamespace: string): ApplyResult {
    const ref = objectRef(obj, defaultNamespace);
    if (!ref) return { ok: false, reason: 'object has no metadata.name' };
    if (ref.kind === 'Secret') {
      const r = reduceSecret(obj, defaultNamespace);
      if (!r.ok) return r;
      this.upsertSecret(r.value);
      return { ok: true, kind: 'Secret', namespace: r.value.namespace, name: r.value.name };
    }
    if (ref.kind === 'ServiceAccount') {
      const r = reduceServiceAccount(obj, defaultNamespace);
      if (!r.ok) return r;
      this.upsertServiceAccount(r.value);
      return { ok: true, kind: 'ServiceAccount', namespace: r.value.namespace, name: r.value.name };
    }
    return { ok: false, reason: `kind ${JSON.stringify(ref.kind)} is not stored` };
  }

  /** Delete the object a plain Secret or ServiceAccount (or a tombstone with kind/metadata) names. */
  deleteObject(obj: unknown, defaultNamespace: string): boolean {
    const ref = objectRef(obj, defaultNamespace);
    if (!ref) return false;
    if (ref.kind === 'Secret') return this.deleteSecret(ref.namespace, ref.name);
    if (ref.kind === 'ServiceAccount') return this.deleteServiceAccount(ref.namespace, ref.name);
    return false;
  }
}
