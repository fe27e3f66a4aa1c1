/**
 * The read-only view of cluster objects the credential resolver reads (./resolve.ts). Defined here, by
 * its user, so the adapters that fill it depend on credentials/ and not the other way round: it is
 * built from manifests (src/cluster/memory.ts) or kept current by informers; both go through
 * ClusterStore (src/cluster/store.ts).
 *
 * Secrets are stored reduced: type, data key names, and the kubelet's reading of the pull data (parsed
 * credentials or the parse error) — never raw data. Parsed credentials hold their values in redacting
 * AuthEntry objects, so a StoredSecret is safe to JSON.stringify or log.
 */
import type { PullSecretStatus } from './pullsecret.js';

export interface StoredSecret {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | null;
  /** `type` as stored (`Opaque` when the object had none). */
  readonly type: string;
  /** Names of all data keys (after merging stringData), sorted. */
  readonly dataKeys: readonly string[];
  /** The subset of dataKeys whose value is empty. */
  readonly emptyDataKeys: readonly string[];
  /** How the kubelet treats this secret as an image pull secret. */
  readonly pull: PullSecretStatus;
}

export interface StoredServiceAccount {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | null;
  /** `imagePullSecrets[].name` in order, as written (entries without a name kept as ''). */
  readonly imagePullSecrets: readonly string[];
}

export interface ClusterState {
  /**
   * True when the view is complete for Secrets and ServiceAccounts: an object it lacks does not exist.
   * When false, absence means "unknown" and checks must not report anything as missing.
   */
  readonly available: boolean;
  secret(namespace: string, name: string): StoredSecret | undefined;
  serviceAccount(namespace: string, name: string): StoredServiceAccount | undefined;
  /** Namespaces holding a Secret with this name, sorted. */
  secretNamespaces(name: string): string[];
}
