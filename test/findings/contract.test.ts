// The finding-text contract (issue 15 §1, issue 14 §4): every text a user reads about a finding — the
// message (denial line, `pullguard check` text line, SARIF and JUnit carry it), the kubectl warning line
// — names the place ONE way, shows the image as written, and says the cause and the fix. Rendered for
// every finding code of an image, for a container, an init container, an ephemeral container and an
// image volume taken from real `extract` output.
import t from 'tap';
import { warningLine } from '../../src/admission/messages.js';
import { cloudCredentialFinding } from '../../src/checks/cloud.js';
import { credentialFinding } from '../../src/checks/credential-findings.js';
import { credentialStep } from '../../src/checks/credentials.js';
import { evaluate } from '../../src/checks/engine.js';
import { registryFinding } from '../../src/checks/registry.js';
import { checkSyntax } from '../../src/checks/syntax.js';
import { renderJunit } from '../../src/cli/junit.js';
import { buildReport, objectEntry, renderText } from '../../src/cli/report.js';
import { renderSarif } from '../../src/cli/sarif.js';
import { CloudCredentialError } from '../../src/cloud/types.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { defaultConfig } from '../../src/config/load.js';
import type { CredentialProblem, SecretRef } from '../../src/credentials/resolve.js';
import type { StoredSecret } from '../../src/credentials/state.js';
import { SHORT_MAX } from '../../src/findings/build.js';
import { FINDING_CODES, type FindingCode } from '../../src/findings/codes.js';
import type { Finding, ImageUse } from '../../src/findings/types.js';
import { parseImageReference } from '../../src/reference/index.js';
import type { ImageReference } from '../../src/reference/types.js';
import type { RegistryOutcome } from '../../src/registry/outcome.js';
import { carrierFor } from '../../src/workload/carriers.js';
import { extractCarrier, extractWorkload } from '../../src/workload/extract.js';

/** Codes about a file or document, not about an image use: they have no container (cli/report.ts input problems). */
const NOT_ABOUT_AN_IMAGE: ReadonlySet<string> = new Set(['WORKLOAD_UNREADABLE', 'MANIFEST_UNPARSEABLE', 'MANIFEST_UNREADABLE']);

const GOOD = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.0';
const BAD = 'ghcr.io/Acme/App:1.0';
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'shop' },
  spec: {
    initContainers: [{ name: 'setup-x1', image: GOOD }],
    containers: [{ name: 'app-x1', image: GOOD }],
    ephemeralContainers: [{ name: 'debug-x1', image: GOOD }],
    volumes: [{ name: 'models-x1', image: { reference: GOOD } }],
  },
};
const PLACES: Record<ImageUse['slot'], string> = {
  initContainers: 'init container "setup-x1"',
  containers: 'container "app-x1"',
  ephemeralContainers: 'ephemeral container "debug-x1"',
  volumes: 'image volume "models-x1"',
};

const { uses } = extractWorkload(pod, 'Pod');
const ref = (parseImageReference(GOOD) as { ok: true; ref: ImageReference }).ref;
const base = { registry: ref.domain, repository: ref.path, reference: '1.0', detail: 'registry said so' };
const secret: SecretRef = { name: 'regcred', index: 0, via: 'pod', serviceAccount: 'default' };
const stored: StoredSecret = { namespace: 'shop', name: 'regcred', uid: null, type: 'Opaque', dataKeys: ['.dockerconfigjson'], emptyDataKeys: [], pull: { status: 'ignored', reason: 'wrong-type' } };
const NOW_S = Date.UTC(2025, 0, 15) / 1000;

/** Every way the checks can make a finding about one image use. */
async function everyFinding(use: ImageUse): Promise<Finding[]> {
  const out: Finding[] = [];
  const push = (f: Finding | null): void => void (f && out.push(f));
  push(checkSyntax({ ...use, image: BAD }).finding);
  push(checkSyntax({ ...use, image: null, problem: 'the container has no image' }).finding);
  const problems: CredentialProblem[] = [
    { kind: 'secret-not-found', secret, namespace: 'shop', otherNamespaces: ['staging'] },
    { kind: 'secret-unusable', secret, stored, reason: 'wrong-type' },
    { kind: 'secret-malformed', secret, stored: { ...stored, type: 'kubernetes.io/dockerconfigjson' }, error: 'entry "x": field "auth" is not valid base64', format: 'dockerconfigjson' },
    { kind: 'token-expired', key: ref.domain, from: { source: 'secret', secret, name: 'regcred' }, expiresAt: NOW_S, fatal: true },
    { kind: 'token-expiring', key: ref.domain, from: { source: 'docker-config' }, expiresAt: NOW_S + 600, inSeconds: 600 },
    { kind: 'auth-required', registry: { kind: 'ecr', pattern: '*.dkr.ecr.*.amazonaws.com' }, secretsFrom: 'none', podListsSecrets: false, serviceAccount: 'default', entryKeys: [], nodeProvidersConfigured: false },
  ];
  for (const p of problems) push(credentialFinding(use, ref, p));
  const unverified = credentialStep({ state: new ClusterStore({ available: false }), config: defaultConfig() }).resolve({
    subject: { group: '', kind: 'Pod', namespace: 'shop', name: 'p', object: pod },
    podSpec: { imagePullSecrets: [{ name: 'regcred' }] },
    images: [{ use, ref }],
  });
  out.push(...unverified.findings);
  const outcomes: RegistryOutcome[] = [
    { ...base, kind: 'repository-missing', pullThroughCache: false },
    { ...base, kind: 'repository-missing', pullThroughCache: true },
    { ...base, kind: 'tag-missing', tag: '1.0', suggestions: ['1.1'], pullThroughCache: false },
    { ...base, kind: 'digest-missing', digest: `sha256:${'f'.repeat(64)}`, pullThroughCache: false },
    { ...base, kind: 'platform-missing', digest: 'sha256:a', missing: [{ os: 'linux', architecture: 'arm64' }], available: [{ os: 'linux', architecture: 'amd64' }] },
    { ...base, kind: 'auth-required', scheme: 'bearer' },
    { ...base, kind: 'private-or-missing', authenticated: true },
    { ...base, kind: 'credentials-rejected', tried: 2 },
    { ...base, kind: 'access-denied', reason: 'permission' },
    { ...base, kind: 'rate-limited', retryAfterSeconds: 30 },
    { ...base, kind: 'unreachable', cause: 'tls', status: null },
    { ...base, kind: 'unexpected', status: 418, code: null },
  ];
  for (const o of outcomes) {
    push(registryFinding(use, ref, o));
    push(registryFinding(use, ref, o, { nodeCredentialsMayApply: true }));
    push(registryFinding(use, ref, o, { nodeCredentialsMayApply: true, cloudIdentity: 'ecr' }));
  }
  push(cloudCredentialFinding(use, ref, new CloudCredentialError('ecr', ref.domain, 'no-identity', 'no AWS credentials were found', 'give pullguard an IAM role (docs/cloud.md)')));
  return out;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

t.test('extract gives one use per slot, named as written', async (t) => {
  t.same(uses.map((u) => [u.slot, u.container]), [
    ['initContainers', 'setup-x1'],
    ['containers', 'app-x1'],
    ['ephemeralContainers', 'debug-x1'],
    ['volumes', 'models-x1'],
  ]);
});

// Custom resources: the project's own noun and the part of the object that makes the pod.
const workflow = { spec: { templates: [{ name: 'build-x1', container: { image: GOOD }, sidecars: [{ name: 'proxy-x1', image: GOOD }] }] } };
const pipelineRun = { spec: { pipelineSpec: { tasks: [{ name: 'fetch-x1', taskSpec: { steps: [{ name: 'clone-x1', image: GOOD }, { image: GOOD }] } }] } } };
const stepAction = { metadata: { name: 'git-clone-x1' }, spec: { image: GOOD } };
const carrierUses = (group: string, kind: string, object: unknown): ImageUse[] => extractCarrier(object, carrierFor(group, kind)!).pods.flatMap((p) => p.uses);
const CARRIER_PLACES: { use: ImageUse; place: string }[] = [
  ...carrierUses('argoproj.io', 'Workflow', workflow).map((use, i) => ({ use, place: ['container "main" of template "build-x1"', 'sidecar "proxy-x1" of template "build-x1"'][i]! })),
  ...carrierUses('tekton.dev', 'PipelineRun', pipelineRun).map((use, i) => ({ use, place: ['step "clone-x1" of task "fetch-x1"', 'step #1 of task "fetch-x1"'][i]! })),
  ...carrierUses('tekton.dev', 'StepAction', stepAction).map((use) => ({ use, place: 'step action "git-clone-x1"' })),
];

t.test('custom resources: the places are named with the project\'s noun and the part of the object', async (t) => {
  t.equal(CARRIER_PLACES.length, 5);
});

const seen = new Set<FindingCode>();
for (const { use, place } of [...uses.map((use) => ({ use, place: PLACES[use.slot] })), ...CARRIER_PLACES]) {
  t.test(`${use.slot}: every text names ${place} one way, the image, the cause and the fix`, async (t) => {
    const findings = await everyFinding(use);
    for (const f of findings) {
      seen.add(f.code);
      const image = f.image === '' ? null : f.image;
      const head = `${place} (${image === null ? use.field : `image ${JSON.stringify(image)}`}): `;
      const what = `${f.code}: ${f.message}`;
      t.equal(f.subject, place, `${what}: subject`);
      t.ok(f.message.startsWith(head), `${what}: starts with the headline ${head}`);
      // One way: the name appears once, with its own noun, and no other noun names it.
      const name = /^#\d+$/.test(use.container) ? use.container : JSON.stringify(use.container);
      t.equal(f.message.split(name).length - 1, 1, `${what}: the name is said once`);
      t.notMatch(f.message, new RegExp(`volume ${escape(use.container)}|[Cc]ontainer ${escape(use.container)}`), `${what}: no other form of the name`);
      // Cause, then the fix as its own sentence.
      t.match(f.message.slice(head.length), /^\S.*[.?!] [A-Z"].*[.)]$/s, `${what}: cause. Fix.`);
      t.ok(f.short.length > 0 && f.short.length <= SHORT_MAX, `${what}: short ${f.short.length} chars`);
      t.notMatch(f.short, new RegExp(escape(name)), `${what}: short has no subject (the warning line adds it)`);
      const line = warningLine({ finding: f, action: 'deny' });
      t.ok(line.startsWith(`${f.code} ${head.slice(0, -2)}: `), `${what}: warning ${line}`);
      t.ok(line.endsWith(f.short), `${what}: warning ends with cause and fix`);
    }
  });
}

t.test('every image finding code is rendered by the contract above', async (t) => {
  t.same(
    FINDING_CODES.filter((c) => !NOT_ABOUT_AN_IMAGE.has(c) && !seen.has(c)),
    [],
    'add the new code to everyFinding()',
  );
});

t.test('CLI text, SARIF and JUnit carry the same headline', async (t) => {
  const volume = uses.find((u) => u.slot === 'volumes')!;
  const findings = [checkSyntax({ ...volume, image: BAD }).finding!];
  const entry = objectEntry({
    file: 'pod.yaml',
    line: 1,
    template: null,
    group: '',
    kind: 'Pod',
    namespace: 'shop',
    name: 'p',
    outcome: {
      evaluation: { carrier: true, problem: null, images: [], findings, unchanged: 0, exempt: 0, substituted: 0, unread: [] },
      decision: { verdict: 'deny', decided: findings.map((finding) => ({ finding, action: 'deny' as const })) },
      mode: 'enforce',
      skipped: null,
    },
    lineOf: () => 7,
  });
  const report = buildReport([entry], 0);
  const head = `image volume "models-x1" (image ${JSON.stringify(BAD)}): not a valid reference`;
  t.match(renderText(report, { color: false }), `✗ IMAGE_REFERENCE_INVALID line 7: ${head}`);
  const sarif = JSON.parse(renderSarif(report, { version: '0', cwd: process.cwd(), docs: new Map() }));
  t.match(sarif.runs[0].results[0].message.text, `Pod shop/p: ${head}`);
  t.match(renderJunit(report, { failOn: 'deny' }), `DENY IMAGE_REFERENCE_INVALID at pod.yaml:7: ${head}`);
});

t.test('WORKLOAD_UNREADABLE names the pod spec and its path', async (t) => {
  const e = await evaluate({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'd', object: { spec: {} } }, { config: defaultConfig() }, Date.now() + 1000);
  const f = e.findings[0]!;
  t.equal(f.code, 'WORKLOAD_UNREADABLE');
  t.match(f.message, /^the pod spec \(spec\.template\.spec\): no pod spec could be read from this Deployment: spec\.template is missing; nothing was checked\. Give it a pod spec at spec\.template\.spec\.$/);
  t.equal(warningLine({ finding: f, action: 'warn' }), 'WORKLOAD_UNREADABLE the pod spec (spec.template.spec): no pod spec: spec.template is missing; nothing was checked');
});
