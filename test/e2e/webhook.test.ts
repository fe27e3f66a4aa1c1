/**
 * End to end: a real kube-apiserver (v1.20.2, ../shared/tools/kube-apiserver), `pullguard serve` as
 * a child process, the webhook registered from manifests/ (same rules, sideEffects, matchPolicy,
 * namespaceSelector), and kubectl driven exactly as a user would, asserting on kubectl's own output.
 *
 * Run with `npm run test:e2e` (or `npx tap test/e2e`). Needs kubectl, etcd and the kube-apiserver
 * binary (`../shared/tools/kube-apiserver/build`); skipped when one is missing, unless CI=true.
 *
 * Isolation: the API server runs from a private PULLGUARD_KUBE_HOME (a symlink to the built binary)
 * on free ports, so it neither needs nor disturbs an API server someone else started with `start`.
 */
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { kubeUnavailableReason, portFree, ROOT, runCommand as run, startKube, waitFor } from '../helpers/kube.js';

const CI = process.env['CI'] === 'true';
const WEBHOOK = 'pullguard.pullguard.io';
/** Label that puts a namespace in reach of the e2e webhook (on top of the manifests' selector). */
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

function pod(name: string, image: string): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image }] } };
}

function deployment(name: string, image: string): Obj {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } } },
  };
}

// ------------------------------------------------------------------------------------------------

// An API server, pullguard serve and kubectl under a loaded machine (test files run in parallel, and
// other work shares the cores): start and teardown alone took over a minute there. The same
// bound as the other e2e files, instead of tap's 120 s per file.
t.setTimeout(400_000);
const missing = kubeUnavailableReason({ needKubectl: true });
if (missing !== null) {
  if (CI) t.fail(`end-to-end prerequisites missing, and CI=true: ${missing}`);
  else t.plan(0, `skipped: ${missing}`);
} else {
  // One enclosing test: its teardown (stop everything) runs when all cases are done, even on failure.
  t.test('pullguard serve behind a real kube-apiserver, driven with kubectl', e2e);
}

async function e2e(t: Test): Promise<void> {
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), 'pullguard-e2e-'));
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
    if (!t.passing()) {
      t.comment(`pullguard serve log (last lines):\n${serveLog.split('\n').slice(-30).join('\n')}`);
    } else {
      await rm(work, { recursive: true, force: true });
    }
  });

  // --- dist/, the manifests' webhook -----------------------------------------------------------
  const build = await run(process.execPath, ['scripts/build-if-needed.mjs'], { timeoutMs: 120_000 });
  if (build.code !== 0) throw new Error(`node scripts/build-if-needed.mjs failed:\n${build.stderr}${build.stdout}`);
  const rendered = await run('kubectl', ['kustomize', 'manifests/']);
  if (rendered.code !== 0) throw new Error(`kubectl kustomize manifests/ failed:\n${rendered.stderr}`);
  const docs = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as Obj);
  const manifestWebhookConfig = docs.find((d) => d['kind'] === 'ValidatingWebhookConfiguration');
  const manifestNamespace = docs.find((d) => d['kind'] === 'Namespace');
  const manifestHook = manifestWebhookConfig?.['webhooks']?.find((w: Obj) => w['name'] === WEBHOOK) as Obj | undefined;
  if (!manifestHook || !manifestNamespace) throw new Error('manifests/ renders no webhook pullguard.pullguard.io or no Namespace');

  // --- kube-apiserver ----------------------------------------------------------------------------
  const built = Date.now();
  const { kubeconfig } = await startKube(t);
  const apiserverUp = Date.now();

  const kubectlEnv: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
  const kubectl = (...args: string[]) => run('kubectl', [`--cache-dir=${join(work, 'kubectl-cache')}`, ...args], { env: kubectlEnv, timeoutMs: 30_000 });
  /** Write objects to files/<name>.yaml and return the path, as a user's manifest file. */
  const manifest = async (name: string, ...objects: Obj[]) => {
    const file = join(files, `${name}.yaml`);
    // YAML 1.1, as kubectl reads it: "off", "on", "yes" must be quoted or they become booleans.
    await writeFile(file, objects.map((o) => stringify(o, { version: '1.1' })).join('---\n'));
    return file;
  };
  /** A namespace, with ServiceAccount default (no controller-manager here to create it). */
  const namespace = async (name: string, labels: Record<string, string>, base: Obj = { metadata: {} }) => {
    const ns = { ...base, apiVersion: 'v1', kind: 'Namespace', metadata: { ...base['metadata'], name, labels: { ...base['metadata']?.labels, ...labels } } };
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name }, automountServiceAccountToken: false };
    const r = await kubectl('apply', '-f', await manifest(`ns-${name}`, ns, sa));
    if (r.code !== 0) throw new Error(`cannot create namespace ${name}: ${r.stderr}`);
  };
  const denial = (file: string, what: string) =>
    `Error from server (Forbidden): error when creating "${file}": admission webhook "${WEBHOOK}" denied the request: ${what}: 1 image problem would stop its pods from starting:`;

  // --- the manifests against a real API server ---------------------------------------------------
  await t.test('the base manifests are accepted by the API server (server-side dry run)', async (t) => {
    await namespace('pullguard', { [E2E_LABEL]: 'on' }, manifestNamespace);
    // policy/v1 PodDisruptionBudget is Kubernetes 1.21+; this API server is 1.20.
    const rest = docs.filter((d) => d['kind'] !== 'Namespace' && d['kind'] !== 'PodDisruptionBudget');
    const r = await kubectl('apply', '--dry-run=server', '-f', await manifest('base', ...rest));
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /deployment\.apps\/pullguard created \(server dry run\)/);
    t.match(r.stdout, /validatingwebhookconfiguration\.admissionregistration\.k8s\.io\/pullguard created \(server dry run\)/);
  });

  // --- pullguard serve ---------------------------------------------------------------------------
  const port = await portFree(0);
  if (port === null) throw new Error('no free port for pullguard serve');
  const certDir = join(work, 'certs');
  // The images here are public ones (nginx) and this machine has no way out: registry checks would
  // only add REGISTRY_UNREACHABLE warnings to every answer. They have their own tests against a real
  // registry (test/registry, test/cli/registry.test.ts); this test is about the API server path.
  const configFile = join(work, 'config.yaml');
  await writeFile(configFile, 'registryChecks: false\n');
  serve = spawn(
    process.execPath,
    ['dist/cli/main.js', 'serve', '--listen', `127.0.0.1:${port}`, '--cert-dir', certDir, '--kubeconfig', kubeconfig, '--config', configFile, '--metrics-listen', 'off'],
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

  // --- the webhook, derived from the manifests -----------------------------------------------------
  const hook: Obj = {
    ...manifestHook,
    // The test wants to see every failure, not have it ignored.
    failurePolicy: 'Fail',
    clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: (await readFile(caFile)).toString('base64') },
    namespaceSelector: {
      ...manifestHook['namespaceSelector'],
      matchExpressions: [...(manifestHook['namespaceSelector']?.matchExpressions ?? []), { key: E2E_LABEL, operator: 'In', values: ['on'] }],
    },
  };
  const vwc = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'pullguard-e2e' }, webhooks: [hook] };
  const registered = await kubectl('apply', '-f', await manifest('webhook', vwc));
  if (registered.code !== 0) throw new Error(`cannot register the webhook: ${registered.stderr}`);

  await namespace('e2e-probe', { [E2E_LABEL]: 'on' });
  const probe = await manifest('probe', pod('probe', 'Nginx:1.25'));
  await waitFor('the API server to call the webhook', 20_000, async () => {
    const r = await kubectl('-n', 'e2e-probe', 'create', '--dry-run=server', '-f', probe);
    return r.code !== 0 && r.stderr.includes(`admission webhook "${WEBHOOK}" denied the request`) ? true : undefined;
  });
  const webhookUp = Date.now();

  // --- what a user sees ----------------------------------------------------------------------------
  await t.test('a Pod with a malformed image is denied; a good one is created', async (t) => {
    await namespace('e2e-pod', { [E2E_LABEL]: 'on' });
    const bad = await manifest('bad-pod', pod('web', 'Nginx:1.25'));
    const r = await kubectl('-n', 'e2e-pod', 'create', '-f', bad);
    t.equal(r.code, 1);
    t.equal(r.stdout, '');
    t.equal(
      r.stderr,
      `${denial(bad, 'Pod e2e-pod/web')}\n` +
        '[IMAGE_REFERENCE_INVALID] container "app" (image "Nginx:1.25"): not a valid reference: repository name "Nginx" contains uppercase letters; the kubelet would fail with InvalidImageName. Use "nginx:1.25".\n',
    );
    const get = await kubectl('-n', 'e2e-pod', 'get', 'pod', 'web');
    t.match(get.stderr, /pods "web" not found/);

    // Whitespace around a Pod's image is refused by the API server itself, before any webhook.
    const spaced = await kubectl('-n', 'e2e-pod', 'create', '-f', await manifest('spaced-pod', pod('spaced', 'nginx:1.25 ')));
    t.equal(spaced.code, 1);
    t.match(spaced.stderr, /must not have leading or trailing whitespace/);
    t.notMatch(spaced.stderr, WEBHOOK);

    const good = await kubectl('-n', 'e2e-pod', 'create', '-f', await manifest('good-pod', pod('web', 'nginx:1.25')));
    t.equal(good.code, 0, good.stderr);
    t.equal(good.stdout, 'pod/web created\n');
    t.equal(good.stderr, '');
  });

  await t.test('a Deployment with a malformed image is denied; a good one is created', async (t) => {
    await namespace('e2e-deploy', { [E2E_LABEL]: 'on' });
    // The API server checks whitespace on Pods only: on a template it is pullguard that catches it.
    const bad = await manifest('bad-deploy', deployment('web', 'nginx:1.25 '));
    const r = await kubectl('-n', 'e2e-deploy', 'create', '-f', bad);
    t.equal(r.code, 1);
    t.equal(r.stdout, '');
    t.match(r.stderr, denial(bad, 'Deployment e2e-deploy/web'));
    t.match(r.stderr, /\n\[IMAGE_REFERENCE_INVALID\] container "app" \(image "nginx:1\.25 "\): /);

    const good = await kubectl('-n', 'e2e-deploy', 'apply', '-f', await manifest('good-deploy', deployment('web', 'nginx:1.25')));
    t.equal(good.code, 0, good.stderr);
    t.equal(good.stdout, 'deployment.apps/web created\n');
    t.equal(good.stderr, '');
  });

  await t.test('kubectl apply --dry-run=server is a gate', async (t) => {
    await namespace('e2e-dryrun', { [E2E_LABEL]: 'on' });
    const bad = await manifest('dryrun-bad', deployment('api', 'ghcr.io/Acme/Api:2.1'));
    const r = await kubectl('-n', 'e2e-dryrun', 'apply', '--dry-run=server', '-f', bad);
    t.equal(r.code, 1);
    t.match(r.stderr, denial(bad, 'Deployment e2e-dryrun/api'));
    t.match(r.stderr, '[IMAGE_REFERENCE_INVALID] container "app" (image "ghcr.io/Acme/Api:2.1"): not a valid reference');

    const good = await kubectl('-n', 'e2e-dryrun', 'apply', '--dry-run=server', '-f', await manifest('dryrun-good', deployment('api', 'ghcr.io/acme/api:2.1')));
    t.equal(good.code, 0, good.stderr);
    t.equal(good.stdout, 'deployment.apps/api created (server dry run)\n');
    const get = await kubectl('-n', 'e2e-dryrun', 'get', 'deployment', 'api');
    t.match(get.stderr, /deployments\.apps "api" not found/, 'a dry run stores nothing');
  });

  await t.test('scaling or relabelling an existing object is never blocked', async (t) => {
    // Created before the webhook applied to its namespace, with an image pullguard would deny.
    await namespace('e2e-scale', {});
    const legacy = await kubectl('-n', 'e2e-scale', 'create', '-f', await manifest('legacy', deployment('legacy', 'Nginx:1.25')));
    t.equal(legacy.code, 0, legacy.stderr);
    const labelled = await kubectl('label', 'namespace', 'e2e-scale', `${E2E_LABEL}=on`);
    t.equal(labelled.code, 0, labelled.stderr);

    // The API server sees namespace labels through an informer: wait until the webhook applies here.
    const changed = await waitFor('the webhook to apply to the relabelled namespace', 10_000, async () => {
      const r = await kubectl('-n', 'e2e-scale', 'set', 'image', 'deployment/legacy', 'app=Nginx:1.26', '--dry-run=server');
      return r.code !== 0 && r.stderr.includes(WEBHOOK) ? r : undefined;
    });
    t.match(changed.stderr, `admission webhook "${WEBHOOK}" denied the request: Deployment e2e-scale/legacy`, 'a changed image is checked');
    t.match(changed.stderr, 'image "Nginx:1.26"');

    const scaled = await kubectl('-n', 'e2e-scale', 'scale', 'deployment', 'legacy', '--replicas=3');
    t.equal(scaled.code, 0, scaled.stderr);
    t.equal(scaled.stdout, 'deployment.apps/legacy scaled\n');
    // A full UPDATE of the object (through the webhook) with its unchanged image.
    const annotated = await kubectl('-n', 'e2e-scale', 'annotate', 'deployment', 'legacy', 'owner=shop');
    t.equal(annotated.code, 0, annotated.stderr);
    t.equal(annotated.stdout, 'deployment.apps/legacy annotated\n');
    t.equal(annotated.stderr, '');
  });

  await t.test("the webhook's own namespace is never checked", async (t) => {
    // `pullguard` was created from the manifests' Namespace (plus the e2e label). On this 1.20 API
    // server there is no kubernetes.io/metadata.name label: the pullguard.io/mode=off selector alone
    // keeps it out.
    const r = await kubectl('-n', 'pullguard', 'create', '-f', await manifest('own-ns-pod', pod('anything', 'Nginx:1.25')));
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, 'pod/anything created\n');
    t.equal(r.stderr, '');
  });

  await t.test(
    'a namespace labelled pullguard.io/mode=warn gets a warning, and the object',
    async (t) => {
      await namespace('e2e-warn', { [E2E_LABEL]: 'on', 'pullguard.io/mode': 'warn' });
      const file = await manifest('warn-pod', pod('web', 'Nginx:1.25'));
      // pullguard learns namespace labels through its own informer: give it a moment.
      const dry = await waitFor('pullguard to see the namespace in warn mode', 10_000, async () => {
        const r = await kubectl('-n', 'e2e-warn', 'create', '--dry-run=server', '-f', file);
        return r.code === 0 ? r : undefined;
      }).catch((err: Error) => err);
      if (dry instanceof Error) {
        t.fail(dry.message);
        return;
      }
      const r = await kubectl('-n', 'e2e-warn', 'create', '-f', file);
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout, 'pod/web created\n');
      t.match(r.stderr, /^Warning: IMAGE_REFERENCE_INVALID container "app"[^\n]*"Nginx"/m);
    },
  );

  t.comment(
    `timings: build and render ${((built - started) / 1000).toFixed(1)} s, ` +
      `kube-apiserver start ${((apiserverUp - built) / 1000).toFixed(1)} s, ` +
      `webhook answering ${((webhookUp - apiserverUp) / 1000).toFixed(1)} s later, ` +
      `kubectl cases ${((Date.now() - webhookUp) / 1000).toFixed(1)} s`,
  );
}
