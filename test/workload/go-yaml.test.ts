/**
 * YAML that kubectl applies must be read as kubectl reads it (src/workload/go-yaml.ts, manifests.ts):
 *
 * - table tests of the two YAML 1.2 / go-yaml differences real manifests hit (duplicate keys: last one
 *   wins, with a note; under-indented continuation lines of quoted scalars and flow collections), of
 *   kubectl's document separator rule, and of what kubectl cannot read (unrendered templates);
 * - property tests: random manifests with under-indented continuation lines and with duplicate keys
 *   inserted at random, read back to exactly the generated object and lines;
 * - a differential test against go-yaml itself: kubectl parses kubeconfig files with the same
 *   sigs.k8s.io/yaml + go-yaml v2 path as manifests, so `kubectl config view -o json` on generated
 *   kubeconfigs is the oracle (skipped where kubectl is missing, except under CI=true).
 */
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { padContinuations, splitDocuments } from '../../src/workload/go-yaml.js';
import { parseManifests } from '../../src/workload/manifests.js';
import { onPath, runCommand } from '../helpers/kube.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const one = (text: string) => {
  const r = parseManifests(text, 'x.yaml');
  return { objects: r.objects.map((o) => o.object), notes: r.objects.flatMap((o) => o.notes), problems: r.problems, r };
};

t.test('duplicate keys: the last value wins, the object gets a note, lines point at the last', async (t) => {
  const text = [
    'apiVersion: apps/v1', // 1
    'kind: Deployment', // 2
    'metadata: {name: web}', // 3
    'spec:', // 4
    '  selector:', // 5
    '    matchLabels: {app: old}', // 6
    '  template:', // 7
    '    spec:', // 8
    '      containers:', // 9
    '      - name: app', // 10
    '        image: nginx:1.0', // 11
    '        image: nginx:2.0', // 12
    '  selector:', // 13
    '    matchLabels: {app: web}', // 14
    '',
  ].join('\n');
  const { objects, notes, problems, r } = one(text);
  t.same(problems, []);
  t.same(objects[0]?.['spec'], {
    selector: { matchLabels: { app: 'web' } },
    template: { spec: { containers: [{ name: 'app', image: 'nginx:2.0' }] } },
  });
  t.same(notes, [
    { line: 13, message: '"spec.selector" is given 2 times (lines 5, 13); kubectl uses the last one (line 13) and ignores the others' },
    { line: 12, message: '"spec.template.spec.containers[0].image" is given 2 times (lines 11, 12); kubectl uses the last one (line 12) and ignores the others' },
  ]);
  t.equal(r.objects[0]?.lineOf('spec.template.spec.containers[0].image'), 12);
  t.equal(r.objects[0]?.lineOf('spec.selector'), 14);
});

t.test('duplicate keys in JSON and in List items, and `<<` merge keys (go-yaml merges them)', async (t) => {
  const json = one('{"kind": "Pod", "metadata": {"name": "a", "name": "b"}}');
  t.same(json.objects, [{ kind: 'Pod', metadata: { name: 'b' } }]);
  t.equal(json.notes.length, 1);
  const list = one('kind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n  metadata: {name: b}\n- kind: Pod\n  metadata: {name: c}\n');
  t.same(list.objects, [{ kind: 'Pod', metadata: { name: 'b' } }, { kind: 'Pod', metadata: { name: 'c' } }]);
  t.same(list.r.objects.map((o) => o.notes.length), [1, 0], 'the note goes with its item');
  const merge = one('kind: Pod\nx: &base {image: a, name: n}\nspec:\n  <<: *base\n  image: b\n');
  t.same(merge.objects[0]?.['spec'], { image: 'b', name: 'n' });
  t.same(merge.notes, []);
});

t.test('under-indented continuation lines that go-yaml accepts', async (t) => {
  const cases = [
    {
      name: 'double-quoted annotation continued at column 0',
      text: 'kind: Pod\nmetadata:\n  annotations:\n    note: "first line\nsecond line\n\n   third"\n  name: p\n',
      want: { kind: 'Pod', metadata: { annotations: { note: 'first line second line\nthird' }, name: 'p' } },
    },
    {
      name: 'single-quoted, with an escaped quote',
      text: "kind: Pod\nmetadata:\n  annotations:\n    note: 'it''s\n fine'\n",
      want: { kind: 'Pod', metadata: { annotations: { note: "it's fine" } } },
    },
    {
      name: 'args: ["…"] list broken across under-indented lines',
      text: 'kind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx\n    args: ["--one",\n"--two", "--three=a\nb"]\n    command: [sh]\n',
      want: { kind: 'Pod', spec: { containers: [{ name: 'a', image: 'nginx', args: ['--one', '--two', '--three=a b'], command: ['sh'] }] } },
    },
    {
      name: 'flow mapping continued at column 0 inside a sequence item',
      text: 'kind: Pod\nspec:\n  containers:\n  - {name: a,\nimage: "nginx:1"}\n',
      want: { kind: 'Pod', spec: { containers: [{ name: 'a', image: 'nginx:1' }] } },
    },
    {
      name: 'an escaped line break keeps the spaces before it and drops the indentation after it',
      text: 'kind: Pod\nmetadata:\n  annotations:\n    a: "x  \\\n y"\n',
      want: { kind: 'Pod', metadata: { annotations: { a: 'x  y' } } },
    },
    {
      name: 'a block scalar holding an unclosed quote is not touched',
      text: 'kind: Pod\ndata:\n  script: |\n    echo "hi\n  other: "a\nb"\n',
      want: { kind: 'Pod', data: { script: 'echo "hi\n', other: 'a b' } },
    },
  ];
  for (const c of cases) {
    const { objects, problems } = one(c.text);
    t.same(problems, [], c.name);
    t.same(objects, [c.want], c.name);
  }
  const lines = parseManifests(cases[2]!.text, 'x').objects[0]!;
  t.equal(lines.lineOf('spec.containers[0].command'), 9, 'line numbers are those of the file');
});

t.test('padContinuations changes only continuation lines, never a line count or a document indicator', async (t) => {
  t.equal(padContinuations('a: 1\nb: "x"\n'), null, 'nothing to do');
  t.equal(padContinuations('a: "x\ny"\n'), 'a: "x\n   y"\n');
  t.equal(padContinuations('a: "x\n---\ny"\n'), null, 'a document indicator inside a quoted scalar is an error in go-yaml too');
  t.equal(padContinuations('a: [1,\n2]\nb: "c # d\ne"\n'), 'a: [1,\n   2]\nb: "c # d\n   e"\n');
  t.equal(padContinuations('a: x # "not a quote\nb: y\n'), null, 'comments');
  t.equal(padContinuations("a: it's\nb: y\n"), null, 'a quote inside a plain scalar');
});

t.test('documents are cut as kubectl cuts them (YAMLReader)', async (t) => {
  t.same(
    splitDocuments('a: 1\n---\nb: 2\n--- # c\nc: 3\n').map((c) => [c.firstLine, c.text]),
    [
      [0, 'a: 1\n'],
      [1, '---\nb: 2\n'],
      [3, '--- # c\nc: 3\n'],
    ],
  );
  const bad = one('kind: A\n--- {kind: B}\nkind: C\n');
  t.same(bad.objects, [{ kind: 'A' }, { kind: 'C' }]);
  t.same(bad.problems, [
    {
      line: 2,
      column: 4,
      reason: 'kubectl accepts nothing but a comment after a document separator, found "{kind: B}" ("invalid Yaml document separator"); put it on the next line',
    },
  ]);
});

t.test('what kubectl cannot read: one problem per document, the others still read, no Node warning', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  const text = [
    'kind: Pod', // 1
    'metadata:', // 2
    '  namespace: {{ .ns }}', // 3
    '---',
    'kind: Pod', // 5
    'metadata: {name: ok}',
    '---',
    'kind: Pod', // 8
    'metadata:',
    '  name: {{ .name }}-x', // 10
    '---',
    'kind: Pod', // 12
    'spec: [unclosed',
    '',
  ].join('\n');
  const { objects, problems } = one(text);
  t.same(objects, [{ kind: 'Pod', metadata: { name: 'ok' } }]);
  t.same(
    problems.map((p) => p.line),
    [3, 10, 13],
  );
  t.equal(problems[0]?.reason, 'metadata.namespace is an unrendered Go/Helm template ({{ .ns }}), not a value: YAML reads it as a mapping used as a key, which kubectl rejects ("invalid map key"); render the template first (helm template) or quote the value');
  t.match(problems[1]?.reason, /unrendered Go\/Helm template/);
  await new Promise((r) => setImmediate(r));
  t.same(warnings, [], 'no process warning');
});

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

const WORDS = ['nginx', 'a', 'b-c', 'x.y', 'http://h:80/p', '--flag=1', 'zz', 'v1.2.3', '0', 'ok'];

interface Gen {
  readonly rnd: () => number;
  pick<T>(xs: readonly T[]): T;
  int(n: number): number;
}

function gen(seed: number): Gen {
  const rnd = mulberry32(seed);
  return { rnd, pick: (xs) => xs[Math.floor(rnd() * xs.length)]!, int: (n) => Math.floor(rnd() * n) };
}

/** A sentence of 1–6 words; as a multi-line quoted scalar it folds back to itself. */
function sentence(g: Gen): string {
  return Array.from({ length: 1 + g.int(6) }, () => g.pick(WORDS)).join(' ');
}

/** The sentence as a quoted scalar whose continuation lines are indented 0..8 (often too little). */
function quoted(g: Gen, s: string): string {
  const q = g.rnd() < 0.5 ? '"' : "'";
  const words = s.split(' ');
  let out = q;
  words.forEach((w, i) => {
    if (i > 0) out += g.rnd() < 0.5 ? `\n${' '.repeat(g.int(9))}` : ' ';
    out += w;
  });
  return out + q;
}

/** A list of sentences as a flow sequence whose lines break after commas, indented 0..8. */
function flowList(g: Gen, items: string[]): string {
  return '[' + items.map((s, i) => (i > 0 && g.rnd() < 0.6 ? `\n${' '.repeat(g.int(9))}` : '') + quoted(g, s)).join(', ') + ']';
}

t.test('property: under-indented continuations read back to exactly the generated values and lines', async (t) => {
  for (let seed = 1; seed <= 300; seed++) {
    const g = gen(seed);
    const note = sentence(g);
    const args = Array.from({ length: 1 + g.int(4) }, () => sentence(g));
    const image = g.pick(['nginx:1.25', 'registry.k8s.io/pause:3.9', 'ghcr.io/a/b@sha256:' + 'a'.repeat(64)]);
    const lines = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  annotations:',
      `    note: ${quoted(g, note)}`,
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '      - name: app',
      `        args: ${flowList(g, args)}`,
    ];
    const imageLine = lines.join('\n').split('\n').length + 1;
    lines.push(`        image: ${image}`, '');
    const text = lines.join('\n');
    const r = parseManifests(text, 'x.yaml');
    t.same(r.problems, [], `seed ${seed}: no problem`);
    const o = r.objects[0];
    if (!o) {
      t.fail(`seed ${seed}: no object\n${text}`);
      continue;
    }
    const meta = o.object['metadata'] as { annotations: { note: string } };
    const container = (o.object['spec'] as any).template.spec.containers[0];
    if (meta.annotations.note !== note || JSON.stringify(container.args) !== JSON.stringify(args) || container.image !== image) {
      t.fail(`seed ${seed}: read differently\n${text}\n${JSON.stringify(o.object)}`);
    }
    t.equal(o.lineOf('spec.template.spec.containers[0].image'), imageLine, `seed ${seed}: image line`);
  }
});

t.test('property: duplicate keys inserted at random: the last value wins, one note each, lines right', async (t) => {
  const base = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    '  labels:',
    '    app: web',
    'spec:',
    '  replicas: 2',
    '  selector:',
    '    matchLabels:',
    '      app: web',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: app',
    '        image: nginx:1.25',
    '        args: [a, b]',
  ];
  const want = parseManifests(base.join('\n') + '\n', 'x').objects[0]!.object;
  for (let seed = 1; seed <= 300; seed++) {
    const g = gen(seed);
    const lines = [...base];
    const inserted: number[] = [];
    const copies = 1 + g.int(3);
    for (let k = 0; k < copies; k++) {
      // A decoy `key: value` line right before an existing key line (same indentation, same mapping):
      // kubectl keeps the later, original one.
      const candidates = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*(- )?[a-zA-Z]+:/.test(l) && !l.includes('- '));
      const [line, at] = g.pick(candidates);
      const indent = /^\s*/.exec(line)![0];
      const key = /^\s*([a-zA-Z]+):/.exec(line)![1]!;
      lines.splice(at, 0, `${indent}${key}: decoy-${seed}-${k}`);
      inserted.push(at);
    }
    const text = lines.join('\n') + '\n';
    const r = parseManifests(text, 'x');
    t.same(r.problems, [], `seed ${seed}: no problem`);
    const o = r.objects[0];
    if (!o || JSON.stringify(o.object) !== JSON.stringify(want)) {
      t.fail(`seed ${seed}: read differently\n${text}\n${JSON.stringify(o?.object)}`);
      continue;
    }
    t.ok(o.notes.length >= 1 && o.notes.length <= copies, `seed ${seed}: notes`);
    for (const n of o.notes) t.match(n.message, /is given [2-4] times \(lines [\d, ]+\); kubectl uses the last one/);
    t.equal(o.lineOf('spec.template.spec.containers[0].image'), lines.indexOf('        image: nginx:1.25') + 1, `seed ${seed}: image line`);
  }
});

// ---------------------------------------------------------------------------------------------
// Differential test against go-yaml (kubectl's own parser)
// ---------------------------------------------------------------------------------------------

t.test('differential: kubectl (go-yaml) and pullguard read the same values', async (t) => {
  if (!onPath('kubectl')) {
    if (process.env['CI'] === 'true') t.fail('kubectl is not on PATH');
    else t.plan(0, 'skipped: kubectl is not on PATH');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-goyaml-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // One kubeconfig per batch, one context per case: kubectl reads kubeconfig files through
  // sigs.k8s.io/yaml (go-yaml v2, non-strict), the same path as manifests.
  for (let batch = 0; batch < 4; batch++) {
    const g = gen(1000 + batch);
    const lines = ['apiVersion: v1', 'kind: Config', 'contexts:'];
    const n = 40;
    for (let i = 0; i < n; i++) {
      const style = g.int(4);
      lines.push(`- name: c${i}`);
      if (style === 3) {
        // A flow mapping across under-indented lines.
        lines.push(`  context: {cluster: ${quoted(g, sentence(g))},`, `${' '.repeat(g.int(4))}user: u${i}}`);
        continue;
      }
      lines.push('  context:');
      if (style === 1) lines.push(`    cluster: decoy${i}`); // a duplicate key before the real one
      lines.push(`    cluster: ${quoted(g, sentence(g))}`);
      if (style === 2) lines.push(`    user: decoy${i}`, `    user: u${i}`);
      else lines.push(`    user: u${i}`);
    }
    const text = lines.join('\n') + '\n';
    const file = join(dir, `kc${batch}.yaml`);
    await writeFile(file, text);
    const k = await runCommand('kubectl', ['config', 'view', '--kubeconfig', file, '-o', 'json'], { env: { ...process.env, KUBECONFIG: '' } });
    t.equal(k.code, 0, `kubectl read batch ${batch}: ${k.stderr}`);
    const theirs = new Map<string, unknown>(
      (JSON.parse(k.stdout).contexts as { name: string; context: unknown }[]).map((c) => [c.name, c.context]),
    );
    const r = parseManifests(text, 'kc.yaml');
    t.same(r.problems, [], `batch ${batch}: pullguard reads it`);
    const ours = (r.objects[0]?.object['contexts'] ?? []) as { name: string; context: { cluster: string; user: string } }[];
    t.equal(ours.length, n);
    let same = 0;
    for (const c of ours) {
      const want = theirs.get(c.name) as { cluster: string; user: string } | undefined;
      if (want?.cluster === c.context.cluster && want.user === c.context.user) same++;
      else t.fail(`batch ${batch} ${c.name}: kubectl ${JSON.stringify(want)}, pullguard ${JSON.stringify(c.context)}`);
    }
    t.equal(same, n, `batch ${batch}: all ${n} contexts read alike`);
  }
});

t.test('a file that starts with "{" is a JSON stream to kubectl: values one after another, no YAML', async (t) => {
  const two = parseManifests('{"kind": "Pod", "metadata": {"name": "a"}}\n  {"kind": "Pod",\n "metadata": {"name": "b"}}{"kind": "Pod"}\n', 'x.json');
  t.same(two.problems, []);
  t.same(
    two.objects.map((o) => [o.line, o.object['metadata']]),
    [
      [1, { name: 'a' }],
      [2, { name: 'b' }],
      [3, undefined],
    ],
  );
  t.equal(two.objects[1]?.lineOf('metadata.name'), 3);
  const flow = parseManifests('{kind: Pod, metadata: {name: a}}\n', 'x.yaml');
  t.same(flow.objects, []);
  t.match(flow.problems, [{ line: 1, reason: /^not valid JSON \(.*\); kubectl reads a file that starts with "\{" as JSON, not YAML$/ }]);
  const sep = parseManifests('{"kind": "Pod", "metadata": {"name": "a"}}\n---\n{"kind": "Pod", "metadata": {"name": "b"}}\n', 'x.json');
  t.same(sep.objects.map((o) => [o.line, (o.object['metadata'] as { name: string }).name]), [
    [1, 'a'],
    [3, 'b'],
  ]);
  t.match(sep.problems, [{ line: 2, reason: /stops at "---" \(not the start of a JSON value\); what follows was checked as YAML, but kubectl would not apply it$/ }]);
});
