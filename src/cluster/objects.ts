/**
 * Reduce plain Kubernetes Secret / ServiceAccount objects (as in manifests, API responses or informer
 * events: Secret `data` base64, optional `stringData`) to the stored forms of src/credentials/state.ts.
 */
import { goBase64Decode, CorruptInputError } from '../credentials/go/base64.js';
import { classifyPullSecret } from '../credentials/pullsecret.js';
import type { StoredSecret, StoredServiceAccount } from '../credentials/state.js';

export type Reduced<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ObjectMetaRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** kind / namespace / name of a core v1 object, or null when it has no usable name. */
export function objectRef(obj: unknown, defaultNamespace: string): ObjectMetaRef | null {
  if (!isRecord(obj)) return null;
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : '';
  const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  if (name === '') return null;
  const ns = typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : defaultNamespace;
  return { kind, namespace: ns, name };
}

function uidOf(obj: Record<string, unknown>): string | null {
  const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
  return typeof meta['uid'] === 'string' && meta['uid'] !== '' ? meta['uid'] : null;
}

/** A Secret object → StoredSecret. */
export function reduceSecret(obj: unknown, defaultNamespace: string): Reduced<StoredSecret> {
  const ref = objectRef(obj, defaultNamespace);
  if (!ref || !isRecord(obj)) return { ok: false, reason: 'Secret has no metadata.name' };
  const type = typeof obj['type'] === 'string' && obj['type'] !== '' ? obj['type'] : 'Opaque';
  const data = new Map<string, Uint8Array | { invalid: string }>();
  if (obj['data'] !== undefined && obj['data'] !== null) {
    if (!isRecord(obj['data'])) return { ok: false, reason: `Secret ${ref.namespace}/${ref.name}: data is not a map` };
    for (const [k, v] of Object.entries(obj['data'])) {
      if (v === null) {
        data.set(k, new Uint8Array());
        continue;
      }
      if (typeof v !== 'string') {
        data.set(k, { invalid: `data key ${JSON.stringify(k)} is not a base64 string (the API server rejects this Secret)` });
        continue;
      }
      try {
        data.set(k, goBase64Decode(Buffer.from(v, 'utf8'), true));
      } catch (e) {
        if (!(e instanceof CorruptInputError)) throw e;
        data.set(k, { invalid: `data key ${JSON.stringify(k)} is not valid base64 (the API server rejects this Secret)` });
      }
    }
  }
  if (obj['stringData'] !== undefined && obj['stringData'] !== null) {
    if (!isRecord(obj['stringData'])) return { ok: false, reason: `Secret ${ref.namespace}/${ref.name}: stringData is not a map` };
    for (const [k, v] of Object.entries(obj['stringData'])) {
      if (typeof v === 'string') data.set(k, Buffer.from(v, 'utf8'));
      else if (v === null) data.set(k, new Uint8Array());
      else data.set(k, { invalid: `stringData key ${JSON.stringify(k)} is not a string (the API server rejects this Secret)` });
    }
  }
  const dataKeys = [...data.keys()].sort();
  const emptyDataKeys = dataKeys.filter((k) => {
    const v = data.get(k);
    return v instanceof Uint8Array && v.length === 0;
  });
  return {
    ok: true,
    value: {
      namespace: ref.namespace,
      name: ref.name,
      uid: uidOf(obj),
      type,
      dataKeys,
      emptyDataKeys,
      pull: classifyPullSecret(type, data),
    },
  };
}

/** A ServiceAccount object → StoredServiceAccount. */
export function reduceServiceAccount(obj: unknown, defaultNamespace: string): Reduced<StoredServiceAccount> {
  const ref = objectRef(obj, defaultNamespace);
  if (!ref || !isRecord(obj)) return { ok: false, reason: 'ServiceAccount has no metadata.name' };
  const list = obj['imagePullSecrets'];
  const names: string[] = [];
  if (Array.isArray(list)) {
    for (const item of list) {
      names.push(isRecord(item) && typeof item['name'] === 'string' ? item['name'] : '');
    }
  }
  return { ok: true, value: { namespace: ref.namespace, name: ref.name, uid: uidOf(obj), imagePullSecrets: names } };
}
