/**
 * End to end, custom resources: a real kube-apiserver (v1.20.2), CustomResourceDefinitions for Argo
 * Rollouts' Rollout, Argo Workflows' Workflow, Tekton's TaskRun and PipelineRun, and a user's own kind
 * (BuildJob) installed with kubectl, `pullguard serve` with
 * BuildJob under `carriers:`, and the webhook registered from manifests/ with the custom-resources
 * component plus a rule for BuildJob, as docs/carriers.md says. kubectl is driven as a user would.
 *
 * Also shown here: the component's rules for resources this cluster does not have (Ray, Knative, …) are
 * accepted by the API server and harmless — the configuration registers, and Pods and Rollouts are
 * still answered.
 *
 * `serve` runs as the pullguard ServiceAccount (impersonated), with the RBAC of manifests/ applied:
 * what it reads, it reads with the permissions it ships with. Tekton's cluster defaults (the
 * config-defaults ConfigMap, granted by name only) decide a TaskRun that names no ServiceAccount: a
 * warning while they do not exist, allowed once they name a ServiceAccount with the pull secret, denied
 * once they name one without. Argo's workflowDefaults (the workflow controller's ConfigMap, granted by
 * name only) decide a Workflow that lists no pull secrets the same way: warned while absent, allowed
 * once they give a usable pull secret, denied once they give none usable.
 *
 * Needs kubectl, etcd and the kube-apiserver binary (../shared/tools/kube-apiserver/build); skipped
 * when one is missing, unless CI=true.
 */
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { crd } from '../helpers/audit-cluster.js';
import { kubeUnavailableReason, portFree, ROOT, runCommand as run, startKube, waitFor } from '../helpers/kube.js';

const CI = process.env['CI'] === 'true';
const WEBHOOK = 'pullguard.pullguard.io';
const E2E_LABEL = 'pullguard-e2e';

type Obj = Record<string, any>;

function httpsStatus(url: string, ca: string): Promise<number | null> {
  return new Promise((resolveStatus) => {
    const req = https.get(url, { ca, timeout: 2000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveStatus(null));
  });
}

function rollout(name: string, image: string): Obj {
  const labels = { app: name };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image }] } },
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
    },
  };
}

/** The identity `serve` runs as: the ServiceAccount manifests/base creates and binds. */
const PULLGUARD_SA = 'system:serviceaccount:pullguard:pullguard';
const RBAC_KINDS = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

function taskRun(name: string, image: string): Obj {
  return { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name }, spec: { taskSpec: { steps: [{ name: 'build', image }] } } };
}

function workflow(name: string, spec: Obj): Obj {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name }, spec: { entrypoint: spec['templates'][0].name, ...spec } };
}

function buildJob(name: string, image: string): Obj {
  return { apiVersion: 'ci.example.com/v1', kind: 'BuildJob', metadata: { name }, spec: { steps: [{ name: 'compile', image: 'golang:1.23' }, { name: 'package', image }] } };
}

const missing = kubeUnavailableReason({ needKubectl: true });
if (missing !== null) {
  if (CI) t.fail(`end-to-end prerequisites missing, and CI=true: ${missing}`);
  else t.plan(0, `skipped: ${missing}`);
} else {
  // Building dist/, starting etcd and the API server and installing CRDs take well over tap's default
  // 120 s on a loaded machine (the assertions themselves take seconds).
  t.setTimeout(400_000);
  t.test('custom resources through a real kube-apiserver, driven with kubectl', { timeout: 300_000 }, e2e);
}

async function e2e(t: Test): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'pullguard-e2e-cr-'));
  const files = join(work, 'files');
  await mkdir(files);
  let serve: ChildProcess | undefined;
  let serveLog = '';
  t.teardown(async () => {
    if (serve && serve.exitCode === null && serve.signalCode === null) {
      const exited = new Promise((r) => serve!.once('exit', r));
      serve.kill('SIGTERM');
      const timer = setTimeout(() => serve!.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (!t.passing()) t.comment(`pullguard serve log (last lines):\n${serveLog.split('\n').slice(-30).join('\n')}`);
    else await rm(work, { recursive: true, force: true });
  });

  // --- dist/, and the webhook from manifests/ with the custom-resources component ------------------
  const build = await run(process.execPath, ['scripts/build-if-needed.mjs'], { timeoutMs: 120_000 });
  if (build.code !== 0) throw new Error(`node scripts/build-if-needed.mjs failed:\n${build.stderr}${build.stdout}`);
  await cp(join(ROOT, 'manifests'), join(work, 'manifests'), { recursive: true });
  await mkdir(join(work, 'manifests', 'overlays', 'with-crs'));
  await writeFile(
    join(work, 'manifests', 'overlays', 'with-crs', 'kustomization.yaml'),
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\ncomponents:\n  - ../../components/custom-resources\n',
  );
  const rendered = await run('kubectl', ['kustomize', join(work, 'manifests', 'overlays', 'with-crs')]);
  if (rendered.code !== 0) throw new Error(`kubectl kustomize failed:\n${rendered.stderr}`);
  const docs = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as Obj);
  const manifestHook = docs.find((d) => d['kind'] === 'ValidatingWebhookConfiguration')?.['webhooks']?.[0] as Obj | undefined;
  if (!manifestHook) throw new Error('the overlay renders no webhook');

  const { kubeconfig } = await startKube(t);
  // serve's identity: the ServiceAccount of manifests/, impersonated by the admin certificate.
  const asPullguard = join(work, 'kubeconfig-pullguard');
  const admin = parseAllDocuments(await readFile(kubeconfig, 'utf8'))[0]!.toJS() as Obj;
  for (const u of admin['users'] as Obj[]) u['user']['as'] = PULLGUARD_SA;
  await writeFile(asPullguard, stringify(admin));
  const kubectlEnv: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
  const kubectl = (...args: string[]) => run('kubectl', [`--cache-dir=${join(work, 'kubectl-cache')}`, ...args], { env: kubectlEnv, timeoutMs: 30_000 });
  const manifest = async (name: string, ...objects: Obj[]) => {
    const file = join(files, `${name}.yaml`);
    await writeFile(file, objects.map((o) => stringify(o, { version: '1.1' })).join('---\n'));
    return file;
  };
  const namespace = async (name: string) => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [E2E_LABEL]: 'on' } } };
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name }, automountServiceAccountToken: false };
    const r = await kubectl('apply', '-f', await manifest(`ns-${name}`, ns, sa));
    if (r.code !== 0) throw new Error(`cannot create namespace ${name}: ${r.stderr}`);
  };

  const rbac = await kubectl('apply', '-f', await manifest('rbac', ...docs.filter((d) => RBAC_KINDS.includes(d['kind']))));
  if (rbac.code !== 0) throw new Error(`cannot apply the RBAC of manifests/: ${rbac.stderr}`);

  // --- the CRDs: Argo Rollouts' Rollout and the user's BuildJob -------------------------------------
  // Argo Workflows' Workflow and Tekton's TaskRun and PipelineRun too: their pods are read the way
  // their controllers build them (src/workload/argo.ts, tekton.ts), which is what the webhook checks.
  const crds = await kubectl(
    'apply',
    '-f',
    await manifest(
      'crds',
      crd('argoproj.io', 'Rollout', 'rollouts', 'v1alpha1'),
      crd('ci.example.com', 'BuildJob', 'buildjobs', 'v1'),
      crd('argoproj.io', 'Workflow', 'workflows', 'v1alpha1'),
      crd('tekton.dev', 'TaskRun', 'taskruns', 'v1'),
      crd('tekton.dev', 'PipelineRun', 'pipelineruns', 'v1'),
    ),
  );
  if (crds.code !== 0) throw new Error(`cannot install the CRDs: ${crds.stderr}`);
  const established = await kubectl('wait', '--for=condition=Established', '--timeout=30s', 'crd/rollouts.argoproj.io', 'crd/buildjobs.ci.example.com', 'crd/workflows.argoproj.io', 'crd/taskruns.tekton.dev', 'crd/pipelineruns.tekton.dev');
  if (established.code !== 0) throw new Error(`CRDs not established: ${established.stderr}`);

  // --- pullguard serve, with BuildJob under carriers: (docs/carriers.md) ----------------------------
  const port = await portFree(0);
  if (port === null) throw new Error('no free port for pullguard serve');
  const certDir = join(work, 'certs');
  const configFile = join(work, 'config.yaml');
  // No registry checks: this machine has no way out, and the test is about the API server path.
  await writeFile(
    configFile,
    'registryChecks: false\nprivateRegistries: [registry.corp.example]\ncarriers:\n  - kind: BuildJob\n    group: ci.example.com\n    versions: [v1]\n    resource: buildjobs\n    containers:\n      - spec.steps[*]\n',
  );
  serve = spawn(
    process.execPath,
    ['dist/cli/main.js', 'serve', '--listen', `127.0.0.1:${port}`, '--cert-dir', certDir, '--kubeconfig', asPullguard, '--config', configFile, '--metrics-listen', 'off'],
    { cwd: ROOT, env: { ...process.env, NO_PROXY: '127.0.0.1,localhost' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  serve.stdout!.setEncoding('utf8').on('data', (d: string) => (serveLog += d));
  serve.stderr!.setEncoding('utf8').on('data', (d: string) => (serveLog += d));
  const caFile = join(certDir, 'ca.crt');
  await waitFor('pullguard serve /readyz', 20_000, async () => {
    if (serve!.exitCode !== null) throw new Error(`pullguard serve exited with ${serve!.exitCode}:\n${serveLog}`);
    if (!existsSync(caFile)) return undefined;
    return (await httpsStatus(`https://127.0.0.1:${port}/readyz`, readFileSync(caFile, 'utf8'))) === 200 ? true : undefined;
  });

  // --- the webhook: the rendered rules, plus the user's rule for BuildJob ---------------------------
  const hook: Obj = {
    ...manifestHook,
    failurePolicy: 'Fail',
    clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: (await readFile(caFile)).toString('base64') },
    namespaceSelector: { matchExpressions: [...(manifestHook['namespaceSelector']?.matchExpressions ?? []), { key: E2E_LABEL, operator: 'In', values: ['on'] }] },
    rules: [
      ...manifestHook['rules'],
      { apiGroups: ['ci.example.com'], apiVersions: ['v1'], resources: ['buildjobs'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
    ],
  };
  const vwc = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'pullguard-e2e-cr' }, webhooks: [hook] };

  await t.test('rules for resources the cluster does not have are accepted and harmless', async (t) => {
    const groups = (hook['rules'] as Obj[]).flatMap((r) => r['apiGroups'] as string[]);
    t.ok(['ray.io', 'serving.knative.dev', 'kubeflow.org'].every((g) => groups.includes(g)), 'the component names groups this cluster does not serve');
    const served = await kubectl('api-resources', '--api-group=ray.io', '-o', 'name');
    t.equal(served.stdout.trim(), '', 'no ray.io resources on this API server');
    const registered = await kubectl('apply', '-f', await manifest('webhook', vwc));
    t.equal(registered.code, 0, registered.stderr);
    t.match(registered.stdout, 'validatingwebhookconfiguration.admissionregistration.k8s.io/pullguard-e2e-cr created');
  });

  await namespace('e2e-cr');
  const probe = await manifest('probe', rollout('probe', 'Nginx:1.25'));
  await waitFor('the API server to call the webhook for Rollouts', 20_000, async () => {
    const r = await kubectl('-n', 'e2e-cr', 'create', '--dry-run=server', '-f', probe);
    return r.code !== 0 && r.stderr.includes(`admission webhook "${WEBHOOK}" denied the request`) ? true : undefined;
  });

  await t.test('a Rollout with a malformed image is denied, naming the container and image; a good one is created', async (t) => {
    const bad = await manifest('bad-rollout', rollout('web', 'ghcr.io/Acme/Web:2.1'));
    const r = await kubectl('-n', 'e2e-cr', 'apply', '-f', bad);
    t.equal(r.code, 1);
    t.equal(r.stdout, '');
    t.match(
      r.stderr,
      `Error from server (Forbidden): error when creating "${bad}": admission webhook "${WEBHOOK}" denied the request: Rollout e2e-cr/web: 1 image problem would stop its pods from starting:\n` +
        '[IMAGE_REFERENCE_INVALID] container "web" (image "ghcr.io/Acme/Web:2.1"): not a valid reference',
    );
    t.match((await kubectl('-n', 'e2e-cr', 'get', 'rollout', 'web')).stderr, /rollouts\.argoproj\.io "web" not found/);

    const good = await kubectl('-n', 'e2e-cr', 'apply', '-f', await manifest('good-rollout', rollout('web', 'ghcr.io/acme/web:2.1')));
    t.equal(good.code, 0, good.stderr);
    t.equal(good.stdout, 'rollout.argoproj.io/web created\n');
    t.equal(good.stderr, '');

    // UPDATE checks only new images: a change elsewhere passes, a new bad image does not.
    const scaled = await kubectl('-n', 'e2e-cr', 'patch', 'rollout', 'web', '--type=merge', '-p', '{"spec":{"replicas":3}}');
    t.equal(scaled.code, 0, scaled.stderr);
    const changed = await kubectl('-n', 'e2e-cr', 'patch', 'rollout', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"ghcr.io/acme/web:2.2 "}]');
    t.equal(changed.code, 1);
    t.match(changed.stderr, `denied the request: Rollout e2e-cr/web`);
    t.match(changed.stderr, 'container "web" (image "ghcr.io/acme/web:2.2 "): not a valid reference');
  });

  await t.test("the user's own kind, described under carriers: and in the rules, is checked too", async (t) => {
    const bad = await manifest('bad-buildjob', buildJob('nightly', 'registry.example.com/CI/packager:2'));
    const r = await kubectl('-n', 'e2e-cr', 'apply', '-f', bad);
    t.equal(r.code, 1);
    t.match(r.stderr, `denied the request: BuildJob e2e-cr/nightly: 1 image problem would stop its pods from starting:\n[IMAGE_REFERENCE_INVALID] container "package" (image "registry.example.com/CI/packager:2"): not a valid reference`);
    const good = await kubectl('-n', 'e2e-cr', 'apply', '-f', await manifest('good-buildjob', buildJob('nightly', 'registry.example.com/ci/packager:2')));
    t.equal(good.code, 0, good.stderr);
    t.equal(good.stdout, 'buildjob.ci.example.com/nightly created\n');
  });

  await t.test('Argo Workflows and Tekton runs: the pod their controller would build is checked, named as the project names it', async (t) => {
    const cases: { name: string; object: Obj; denied: string | null }[] = [
      {
        name: 'an Argo template with no image runs the one in templateDefaults, which is malformed',
        object: workflow('defaults', { templateDefaults: { container: { image: 'Registry.example.com/Tools:1' } }, templates: [{ name: 'build', container: { args: ['make'] } }] }),
        denied: 'Workflow e2e-cr/defaults: 1 image problem would stop its pods from starting:\n[IMAGE_REFERENCE_INVALID] container "main" of template "build" (image "Registry.example.com/Tools:1"): not a valid reference',
      },
      {
        name: 'an Argo podSpecPatch replaces the main container\'s image with a malformed one',
        object: workflow('patched', { templates: [{ name: 'build', container: { image: 'alpine:3.20' }, podSpecPatch: '{"containers":[{"name":"main","image":"alpine:3.20 "}]}' }] }),
        denied: 'Workflow e2e-cr/patched: 1 image problem would stop its pods from starting:\n[IMAGE_REFERENCE_INVALID] container "main" of template "build" (image "alpine:3.20 "): not a valid reference',
      },
      {
        name: 'an Argo workflow whose images are all valid',
        object: workflow('fine', { templateDefaults: { container: { image: 'alpine:3.20' } }, templates: [{ name: 'build', container: { args: ['make'] } }] }),
        denied: null,
      },
      {
        name: 'a Tekton TaskRun step with a malformed image',
        object: { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'compile' }, spec: { taskSpec: { steps: [{ name: 'compile', image: 'golang:1.23' }, { name: 'push', image: 'gcr.io/Kaniko-Project/executor:v1.23.0' }] } } },
        denied: 'TaskRun e2e-cr/compile: 1 image problem would stop its pods from starting:\n[IMAGE_REFERENCE_INVALID] step "push" (image "gcr.io/Kaniko-Project/executor:v1.23.0"): not a valid reference',
      },
      {
        name: 'a Tekton PipelineRun task\'s step takes its stepTemplate image, which is malformed',
        object: {
          apiVersion: 'tekton.dev/v1',
          kind: 'PipelineRun',
          metadata: { name: 'release' },
          spec: { pipelineSpec: { tasks: [{ name: 'build', taskSpec: { stepTemplate: { image: 'golang:1.23@sha256:abc' }, steps: [{ name: 'test', script: 'go test ./...' }] } }] } },
        },
        denied: 'PipelineRun e2e-cr/release: 1 image problem would stop its pods from starting:\n[IMAGE_REFERENCE_INVALID] step "test" of task "build" (image "golang:1.23@sha256:abc")',
      },
      {
        name: 'a Tekton TaskRun whose images are all valid',
        object: { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'fine' }, spec: { taskSpec: { steps: [{ name: 'compile', image: 'golang:1.23' }] } } },
        denied: null,
      },
    ];
    for (const c of cases) {
      const file = await manifest(`case-${c.object['kind']}-${c.object['metadata'].name}`, c.object);
      const r = await kubectl('-n', 'e2e-cr', 'apply', '-f', file);
      const what = `${String(c.object['kind']).toLowerCase()}.${String(c.object['apiVersion']).split('/')[0]}/${c.object['metadata'].name}`;
      if (c.denied === null) {
        t.equal(r.code, 0, `${c.name}: created (${r.stderr})`);
        t.equal(r.stdout, `${what} created\n`, `${c.name}: created`);
        continue;
      }
      t.equal(r.code, 1, `${c.name}: refused`);
      t.equal(r.stdout, '', `${c.name}: nothing created`);
      t.match(r.stderr, `Error from server (Forbidden): error when creating "${file}": admission webhook "${WEBHOOK}" denied the request: ${c.denied}`, c.name);
      t.match((await kubectl('-n', 'e2e-cr', 'get', what)).stderr, /not found/, `${c.name}: not in the cluster`);
    }
  });

  await t.test('Pods are still answered as before', async (t) => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } };
    const r = await kubectl('-n', 'e2e-cr', 'create', '--dry-run=server', '-f', await manifest('pod', pod));
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, 'pod/p created (server dry run)\n');
  });

  await t.test("a TaskRun that names no ServiceAccount is decided by Tekton's config-defaults in the cluster", async (t) => {
    const ns = 'e2e-tekton';
    await namespace(ns);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: ns },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'registry.corp.example': { auth: Buffer.from('ci:pw').toString('base64') } } })).toString('base64') },
    };
    const builder = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: ns }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'regcred' }] };
    const bare = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'no-secrets', namespace: ns }, automountServiceAccountToken: false };
    const setUp = await kubectl('apply', '-f', await manifest('tekton-credentials', secret, builder, bare));
    t.equal(setUp.code, 0, setUp.stderr);
    const image = 'registry.corp.example/team/builder:1';
    const run = await manifest('taskrun', taskRun('build-1', image));
    const dryRun = () => kubectl('-n', ns, 'create', '--dry-run=server', '-f', run);

    // The pullguard ServiceAccount may read config-defaults by name, and no other ConfigMap.
    const other = await kubectl('--as', PULLGUARD_SA, '-n', 'kube-system', 'get', 'configmaps');
    t.match(other.stderr, /Forbidden|forbidden/, 'other ConfigMaps stay unreadable to pullguard');

    // No Tekton namespace, no ConfigMap: what the run gets is not known, so a warning that says why.
    const unknown = await dryRun();
    t.equal(unknown.code, 0, unknown.stderr);
    t.equal(
      unknown.stderr,
      `Warning: REGISTRY_AUTH_REQUIRED step "build" (image "${image}"): no credential matches; Tekton's defaults (unread) may add one; add a pull secret for its host\n`,
      'a warning naming the step, the image, why it is not certain, and the fix',
    );
    t.equal(unknown.stdout, 'taskrun.tekton.dev/build-1 created (server dry run)\n');

    // Tekton installed, its defaults naming the ServiceAccount with the pull secret: allowed, no warning.
    const tektonNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tekton-pipelines' } };
    const defaults = (sa: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-defaults', namespace: 'tekton-pipelines' }, data: { 'default-service-account': sa } });
    const installed = await kubectl('apply', '-f', await manifest('tekton-defaults', tektonNs, defaults('builder')));
    t.equal(installed.code, 0, installed.stderr);
    const allowed = await waitFor('serve to read config-defaults', 20_000, async () => {
      const r = await dryRun();
      return r.code === 0 && r.stderr === '' ? r : undefined;
    });
    t.equal(allowed.stdout, 'taskrun.tekton.dev/build-1 created (server dry run)\n', 'the default ServiceAccount holds the pull secret: allowed');

    // The defaults changed to a ServiceAccount without one: certain to fail, so denied.
    const changed = await kubectl('apply', '-f', await manifest('tekton-defaults-2', defaults('no-secrets')));
    t.equal(changed.code, 0, changed.stderr);
    const denied = await waitFor('serve to follow the change', 20_000, async () => {
      const r = await dryRun();
      return r.code !== 0 ? r : undefined;
    });
    t.match(denied.stderr, `admission webhook "${WEBHOOK}" denied the request: TaskRun ${ns}/build-1: 1 image problem would stop its pods from starting:\n[REGISTRY_AUTH_REQUIRED] step "build" (image "${image}"):`);
    t.match(denied.stderr, 'ServiceAccount "no-secrets"', "names the ServiceAccount Tekton's defaults give the run");
    t.notMatch(denied.stderr, 'Not certain', 'no longer uncertain');
  });

  await t.test("a Workflow that lists no pull secrets is decided by Argo's workflowDefaults in the cluster", async (t) => {
    const ns = 'e2e-argo';
    await namespace(ns);
    const dockerconfig = (registry: string) => Buffer.from(JSON.stringify({ auths: { [registry]: { auth: Buffer.from('ci:pw').toString('base64') } } })).toString('base64');
    const secret = (name: string, registry: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerconfig(registry) } });
    const setUp = await kubectl('apply', '-f', await manifest('argo-credentials', secret('corp-pull', 'registry.corp.example'), secret('other-pull', 'elsewhere.example')));
    t.equal(setUp.code, 0, setUp.stderr);
    const image = 'registry.corp.example/team/app:1';
    const wf = await manifest('argo-workflow', workflow('private', { templates: [{ name: 'build', container: { image } }] }));
    const dryRun = () => kubectl('-n', ns, 'create', '--dry-run=server', '-f', wf);

    // No argo namespace, no controller ConfigMap: what the workflow gets is not known, so a warning that says why.
    const unknown = await dryRun();
    t.equal(unknown.code, 0, unknown.stderr);
    t.equal(
      unknown.stderr,
      `Warning: REGISTRY_AUTH_REQUIRED container "main" of template "build" (image "${image}"): no credential matches; Argo's workflowDefaults (unread) may add one; add a pull secret for its host\n`,
      'a warning naming the container, the image, why it is not certain, and the fix',
    );
    t.equal(unknown.stdout, 'workflow.argoproj.io/private created (server dry run)\n');

    // Argo installed, its workflowDefaults giving the pull secret (the argo-helm format, data.config): allowed, no warning.
    const argoNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argo' } };
    const controllerConfig = (pullSecret: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'workflow-controller-configmap', namespace: 'argo' },
      data: { config: `workflowDefaults:\n  spec:\n    imagePullSecrets:\n      - name: ${pullSecret}\n` },
    });
    const installed = await kubectl('apply', '-f', await manifest('argo-config', argoNs, controllerConfig('corp-pull')));
    t.equal(installed.code, 0, installed.stderr);
    const allowed = await waitFor('serve to read workflow-controller-configmap', 20_000, async () => {
      const r = await dryRun();
      return r.code === 0 && r.stderr === '' ? r : undefined;
    });
    t.equal(allowed.stdout, 'workflow.argoproj.io/private created (server dry run)\n', "the defaults' pull secret holds the registry's credential: allowed");

    // The defaults changed to a pull secret for another registry: certain to fail, so denied.
    const changed = await kubectl('apply', '-f', await manifest('argo-config-2', controllerConfig('other-pull')));
    t.equal(changed.code, 0, changed.stderr);
    const denied = await waitFor('serve to follow the change', 20_000, async () => {
      const r = await dryRun();
      return r.code !== 0 ? r : undefined;
    });
    t.match(denied.stderr, `admission webhook "${WEBHOOK}" denied the request: Workflow ${ns}/private: 1 image problem would stop its pods from starting:\n[REGISTRY_AUTH_REQUIRED] container "main" of template "build" (image "${image}"):`);
    t.notMatch(denied.stderr, 'Not certain', 'no longer uncertain');
  });
}
