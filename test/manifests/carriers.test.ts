/**
 * manifests/components/custom-resources: added to an overlay, it appends the rules for the well-known
 * custom resources to the webhook, and those rules are exactly the carrier table's rows
 * (src/workload/carriers.ts): every group, version and resource of every row, CREATE and UPDATE,
 * nothing the table does not read. The base webhook keeps Kubernetes' own kinds. The component's
 * ClusterRole lets the audit list and watch the same resources.
 *
 * Needs kubectl 1.21+ (kustomize v4+); skipped without it, unless CI=true.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { CUSTOM_RESOURCE_CARRIERS, KUBERNETES_CARRIERS } from '../../src/workload/carriers.js';
import { TEKTON_DEFAULTS } from '../../src/workload/tekton.js';
import { ARGO_CONFIG } from '../../src/workload/argo.js';

const CI = process.env['CI'] === 'true';
const exec = promisify(execFile);
type Obj = Record<string, any>;

async function kubectlMissing(): Promise<string | null> {
  try {
    const { stdout } = await exec('kubectl', ['version', '--client', '-o', 'json']);
    const minor = parseInt(String(JSON.parse(stdout).clientVersion?.minor ?? '0'), 10);
    return minor < 21 ? `kubectl 1.${minor} bundles kustomize v2 or v3; components need kubectl 1.21+` : null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'kubectl is not on PATH' : `kubectl version failed: ${(err as Error).message}`;
  }
}

const missing = await kubectlMissing();
if (missing !== null) {
  if (CI) t.fail(`${missing} (CI=true)`);
  else t.plan(0, `skipped: ${missing}`);
} else {
  t.test('the custom-resources component adds exactly the carrier table to the webhook rules', async (t) => {
    const work = await mkdtemp(join(tmpdir(), 'pullguard-component-'));
    t.teardown(() => rm(work, { recursive: true, force: true }));
    await cp('manifests', join(work, 'manifests'), { recursive: true });
    await mkdir(join(work, 'manifests', 'overlays', 'with-crs'));
    await writeFile(
      join(work, 'manifests', 'overlays', 'with-crs', 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\ncomponents:\n  - ../../components/custom-resources\n',
    );
    const { stdout } = await exec('kubectl', ['kustomize', join(work, 'manifests', 'overlays', 'with-crs')], { maxBuffer: 16 * 1024 * 1024 });
    const docs = parseAllDocuments(stdout).map((d) => d.toJS() as Obj);
    const hooks = docs.filter((d) => d['kind'] === 'ValidatingWebhookConfiguration');
    t.equal(hooks.length, 1);
    const rules = hooks[0]!['webhooks'][0]['rules'] as Obj[];

    // What the rules match: group/version/resource → operations and scope.
    const matched = new Map<string, { ops: string[]; scope: string }>();
    for (const r of rules) for (const g of r['apiGroups']) for (const v of r['apiVersions']) for (const res of r['resources']) matched.set(`${g}/${v}/${res}`, { ops: r['operations'], scope: r['scope'] });
    for (const c of [...KUBERNETES_CARRIERS, ...CUSTOM_RESOURCE_CARRIERS]) {
      for (const g of c.groups) {
        // The deprecated groups of Kubernetes' kinds (extensions) reach the webhook as apps (matchPolicy Equivalent).
        if (c.origin === 'kubernetes' && g === 'extensions') continue;
        for (const v of c.versions) {
          const m = matched.get(`${g}/${v}/${c.resource}`);
          t.ok(m, `${c.kind}: ${g}/${v}/${c.resource} is sent to pullguard`);
          if (!m) continue;
          t.same(m.ops, ['CREATE', 'UPDATE'], `${c.kind}: CREATE and UPDATE`);
          t.ok(m.scope === '*' || m.scope === (c.namespaced ? 'Namespaced' : 'Cluster'), `${c.kind}: scope ${m.scope} covers it`);
        }
      }
    }
    // Nothing that pullguard does not read (versions may be shared within a group's rule).
    const known = new Set([...KUBERNETES_CARRIERS, ...CUSTOM_RESOURCE_CARRIERS].flatMap((c) => c.groups.map((g) => `${g}/${c.resource}`)));
    for (const key of matched.keys()) {
      const [g, , res] = key.split('/');
      if (res === 'pods' || res === 'ephemeralcontainers') continue;
      t.ok(known.has(`${g}/${res}`), `${key} is a carrier of the table`);
    }

    // RBAC: the audit may list and watch every kind of the table (Kubernetes' in the base role, the
    // custom resources' in the component's), and nothing more than list/watch is granted for them.
    const bindings = docs.filter((d) => d['kind'] === 'ClusterRoleBinding');
    const roles = docs.filter((d) => d['kind'] === 'ClusterRole' && bindings.some((b) => b['roleRef']['name'] === d['metadata']['name'] && b['subjects'].some((s: Obj) => s['name'] === 'pullguard')));
    const granted = new Map<string, string[]>();
    for (const role of roles) for (const r of role['rules']) for (const g of r['apiGroups']) for (const res of r['resources']) granted.set(`${g}/${res}`, [...(granted.get(`${g}/${res}`) ?? []), ...r['verbs']]);
    for (const c of [...KUBERNETES_CARRIERS, ...CUSTOM_RESOURCE_CARRIERS]) {
      if (c.kind === 'PodTemplate') continue; // not audited: nothing runs its pods
      for (const g of c.groups) {
        if (g === 'extensions') continue; // served by no current cluster (discovery skips it)
        const verbs = granted.get(`${g}/${c.resource}`) ?? [];
        t.ok(verbs.includes('list') && verbs.includes('watch'), `${c.kind}: the audit may list and watch ${g}/${c.resource}`);
      }
    }
    const component = docs.find((d) => d['kind'] === 'ClusterRole' && d['metadata']['name'] === 'pullguard-custom-resources');
    t.ok(component, 'the component adds its ClusterRole');
    for (const r of component?.['rules'] ?? []) t.same(r['verbs'], ['list', 'watch'], `${r['apiGroups']}: read-only`);
    // Of core objects, only the ConfigMaps of Tekton's cluster defaults and Argo's workflowDefaults (src/cluster/tekton-defaults.ts, argo-defaults.ts).
    const core = (component?.['rules'] ?? []).filter((r: Obj) => r['apiGroups'].includes(''));
    t.same(core, [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [TEKTON_DEFAULTS.name, ARGO_CONFIG.name], verbs: ['list', 'watch'] }], "core: only Tekton's config-defaults and Argo's workflow controller ConfigMap, by name");
  });
}
