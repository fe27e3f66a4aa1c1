/**
 * `pullguard audit` against a real kube-apiserver and a real registry: Deployments created with
 * kubectl (with the ReplicaSet and Pods kube-controller-manager would make, owned by them), a tag
 * deleted from the registry, a pull Secret deleted and restored; and a custom resource: the Argo
 * Rollout CRD installed, a Rollout naming a missing image with the ReplicaSet and Pod its controller
 * would make — reported once, as the Rollout; and a Tekton TaskRun whose credentials come from Tekton's
 * config-defaults ConfigMap, read from the cluster.
 */
import t, { type Test } from 'tap';
import { kubeUnavailableReason, startKube } from '../helpers/kube.js';
import { requireRegistry, startRegistry } from '../helpers/registry.js';
import { apply, crd, deleteTag, deployment, installCrd, kubectl, namespace, ownedObjects, pullSecret, registryConfig, uidOf } from '../helpers/audit-cluster.js';
import { run } from '../helpers/cli.js';

// An API server, a registry and kubectl under a loaded machine (test files run in parallel, and
// other work shares the cores): start and teardown alone took over a minute there. The same
// bound as the other e2e files, instead of tap's 120 s per file.
t.setTimeout(400_000);
const missing = kubeUnavailableReason({ needKubectl: true });
if (missing !== null) {
  if (process.env['CI'] === 'true') t.fail(`audit e2e prerequisites missing, and CI=true: ${missing}`);
  else t.plan(0, `skipped: ${missing}`);
} else if (requireRegistry(t)) {
  t.test('pullguard audit reads a real cluster', scene);
}

interface Entry {
  kind: string;
  namespace: string;
  name: string;
  verdict: string;
  file: string;
  findings: { code: string; container: string; image: string; message: string }[];
}

async function scene(t: Test): Promise<void> {
  const [kube, reg] = await Promise.all([startKube(t), startRegistry(t, { auth: 'htpasswd', seed: false })]);
  const host = reg.host;
  await reg.pusher.image('team/app', '1.0', { seed: 'one' });
  await reg.pusher.image('team/app', '2.0', { seed: 'two' });
  const config = await registryConfig(reg);
  const withSecret = { imagePullSecrets: [{ name: 'regcred' }] };

  await namespace(kube, 'shop');
  await namespace(kube, 'other');
  await apply(kube, pullSecret('regcred', 'shop', host, reg.users.alice), pullSecret('regcred', 'other', host, reg.users.alice));
  const web = deployment('web', `${host}/team/app:1.0`, withSecret);
  const api = deployment('api', `${host}/team/app:2.0`, withSecret);
  await kubectl(kube, ['-n', 'shop', 'apply', '-f', '-'], [web, api].map((o) => JSON.stringify(o)).join('\n'));
  await ownedObjects(kube, 'shop', web);
  await ownedObjects(kube, 'shop', api);
  const batch = deployment('batch', `${host}/team/app:2.0`, withSecret);
  await kubectl(kube, ['-n', 'other', 'apply', '-f', '-'], JSON.stringify(batch));

  const audit = async (...args: string[]) => {
    const r = await run(['audit', '--kubeconfig', kube.kubeconfig, '-c', config, '-o', 'json', ...args]);
    let report: { objects: Entry[]; summary: Record<string, number> } | null = null;
    try {
      report = JSON.parse(r.stdout);
    } catch {
      t.fail(`audit printed no JSON: ${r.stdout}\n${r.stderr}`);
    }
    return { ...r, report: report ?? { objects: [], summary: {} } };
  };
  const names = (objects: Entry[]) => objects.map((o) => `${o.namespace}/${o.kind}/${o.name}`);
  const problems = (objects: Entry[]) => objects.filter((o) => o.findings.length > 0).map((o) => `${o.namespace}/${o.name}:${o.findings.map((f) => f.code).join(',')}`);

  await t.test('everything pullable: each Deployment once, its ReplicaSet and Pods collapsed into it', async (t) => {
    const r = await audit('-A');
    t.equal(r.code, 0, r.stderr);
    t.same(names(r.report.objects), ['other/Deployment/batch', 'shop/Deployment/api', 'shop/Deployment/web']);
    t.same(problems(r.report.objects), []);
    t.match(r.stderr, /9 workload objects read; 6 made by a controller are reported as that controller/);
    t.equal(r.report.objects.find((o) => o.name === 'web')?.file, 'cluster:/apis/apps/v1/namespaces/shop/deployments/web');
  });

  await t.test('a tag deleted from the registry: IMAGE_TAG_NOT_FOUND for exactly the workloads using it', async (t) => {
    await deleteTag(reg, 'team/app', '2.0');
    const r = await audit();
    t.equal(r.code, 1);
    t.same(problems(r.report.objects), ['other/batch:IMAGE_TAG_NOT_FOUND', 'shop/api:IMAGE_TAG_NOT_FOUND']);
    const f = r.report.objects.find((o) => o.name === 'api')!.findings[0]!;
    t.equal(f.container, 'app');
    t.equal(f.image, `${host}/team/app:2.0`);
    const one = await audit('-n', 'shop');
    t.same(names(one.report.objects), ['shop/Deployment/api', 'shop/Deployment/web'], '-n reads one namespace');
    const text = await run(['audit', '--kubeconfig', kube.kubeconfig, '-c', config, '-n', 'other']);
    t.match(text.stdout, /DENY Deployment other\/batch \(cluster:\/apis\/apps\/v1\/namespaces\/other\/deployments\/batch\)/);
    t.match(text.stdout, /IMAGE_TAG_NOT_FOUND/);
    const sarif = await run(['audit', '--kubeconfig', kube.kubeconfig, '-c', config, '-n', 'other', '-o', 'sarif']);
    t.match(sarif.stdout, /"uri": "cluster:\/apis\/apps\/v1\/namespaces\/other\/deployments\/batch"/);
    const junit = await run(['audit', '--kubeconfig', kube.kubeconfig, '-c', config, '-n', 'other', '-o', 'junit']);
    t.match(junit.stdout, /IMAGE_TAG_NOT_FOUND/);
  });

  await t.test('a pull Secret deleted, then restored', async (t) => {
    await kubectl(kube, ['-n', 'shop', 'delete', 'secret', 'regcred']);
    const gone = await audit('-n', 'shop');
    t.equal(gone.code, 1);
    // Without the Secret the kubelet pulls anonymously, and this registry wants credentials.
    t.same(problems(gone.report.objects), ['shop/api:PULL_SECRET_NOT_FOUND,REGISTRY_AUTH_REQUIRED', 'shop/web:PULL_SECRET_NOT_FOUND,REGISTRY_AUTH_REQUIRED']);
    await apply(kube, pullSecret('regcred', 'shop', host, reg.users.alice));
    const back = await audit('-n', 'shop');
    t.same(problems(back.report.objects), ['shop/api:IMAGE_TAG_NOT_FOUND']);
  });

  await t.test('a custom resource: the Rollout is audited and stands for its ReplicaSet and Pod', async (t) => {
    const before = await audit('-n', 'shop');
    t.match(before.stderr, /kinds this cluster does not serve, not audited: Argo Rollouts \(Rollout\.argoproj\.io\); Argo Workflows \(Workflow\.argoproj\.io/, 'said once, by project');
    t.equal(before.stderr.match(/does not serve/g)?.length, 1);

    await installCrd(kube, crd('argoproj.io', 'Rollout', 'rollouts', 'v1alpha1'));
    await namespace(kube, 'ro');
    await apply(kube, pullSecret('regcred', 'ro', host, reg.users.alice));
    const labels = { app: 'canary' };
    const template = { metadata: { labels }, spec: { containers: [{ name: 'web', image: `${host}/team/app:9.9-missing` }], imagePullSecrets: [{ name: 'regcred' }] } };
    await apply(kube, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'canary', namespace: 'ro' }, spec: { replicas: 1, selector: { matchLabels: labels }, template, strategy: { canary: { steps: [{ setWeight: 20 }] } } } });
    // What the Argo Rollouts controller makes: a ReplicaSet owned by the Rollout, a Pod owned by it.
    const rolloutUid = await uidOf(kube, 'ro', 'rollout', 'canary');
    await apply(kube, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'canary-6c9', namespace: 'ro', ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary', uid: rolloutUid, controller: true }] }, spec: { replicas: 1, selector: { matchLabels: labels }, template } });
    const rsUid = await uidOf(kube, 'ro', 'replicaset', 'canary-6c9');
    await apply(kube, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'canary-6c9-x', namespace: 'ro', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'canary-6c9', uid: rsUid, controller: true }] }, spec: template.spec });

    const r = await audit('-n', 'ro');
    t.equal(r.code, 1, r.stderr);
    t.same(names(r.report.objects), ['ro/Rollout/canary'], 'the Rollout once; its ReplicaSet and Pod are not reported');
    t.same(problems(r.report.objects), ['ro/canary:IMAGE_TAG_NOT_FOUND']);
    t.equal(r.report.objects[0]?.file, 'cluster:/apis/argoproj.io/v1alpha1/namespaces/ro/rollouts/canary');
    t.match(r.report.objects[0]?.findings[0], { container: 'web', image: `${host}/team/app:9.9-missing` });
    t.match(r.stderr, /3 workload objects read; 2 made by a controller are reported as that controller/);
    t.notMatch(r.stderr, /Argo Rollouts \(Rollout/, 'Rollout is no longer skipped');

    // explain finds the Rollout's pod through its ReplicaSet (ownerReferences).
    const ex = await run(['explain', 'ro/canary', '-n', 'ro', '--kubeconfig', kube.kubeconfig, '--offline', '-o', 'json']);
    t.equal(ex.code, 0, ex.stderr);
    t.match(JSON.parse(ex.stdout), { podsChecked: 1 });
    const absent = await run(['explain', 'wf/x', '-n', 'ro', '--kubeconfig', kube.kubeconfig, '--offline']);
    t.equal(absent.code, 2);
    t.match(absent.stderr, /workflows\.argoproj\.io: this cluster does not serve this kind/);
  });

  await t.test("a Tekton TaskRun that names no ServiceAccount: decided by Tekton's config-defaults, read from the cluster", async (t) => {
    await installCrd(kube, crd('tekton.dev', 'TaskRun', 'taskruns', 'v1'));
    await namespace(kube, 'ci');
    await apply(
      kube,
      pullSecret('regcred', 'ci', host, reg.users.alice),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'ci' }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'regcred' }] },
      { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'build-1', namespace: 'ci' }, spec: { taskSpec: { steps: [{ name: 'build', image: `${host}/team/app:1.0` }] } } },
    );

    // No Tekton namespace: the defaults are not known, so the registry's demand for credentials is a warning.
    const unknown = await audit('-n', 'ci');
    t.equal(unknown.code, 0, unknown.stderr);
    t.match(unknown.stderr, "pullguard audit: Tekton's cluster defaults are not known (ConfigMap tekton-pipelines/config-defaults does not exist (set tekton.namespace to the namespace Tekton Pipelines runs in)); runs that rely on them get warnings");
    const run1 = unknown.report.objects.find((o) => o.kind === 'TaskRun');
    t.equal(run1?.verdict, 'warn', 'a warning, not a denial');
    // The registry asks for credentials (401) and pullguard cannot tell which ones the run will have.
    t.match(run1?.findings[0], { code: 'IMAGE_UNVERIFIED', container: 'build', image: `${host}/team/app:1.0` });
    t.comment(run1?.findings[0]?.message ?? '');
    t.match(run1?.findings[0]?.message, "were not read: ConfigMap tekton-pipelines/config-defaults does not exist");

    // Tekton's defaults name the ServiceAccount with the pull secret: the run is pullable, nothing to say.
    await apply(kube, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tekton-pipelines' } });
    await apply(kube, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-defaults', namespace: 'tekton-pipelines' }, data: { 'default-service-account': 'builder' } });
    const known = await audit('-n', 'ci');
    t.equal(known.code, 0, known.stderr);
    t.notMatch(known.stderr, "Tekton's cluster defaults", 'nothing said of the defaults once read');
    t.same(problems(known.report.objects), [], 'the default ServiceAccount holds the pull secret');
    t.equal(known.report.objects.find((o) => o.kind === 'TaskRun')?.verdict, 'allow');
  });

  await t.test("an Argo Workflow that lists no pull secrets: decided by Argo's workflowDefaults, read from the cluster", async (t) => {
    await installCrd(kube, crd('argoproj.io', 'Workflow', 'workflows', 'v1alpha1'));
    await namespace(kube, 'wf');
    await apply(
      kube,
      pullSecret('regcred', 'wf', host, reg.users.alice),
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'build-1', namespace: 'wf' }, spec: { entrypoint: 'build', templates: [{ name: 'build', container: { image: `${host}/team/app:1.0` } }] } },
    );

    // No argo namespace: the defaults are not known, so the registry's demand for credentials is a warning.
    const unknown = await audit('-n', 'wf');
    t.equal(unknown.code, 0, unknown.stderr);
    t.match(unknown.stderr, "pullguard audit: Argo's workflowDefaults are not known (ConfigMap argo/workflow-controller-configmap does not exist (set argo.namespace to the namespace the Argo workflow controller runs in)); workflows missing a credential get warnings");
    const wf1 = unknown.report.objects.find((o) => o.kind === 'Workflow');
    t.equal(wf1?.verdict, 'warn', 'a warning, not a denial');
    t.match(wf1?.findings[0], { code: 'IMAGE_UNVERIFIED', container: 'main', image: `${host}/team/app:1.0` });
    t.match(wf1?.findings[0]?.message, "were not read: ConfigMap argo/workflow-controller-configmap does not exist");

    // The controller's workflowDefaults give the pull secret (keys directly under data): pullable, nothing to say.
    await apply(kube, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argo' } });
    await apply(kube, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'workflow-controller-configmap', namespace: 'argo' }, data: { workflowDefaults: 'spec:\n  imagePullSecrets:\n    - name: regcred\n' } });
    const known = await audit('-n', 'wf');
    t.equal(known.code, 0, known.stderr);
    t.notMatch(known.stderr, "Argo's workflowDefaults", 'nothing said of the defaults once read');
    t.same(problems(known.report.objects), [], "the defaults' pull secret holds the credential");
    t.equal(known.report.objects.find((o) => o.kind === 'Workflow')?.verdict, 'allow');
  });

  await t.test("check --kubeconfig reads the controllers' defaults from the cluster too", async (t) => {
    // The same TaskRun and Workflow as manifests, checked against the cluster's credentials and defaults.
    const manifests = [
      { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'build-2', namespace: 'ci' }, spec: { taskSpec: { steps: [{ name: 'build', image: `${host}/team/app:1.0` }] } } },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'build-2', namespace: 'wf' }, spec: { entrypoint: 'build', templates: [{ name: 'build', container: { image: `${host}/team/app:1.0` } }] } },
    ];
    const check = async (...args: string[]) => {
      const r = await run(['check', '-c', config, '-o', 'json', ...args, '-'], manifests.map((m) => JSON.stringify(m)).join('\n'));
      return { ...r, report: JSON.parse(r.stdout) as { objects: Entry[] } };
    };
    const cluster = await check('--kubeconfig', kube.kubeconfig);
    t.equal(cluster.code, 0, cluster.stderr);
    t.same(cluster.report.objects.map((o) => `${o.kind}:${o.verdict}`), ['TaskRun:allow', 'Workflow:allow'], "with the cluster's defaults, both are pullable");
    // Without the cluster nothing says which credentials the runs get: warnings, not denials.
    const alone = await check();
    t.same(alone.report.objects.map((o) => `${o.kind}:${o.verdict}`), ['TaskRun:warn', 'Workflow:warn']);
  });

  await t.test('usage and unreadable clusters exit 2 with a clear message', async (t) => {
    const both = await run(['audit', '-n', 'a', '-A']);
    t.equal(both.code, 2);
    t.match(both.stderr, /--namespace and --all-namespaces cannot be used together/);
    const file = await run(['audit', 'deploy.yaml']);
    t.equal(file.code, 2);
    t.match(file.stderr, /audit reads the cluster, not files/);
    const noConfig = await run(['audit', '--kubeconfig', '/nonexistent/kubeconfig']);
    t.equal(noConfig.code, 2);
    t.match(noConfig.stderr, /pullguard audit: kubeconfig \/nonexistent\/kubeconfig: /);
  });
}
