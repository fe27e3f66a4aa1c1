/**
 * The pure parts of explain: evidence out of a pod and its events, and how the kubelet's message is set
 * against the engine's findings (confirmed, contradicted, node-side, not confirmed, offline).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Finding } from '../../src/findings/types.js';
import type { PodEvent } from '../../src/cluster/pods.js';
import { parseTarget, selectorString } from '../../src/cluster/pods.js';
import { CAUSES, classifyAll } from '../../src/explain/classify.js';
import { failingPulls, nodeFacts, parseFieldPath, sandboxImage, textsOf } from '../../src/explain/evidence.js';
import { DIAGNOSIS_CODES, isDiagnosisCode, isFindingCode } from '../../src/findings/codes.js';
import { codeOfCause, explain, splitImage, type EngineView, type PodFacts } from '../../src/explain/explain.js';

const ev = (reason: string, message: string, fieldPath = 'spec.containers{app}'): PodEvent => ({
  uid: `${reason}-${message.length}`,
  type: 'Warning',
  reason,
  message,
  fieldPath,
  component: 'kubelet',
  count: 1,
  lastSeen: '2026-12-06T12:00:00Z',
  api: 'core/v1',
});

const pod = {
  metadata: { name: 'web-1', namespace: 'shop' },
  spec: {
    initContainers: [{ name: 'init', image: 'busybox:1.36' }],
    containers: [{ name: 'app', image: 'registry.example/team/app:1.2.9' }, { name: 'ok', image: 'nginx:1.27' }],
  },
  status: {
    initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "busybox:1.36" is not present with pull policy of Never' } } }],
    containerStatuses: [
      { name: 'app', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.example/team/app:1.2.9"' } } },
      { name: 'ok', state: { running: {} } },
    ],
  },
};

t.test('failing pulls: waiting reasons, events by fieldPath, the sandbox', async (t) => {
  const events = [
    ev('Failed', 'Failed to pull image "registry.example/team/app:1.2.9": rpc error: code = NotFound desc = failed to resolve reference "registry.example/team/app:1.2.9": registry.example/team/app:1.2.9: not found'),
    ev('Failed', 'Error: ImagePullBackOff'),
    ev('Failed', 'Failed to pull image "nginx:1.27": x', 'spec.containers{ok}'),
    ev('FailedCreatePodSandBox', 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox image "registry.k8s.io/pause:3.9": failed to pull image "registry.k8s.io/pause:3.9": dial tcp: lookup registry.k8s.io: no such host', ''),
  ];
  const pulls = failingPulls(pod, events);
  t.same(pulls.map((p) => [p.slot, p.name, p.image, p.reason]), [
    ['initContainers', 'init', 'busybox:1.36', 'ErrImageNeverPull'],
    ['containers', 'app', 'registry.example/team/app:1.2.9', 'ImagePullBackOff'],
    ['sandbox', '', 'registry.k8s.io/pause:3.9', 'FailedCreatePodSandBox'],
  ]);
  const app = pulls[1]!;
  t.equal(app.events.length, 2);
  t.equal(textsOf(app).length, 2, '"Error: ImagePullBackOff" says nothing and is left out');
  t.equal(classifyAll(textsOf(app), app.reason).cause, 'manifest-not-found');
  t.equal(classifyAll(textsOf(pulls[0]!), pulls[0]!.reason).cause, 'never-pull');
  t.equal(classifyAll(textsOf(pulls[2]!), pulls[2]!.reason).cause, 'dns');
  t.same(parseFieldPath('spec.ephemeralContainers{debugger}'), ['ephemeralContainers', 'debugger']);
  t.equal(parseFieldPath('spec.volumes{x}'), null);
  t.equal(sandboxImage('failed to create network: boom'), null);
  t.same(nodeFacts('n1', { metadata: { labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' } }, status: { nodeInfo: { containerRuntimeVersion: 'cri-o://1.34.1' } } }), {
    name: 'n1',
    platform: { os: 'linux', architecture: 'arm64' },
    runtimeVersion: 'cri-o://1.34.1',
    kubeletVersion: '',
  });
});

const facts: PodFacts = { namespace: 'shop', name: 'web-1', serviceAccount: 'default', imagePullSecrets: [], owners: [{ kind: 'Deployment', name: 'web' }, { kind: 'ReplicaSet', name: 'web-5d4' }] };
const finding = (code: Finding['code'], message = 'm'): Finding => ({ code, container: 'app', field: 'spec.containers[0].image', image: 'registry.example/team/app:1.2.9', subject: 'container "app"', message, short: message });
const engine = (findings: Finding[]): EngineView => ({
  findings,
  report: null,
  decision: findings.length ? { verdict: 'deny', decided: findings.map((f) => ({ finding: f, action: 'deny' as const })) } : { verdict: 'allow', decided: [] },
  secretsProblem: null,
});
const pull = failingPulls(pod, [ev('Failed', 'Failed to pull image "registry.example/team/app:1.2.9": rpc error: code = NotFound desc = registry.example/team/app:1.2.9: not found')])[1]!;
const c = classifyAll(textsOf(pull), pull.reason);

t.test('confirmation against the engine', async (t) => {
  const confirmed = explain({ pull, classification: c, pod: facts, node: null, runtime: 'containerd', engine: engine([finding('IMAGE_TAG_NOT_FOUND', 'tag 1.2.9 not found; did you mean 1.2.1 or 1.2.0?')]) });
  t.equal(confirmed.confirmation, 'confirmed');
  t.equal(confirmed.code, 'IMAGE_TAG_NOT_FOUND');
  t.ok(confirmed.fix.includes('kubectl set image deployment/web app=registry.example/team/app:1.2.1 -n shop'));
  t.ok(confirmed.retry.includes('retry now: kubectl rollout restart deployment/web -n shop'));
  t.match(confirmed.webhook, /would deny this pod and its Deployment/);

  const repo = explain({ pull, classification: c, pod: facts, node: null, runtime: null, engine: engine([finding('IMAGE_REPOSITORY_NOT_FOUND')]) });
  t.equal(repo.confirmation, 'confirmed', 'containerd "not found" allows a missing repository');
  t.equal(repo.code, 'IMAGE_REPOSITORY_NOT_FOUND');

  const now = explain({ pull, classification: c, pod: facts, node: null, runtime: null, engine: { ...engine([]), report: { use: { container: 'app', slot: 'containers', field: 'f', image: pull.image, problem: null }, ref: { raw: pull.image, domain: 'registry.example', path: 'team/app', name: 'registry.example/team/app', tag: '1.2.9', tagDefaulted: false, digest: null, familiar: pull.image }, credentials: [] } } });
  t.equal(now.confirmation, 'contradicted');
  t.match(now.disagreement, /pushed \(or access granted\) after the failure/);
  t.match(now.webhook, /would admit it today/);

  const auth = explain({ pull, classification: c, pod: facts, node: null, runtime: null, engine: engine([finding('PULL_SECRET_EXPIRED')]) });
  t.equal(auth.confirmation, 'contradicted');
  t.equal(auth.code, 'PULL_SECRET_EXPIRED');

  const unreachable = explain({ pull, classification: c, pod: facts, node: null, runtime: null, engine: engine([finding('REGISTRY_UNREACHABLE')]) });
  t.equal(unreachable.confirmation, 'not-confirmed');
  t.equal(unreachable.code, 'IMAGE_TAG_NOT_FOUND');
  t.ok(unreachable.checked.some((l) => /no network path/.test(l)));

  const offline = explain({ pull, classification: c, pod: facts, node: null, runtime: null, engine: null });
  t.equal(offline.confirmation, 'offline');
  t.equal(offline.webhook, 'not evaluated (--offline)');

  const bare = explain({ pull, classification: c, pod: { ...facts, owners: [] }, node: null, runtime: null, engine: null });
  t.ok(bare.retry.some((l) => /apply its manifest again/.test(l)));
});

t.test('a warning that decides nothing about the pull does not stop the registry\'s answer counting', async (t) => {
  const report = { use: { container: 'app', slot: 'containers' as const, field: 'f', image: pull.image, problem: null }, ref: { raw: pull.image, domain: 'registry.example', path: 'team/app', name: 'registry.example/team/app', tag: '1.2.9', tagDefaulted: false, digest: null, familiar: pull.image }, credentials: [] };
  const e = explain({ pull, classification: c, pod: facts, node: null, runtime: null, engine: { ...engine([finding('PULL_SECRET_EXPIRING')]), report } });
  t.equal(e.confirmation, 'contradicted', 'PULL_SECRET_EXPIRING is neither the cause nor "could not tell"');
  t.ok(e.checked.some((l) => l.startsWith('also: PULL_SECRET_EXPIRING')));
  const rl = explain({ pull, classification: c, pod: facts, node: null, runtime: null, engine: { ...engine([finding('REGISTRY_RATE_LIMITED')]), report } });
  t.equal(rl.confirmation, 'not-confirmed');
});

t.test('the pause image is the runtime\'s, not the pod\'s', async (t) => {
  const sandbox = failingPulls(pod, [ev('FailedCreatePodSandBox', 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox image "registry.k8s.io/pause:3.9": failed to pull image "registry.k8s.io/pause:3.9": failed to pull and unpack image "registry.k8s.io/pause:3.9": failed to resolve reference "registry.k8s.io/pause:3.9": registry.k8s.io/pause:3.9: not found', '')]).find((p) => p.slot === 'sandbox')!;
  const e = explain({ pull: sandbox, classification: classifyAll(textsOf(sandbox), sandbox.reason), pod: facts, node: null, runtime: null, engine: engine([]) });
  t.match(e.webhook, /does not check the pause image/);
  t.ok(e.fix.some((l) => /sandbox_image/.test(l)) || e.code === 'IMAGE_TAG_NOT_FOUND');
});

t.test('node-side causes are not contradicted by a registry that answers', async (t) => {
  const dns = classifyAll(['Failed to pull image "x": dial tcp: lookup registry.example on 10.0.0.2:53: no such host'], 'ErrImagePull');
  const e = explain({ pull, classification: dns, pod: facts, node: null, runtime: null, engine: { ...engine([]), report: { use: { container: 'app', slot: 'containers', field: 'f', image: pull.image, problem: null }, ref: { raw: pull.image, domain: 'registry.example', path: 'team/app', name: 'registry.example/team/app', tag: '1.2.9', tagDefaulted: false, digest: null, familiar: pull.image }, credentials: [] } } });
  t.equal(e.confirmation, 'node-side');
  t.equal(e.code, 'REGISTRY_UNREACHABLE');
  t.match(e.webhook, /cause is on the node/);
});

t.test('every cause has a code, and docs/explain.md lists causes and explain-only codes', async (t) => {
  const doc = readFileSync('docs/explain.md', 'utf8');
  for (const cause of Object.keys(CAUSES) as (keyof typeof CAUSES)[]) {
    t.ok(codeOfCause(cause, 'a:1').length > 0);
    t.ok(doc.includes(`\`${cause}\``), `docs/explain.md names cause ${cause}`);
  }
  for (const code of DIAGNOSIS_CODES) t.ok(doc.includes(`\`${code}\``), `docs/explain.md names ${code}`);
  for (const cause of Object.keys(CAUSES) as (keyof typeof CAUSES)[]) {
    const code = codeOfCause(cause, 'a:1');
    t.ok(isFindingCode(code) || isDiagnosisCode(code), `${cause} → ${code} is in src/findings/codes.ts`);
  }
});

t.test('targets and selectors as kubectl writes them', async (t) => {
  t.equal(parseTarget('deploy/web').resource.kind, 'Deployment');
  t.equal(parseTarget('deployment.apps/web').resource.kind, 'Deployment');
  t.equal(parseTarget('web-1').resource.kind, 'Pod');
  t.equal(parseTarget('cj/nightly').resource.kind, 'CronJob');
  t.throws(() => parseTarget('svc/web'), /not a kind pullguard explains/);
  t.throws(() => parseTarget('pod/'), /not TYPE\/NAME/);
  t.equal(selectorString({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }, { key: 'x', operator: 'DoesNotExist' }] }), 'a=1,b=2,tier in (api,web),!x');
  t.same(splitImage('nginx:1.27'), { host: 'docker.io', repo: 'nginx', tag: '1.27' });
  t.same(splitImage('registry.example:5000/team/app@sha256:abc'), { host: 'registry.example:5000', repo: 'registry.example:5000/team/app', tag: null });
});
