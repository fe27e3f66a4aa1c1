// A key given twice is read as kubectl reads it (the last value) and said, as a note on the object, in
// every output format; unparseable documents beside it do not hide it.
import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { run } from '../helpers/cli.js';

const STREAM = [
  'apiVersion: apps/v1', // 1
  'kind: Deployment',
  'metadata: {name: web, namespace: shop}',
  'spec:',
  '  template:', // 5
  '    spec:',
  '      containers:',
  '      - name: app',
  '        image: Nginx:1', // 9: would be denied, but...
  '        image: nginx:1.25', // 10: ...kubectl keeps this one
  '---',
  'apiVersion: v1', // 12
  'kind: Service',
  'metadata: {name: web, namespace: shop}',
  'spec: {type: ClusterIP, type: NodePort}', // 15
  '---',
  'kind: Pod', // 17
  'metadata:',
  '  namespace: {{ .Release.Namespace }}', // 19
  '',
].join('\n');

const NOTE = '"spec.template.spec.containers[0].image" is given 2 times (lines 9, 10); kubectl uses the last one (line 10) and ignores the others';
const SERVICE_NOTE = '"spec.type" is given 2 times (lines 15, 15); kubectl uses the last one (line 15) and ignores the others';

t.test('json: the note on the object, notes on unchecked documents, the template reported', async (t) => {
  const r = await run(['check', '--offline', '-o', 'json', '-'], STREAM);
  t.equal(r.code, 2);
  const report = JSON.parse(r.stdout);
  t.same(report.objects.map((o: any) => [o.kind, o.name, o.verdict, o.images.map((i: any) => i.reference), o.notes]), [
    ['Deployment', 'web', 'allow', ['nginx:1.25'], [{ line: 10, message: NOTE }]],
  ]);
  t.same(report.input.notes, [{ file: '<stdin>', object: 'Service shop/web', line: 15, message: SERVICE_NOTE }]);
  t.same(report.input.problems.map((p: any) => [p.code, p.line, p.column]), [['MANIFEST_UNPARSEABLE', 19, 15]]);
  t.match(report.input.problems[0].message, /unrendered Go\/Helm template/);
  t.equal(r.stderr.split('\n').filter(Boolean).length, 1, 'one stderr line: the problem, no Node warning');
});

t.test('text, sarif, junit carry the note', async (t) => {
  const text = await run(['check', '--offline', '-'], STREAM);
  t.match(text.stdout, `NOTE Deployment shop/web (<stdin>:1)\n  note line 10: ${NOTE}\n`);
  t.match(text.stdout, `NOTE Service shop/web (<stdin>:15)\n  note line 15: ${SERVICE_NOTE}\n`);
  t.match(text.stdout, 'ERROR <stdin>:19:15\n  ✗ MANIFEST_UNPARSEABLE: ');
  const sarif = JSON.parse((await run(['check', '--offline', '-o', 'sarif', '-'], STREAM)).stdout).runs[0];
  t.same(
    sarif.invocations[0].toolExecutionNotifications.map((n: any) => [n.level, n.message.text, n.locations[0].physicalLocation.region.startLine]),
    [
      ['note', `Deployment shop/web: ${NOTE}`, 10],
      ['note', `Service shop/web: ${SERVICE_NOTE}`, 15],
    ],
  );
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse((await run(['check', '--offline', '-o', 'junit', '-'], STREAM)).stdout);
  const suite = xml.testsuites.testsuite;
  t.match(suite, { name: '<stdin>', tests: '2', errors: '1', failures: '0' });
  const deployment = [suite.testcase].flat().find((c: any) => c.classname === 'Deployment');
  t.equal(deployment['system-out'], `NOTE at <stdin>:10: ${NOTE}`);
  t.equal(suite['system-out'], `NOTE at <stdin>:15: Service shop/web: ${SERVICE_NOTE}`);
});
