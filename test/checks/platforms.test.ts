import t from 'tap';
import { parsePlatform, wantedPlatforms } from '../../src/checks/platforms.js';
import { engineDeps } from '../../src/cli/wiring.js';
import { configFromValue } from '../../src/config/load.js';
import { ClusterStore } from '../../src/cluster/store.js';

const amd = { os: 'linux', architecture: 'amd64' };
const arm = { os: 'linux', architecture: 'arm64' };
const win = { os: 'windows', architecture: 'amd64' };
const affinity = (...terms: { key: string; operator: string; values: string[] }[][]) => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })) } } },
});

t.test('the platforms a pod needs', async (t) => {
  const cases: { name: string; spec: Record<string, unknown>; cluster: typeof amd[]; want: unknown[] }[] = [
    { name: 'no pin, no cluster platforms', spec: {}, cluster: [], want: [] },
    { name: 'no pin: every cluster platform', spec: {}, cluster: [amd, arm], want: [amd, arm] },
    { name: 'nodeSelector arch', spec: { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }, cluster: [amd, arm], want: [arm] },
    { name: 'beta label', spec: { nodeSelector: { 'beta.kubernetes.io/arch': 's390x' } }, cluster: [], want: [{ os: 'linux', architecture: 's390x' }] },
    { name: 'arch + os', spec: { nodeSelector: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'windows' } }, cluster: [], want: [win] },
    { name: 'os only: the cluster platforms of that os', spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } }, cluster: [amd, win], want: [win] },
    { name: 'spec.os.name', spec: { os: { name: 'windows' } }, cluster: [amd, win], want: [win] },
    { name: 'os only, no cluster platforms known (the CLI): any entry of that os', spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } }, cluster: [], want: [{ os: 'windows', architecture: '' }] },
    { name: 'os only, no node of that os known: any entry of that os', spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } }, cluster: [amd, arm], want: [{ os: 'windows', architecture: '' }] },
    { name: 'affinity single value', spec: affinity([{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }]), cluster: [amd], want: [arm] },
    { name: 'affinity several values: no pin', spec: affinity([{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64', 'amd64'] }]), cluster: [amd, arm], want: [amd, arm] },
    { name: 'ORed terms that agree', spec: affinity([{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }], [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }]), cluster: [], want: [arm] },
    { name: 'ORed terms that differ: no pin', spec: affinity([{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }], [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }]), cluster: [amd], want: [amd] },
    { name: 'NotIn is no pin', spec: affinity([{ key: 'kubernetes.io/arch', operator: 'NotIn', values: ['arm64'] }]), cluster: [amd], want: [amd] },
  ];
  for (const c of cases) t.same(wantedPlatforms(c.spec, c.cluster), c.want, c.name);
});

t.test('parsePlatform', async (t) => {
  t.same(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  t.same(parsePlatform('linux/amd64'), amd);
  t.equal(parsePlatform('linux'), null);
  t.equal(parsePlatform('a/b/c/d'), null);
});

t.test('configured platforms win over the nodes the informer sees, which are read per review', async (t) => {
  const state = new ClusterStore({ available: false });
  const asked: unknown[] = [];
  // A registry that records what it was asked for and finds everything.
  const registry = {
    check: async (_ref: unknown, o: { platforms?: unknown }) => {
      asked.push(o.platforms);
      return { kind: 'available', registry: 'r', repository: 'r/x', reference: '1', detail: '', digest: 'sha256:0', mediaType: 'x', platforms: null };
    },
    cached: () => null,
  } as never;
  let nodes = [arm];
  const nodePlatforms = () => nodes;
  const ref = { raw: 'r/x:1', domain: 'r', path: 'x', name: 'r/x', tag: '1', tagDefaulted: false, digest: null, familiar: 'r/x:1' };
  const use = { container: 'c', slot: 'containers' as const, field: 'spec.containers[0].image', image: 'r/x:1', problem: null };
  const input = { subject: { group: '', kind: 'Pod', namespace: 'n', name: 'p', object: {} }, images: [{ use, ref }], podSpec: {}, credentials: undefined, deadline: Date.now() + 1000 };

  const fromNodes = engineDeps(configFromValue({}, 't'), { state, registry, nodePlatforms });
  await fromNodes.registry!.check(input);
  nodes = [amd, arm];
  await fromNodes.registry!.check(input);
  const fromConfig = engineDeps(configFromValue({ platforms: ['linux/amd64'] }, 't'), { state, registry, nodePlatforms });
  await fromConfig.registry!.check(input);
  t.same(asked, [[arm], [amd, arm], [amd]]);
});
