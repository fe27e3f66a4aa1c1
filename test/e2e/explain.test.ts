/**
 * End to end: `kubectl pullguard explain` (the plugin found on PATH by the real kubectl) against a real
 * kube-apiserver and a real registry. Pods are created with kubectl; their status is set through the
 * pods/status subresource and their events are created as a kubelet writes them (reason, message,
 * source component kubelet, involvedObject.fieldPath spec.containers{name}), with one event through
 * events.k8s.io/v1. No kubelet runs: the texts are what kubelets and containerd write.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { ecrPassword } from '../helpers/cloud-standins.js';
import { kubeUnavailableReason, ROOT, runCommand, startKube, type Kube } from '../helpers/kube.js';
import { runWith } from '../helpers/cli.js';
import { freePort, registryUnavailableReason, startRegistry, type TestRegistry } from '../helpers/registry.js';

const reason = kubeUnavailableReason({ needKubectl: true }) ?? registryUnavailableReason();
if (reason) {
  if (process.env['CI'] === 'true') t.fail(`explain e2e cannot run under CI: ${reason}`);
  else t.pass('explain e2e', { skip: reason });
} else {
  // A real API server and registry, and three runs of the plugin as kubectl starts it (a fresh node each).
  t.setTimeout(400_000);
  t.test('kubectl pullguard explain', { timeout: 300_000 }, async (t) => {
    const kube = await startKube(t);
    const reg = await startRegistry(t, { auth: 'htpasswd' });
    const closedPort = await freePort();
    const env = await pluginEnv(kube);
    const k = (args: string[], input?: string) => kubectl(kube, env, args, input);

    await k(['create', 'namespace', 'shop']);
    // No controller-manager here to create it; no token to mount either.
    await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'shop' }, automountServiceAccountToken: false }));
    // Nodes as a kubelet registers them: labels and nodeInfo (status set through nodes/status).
    await node(k, 'worker-amd64', 'amd64');
    await node(k, 'worker-s390x', 's390x');

    const ecrHost = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
    await secret(k, 'regcred', reg.host, reg.users.alice.username, reg.users.alice.password);
    await secret(k, 'badcred', reg.host, reg.users.alice.username, 'not-the-password');
    await secret(k, 'ecrcred', ecrHost, 'AWS', ecrPassword(-3600));

    const img = (p: string) => `${reg.host}/${p}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cases: PodCase[] = [
      {
        pod: 'bad-name',
        image: `${reg.host}/Team/App:1.0`,
        reason: 'InvalidImageName',
        message: `Failed to apply default image tag "${reg.host}/Team/App:1.0": couldn't parse image name "${reg.host}/Team/App:1.0": invalid reference format: repository name must be lowercase`,
        events: [{ reason: 'InspectFailed', message: `Failed to apply default image tag "${reg.host}/Team/App:1.0": couldn't parse image name "${reg.host}/Team/App:1.0": invalid reference format: repository name must be lowercase` }],
        secrets: [],
      },
      {
        pod: 'no-repo',
        image: img('team/nope:1.0'),
        reason: 'ErrImagePull',
        message: `rpc error: code = NotFound desc = failed to pull and unpack image "${img('team/nope:1.0')}": failed to resolve reference "${img('team/nope:1.0')}": ${img('team/nope:1.0')}: not found`,
        events: [{ reason: 'Failed', message: `Failed to pull image "${img('team/nope:1.0')}": rpc error: code = NotFound desc = failed to pull and unpack image "${img('team/nope:1.0')}": failed to resolve reference "${img('team/nope:1.0')}": ${img('team/nope:1.0')}: not found` }],
        secrets: ['regcred'],
      },
      {
        pod: 'private',
        image: img('team/app:1.2.0'),
        reason: 'ErrImagePull',
        message: `failed to pull and unpack image "${img('team/app:1.2.0')}": failed to resolve reference "${img('team/app:1.2.0')}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${reg.host}/token: 401 Unauthorized`,
        events: [],
        eventsV1: [{ reason: 'Failed', message: `Failed to pull image "${img('team/app:1.2.0')}": failed to pull and unpack image "${img('team/app:1.2.0')}": failed to resolve reference "${img('team/app:1.2.0')}": unexpected status from HEAD request to https://${reg.host}/v2/team/app/manifests/1.2.0: 401 Unauthorized` }],
        secrets: [],
      },
      {
        pod: 'wrong-creds',
        image: img('team/app:1.2.0'),
        reason: 'ImagePullBackOff',
        message: `Back-off pulling image "${img('team/app:1.2.0')}"`,
        events: [
          { reason: 'BackOff', message: `Back-off pulling image "${img('team/app:1.2.0')}"`, type: 'Normal' },
          { reason: 'Failed', message: `Failed to pull image "${img('team/app:1.2.0')}": rpc error: code = Unknown desc = failed to pull and unpack image "${img('team/app:1.2.0')}": failed to resolve reference "${img('team/app:1.2.0')}": pulling from host ${reg.host} failed with status code [manifests 1.2.0]: 401 Unauthorized` },
        ],
        secrets: ['badcred'],
      },
      {
        pod: 'ecr-expired',
        image: `${ecrHost}/web:1`,
        reason: 'ErrImagePull',
        message: `failed to pull and unpack image "${ecrHost}/web:1": failed to resolve reference "${ecrHost}/web:1": unexpected status from HEAD request to https://${ecrHost}/v2/web/manifests/1: 403 Forbidden\ndenied: Your authorization token has expired. Reauthenticate and try again.`,
        events: [],
        secrets: ['ecrcred'],
      },
      {
        pod: 'platform',
        image: img('team/multi:1.0'),
        node: 'worker-s390x',
        reason: 'ErrImagePull',
        message: `rpc error: code = NotFound desc = failed to pull and unpack image "${img('team/multi:1.0')}": no match for platform in manifest: not found`,
        events: [],
        secrets: ['regcred'],
      },
      {
        pod: 'init-crio',
        image: img('team/app:1.3'),
        container: 'migrate',
        init: true,
        reason: 'ErrImagePull',
        message: `initializing source docker://${img('team/app:1.3')}: reading manifest 1.3 in ${img('team/app')}: manifest unknown`,
        events: [{ reason: 'Failed', message: `Failed to pull image "${img('team/app:1.3')}": initializing source docker://${img('team/app:1.3')}: reading manifest 1.3 in ${img('team/app')}: manifest unknown` }],
        secrets: ['regcred'],
      },
      {
        pod: 'unreachable',
        image: `127.0.0.1:${closedPort}/team/app:1.0`,
        reason: 'ErrImagePull',
        message: `failed to pull and unpack image "127.0.0.1:${closedPort}/team/app:1.0": failed to resolve reference "127.0.0.1:${closedPort}/team/app:1.0": failed to do request: Head "https://127.0.0.1:${closedPort}/v2/team/app/manifests/1.0": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
        events: [],
        secrets: [],
      },
    ];
    for (const c of cases) await podWithFailure(k, c, now);

    // A Deployment whose pod fails on a missing tag (ReplicaSet and pod created as the controllers would).
    await k(['create', 'deployment', 'web', '-n', 'shop', `--image=${img('team/app:1.2.9')}`]);
    const depUid = (await k(['get', 'deploy', 'web', '-n', 'shop', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    await k(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: 'web-5d4f8', namespace: 'shop', labels: { app: 'web', 'pod-template-hash': '5d4f8' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: depUid, controller: true }] },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f8' } }, template: { metadata: { labels: { app: 'web', 'pod-template-hash': '5d4f8' } }, spec: { containers: [{ name: 'app', image: img('team/app:1.2.9') }] } } },
    }));
    const rsUid = (await k(['get', 'rs', 'web-5d4f8', '-n', 'shop', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    await podWithFailure(k, {
      pod: 'web-5d4f8-x7k2p',
      labels: { app: 'web', 'pod-template-hash': '5d4f8' },
      owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f8', uid: rsUid, controller: true },
      container: 'team-app',
      image: img('team/app:1.2.9'),
      reason: 'ErrImagePull',
      message: `rpc error: code = NotFound desc = failed to pull and unpack image "${img('team/app:1.2.9')}": failed to resolve reference "${img('team/app:1.2.9')}": ${img('team/app:1.2.9')}: not found`,
      events: [],
      secrets: ['regcred'],
    }, now);
    // A healthy pod is not reported.
    await k(['run', 'fine', '-n', 'shop', `--image=${img('team/app:1.2.0')}`, '--overrides={"spec":{"nodeName":"worker-amd64"}}']);

    const config = join(kube.work, 'pullguard.yaml');
    await writeFile(config, `registries:\n  "${reg.host}":\n    caFile: ${join(kube.work, 'registry-ca.pem')}\n`);
    await writeFile(join(kube.work, 'registry-ca.pem'), reg.caPem);

    // --- all pods of the namespace, JSON
    let started = Date.now();
    const all = await k(['pullguard', 'explain', '-n', 'shop', '-c', config, '-o', 'json']);
    t.equal(all.code, 1, `exit 1 when failing pulls were explained\n${all.stderr}`);
    t.comment(`kubectl pullguard explain over 10 pods: ${Date.now() - started} ms`);
    started = Date.now();
    const report = JSON.parse(all.stdout) as { podsChecked: number; explanations: Array<Record<string, any>> };
    t.equal(report.podsChecked, 10);
    const by = (pod: string) => report.explanations.find((e) => e['pod'] === pod)!;
    t.equal(report.explanations.length, 9, 'the healthy pod is not reported');

    t.match(by('bad-name'), { code: 'IMAGE_REFERENCE_INVALID', cause: 'reference-invalid', confirmation: 'confirmed', reason: 'InvalidImageName' });
    t.match(by('bad-name').webhook, /would deny this pod .*IMAGE_REFERENCE_INVALID/);

    t.match(by('no-repo'), { code: 'IMAGE_REPOSITORY_NOT_FOUND', cause: 'manifest-not-found', confirmation: 'confirmed' });

    t.match(by('private'), { code: 'REGISTRY_AUTH_REQUIRED', cause: 'no-credentials', confirmation: 'confirmed' });
    t.match(by('private').kubelet.events[0].message, /unexpected status from HEAD request/, 'the event created through events.k8s.io/v1 is read');
    t.ok(by('private').fix.some((l: string) => l.startsWith(`kubectl create secret docker-registry pull-127 -n shop --docker-server=${reg.host}`)), 'fix: create a pull secret for the registry');
    t.ok(by('private').fix.some((l: string) => l.includes('kubectl patch serviceaccount default -n shop')), 'fix: attach it to the ServiceAccount');

    t.match(by('wrong-creds'), { code: 'REGISTRY_AUTH_REJECTED', cause: 'unauthorized', confirmation: 'confirmed', reason: 'ImagePullBackOff' });
    t.ok(by('wrong-creds').fix.some((l: string) => l.includes('kubectl create secret docker-registry badcred -n shop') && l.includes('| kubectl apply -f -')), 'fix: replace the secret that was rejected');
    t.ok(by('wrong-creds').checked.some((l: string) => l.includes('secret badcred')), `names the secret the kubelet offers: ${JSON.stringify(by('wrong-creds'), null, 1)}`);

    t.match(by('ecr-expired'), { code: 'PULL_SECRET_EXPIRED', cause: 'token-expired', confirmation: 'confirmed' });
    t.ok(by('ecr-expired').fix.some((l: string) => l.includes('aws ecr get-login-password --region us-east-1')), 'fix: aws ecr get-login-password');

    t.match(by('platform'), { code: 'IMAGE_PLATFORM_MISSING', cause: 'platform-missing', confirmation: 'confirmed', platform: 'linux/s390x' });
    t.ok(by('platform').fix.some((l: string) => l.includes('--platform linux/s390x')));

    t.match(by('unreachable'), { code: 'REGISTRY_UNREACHABLE', cause: 'unreachable', confirmation: 'not-confirmed' });
    t.ok(by('unreachable').checked.some((l: string) => /no network path to this registry/.test(l)), 'says pullguard cannot reach the registry');

    t.match(by('init-crio'), { code: 'IMAGE_TAG_NOT_FOUND', cause: 'tag-missing', slot: 'initContainers', container: 'migrate', confirmation: 'confirmed' });
    t.match(by('init-crio').matched.source, /containers\/image/, 'CRI-O wording');

    const web = by('web-5d4f8-x7k2p');
    t.match(web, { code: 'IMAGE_TAG_NOT_FOUND', container: 'team-app', confirmation: 'confirmed' });
    t.ok(web.fix.some((l: string) => l === `kubectl set image deployment/web team-app=${img('team/app:1.2.1')} -n shop`), `did-you-mean fix: ${web.fix.join(' | ')}`);
    t.ok(web.retry.some((l: string) => l === 'retry now: kubectl rollout restart deployment/web -n shop'));

    // --- a deployment by name, text output
    const text = await k(['pullguard', 'explain', 'deploy/web', '-n', 'shop', '-c', config]);
    t.equal(text.code, 1, text.stderr);
    t.match(text.stdout, /pod shop\/web-5d4f8-x7k2p container "team-app": ErrImagePull/);
    t.match(text.stdout, /did you mean 1\.2\.1 or 1\.2\.0/);
    t.match(text.stdout, /back-off: 10 s, doubling up to 5 minutes/);
    t.match(text.stdout, /1 failing pull explained in 1 pod/);
    // docs/explain.md shows this run's output (PULLGUARD_EXPLAIN_EXAMPLE=FILE keeps a copy).
    if (process.env['PULLGUARD_EXPLAIN_EXAMPLE']) await writeFile(process.env['PULLGUARD_EXPLAIN_EXAMPLE'], text.stdout);
    t.comment(text.stdout);

    // --- offline: classified, nothing confirmed
    const off = await k(['pullguard', 'explain', 'pod/no-repo', '-n', 'shop', '--offline', '-o', 'json']);
    t.equal(off.code, 1);
    t.match(JSON.parse(off.stdout).explanations[0], { code: 'IMAGE_TAG_NOT_FOUND', confirmation: 'offline' });

    // --- nothing failing, unknown pod, bad usage (in-process: the same command, without a node start each)
    const inproc = (argv: string[]) => runWith(['explain', ...argv, '--kubeconfig', kube.kubeconfig], { env: {} });
    const ok = await inproc(['pod/fine', '-n', 'shop', '-c', config]);
    t.equal(ok.code, 0, ok.stderr);
    t.match(ok.stdout, /no image pull failures in 1 pod/);
    const missing = await inproc(['pod/nope', '-n', 'shop']);
    t.equal(missing.code, 2);
    t.match(missing.stderr, /pods "nope" not found in namespace shop/);
    const usage = await inproc(['frob/x']);
    t.equal(usage.code, 2);
    t.match(usage.stderr, /"frob" is not a kind pullguard explains/);
    const ctx = await inproc(['--context', 'nope']);
    t.equal(ctx.code, 2);
    t.match(ctx.stderr, /context was not found for specified context: nope/);
    const sel = await inproc(['-l', 'app=web', '-n', 'shop', '-c', config, '-o', 'json']);
    t.equal(sel.code, 1, sel.stderr);
    t.same(JSON.parse(sel.stdout).explanations.map((e: { pod: string }) => e.pod), ['web-5d4f8-x7k2p'], '-l selects by label');
    const everywhere = await inproc(['-A', '--offline', '-o', 'json']);
    t.equal(everywhere.code, 1, everywhere.stderr);
    t.equal(JSON.parse(everywhere.stdout).explanations.length, 9, '-A reads every namespace');
  });
}

interface PodCase {
  readonly pod: string;
  readonly image: string;
  readonly container?: string;
  /** Where the failing container is (default containers). */
  readonly init?: boolean;
  readonly node?: string;
  readonly reason: string;
  readonly message: string;
  readonly events: readonly { reason: string; message: string; type?: string }[];
  readonly eventsV1?: readonly { reason: string; message: string }[];
  readonly secrets: readonly string[];
  readonly labels?: Record<string, string>;
  readonly owner?: Record<string, unknown>;
}

type K = (args: string[], input?: string) => Promise<{ code: number | null; stdout: string; stderr: string }>;

async function pluginEnv(kube: Kube): Promise<NodeJS.ProcessEnv> {
  const bin = join(kube.work, 'bin');
  await mkdir(bin, { recursive: true });
  // The plugin as installed (package.json bin → dist/), not through the test runner's TypeScript loader:
  // that is what kubectl runs, and a compiled start costs a fraction of the CPU on every run.
  const build = await runCommand(process.execPath, ['scripts/build-if-needed.mjs'], { timeoutMs: 120_000 });
  if (build.code !== 0) throw new Error(`node scripts/build-if-needed.mjs failed:\n${build.stderr}${build.stdout}`);
  const plugin = join(bin, 'kubectl-pullguard');
  await writeFile(plugin, `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'dist/cli/kubectl-pullguard.js')}' "$@"\n`);
  await chmod(plugin, 0o755);
  return { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, KUBECONFIG: kube.kubeconfig };
}

async function kubectl(kube: Kube, env: NodeJS.ProcessEnv, args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let file: string | undefined;
  if (input !== undefined) {
    file = join(kube.work, `in-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, input);
    args = args.map((a) => (a === '-' ? file! : a));
  }
  const plugin = args[0] === 'pullguard';
  const r = await runCommand('kubectl', plugin ? args : ['--kubeconfig', kube.kubeconfig, ...args], { env, timeoutMs: 90_000 });
  if (!plugin && r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function node(k: K, name: string, arch: string): Promise<void> {
  await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch, 'kubernetes.io/hostname': name } } }));
  await k(['patch', 'node', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { nodeInfo: { containerRuntimeVersion: 'containerd://1.7.22', kubeletVersion: 'v1.30.4', operatingSystem: 'linux', architecture: arch, machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', kubeProxyVersion: '' } } })]);
}

async function secret(k: K, name: string, server: string, username: string, password: string): Promise<void> {
  await k(['create', 'secret', 'docker-registry', name, '-n', 'shop', `--docker-server=${server}`, `--docker-username=${username}`, `--docker-password=${password}`]);
}

async function podWithFailure(k: K, c: PodCase, now: string): Promise<void> {
  const container = c.container ?? 'app';
  const nodeName = c.node ?? 'worker-amd64';
  await k(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: c.pod, namespace: 'shop', ...(c.labels ? { labels: c.labels } : {}), ...(c.owner ? { ownerReferences: [c.owner] } : {}) },
    spec: {
      nodeName,
      ...(c.init ? { initContainers: [{ name: container, image: c.image }], containers: [{ name: 'main', image: 'registry.example/main:1' }] } : { containers: [{ name: container, image: c.image }] }),
      ...(c.secrets.length ? { imagePullSecrets: c.secrets.map((name) => ({ name })) } : {}),
    },
  }));
  const uid = (await k(['get', 'pod', c.pod, '-n', 'shop', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  // As the kubelet reports it (pkg/kubelet/kuberuntime and status manager): Pending, the container waiting.
  await k(['patch', 'pod', c.pod, '-n', 'shop', '--subresource=status', '--type=merge', '-p', JSON.stringify({
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady' }],
      [c.init ? 'initContainerStatuses' : 'containerStatuses']: [{ name: container, image: c.image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: c.reason, message: c.message } } }],
      ...(c.init ? { containerStatuses: [{ name: 'main', image: 'registry.example/main:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] } : {}),
    },
  })]);
  const involved = { apiVersion: 'v1', kind: 'Pod', name: c.pod, namespace: 'shop', uid, fieldPath: `spec.${c.init ? 'initContainers' : 'containers'}{${container}}` };
  let i = 0;
  for (const e of [...c.events, { reason: 'Failed', message: `Error: ${c.reason}` }]) {
    await k(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${c.pod}.${(i++).toString(16).padStart(16, '0')}`, namespace: 'shop' },
      involvedObject: involved,
      reason: e.reason,
      message: e.message,
      type: (e as { type?: string }).type ?? 'Warning',
      source: { component: 'kubelet', host: nodeName },
      count: 3,
      firstTimestamp: now,
      lastTimestamp: now,
      reportingComponent: 'kubelet',
      reportingInstance: nodeName,
    }));
  }
  for (const e of c.eventsV1 ?? []) {
    await k(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${c.pod}.v1${(i++).toString(16).padStart(14, '0')}`, namespace: 'shop' },
      eventTime: new Date().toISOString().replace('Z', '000Z'),
      regarding: involved,
      reason: e.reason,
      note: e.message,
      type: 'Warning',
      action: 'Pulling',
      reportingController: 'kubelet',
      reportingInstance: nodeName,
    }));
  }
}

export type { TestRegistry };
