/**
 * The platforms a pod's images must provide. Pure.
 *
 * A pod pins its platform with `nodeSelector` or with required node affinity on the well-known labels
 * `kubernetes.io/arch` and `kubernetes.io/os` (k8s.io/api/core/v1 well_known_labels.go; the
 * `beta.kubernetes.io/*` forms are still set by the kubelet). The kubelet then pulls the index entry
 * for its node's platform and fails with "no match for platform in manifest" when there is none.
 *
 * Only an unambiguous pin is used: a single value. Affinity that allows several architectures lets
 * the scheduler choose, and an index lacking one of them is not a certain failure. An OS pin without
 * an architecture wants the cluster's platforms of that OS, or — when none is known — any entry of that
 * OS (architecture ''). Without a pin, the configured cluster platforms (every platform a node of the
 * cluster has) apply.
 */
import type { Platform } from '../registry/outcome.js';

const ARCH_LABELS = ['kubernetes.io/arch', 'beta.kubernetes.io/arch'];
const OS_LABELS = ['kubernetes.io/os', 'beta.kubernetes.io/os'];
/** Pods run Linux unless they say otherwise (PodOS, kubelet default). */
const DEFAULT_OS = 'linux';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The single value a pod spec pins one of `labels` to, or null. */
function pinned(spec: Json, labels: readonly string[]): string | null {
  const selector = spec['nodeSelector'];
  if (isObject(selector)) {
    for (const l of labels) if (typeof selector[l] === 'string') return selector[l] as string;
  }
  const terms = (spec['affinity'] as Json | undefined)?.['nodeAffinity'] as Json | undefined;
  const required = (terms?.['requiredDuringSchedulingIgnoredDuringExecution'] as Json | undefined)?.['nodeSelectorTerms'];
  if (!Array.isArray(required) || required.length === 0) return null;
  // Terms are ORed: the pin holds only when every term pins the same single value.
  let value: string | null = null;
  for (const term of required) {
    const exprs = isObject(term) && Array.isArray(term['matchExpressions']) ? term['matchExpressions'] : [];
    const pin = exprs.find(
      (e: unknown) =>
        isObject(e) && labels.includes(e['key'] as string) && e['operator'] === 'In' && Array.isArray(e['values']) && e['values'].length === 1,
    ) as Json | undefined;
    const v = pin ? ((pin['values'] as unknown[])[0] as string) : null;
    if (v === null || (value !== null && v !== value)) return null;
    value = v;
  }
  return value;
}

/** `linux/arm64/v8` → {os, architecture, variant}. */
export function parsePlatform(s: string): Platform | null {
  const [os, architecture, variant, extra] = s.split('/');
  if (!os || !architecture || extra !== undefined) return null;
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function wantedPlatforms(podSpec: Readonly<Json>, clusterPlatforms: readonly Platform[]): Platform[] {
  const arch = pinned(podSpec, ARCH_LABELS);
  const os = pinned(podSpec, OS_LABELS) ?? (isObject(podSpec['os']) && typeof podSpec['os']['name'] === 'string' ? podSpec['os']['name'] : null);
  if (arch !== null) return [{ os: os ?? DEFAULT_OS, architecture: arch }];
  if (os !== null) {
    const same = clusterPlatforms.filter((p) => p.os === os);
    // With no known node of that OS (the CLI knows none), the pin still says the pod only ever runs
    // on that OS: an index with no entry for it at all fails on every such node, whatever its arch.
    return same.length > 0 ? same : [{ os, architecture: '' }];
  }
  return [...clusterPlatforms];
}
