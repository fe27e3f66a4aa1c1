/**
 * manifests/ as kustomize renders it (`kubectl kustomize`): the base and both overlays. Asserts what
 * the install promises (docs/deploy.md): the webhook's fields, which objects it sees and which
 * namespaces it skips, read-only RBAC, the pod's security settings, probes, replicas and PDB, and
 * that the policy in the ConfigMap is valid for the project's own configuration loader.
 *
 * Needs kubectl 1.21+ (kustomize v4+); skipped without it, unless CI=true.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { WEBHOOK_CONFIGURATION_NAME, WEBHOOK_NAME, writeDeploymentInputs } from '../../src/certs/index.js';
import { parseConfig } from '../../src/config/load.js';
import { CARRIER_KINDS, isCarrier } from '../../src/workload/extract.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CI = process.env['CI'] === 'true';
const exec = promisify(execFile);

type Obj = Record<string, any>;

async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await exec('kubectl', ['kustomize', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as Obj);
}

/** Why kubectl cannot render these manifests, or null when it can. */
async function kubectlProblem(): Promise<string | null> {
  try {
    const { stdout } = await exec('kubectl', ['version', '--client', '-o', 'json']);
    const minor = parseInt(String(JSON.parse(stdout).clientVersion?.minor ?? '0'), 10);
    if (minor < 21) return `kubectl 1.${minor} bundles kustomize v2 or v3; these manifests need kubectl 1.21+ (kustomize v4+)`;
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'kubectl is not on PATH' : `kubectl version failed: ${(err as Error).message}`;
  }
}

const only = (docs: Obj[], kind: string): Obj => {
  const found = docs.filter((d) => d['kind'] === kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, rendered ${found.length}`);
  return found[0] as Obj;
};

/** Kubernetes label-selector semantics (metav1.LabelSelector), for the webhook's namespaceSelector. */
function selects(selector: Obj, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries((selector['matchLabels'] ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  for (const e of (selector['matchExpressions'] ?? []) as Obj[]) {
    const has = Object.hasOwn(labels, e['key']);
    const value = labels[e['key']];
    const values = (e['values'] ?? []) as string[];
    const ok =
      e['operator'] === 'In' ? has && values.includes(value as string)
      : e['operator'] === 'NotIn' ? !has || !values.includes(value as string)
      : e['operator'] === 'Exists' ? has
      : e['operator'] === 'DoesNotExist' ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}

/** The API resource each carrier kind is written through (group/resource). */
const CARRIER_RESOURCES: Readonly<Record<string, string>> = {
  Pod: '/pods',
  PodTemplate: '/podtemplates',
  ReplicationController: '/replicationcontrollers',
  Deployment: 'apps/deployments',
  ReplicaSet: 'apps/replicasets',
  StatefulSet: 'apps/statefulsets',
  DaemonSet: 'apps/daemonsets',
  Job: 'batch/jobs',
  CronJob: 'batch/cronjobs',
};

const problem = await kubectlProblem();
if (problem !== null) {
  if (CI) t.fail(`${problem} (CI=true: the manifests must be rendered)`);
  else t.plan(0, `skipped: ${problem}`);
} else {
  const base = await kustomize('manifests/');

  t.test('manifests/ renders the base, and the base alone needs no generated files', async (t) => {
    t.same(base, await kustomize('manifests/base'));
    t.same(
      base.map((d) => d['kind']).sort(),
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'Namespace',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
        'ValidatingWebhookConfiguration',
      ],
    );
    for (const d of base) {
      if (['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration'].includes(d['kind'])) continue;
      t.equal(d['metadata']['namespace'], 'pullguard', `${d['kind']} ${d['metadata']['name']} is in namespace pullguard`);
    }
  });

  t.test('the ValidatingWebhookConfiguration', async (t) => {
    const config = only(base, 'ValidatingWebhookConfiguration');
    t.equal(config['metadata']['name'], WEBHOOK_CONFIGURATION_NAME);
    t.equal(config['webhooks'].length, 1);
    const hook = config['webhooks'][0] as Obj;
    t.equal(hook['name'], WEBHOOK_NAME);
    t.same(hook['admissionReviewVersions'], ['v1']);
    t.equal(hook['sideEffects'], 'None');
    t.equal(hook['timeoutSeconds'], 5);
    t.equal(hook['failurePolicy'], 'Ignore');
    t.equal(hook['matchPolicy'], 'Equivalent');
    t.strictSame(hook['clientConfig'], { service: { name: 'pullguard', namespace: 'pullguard', path: '/validate', port: 443 } });
    t.equal(hook['objectSelector'], undefined);

    // Every (group/resource, operation) the rules match, at version v1.
    const matched = new Set<string>();
    for (const rule of hook['rules'] as Obj[]) {
      t.ok(rule['apiVersions'].includes('v1'), `rule ${JSON.stringify(rule)} covers v1`);
      t.equal(rule['scope'], 'Namespaced');
      for (const group of rule['apiGroups']) for (const resource of rule['resources']) for (const op of rule['operations']) matched.add(`${group}/${resource} ${op}`);
    }
    const expected = new Set<string>(['/pods/ephemeralcontainers UPDATE']);
    for (const resource of Object.values(CARRIER_RESOURCES)) for (const op of ['CREATE', 'UPDATE']) expected.add(`${resource} ${op}`);
    t.strictSame([...matched].sort(), [...expected].sort(), 'CREATE and UPDATE of every carrier kind, UPDATE of pods/ephemeralcontainers, nothing else');
    // CronJob before Kubernetes 1.21 is batch/v1beta1 only.
    t.ok((hook['rules'] as Obj[]).some((r) => r['resources'].includes('cronjobs') && r['apiVersions'].includes('v1beta1')));
    // The table above follows the code: every kind pullguard reads a pod spec from is sent to it.
    t.same(Object.keys(CARRIER_RESOURCES).sort(), [...CARRIER_KINDS].sort());
    for (const [kind, resource] of Object.entries(CARRIER_RESOURCES)) t.ok(isCarrier(resource.split('/')[0] as string, kind), `${kind} in ${resource}`);

    const selector = hook['namespaceSelector'] as Obj;
    const ns = only(base, 'Namespace');
    const name = (n: string) => ({ 'kubernetes.io/metadata.name': n });
    t.notOk(selects(selector, name('pullguard')), 'skips pullguard (1.21+)');
    t.notOk(selects(selector, name('kube-system')), 'skips kube-system (1.21+)');
    t.notOk(selects(selector, ns['metadata']['labels']), "skips pullguard's namespace as manifests/ labels it, also without the 1.21 name label");
    t.notOk(selects(selector, { ...name('legacy'), 'pullguard.io/mode': 'off' }), 'skips namespaces labelled pullguard.io/mode=off');
    t.notOk(selects(selector, { 'pullguard.io/mode': 'off' }), 'skips namespaces labelled pullguard.io/mode=off (1.20)');
    t.ok(selects(selector, name('shop')), 'checks other namespaces');
    t.ok(selects(selector, {}), 'checks other namespaces on 1.20 (no labels at all)');
    t.ok(selects(selector, { ...name('shop'), 'pullguard.io/mode': 'warn' }), 'sends warn-mode namespaces (pullguard answers with warnings)');
    t.ok(selects(selector, { ...name('shop'), 'pullguard.io/mode': 'enforce' }));
  });

  t.test('RBAC: read-only on the cluster (pull credentials, namespaces, nodes, workloads); its own Lease, Events and PolicyReports only', async (t) => {
    const lease = only(base, 'Role');
    t.equal(lease['metadata']['namespace'], 'pullguard');
    t.strictSame(lease['rules'], [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }], 'write access to leases in its own namespace only');
    const leaseBinding = only(base, 'RoleBinding');
    t.strictSame(leaseBinding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: lease['metadata']['name'] });
    t.strictSame(leaseBinding['subjects'], [{ kind: 'ServiceAccount', name: 'pullguard', namespace: 'pullguard' }]);
    const role = only(base, 'ClusterRole');
    const granted = new Set<string>();
    for (const rule of role['rules'] as Obj[]) {
      t.notOk(rule['resourceNames'] || rule['nonResourceURLs'], 'plain resource rules');
      for (const group of rule['apiGroups']) for (const resource of rule['resources']) for (const verb of rule['verbs']) granted.add(`${group}/${resource} ${verb}`);
    }
    const expected = [
      ...['namespaces', 'nodes', 'secrets', 'serviceaccounts'].flatMap((r) => ['get', 'list', 'watch'].map((v) => `/${r} ${v}`)),
      ...['/pods', '/replicationcontrollers', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs'].flatMap((r) =>
        ['list', 'watch'].map((v) => `${r} ${v}`),
      ),
      '/events create',
      ...['get', 'list', 'create', 'update', 'delete'].map((v) => `wgpolicyk8s.io/policyreports ${v}`),
    ];
    t.strictSame([...granted].sort(), expected.sort());

    const binding = only(base, 'ClusterRoleBinding');
    t.strictSame(binding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role['metadata']['name'] });
    t.strictSame(binding['subjects'], [{ kind: 'ServiceAccount', name: 'pullguard', namespace: 'pullguard' }]);
    const sa = only(base, 'ServiceAccount');
    t.equal(sa['metadata']['name'], 'pullguard');
    t.equal(only(base, 'Deployment')['spec']['template']['spec']['serviceAccountName'], 'pullguard');
  });

  t.test('the Deployment', async (t) => {
    const deploy = only(base, 'Deployment');
    const spec = deploy['spec'] as Obj;
    const pod = spec['template']['spec'] as Obj;
    const podLabels = spec['template']['metadata']['labels'] as Record<string, string>;
    t.equal(spec['replicas'], 2);
    t.ok(selects(spec['selector'], podLabels));
    t.equal(spec['strategy']['rollingUpdate']['maxUnavailable'], 0, 'a rollout never removes a ready replica first');

    // Spread over nodes.
    const spread = pod['topologySpreadConstraints'] as Obj[];
    t.ok(spread.some((c) => c['topologyKey'] === 'kubernetes.io/hostname' && selects(c['labelSelector'], podLabels)));
    const anti = pod['affinity']['podAntiAffinity']['preferredDuringSchedulingIgnoredDuringExecution'] as Obj[];
    t.ok(anti.some((a) => a['podAffinityTerm']['topologyKey'] === 'kubernetes.io/hostname' && selects(a['podAffinityTerm']['labelSelector'], podLabels)));
    t.equal(pod['affinity']['podAntiAffinity']['requiredDuringSchedulingIgnoredDuringExecution'], undefined, 'preferred only: one node still runs both');

    // Security.
    t.match(pod['securityContext'], { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    t.equal(pod['containers'].length, 1);
    const c = pod['containers'][0] as Obj;
    t.match(c['securityContext'], {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    t.notOk(c['securityContext']['capabilities']['add'], 'adds no capability');
    for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) t.ok(c['resources'][kind]?.[r], `resources.${kind}.${r}`);

    // What it runs.
    t.match(c['image'], /^ghcr\.io\/pullguard\/pullguard:\d+\.\d+\.\d+$/);
    t.strictSame(c['args'], ['serve', '--listen', '0.0.0.0:8443', '--cert-dir', '/etc/pullguard/certs', '--config', '/etc/pullguard/config/config.yaml']);
    t.strictSame(c['env'], [
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      // V8's young generation for the 256Mi limit (docs/performance.md, "Heap settings under the memory limit").
      { name: 'NODE_OPTIONS', value: '--max-semi-space-size=16' },
    ]);
    const port = (name: unknown) => (typeof name === 'number' ? name : (c['ports'] as Obj[]).find((p) => p['name'] === name)?.['containerPort']);
    t.equal(port('https'), 8443);
    t.match(c['readinessProbe'], { httpGet: { scheme: 'HTTPS', path: '/readyz' } });
    t.equal(port(c['readinessProbe']['httpGet']['port']), 8443);
    t.match(c['livenessProbe'], { httpGet: { scheme: 'HTTPS', path: '/healthz' } });
    t.equal(port(c['livenessProbe']['httpGet']['port']), 8443);

    // Mounts: the TLS secret and the policy ConfigMap (by its generated name).
    const volume = (mountPath: string) => {
      const m = (c['volumeMounts'] as Obj[]).find((v) => v['mountPath'] === mountPath);
      return m && { readOnly: m['readOnly'], ...(pod['volumes'] as Obj[]).find((v) => v['name'] === m['name']) };
    };
    t.match(volume('/etc/pullguard/certs'), { readOnly: true, secret: { secretName: 'pullguard-tls' } });
    const configMap = only(base, 'ConfigMap');
    t.match(volume('/etc/pullguard/config'), { readOnly: true, configMap: { name: configMap['metadata']['name'] } });
    t.equal(configMap['metadata']['name'], 'pullguard-config', 'a stable name: policy changes reach running pods, which reload them');

    // The policy is valid for pullguard itself.
    const config = parseConfig(configMap['data']['config.yaml'], 'manifests/base/config.yaml');
    t.equal(config.mode, 'enforce');
    t.equal(config.failurePolicy, 'warn');
    t.same([...config.exemptions.namespaces].sort(), ['kube-system', 'pullguard']);
    t.equal(configMap['data']['config.yaml'], readFileSync(join(ROOT, 'manifests/base/config.yaml'), 'utf8'));

    // PodDisruptionBudget and Service point at these pods.
    const pdb = only(base, 'PodDisruptionBudget');
    t.equal(pdb['spec']['minAvailable'], 1);
    t.ok(selects(pdb['spec']['selector'], podLabels));
    const svc = only(base, 'Service');
    t.equal(svc['metadata']['name'], 'pullguard');
    t.ok(selects({ matchLabels: svc['spec']['selector'] }, podLabels));
    t.equal(svc['spec']['ports'].length, 1);
    t.equal(svc['spec']['ports'][0]['port'], 443);
    t.equal(port(svc['spec']['ports'][0]['targetPort']), 8443);
  });

  t.test('overlays/self-signed: the Secret and caBundle from `pullguard certs`', async (t) => {
    // A copy, so that certificates are never written into the working tree.
    const dir = await mkdtemp(join(tmpdir(), 'pullguard-manifests-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const generatedCerts = join('overlays', 'self-signed', 'certs');
    await cp(join(ROOT, 'manifests'), join(dir, 'manifests'), {
      recursive: true,
      filter: (src) => !src.includes(`${sep}${generatedCerts}`),
    });
    const certs = join(dir, 'manifests', generatedCerts);
    t.notOk(existsSync(certs));
    const written = await writeDeploymentInputs(certs);
    const docs = await kustomize(join(dir, 'manifests', 'overlays', 'self-signed'));

    const secret = only(docs, 'Secret');
    t.equal(secret['metadata']['name'], 'pullguard-tls', 'the name the Deployment mounts, without a hash suffix');
    t.equal(secret['metadata']['namespace'], 'pullguard');
    t.equal(secret['type'], 'kubernetes.io/tls');
    t.strictSame(Object.keys(secret['data']).sort(), ['tls.crt', 'tls.key'], 'no CA key in the cluster');
    // kustomize wraps long base64 values over several lines: compare the bytes.
    const data = (key: string) => Buffer.from(String(secret['data'][key]).replace(/\s/g, ''), 'base64');
    t.ok(data('tls.crt').equals(readFileSync(written.certFile)), 'tls.crt is the serving certificate');
    t.ok(data('tls.key').equals(readFileSync(written.keyFile)), 'tls.key is its key');

    const hook = only(docs, 'ValidatingWebhookConfiguration')['webhooks'][0] as Obj;
    t.equal(hook['clientConfig']['caBundle'], readFileSync(written.caFile).toString('base64'));
    const { caBundle: _, ...rest } = hook['clientConfig'];
    const baseHook = only(base, 'ValidatingWebhookConfiguration')['webhooks'][0] as Obj;
    t.strictSame({ ...hook, clientConfig: rest }, baseHook, 'the rest of the webhook is the base');
    t.same(docs.filter((d) => d['kind'] !== 'Secret' && d['kind'] !== 'ValidatingWebhookConfiguration'), base.filter((d) => d['kind'] !== 'ValidatingWebhookConfiguration'));
  });

  t.test('overlays/cert-manager: a CA chain, the serving Certificate and CA injection', async (t) => {
    const docs = await kustomize('manifests/overlays/cert-manager');
    const certificates = docs.filter((d) => d['kind'] === 'Certificate');
    const issuers = docs.filter((d) => d['kind'] === 'Issuer');
    const serving = certificates.find((c) => c['spec']['secretName'] === 'pullguard-tls') as Obj;
    t.ok(serving, 'a Certificate writes the Secret the Deployment mounts');
    t.equal(serving['metadata']['namespace'], 'pullguard');
    t.ok(serving['spec']['dnsNames'].includes('pullguard.pullguard.svc'), 'valid for the Service the API server calls');
    t.notOk(serving['spec']['isCA']);
    const caIssuer = issuers.find((i) => i['metadata']['name'] === serving['spec']['issuerRef']['name']) as Obj;
    t.ok(caIssuer?.['spec']['ca'], 'signed by a CA Issuer, so renewals keep the caBundle');
    const ca = certificates.find((c) => c['spec']['secretName'] === caIssuer['spec']['ca']['secretName']) as Obj;
    t.equal(ca['spec']['isCA'], true);
    const root = issuers.find((i) => i['metadata']['name'] === ca['spec']['issuerRef']['name']) as Obj;
    t.strictSame(root['spec'], { selfSigned: {} });

    const config = only(docs, 'ValidatingWebhookConfiguration');
    t.equal(config['metadata']['annotations']['cert-manager.io/inject-ca-from'], `pullguard/${serving['metadata']['name']}`);
    t.equal(config['webhooks'][0]['clientConfig']['caBundle'], undefined, 'cert-manager fills it in');
    t.notOk(docs.some((d) => d['kind'] === 'Secret'), 'no Secret from the overlay: cert-manager writes it');
    const { annotations: _, ...metadata } = config['metadata'];
    t.strictSame({ ...config, metadata }, only(base, 'ValidatingWebhookConfiguration'));
  });
}
