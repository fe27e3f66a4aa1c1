// `pullguard check --output sarif`: valid SARIF 2.1.0 (checked against the SARIF 2.1.0 JSON schema),
// one rule per finding code, one result per finding at the exact line of its image field.
//
// test/fixtures/sarif-schema-2.1.0.json is the SARIF 2.1.0 JSON schema as the SARIF SDK (the OASIS
// SARIF TC's reference implementation, github.com/microsoft/sarif-sdk, src/Sarif/Schemata/sarif-2.1.0.json)
// ships it in the npm package @microsoft/sarif-multitool-linux@5.7.0 (file package/sarif-2.1.0.json),
// unchanged: sha256 1c49a0f2b60444c71bb14878e21e0d882198eff4c539861b133093ad89ed798c. That copy declares
// JSON Schema draft 2020-12, hence ajv/dist/2020; its formats (uri, uri-reference, date-time, uuid)
// come from ajv-formats.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { FINDINGS, FINDING_CODES } from '../../src/findings/codes.js';
import { parseFindingsDoc } from '../../src/cli/findings-doc.js';
import { shortDescription } from '../../src/cli/sarif.js';
import { run } from '../helpers/cli.js';

const SCHEMA_FILE = 'test/fixtures/sarif-schema-2.1.0.json';
const schemaText = await readFile(SCHEMA_FILE, 'utf8');
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
// The schema is third-party: ajv's default strictness (not strictRequired, which the schema's own
// `anyOf` branches do not satisfy) — the documents are what is checked strictly.
const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
const validateSarif = ajv.compile(JSON.parse(schemaText));
const version = (JSON.parse(await readFile('package.json', 'utf8')) as { version: string }).version;

function sarifValid(t: Test, log: unknown, what: string): void {
  t.ok(validateSarif(log), `${what}: valid SARIF 2.1.0`, { errors: validateSarif.errors });
}

const HELM = 'test/fixtures/helm/shop.yaml';
const KUSTOMIZE = 'test/fixtures/kustomize/rendered.yaml';
const MIXED = 'test/fixtures/manifests/mixed.yaml';

t.test('the vendored schema is the one named above', async (t) => {
  t.equal(createHash('sha256').update(schemaText).digest('hex'), '1c49a0f2b60444c71bb14878e21e0d882198eff4c539861b133093ad89ed798c');
  t.match(JSON.parse(schemaText), { title: 'Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema' });
  t.notOk(validateSarif({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), 'the schema rejects a driver without a name');
});

t.test('sarif from helm, kustomize and plain multi-document files: valid, exact lines, GitHub-ready', async (t) => {
  const r = await run(['check', '--offline', '-o', 'sarif', '-n', 'shop', HELM, KUSTOMIZE, MIXED]);
  t.equal(r.code, 1);
  t.equal(r.stderr, '');
  const log = JSON.parse(r.stdout);
  sarifValid(t, log, 'helm + kustomize + mixed');
  t.equal(log.version, '2.1.0');
  t.equal(log.runs.length, 1);
  const [runObj] = log.runs;
  const driver = runObj.tool.driver;
  t.match(driver, { name: 'pullguard', version, semanticVersion: version });
  t.match(driver.informationUri, /^https:\/\//);

  // One rule per finding code, in table order, with the table's words and the docs' fix.
  const docs = parseFindingsDoc(await readFile('docs/findings.md', 'utf8'));
  t.same(driver.rules.map((r: any) => r.id), FINDING_CODES);
  for (const rule of driver.rules) {
    const spec = FINDINGS[rule.id as keyof typeof FINDINGS];
    t.equal(rule.fullDescription.text, spec.summary, `${rule.id} fullDescription`);
    t.equal(rule.shortDescription.text, shortDescription(spec.summary), `${rule.id} shortDescription`);
    t.ok(rule.shortDescription.text.length > 20 && rule.shortDescription.text.length <= spec.summary.length, `${rule.id} short description is a clause`);
    t.equal(rule.defaultConfiguration.level, spec.defaultAction === 'deny' ? 'error' : 'warning', `${rule.id} level`);
    t.match(rule.helpUri, new RegExp(`/docs/findings\\.md#${rule.id.toLowerCase()}$`), `${rule.id} helpUri`);
    const doc = docs.get(rule.id);
    if (doc) t.ok(rule.help.markdown.includes(doc.fix), `${rule.id} help has the fix from docs/findings.md`);
    t.match(rule.help.text, /\S/);
  }
  t.ok(docs.has('IMAGE_REFERENCE_INVALID') && docs.has('REGISTRY_AUTH_REQUIRED'), 'docs/findings.md parsed');
  t.equal(shortDescription('The credentials are valid but may not pull (DENIED, e.g. ECR); the pull fails.'), 'The credentials are valid but may not pull (DENIED, e.g. ECR)');

  // One result per finding, at the image field's line, relative to %SRCROOT% (the working directory).
  const got = runObj.results.map((res: any) => {
    const loc = res.locations[0].physicalLocation;
    return [res.ruleId, res.level, loc.artifactLocation.uri, loc.artifactLocation.uriBaseId, loc.region.startLine];
  });
  t.same(got, [
    ['IMAGE_REFERENCE_INVALID', 'error', HELM, '%SRCROOT%', 82],
    ['PULL_SECRET_NOT_FOUND', 'warning', HELM, '%SRCROOT%', 113],
    ['REGISTRY_AUTH_REQUIRED', 'error', HELM, '%SRCROOT%', 113],
    ['IMAGE_REFERENCE_INVALID', 'error', KUSTOMIZE, '%SRCROOT%', 49],
    ['IMAGE_REFERENCE_INVALID', 'error', KUSTOMIZE, '%SRCROOT%', 76],
    ['IMAGE_REFERENCE_INVALID', 'error', MIXED, '%SRCROOT%', 22],
  ]);
  for (const res of runObj.results) {
    t.equal(driver.rules[res.ruleIndex].id, res.ruleId, 'ruleIndex points at the rule');
    t.match(res.message.text, /^(Deployment|CronJob) [a-z-]+\/[a-z-]+: /, 'the message names the object');
    t.match(res.partialFingerprints['pullguardFinding/v1'], /^[0-9a-f]{32}$/);
  }
  t.match(runObj.results[0], {
    message: { text: /^Deployment shop\/shop: container "shop" \(image "ghcr\.io\/acme\/Shop:2\.1\.0"\): not a valid reference/ },
    locations: [{ logicalLocations: [{ fullyQualifiedName: 'Deployment/shop/shop', kind: 'resource' }] }],
    properties: { template: 'shop/templates/deployment.yaml', container: 'shop', field: 'spec.template.spec.containers[0].image' },
  });
  t.equal(runObj.originalUriBaseIds['%SRCROOT%'].uri, pathToFileURL(process.cwd()).href + '/');
  const fingerprints = runObj.results.map((r: any) => r.partialFingerprints['pullguardFinding/v1']);
  t.equal(new Set(fingerprints).size, fingerprints.length, 'fingerprints are distinct');
});

t.test('paths: absolute under the working directory, outside it, stdin; a clean run has no results', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard sarif-`);
  await writeFile(`${dir}/bad pod.yaml`, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: "Nginx"\n');
  const r = await run(['check', '--offline', '-o', 'sarif', resolve(MIXED), `${dir}/bad pod.yaml`, '-'], 'kind: Pod\napiVersion: v1\nmetadata: {name: s}\nspec: {containers: [{name: c, image: "a b"}]}\n');
  const log = JSON.parse(r.stdout);
  sarifValid(t, log, 'absolute paths and stdin');
  const locs = log.runs[0].results.map((res: any) => res.locations[0].physicalLocation);
  t.same(locs[0], { artifactLocation: { uri: MIXED, uriBaseId: '%SRCROOT%' }, region: { startLine: 22 } });
  t.same(locs[1], { artifactLocation: { uri: pathToFileURL(`${dir}/bad pod.yaml`).href }, region: { startLine: 7 } });
  t.match(locs[1].artifactLocation.uri, /^file:\/\/\/.*\/bad%20pod\.yaml$/);
  t.same(locs[2], { artifactLocation: { uri: 'stdin', description: { text: 'standard input' } }, region: { startLine: 4 } });

  const clean = await run(['check', '--offline', '-o', 'sarif', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n');
  t.equal(clean.code, 0);
  const cleanLog = JSON.parse(clean.stdout);
  sarifValid(t, cleanLog, 'no findings');
  t.same(cleanLog.runs[0].results, []);
  t.equal(cleanLog.runs[0].tool.driver.rules.length, FINDING_CODES.length);
});

t.test('levels follow the action after policy, not the default: --mode warn makes every result a warning', async (t) => {
  const r = await run(['check', '--offline', '--mode', 'warn', '-o', 'sarif', MIXED]);
  t.equal(r.code, 0);
  const log = JSON.parse(r.stdout);
  sarifValid(t, log, '--mode warn');
  t.same(log.runs[0].results.map((res: any) => [res.ruleId, res.level]), [['IMAGE_REFERENCE_INVALID', 'warning']]);
  t.equal(log.runs[0].tool.driver.rules[0].defaultConfiguration.level, 'error', 'the rule keeps its default');
});

t.test('rule help carries the docs text, not the anchors that SARIF helpUri points at', async (t) => {
  const { parseFindingsDoc } = await import('../../src/cli/findings-doc.js');
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync('docs/findings.md', 'utf8');
  const parsed = parseFindingsDoc(doc);
  t.ok(parsed.size > 10);
  for (const [code, { meaning }] of parsed) {
    t.notMatch(meaning, /<a id=/, code);
    t.ok(doc.includes(`<a id="${code.toLowerCase()}"></a>`), `${code} has its anchor`);
  }
});

t.test('unreadable documents, notes and exclusions: still valid SARIF 2.1.0', async (t) => {
  const stream = 'kind: Pod\nmetadata: {name: p, name: q}\nspec:\n  containers: [{name: a, image: nginx}]\n---\nkind: Pod\nmetadata:\n  namespace: {{ .ns }}\n';
  const r = await run(['check', '--offline', '-o', 'sarif', '--exclude', 'x', '-'], stream);
  t.equal(r.code, 2);
  const log = JSON.parse(r.stdout);
  sarifValid(t, log, 'problems and notes');
  t.same(log.runs[0].results.map((x: any) => [x.ruleId, x.level, x.locations[0].physicalLocation.region]), [['MANIFEST_UNPARSEABLE', 'error', { startLine: 8, startColumn: 15 }]]);
  t.equal(log.runs[0].invocations[0].toolExecutionNotifications.length, 1);
  t.ok(log.runs[0].tool.driver.rules.some((rule: any) => rule.id === 'MANIFEST_UNPARSEABLE'));
});
