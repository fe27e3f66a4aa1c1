/**
 * `pullguard check` with Argo's workflow controller ConfigMap among its inputs (its workflowDefaults,
 * both formats), and without it: a missing credential the defaults could add is a warning.
 */
import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../helpers/cli.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (name: string, registry: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ci' },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [registry]: { auth: b64('u:p') } } })) },
});
const workflow = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'wf', namespace: 'ci' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'registry.corp.example/team/app:1' } }] } };
const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'ci' } };
const configMap = (data: Record<string, string>, namespace = 'argo', name = 'workflow-controller-configmap') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const pullSecretsDefaults = (name: string) => `spec:\n  imagePullSecrets:\n    - name: ${name}\n`;

t.test("check: Argo's workflowDefaults among the inputs decide the pull secrets; without them a missing one is a warning", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-argo-defaults-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, stringify({ privateRegistries: ['registry.corp.example'] }));
  const moved = join(dir, 'moved.yaml');
  await writeFile(moved, stringify({ privateRegistries: ['registry.corp.example'], argo: { namespace: 'workflows', configMap: 'wf-controller' } }));
  const base = [workflow, sa, secret('corp', 'registry.corp.example'), secret('other', 'elsewhere.example')];
  const UNCERTAIN = "Not certain: Argo's workflowDefaults (ConfigMap argo/workflow-controller-configmap) may set the workflow's ServiceAccount and add pull secrets, and were not read";
  const cases: { name: string; objects: object[]; cfg?: string; code: number; verdict: string; auth: string | null; uncertain: boolean }[] = [
    { name: 'no ConfigMap among the inputs', objects: base, code: 0, verdict: 'warn', auth: 'warn', uncertain: true },
    { name: 'workflowDefaults under data (keys format) give the secret', objects: [...base, configMap({ workflowDefaults: pullSecretsDefaults('corp') })], code: 0, verdict: 'allow', auth: null, uncertain: false },
    { name: 'workflowDefaults under data.config (helm format) give the secret', objects: [...base, configMap({ config: `parallelism: 4\nworkflowDefaults:\n  ${pullSecretsDefaults('corp').trimEnd().split('\n').join('\n  ')}\n` })], code: 0, verdict: 'allow', auth: null, uncertain: false },
    { name: 'workflowDefaults name a secret for another registry', objects: [...base, configMap({ workflowDefaults: pullSecretsDefaults('other') })], code: 1, verdict: 'deny', auth: 'deny', uncertain: false },
    { name: 'a ConfigMap without workflowDefaults: none, certain', objects: [...base, configMap({ parallelism: '4' })], code: 1, verdict: 'deny', auth: 'deny', uncertain: false },
    { name: 'the ConfigMap in another namespace is not the controller\'s', objects: [...base, configMap({ workflowDefaults: pullSecretsDefaults('corp') }, 'elsewhere')], code: 0, verdict: 'warn', auth: 'warn', uncertain: true },
    { name: 'argo.namespace and argo.configMap say where it is', cfg: moved, objects: [...base, configMap({ workflowDefaults: pullSecretsDefaults('corp') }, 'workflows', 'wf-controller')], code: 0, verdict: 'allow', auth: null, uncertain: false },
  ];
  for (const c of cases) {
    const r = await run(['check', '--offline', '-o', 'json', '-c', c.cfg ?? config, '-'], c.objects.map((o) => stringify(o)).join('---\n'));
    t.equal(r.code, c.code, `${c.name}: exit ${c.code}`);
    const wf = JSON.parse(r.stdout).objects.find((o: { kind: string }) => o.kind === 'Workflow');
    t.equal(wf.verdict, c.verdict, `${c.name}: ${c.verdict}`);
    const f = wf.findings.find((x: { code: string }) => x.code === 'REGISTRY_AUTH_REQUIRED');
    t.equal(f?.action ?? null, c.auth, `${c.name}: REGISTRY_AUTH_REQUIRED ${c.auth ?? 'absent'}`);
    t.equal(String(f?.message).includes(UNCERTAIN), c.uncertain, `${c.name}: says why it is not certain`);
  }
});

t.test('check: a controller ConfigMap that cannot be parsed is a note at its line, and the defaults stay unknown', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-argo-defaults-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, stringify({ privateRegistries: ['registry.corp.example'] }));
  const objects = [workflow, sa, configMap({ workflowDefaults: 'spec:\n  imagePullSecrets: [\n' })];
  const r = await run(['check', '--offline', '-o', 'json', '-c', config, '-'], objects.map((o) => stringify(o)).join('---\n'));
  t.equal(r.code, 0, 'a warning, not a denial');
  const report = JSON.parse(r.stdout);
  t.match(report.input.notes, [{ object: 'ConfigMap argo/workflow-controller-configmap', message: /^its configuration is not YAML: .*; Argo's workflowDefaults are not applied/ }]);
  const f = report.objects.find((o: { kind: string }) => o.kind === 'Workflow').findings.find((x: { code: string }) => x.code === 'REGISTRY_AUTH_REQUIRED');
  t.match(f, { action: 'warn', message: /were not read: ConfigMap argo\/workflow-controller-configmap cannot be used: its configuration is not YAML/ });
});
