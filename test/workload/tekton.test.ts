/**
 * Tekton's cluster defaults (src/workload/tekton.ts): config-defaults `default-service-account` and
 * `default-pod-template`, merged under a run's own as Tekton's SetDefaults and
 * pod.MergePodTemplateWithDefault do.
 */
import t from 'tap';
import { parse } from 'yaml';
import { carrierFor, type Carrier } from '../../src/workload/carriers.js';
import { extractCarrier } from '../../src/workload/extract.js';
import { mergePodTemplateWithDefault, tektonDefaults } from '../../src/workload/tekton.js';

const TASKRUN = carrierFor('tekton.dev', 'TaskRun') as Carrier;
const PIPELINERUN = carrierFor('tekton.dev', 'PipelineRun') as Carrier;
const steps = { steps: [{ name: 'a', image: 'alpine' }] };

t.test('config-defaults data: default-service-account and default-pod-template (YAML)', async (t) => {
  t.same(tektonDefaults({ 'default-service-account': 'tekton-sa', 'default-pod-template': 'imagePullSecrets:\n- name: regcred\nnodeSelector:\n  kubernetes.io/arch: arm64\n', 'default-timeout-minutes': '60' }, parse), {
    defaults: { serviceAccountName: 'tekton-sa', podTemplate: { imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } } },
    problem: null,
  });
  t.same(tektonDefaults(undefined, parse), { defaults: {}, problem: null });
  t.match(tektonDefaults({ 'default-pod-template': 'nodeSelector: [' }, parse), { defaults: {}, problem: /^default-pod-template is not YAML/ });
  t.match(tektonDefaults({ 'default-pod-template': '- a' }, parse), { problem: 'default-pod-template is a list, not a pod template' });
});

t.test('MergePodTemplateWithDefault: a field the run leaves unset is the default\'s; a set one is kept whole', async (t) => {
  t.same(mergePodTemplateWithDefault({ nodeSelector: { a: '1' } }, { nodeSelector: { b: '2' }, imagePullSecrets: [{ name: 'd' }] }), { nodeSelector: { a: '1' }, imagePullSecrets: [{ name: 'd' }] });
  t.same(mergePodTemplateWithDefault(undefined, undefined), {});
});

t.test('TaskRun and PipelineRun take the defaults where they set nothing', async (t) => {
  const env = { tekton: { serviceAccountName: 'tekton-sa', podTemplate: { imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } } } };
  const bare = { spec: { taskSpec: steps } };
  t.same(extractCarrier(bare, TASKRUN).pods[0]?.podSpec, {}, 'without the ConfigMap: nothing assumed');
  t.same(extractCarrier(bare, TASKRUN, env).pods[0]?.podSpec, { serviceAccountName: 'tekton-sa', imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } });
  const own = { spec: { serviceAccountName: 'own', podTemplate: { imagePullSecrets: [{ name: 'mine' }] }, taskSpec: steps } };
  t.same(extractCarrier(own, TASKRUN, env).pods[0]?.podSpec, { serviceAccountName: 'own', imagePullSecrets: [{ name: 'mine' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } });
  const pr = {
    spec: {
      taskRunSpecs: [{ pipelineTaskName: 'special', podTemplate: { imagePullSecrets: [{ name: 'special' }] } }],
      pipelineSpec: { tasks: [{ name: 'plain', taskSpec: steps }, { name: 'special', taskSpec: steps }] },
    },
  };
  t.same(extractCarrier(pr, PIPELINERUN, env).pods.map((p) => p.podSpec), [
    { serviceAccountName: 'tekton-sa', imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } },
    { serviceAccountName: 'tekton-sa', imagePullSecrets: [{ name: 'special' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } },
  ]);
});

t.test("when the defaults are not known, the run's credentials are open, and the clause says where and why", async (t) => {
  const bare = { spec: { taskSpec: steps } };
  const cases: { name: string; env: Parameters<typeof extractCarrier>[2]; want: string | undefined }[] = [
    {
      name: 'not among the inputs',
      env: {},
      want: "Tekton's cluster defaults (ConfigMap tekton-pipelines/config-defaults: default-service-account, default-pod-template) may set the run's ServiceAccount and pull secrets, and were not read",
    },
    {
      name: 'read from the cluster, which refused',
      env: { tektonNamespace: 'openshift-pipelines', tektonUnknown: 'pullguard may not read ConfigMap openshift-pipelines/config-defaults (403 Forbidden)' },
      want: "Tekton's cluster defaults (ConfigMap openshift-pipelines/config-defaults: default-service-account, default-pod-template) may set the run's ServiceAccount and pull secrets, and were not read: pullguard may not read ConfigMap openshift-pipelines/config-defaults (403 Forbidden)",
    },
    { name: 'known (even empty): nothing is open', env: { tekton: {}, tektonNamespace: 'openshift-pipelines' }, want: undefined },
  ];
  for (const c of cases) t.equal(extractCarrier(bare, TASKRUN, c.env).pods[0]?.credentialsElsewhere?.text, c.want, c.name);
});
