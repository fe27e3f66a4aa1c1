// Every output format from a real online run: manifests with their pull Secret checked against a real
// registry (Debian's docker-registry, TLS + htpasswd, started by the test), the JSON report validated
// against docs/report.schema.json, the SARIF log against the SARIF 2.1.0 schema, the JUnit XML parsed.
import t from 'tap';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { requireRegistry, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { run, runWith } from '../helpers/cli.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

// Origin of the SARIF schema: see test/cli/sarif.test.ts.
const sarifAjv = new Ajv2020({ allErrors: true });
addFormats(sarifAjv);
const validateSarif = sarifAjv.compile(JSON.parse(await readFile('test/fixtures/sarif-schema-2.1.0.json', 'utf8')));
const validateReport = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true }).compile(JSON.parse(await readFile('docs/report.schema.json', 'utf8')));

if (requireRegistry(t)) {
  const reg: TestRegistry = await startRegistry(t, { auth: 'htpasswd' });
  const { alice } = reg.users;
  const host = reg.host;
  const dir = await mkdtemp(`${tmpdir()}/pullguard-outputs-registry-`);
  await writeFile(`${dir}/ca.pem`, reg.caPem);
  await writeFile(`${dir}/config.yaml`, stringify({ registries: { [host]: { caFile: `${dir}/ca.pem` } } }));
  const config = `${dir}/config.yaml`;

  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [host]: { auth: b64(`${alice.username}:${alice.password}`) } } })) },
  };
  const deploy = (name: string, image: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { template: { spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image }] } } },
  });
  const docs = [
    secret,
    deploy('ok', `${host}/team/app:1.2.0`),
    deploy('tag-typo', `${host}/team/app:1.2.O`),
    deploy('no-repo', `${host}/team/nope:1`),
  ];
  const text = docs.map((d) => stringify(d)).join('---\n');
  const file = `${dir}/deploy.yaml`;
  await writeFile(file, text);
  const lines = text.split('\n');
  const imageLine = (image: string) => lines.findIndex((l) => l.endsWith(`image: ${image}`)) + 1;
  const typoLine = imageLine(`${host}/team/app:1.2.O`);
  const noRepoLine = imageLine(`${host}/team/nope:1`);

  t.test('json, sarif and junit of one online run agree and validate', async (t) => {
    const json = await run(['check', '-c', config, '-o', 'json', file]);
    t.equal(json.stderr, '');
    t.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    t.ok(validateReport(report), 'report valid against docs/report.schema.json', { errors: validateReport.errors });
    t.same(
      report.objects.flatMap((o: any) => o.findings.map((f: any) => [o.name, f.code, f.line])),
      [
        ['tag-typo', 'IMAGE_TAG_NOT_FOUND', typoLine],
        ['no-repo', 'IMAGE_REPOSITORY_NOT_FOUND', noRepoLine],
      ],
    );
    t.same(report.objects[0].images[0].credentials, [{ source: 'secret', secret: 'default/regcred', key: host }]);

    const sarif = await run(['check', '-c', config, '-o', 'sarif', file]);
    t.equal(sarif.code, 1);
    const log = JSON.parse(sarif.stdout);
    t.ok(validateSarif(log), 'valid SARIF 2.1.0', { errors: validateSarif.errors });
    t.same(
      log.runs[0].results.map((r: any) => [r.ruleId, r.level, r.locations[0].physicalLocation.artifactLocation.uri, r.locations[0].physicalLocation.region.startLine]),
      [
        ['IMAGE_TAG_NOT_FOUND', 'error', pathToFileURL(file).href, typoLine],
        ['IMAGE_REPOSITORY_NOT_FOUND', 'error', pathToFileURL(file).href, noRepoLine],
      ],
    );
    t.match(log.runs[0].results[0].message.text, /did you mean 1\.2\.0/);

    const junit = await run(['check', '-c', config, '-o', 'junit', file]);
    t.equal(junit.code, 1);
    t.equal(XMLValidator.validate(junit.stdout), true, 'well-formed XML');
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit.stdout);
    t.match(xml.testsuites, { tests: '3', failures: '2', errors: '0', skipped: '0' });
    t.same(
      xml.testsuites.testsuite.testcase.map((c: any) => [c.name, c.failure === undefined ? 'pass' : c.failure.message]),
      [
        ['default/ok', 'pass'],
        ['default/tag-typo', '1 finding (deny): IMAGE_TAG_NOT_FOUND'],
        ['default/no-repo', '1 finding (deny): IMAGE_REPOSITORY_NOT_FOUND'],
      ],
    );
  });

  t.test('a long online run on a terminal: progress on stderr, erased, never in the report', async (t) => {
    const many = [secret, ...Array.from({ length: 600 }, (_, i) => deploy(`d${i}`, `${host}/team/app:${i % 3 === 0 ? '1.2.0' : `missing-${i % 60}`}`))];
    const { code, stdout: out, stderr: err } = await runWith(['check', '-c', config, '-o', 'json', '-'], {
      stdin: many.map((d) => stringify(d)).join('---\n'),
      stderrIsTTY: true,
    });
    t.equal(code, 1);
    const report = JSON.parse(out);
    t.equal(report.objects.length, 600);
    t.ok(validateReport(report), 'report valid', { errors: validateReport.errors });
    t.notMatch(out, /checking/);
    t.match(err, /^(?:\rchecking \d+\/600 objects… *)*(?:\r *\r)?$/, 'stderr holds only progress, erased at the end');
    t.comment(err ? `progress drawn ${err.split('checking').length - 1} times` : 'run too quick to draw progress');
  });
}
