import t from 'tap';
import { extractWorkload, groupOf, isCarrier, podSpecOf, CARRIER_KINDS } from '../../src/workload/extract.js';

const pod = (spec: unknown) => spec;
const carriers: { name: string; apiVersion: string; kind: string; wrap: (spec: unknown) => unknown; path: string }[] = [
  { name: 'Pod', apiVersion: 'v1', kind: 'Pod', wrap: (s) => ({ spec: pod(s) }), path: 'spec' },
  { name: 'PodTemplate', apiVersion: 'v1', kind: 'PodTemplate', wrap: (s) => ({ template: { spec: s } }), path: 'template.spec' },
  { name: 'ReplicationController', apiVersion: 'v1', kind: 'ReplicationController', wrap: (s) => ({ spec: { template: { spec: s } } }), path: 'spec.template.spec' },
  { name: 'ReplicaSet', apiVersion: 'apps/v1', kind: 'ReplicaSet', wrap: (s) => ({ spec: { template: { spec: s } } }), path: 'spec.template.spec' },
  { name: 'Deployment', apiVersion: 'apps/v1', kind: 'Deployment', wrap: (s) => ({ spec: { template: { spec: s } } }), path: 'spec.template.spec' },
  { name: 'Deployment (extensions/v1beta1)', apiVersion: 'extensions/v1beta1', kind: 'Deployment', wrap: (s) => ({ spec: { template: { spec: s } } }), path: 'spec.template.spec' },
  { name: 'StatefulSet', apiVersion: 'apps/v1', kind: 'StatefulSet', wrap: (s) => ({ spec: { template: { spec: s } } }), path: 'spec.template.spec' },
  { name: 'DaemonSet', apiVersion: 'apps/v1', kind: 'DaemonSet', wrap: (s) => ({ spec: { template: { spec: s } } }), path: 'spec.template.spec' },
  { name: 'Job', apiVersion: 'batch/v1', kind: 'Job', wrap: (s) => ({ spec: { template: { spec: s } } }), path: 'spec.template.spec' },
  { name: 'CronJob', apiVersion: 'batch/v1', kind: 'CronJob', wrap: (s) => ({ spec: { jobTemplate: { spec: { template: { spec: s } } } } }), path: 'spec.jobTemplate.spec.template.spec' },
  { name: 'CronJob (batch/v1beta1)', apiVersion: 'batch/v1beta1', kind: 'CronJob', wrap: (s) => ({ spec: { jobTemplate: { spec: { template: { spec: s } } } } }), path: 'spec.jobTemplate.spec.template.spec' },
];

const fullSpec = {
  initContainers: [{ name: 'init', image: 'busybox' }, { name: 'sidecar', image: 'envoy:1', restartPolicy: 'Always' }],
  containers: [{ name: 'app', image: 'nginx:1.25' }],
  ephemeralContainers: [{ name: 'debug', image: 'debian' }],
  volumes: [{ name: 'cfg', configMap: { name: 'x' } }, { name: 'models', image: { reference: 'ghcr.io/acme/models:v1', pullPolicy: 'IfNotPresent' } }],
};

t.test('every carrier kind, every image field, with field paths', async (t) => {
  t.equal(CARRIER_KINDS.length, 9);
  for (const c of carriers) {
    t.ok(isCarrier(groupOf(c.apiVersion), c.kind), c.name);
    const { site, uses } = extractWorkload(c.wrap(fullSpec), c.kind);
    t.equal(site.path, c.path, c.name);
    t.same(
      uses.map((u) => [u.slot, u.container, u.field, u.image]),
      [
        ['initContainers', 'init', `${c.path}.initContainers[0].image`, 'busybox'],
        ['initContainers', 'sidecar', `${c.path}.initContainers[1].image`, 'envoy:1'],
        ['containers', 'app', `${c.path}.containers[0].image`, 'nginx:1.25'],
        ['ephemeralContainers', 'debug', `${c.path}.ephemeralContainers[0].image`, 'debian'],
        ['volumes', 'models', `${c.path}.volumes[1].image.reference`, 'ghcr.io/acme/models:v1'],
      ],
      c.name,
    );
  }
});

t.test('kinds are recognised by group as well as name', async (t) => {
  const cases = [
    { group: 'example.com', kind: 'Deployment', want: false },
    { group: '', kind: 'Deployment', want: false },
    { group: 'apps', kind: 'Pod', want: false },
    { group: '', kind: 'Service', want: false },
    { group: 'batch', kind: 'CronJob', want: true },
  ];
  for (const c of cases) t.equal(isCarrier(c.group, c.kind), c.want, `${c.group}/${c.kind}`);
});

t.test('malformed shapes are reported, never thrown', async (t) => {
  const cases: { name: string; object: unknown; kind: string; problem: string | null; uses?: [string, string | null, string | null][] }[] = [
    { name: 'no spec', object: {}, kind: 'Deployment', problem: 'spec is missing' },
    { name: 'spec is a string', object: { spec: 'x' }, kind: 'Deployment', problem: 'spec is a string, not an object' },
    { name: 'template null', object: { spec: { template: null } }, kind: 'Deployment', problem: 'spec.template is null, not an object' },
    { name: 'object is a list', object: [], kind: 'Pod', problem: 'the object is a list, not an object' },
    {
      name: 'containers not a list',
      object: { spec: { containers: { name: 'a' } } },
      kind: 'Pod',
      problem: null,
      uses: [['spec.containers', null, 'spec.containers is an object, not a list']],
    },
    {
      name: 'odd containers',
      object: { spec: { containers: [7, { name: 'a' }, { name: 'b', image: 3 }, { image: 'x' }, { name: 'c', image: null }] } },
      kind: 'Pod',
      problem: null,
      uses: [
        ['spec.containers[0].image', null, 'spec.containers[0] is a number, not a container'],
        ['spec.containers[1].image', null, 'the container has no image'],
        ['spec.containers[2].image', null, 'image is a number, not a string'],
        ['spec.containers[3].image', 'x', null],
        ['spec.containers[4].image', null, 'the container has no image'],
      ],
    },
    {
      name: 'image volume with a bad reference',
      object: { spec: { volumes: [{ name: 'v', image: { reference: ['x'] } }, { name: 'w', image: {} }] } },
      kind: 'Pod',
      problem: null,
      uses: [
        ['spec.volumes[0].image.reference', null, 'image.reference is a list, not a string'],
        ['spec.volumes[1].image.reference', null, 'the image volume has no reference'],
      ],
    },
  ];
  for (const c of cases) {
    const { site, uses } = extractWorkload(c.object, c.kind);
    t.equal(site.problem, c.problem, c.name);
    if (c.uses) t.same(uses.map((u) => [u.field, u.image, u.problem]), c.uses, c.name);
  }
  t.throws(() => podSpecOf({}, 'Service'), /does not carry a pod spec/);
});
