// The optional audit alerting component (manifests/components/audit-alerts): the rule file passes
// Debian's `promtool check rules`, its unit tests pass `promtool test rules`, every alert links the
// runbook section that exists, and the component renders into an overlay.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/kube.js';

const exec = promisify(execFile);
const DIR = join(ROOT, 'manifests', 'components', 'audit-alerts');
const PROMTOOL = '/usr/bin/promtool';

if (!existsSync(PROMTOOL)) {
  if (process.env['CI'] === 'true') t.fail(`${PROMTOOL} missing under CI (Debian package prometheus; .ci/run installs it)`);
  else t.pass('promtool checks', { skip: `${PROMTOOL} not installed (Debian package prometheus)` });
} else {
  t.test('promtool check rules', async (t) => {
    const { stdout } = await exec(PROMTOOL, ['check', 'rules', 'pullguard-audit.rules.yaml'], { cwd: DIR });
    t.match(stdout, /SUCCESS: 4 rules found/);
  });
  t.test('promtool test rules', async (t) => {
    const { stdout, stderr } = await exec(PROMTOOL, ['test', 'rules', 'pullguard-audit.rules.test.yaml'], { cwd: DIR });
    t.match(stdout + stderr, /SUCCESS/);
  });
}

t.test('every alert names a runbook section that exists and metrics the audit exports', async (t) => {
  const rules = parse(readFileSync(join(DIR, 'pullguard-audit.rules.yaml'), 'utf8')) as { groups: { rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[] };
  const runbook = readFileSync(join(DIR, 'runbook.md'), 'utf8');
  const metricsSource = readFileSync(join(ROOT, 'src', 'audit', 'metrics.ts'), 'utf8');
  for (const rule of rules.groups.flatMap((g) => g.rules)) {
    t.ok(runbook.includes(`## ${rule.alert}`), `${rule.alert}: runbook section`);
    t.equal(rule.annotations['runbook_url'], `https://pullguard.io/manifests/components/audit-alerts/runbook.md#${rule.alert.toLowerCase()}`);
    for (const metric of rule.expr.match(/pullguard_[a-z_]+/g) ?? []) t.ok(metricsSource.includes(`'${metric}'`), `${rule.alert}: ${metric} is exported`);
  }
});

t.test('the component renders into an overlay', async (t) => {
  try {
    await exec('kubectl', ['version', '--client']);
  } catch {
    t.pass('kubectl missing', { skip: 'kubectl is not on PATH' });
    return;
  }
  const overlay = await mkdtemp(join(ROOT, '.tmp-audit-alerts-'));
  t.teardown(async () => (await import('node:fs/promises')).rm(overlay, { recursive: true, force: true }));
  await writeFile(join(overlay, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../manifests/base]\ncomponents: [../manifests/components/audit-alerts]\n`);
  const { stdout } = await exec('kubectl', ['kustomize', overlay], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const docs = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; data?: Record<string, string> });
  const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'pullguard-audit-alerts');
  t.ok(cm, 'ConfigMap pullguard-audit-alerts');
  t.equal(cm?.metadata.namespace, 'pullguard');
  t.equal(cm?.data?.['pullguard-audit.rules.yaml'], readFileSync(join(DIR, 'pullguard-audit.rules.yaml'), 'utf8'));
});
