import t from 'tap';
import { ConfigError, defaultConfig, parseConfig, loadConfigFile } from '../../src/config/load.js';

t.test('defaults', async (t) => {
  t.same(defaultConfig(), {
    mode: 'enforce',
    actions: {},
    exemptions: { namespaces: [], images: [] },
    failurePolicy: 'warn',
    nodeCredentialProviders: [],
    privateRegistries: [],
    credentials: { expiringWindowSeconds: 3600 },
    registryChecks: true,
    registries: {},
    cloud: { ecr: false, acr: false, gar: false },
    platforms: [],
    carriers: [],
    tekton: { namespace: 'tekton-pipelines' },
    argo: { namespace: 'argo', configMap: 'workflow-controller-configmap' },
    cache: { maxEntries: 10000, positiveTagSeconds: 300, positiveDigestSeconds: 86400, negativeSeconds: 30 },
    audit: { enabled: true, intervalSeconds: 600, registryLookupsPerMinute: 300, concurrency: 4, maxProblemSeries: 2000, lease: { name: 'pullguard-audit', durationSeconds: 15 } },
    timeouts: { admissionMarginMs: 1000, defaultBudgetMs: 8000, registryRequestMs: 4000 },
  });
});

t.test('the core shape parses', async (t) => {
  const c = parseConfig(
    'mode: warn\nactions:\n  IMAGE_REFERENCE_INVALID: warn\nexemptions:\n  namespaces: [kube-system]\n  images: ["registry.internal.example/*"]\nfailurePolicy: deny\n',
    'x.yaml',
  );
  t.match(c, { mode: 'warn', actions: { IMAGE_REFERENCE_INVALID: 'warn' }, exemptions: { namespaces: ['kube-system'], images: ['registry.internal.example/*'] }, failurePolicy: 'deny' });
});

t.test('every problem is reported with its path', async (t) => {
  const cases: { name: string; text: string; problems: string[] }[] = [
    {
      name: 'several problems at once',
      text: 'mode: sometimes\nfailurePolicy: maybe\nbogus: 1\n',
      problems: ['(top level): unknown key "bogus"', 'mode: must be one of "enforce", "warn", "off"', 'failurePolicy: must be one of "warn", "deny"'],
    },
    { name: 'unknown finding code', text: 'actions:\n  IMAGE_TYPO: deny\n', problems: ['actions.IMAGE_TYPO: unknown finding code (see docs/findings.md)'] },
    { name: 'explain-only cause', text: 'actions:\n  NODE_DISK_FULL: warn\n', problems: ['actions.NODE_DISK_FULL: a cause only pullguard explain reports (it happens on the node); actions apply to the codes of check, the webhook and the audit (see docs/findings.md)'] },
    { name: 'bad action', text: 'actions:\n  IMAGE_REFERENCE_INVALID: block\n', problems: ['actions.IMAGE_REFERENCE_INVALID: must be one of "deny", "warn", "off"'] },
    { name: 'not a code at all', text: 'actions:\n  lower: deny\n', problems: ['actions: key "lower" is not a finding code'] },
    { name: 'bad namespace', text: 'exemptions:\n  namespaces: [Kube_System]\n', problems: ['exemptions.namespaces.0: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"'] },
    { name: 'bad Tekton namespace', text: 'tekton:\n  namespace: Tekton_Pipelines\n', problems: ['tekton.namespace: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"'] },
    { name: 'unknown Tekton key', text: 'tekton:\n  configMap: defaults\n', problems: ['tekton: unknown key "configMap"'] },
    { name: 'bad Argo namespace', text: 'argo:\n  namespace: argo.ns\n', problems: ['argo.namespace: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"'] },
    { name: 'bad Argo ConfigMap name', text: 'argo:\n  configMap: Workflow_Config\n', problems: ['argo.configMap: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"'] },
    { name: 'unknown Argo key', text: 'argo:\n  name: x\n', problems: ['argo: unknown key "name"'] },
    { name: 'YAML syntax', text: 'mode: [\n', problems: ['line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]'] },
    { name: 'duplicate key', text: 'mode: warn\nmode: off\n', problems: ['line 2, column 1: Map keys must be unique'] },
  ];
  for (const c of cases) {
    try {
      parseConfig(c.text, 'p.yaml');
      t.fail(`${c.name}: no error`);
    } catch (err) {
      t.type(err, ConfigError, c.name);
      t.same([...(err as ConfigError).problems].sort(), [...c.problems].sort(), c.name);
    }
  }
});

t.test('a missing file says so', async (t) => {
  await t.rejects(loadConfigFile('/no/such/config.yaml'), { problems: ['file not found'], message: /invalid configuration \/no\/such\/config.yaml/ });
});

t.test('a deeply nested configuration is a clear error, never a crash', async (t) => {
  for (const text of [`x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, `x:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')}\n`]) {
    let err: unknown;
    try {
      parseConfig(text, 'deep.yaml');
    } catch (e) {
      err = e;
    }
    t.type(err, ConfigError);
    t.match((err as ConfigError).problems.join('\n'), /nested too deeply to read|unknown key "x"/);
    t.notMatch((err as ConfigError).problems.join('\n'), /Maximum call stack/);
  }
});
