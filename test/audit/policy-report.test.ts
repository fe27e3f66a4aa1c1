import t from 'tap';
import type { AuditResult } from '../../src/audit/auditor.js';
import { reduceWorkload, type WorkloadRecord } from '../../src/audit/inventory.js';
import {
  MANAGED_BY_LABEL,
  MAX_RESULT_MESSAGE,
  OMITTED_ANNOTATION,
  POLICY,
  POLICY_REPORT_API_VERSION,
  REPORT_NAME,
  RULE_AUDIT_FAILED,
  RULE_PASS,
  policyReportFor,
  reportFingerprint,
  workloadResults,
} from '../../src/audit/policy-report.js';
import { review, type Outcome } from '../../src/checks/engine.js';
import { defaultConfig } from '../../src/config/load.js';
import { finding } from '../../src/findings/build.js';
import type { FindingCode } from '../../src/findings/codes.js';
import type { Finding, ImageUse } from '../../src/findings/types.js';
import { decide } from '../../src/verdict/policy.js';

const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };
const config = defaultConfig();

function deployment(name: string, podSpec: Record<string, unknown>, namespace = 'shop'): WorkloadRecord {
  const r = reduceWorkload({ metadata: { name, namespace, uid: `uid-${name}` }, spec: { template: { spec: podSpec } } }, DEPLOY);
  if (!r.ok) throw new Error(r.reason);
  return r.record;
}

const use = (container: string, image: string, i = 0, slot: ImageUse['slot'] = 'containers'): ImageUse => ({
  container,
  slot,
  field: slot === 'volumes' ? `spec.template.spec.volumes[${i}].image.reference` : `spec.template.spec.${slot}[${i}].image`,
  image,
  problem: null,
});

const found = (code: FindingCode, at: ImageUse): Finding => finding(code, at, { cause: `cause of ${code}`, fix: `fix ${code}` });

/** An outcome with the given image uses and findings, decided by the default configuration. */
function outcome(uses: readonly ImageUse[], findings: readonly Finding[]): Outcome {
  return {
    evaluation: { carrier: true, problem: null, images: uses.map((u) => ({ use: u, ref: null, credentials: [] })), findings, unchanged: 0, exempt: 0, substituted: 0, unread: [] },
    decision: decide(findings, config, 'enforce'),
    mode: 'enforce',
    skipped: null,
  };
}

const AT = Date.UTC(2026, 11, 6, 12, 0, 0, 500);
const ok = (record: WorkloadRecord, o: Outcome): AuditResult => ({ record, outcome: o, error: null, at: AT });

t.test('one result per image use: result, rule, message and properties (table)', async (t) => {
  const app = use('app', 'registry.example/team/app:1.0');
  const init = use('setup', 'registry.example/team/setup:2', 0, 'initContainers');
  const vol = use('models', 'registry.example/ml/models:v3', 1, 'volumes');
  const rows: {
    name: string;
    uses: ImageUse[];
    findings: Finding[];
    want: { result: string; rule: string; codes?: string; container?: string; messageStart: string }[];
  }[] = [
    { name: 'healthy container', uses: [app], findings: [], want: [{ result: 'pass', rule: RULE_PASS, container: 'app', messageStart: 'container "app" (image "registry.example/team/app:1.0"): no problem found.' }] },
    {
      name: 'deleted tag: fail',
      uses: [app],
      findings: [found('IMAGE_TAG_NOT_FOUND', app)],
      want: [{ result: 'fail', rule: 'IMAGE_TAG_NOT_FOUND', codes: 'IMAGE_TAG_NOT_FOUND', container: 'app', messageStart: 'container "app" (image "registry.example/team/app:1.0"): cause of IMAGE_TAG_NOT_FOUND. Fix IMAGE_TAG_NOT_FOUND.' }],
    },
    {
      name: 'missing pull secret: warn (its default action: the kubelet pulls without it)',
      uses: [app],
      findings: [found('PULL_SECRET_NOT_FOUND', app)],
      want: [{ result: 'warn', rule: 'PULL_SECRET_NOT_FOUND', codes: 'PULL_SECRET_NOT_FOUND', messageStart: 'container "app" (image' }],
    },
    {
      name: 'registry unreachable: error (not verified), not fail',
      uses: [app],
      findings: [found('REGISTRY_UNREACHABLE', app)],
      want: [{ result: 'error', rule: 'REGISTRY_UNREACHABLE', codes: 'REGISTRY_UNREACHABLE', messageStart: 'container "app"' }],
    },
    {
      name: 'expiring token: warn',
      uses: [app],
      findings: [found('PULL_SECRET_EXPIRING', app)],
      want: [{ result: 'warn', rule: 'PULL_SECRET_EXPIRING', codes: 'PULL_SECRET_EXPIRING', messageStart: 'container "app"' }],
    },
    {
      name: 'several findings on one container: the worst decides, every code listed, every message kept',
      uses: [app],
      findings: [found('PULL_SECRET_EXPIRING', app), found('REGISTRY_UNREACHABLE', app), found('IMAGE_TAG_NOT_FOUND', app)],
      want: [{ result: 'fail', rule: 'IMAGE_TAG_NOT_FOUND', codes: 'PULL_SECRET_EXPIRING,REGISTRY_UNREACHABLE,IMAGE_TAG_NOT_FOUND', messageStart: 'container "app" (image "registry.example/team/app:1.0"): cause of PULL_SECRET_EXPIRING.' }],
    },
    {
      name: 'init container and image volume named their own way, each its own result',
      uses: [app, init, vol],
      findings: [found('IMAGE_TAG_NOT_FOUND', vol)],
      want: [
        { result: 'pass', rule: RULE_PASS, container: 'app', messageStart: 'container "app"' },
        { result: 'pass', rule: RULE_PASS, container: 'setup', messageStart: 'init container "setup" (image "registry.example/team/setup:2")' },
        { result: 'fail', rule: 'IMAGE_TAG_NOT_FOUND', codes: 'IMAGE_TAG_NOT_FOUND', container: 'models', messageStart: 'image volume "models" (image "registry.example/ml/models:v3")' },
      ],
    },
  ];
  for (const row of rows) {
    const results = workloadResults(ok(deployment('web', {}), outcome(row.uses, row.findings)));
    t.equal(results.length, row.want.length, `${row.name}: one result per image use`);
    row.want.forEach((w, i) => {
      const r = results[i]!;
      t.equal(r.result, w.result, `${row.name}: result`);
      t.equal(r.rule, w.rule, `${row.name}: rule`);
      t.equal(r.policy, POLICY);
      t.equal(r.source, 'pullguard');
      t.equal(r.properties['codes'], w.codes, `${row.name}: codes`);
      if (w.container) t.equal(r.properties['container'], w.container, `${row.name}: container`);
      t.ok(r.message.startsWith(w.messageStart), `${row.name}: message ${JSON.stringify(r.message)} starts with ${JSON.stringify(w.messageStart)}`);
      t.strictSame(r.resources, [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', uid: 'uid-web' }]);
      t.strictSame(r.timestamp, { seconds: Math.floor(AT / 1000), nanos: 0 });
      t.equal(r.severity, { pass: undefined, fail: 'high', error: 'medium', warn: 'low' }[w.result]);
    });
  }
});

t.test('the engine\'s own outcomes: a broken pod spec, an invalid reference, a good image', async (t) => {
  const reduced = reduceWorkload({ metadata: { name: 'broken', namespace: 'shop', uid: 'uid-broken' }, spec: { template: { spec: 'not an object' } } }, DEPLOY);
  if (!reduced.ok) throw new Error(reduced.reason);
  const broken = reduced.record;
  const mixed = deployment('mixed', { containers: [{ name: 'app', image: 'nginx:1.25' }, { name: 'bad', image: 'Nginx:LATEST!' }] });
  const results: AuditResult[] = [];
  for (const record of [broken, mixed]) {
    const o = await review({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: record.name, object: record.object }, { config }, { deadline: Date.now() + 1000, modeOverride: 'enforce' });
    results.push(ok(record, o));
  }
  const brokenResults = workloadResults(results[0]!);
  t.equal(brokenResults.length, 1, 'a pod spec that cannot be read is one result: error, nothing in it could be checked');
  t.match(brokenResults[0], { result: 'error', rule: 'WORKLOAD_UNREADABLE', properties: { field: 'spec.template.spec' } });
  t.notOk('container' in brokenResults[0]!.properties, 'about the pod spec, not a container');
  t.match(brokenResults[0]!.message, /^the pod spec \(spec\.template\.spec\): no pod spec could be read/);
  const mixedResults = workloadResults(results[1]!);
  t.same(mixedResults.map((r) => `${r.properties['container']}:${r.result}:${r.rule}`), ['app:pass:IMAGE_PULLABLE', 'bad:fail:IMAGE_REFERENCE_INVALID']);
});

t.test('a workload whose audit failed is one error result; a skipped workload has none', async (t) => {
  const record = deployment('web', { containers: [{ name: 'app', image: 'nginx:1.25' }] });
  const failed = workloadResults({ record, outcome: null, error: 'engine bug', at: AT });
  t.equal(failed.length, 1);
  t.match(failed[0], { result: 'error', rule: RULE_AUDIT_FAILED, message: /^pullguard could not audit this Deployment: engine bug\./ });
  const skipped = await review({ group: 'apps', kind: 'Deployment', namespace: 'kube-system', name: 'web', object: record.object }, { config: { ...config, exemptions: { namespaces: ['kube-system'], images: [] } } }, { deadline: Date.now() + 1000 });
  t.same(workloadResults(ok(record, skipped)), []);
});

t.test('one report per namespace: summary counts, worst first, stale workloads absent, null when empty', async (t) => {
  const app = use('app', 'r.example/a:1');
  const side = use('side', 'r.example/s:1', 1);
  const results: AuditResult[] = [
    ok(deployment('web', {}), outcome([app, side], [found('IMAGE_TAG_NOT_FOUND', side)])),
    ok(deployment('api', {}), outcome([app], [found('REGISTRY_UNREACHABLE', app)])),
    ok(deployment('other', {}, 'elsewhere'), outcome([app], [])),
  ];
  const report = policyReportFor('shop', results)!;
  t.equal(report.apiVersion, POLICY_REPORT_API_VERSION);
  t.equal(report.kind, 'PolicyReport');
  t.strictSame(report.metadata, { name: REPORT_NAME, namespace: 'shop', labels: { [MANAGED_BY_LABEL]: 'pullguard' } });
  t.strictSame(report.summary, { pass: 1, fail: 1, warn: 0, error: 1, skip: 0 });
  t.same(
    report.results.map((r) => `${r.resources[0]!.name}/${r.properties['container']}:${r.result}`),
    ['web/side:fail', 'api/app:error', 'web/app:pass'],
    'worst first; only this namespace',
  );
  t.equal(policyReportFor('nowhere', results), null, 'no results: no report');
  t.equal(policyReportFor('shop', results.slice(1))!.results.length, 1, 'a workload gone from the results is gone from the report');

  const later = results.map((r) => ({ ...r, at: r.at + 600_000 }));
  t.equal(reportFingerprint(policyReportFor('shop', later)), reportFingerprint(report), 'the same results found later: no rewrite needed');
  const fixed = [ok(deployment('web', {}), outcome([app, side], [])), ...results.slice(1)];
  t.not(reportFingerprint(policyReportFor('shop', fixed)), reportFingerprint(report), 'a fixed workload changes the report');
});

t.test('bounded size: results capped worst first, summary still counts all, messages clipped', async (t) => {
  const uses = Array.from({ length: 30 }, (_, i) => use(`c${i}`, `r.example/img:${i}`, i));
  const long = finding('IMAGE_TAG_NOT_FOUND', uses[29]!, { cause: 'x'.repeat(5000), fix: 'push it again' });
  const report = policyReportFor('shop', [ok(deployment('big', {}), outcome(uses, [long]))], { maxResults: 10 })!;
  t.equal(report.results.length, 10);
  t.strictSame(report.summary, { pass: 29, fail: 1, warn: 0, error: 0, skip: 0 });
  t.equal(report.results[0]!.result, 'fail', 'the failure is kept');
  t.equal(report.metadata.annotations?.[OMITTED_ANNOTATION], '20');
  t.ok(report.results[0]!.message.length <= MAX_RESULT_MESSAGE);
  t.ok(JSON.stringify(report).length < 20_000);
});
