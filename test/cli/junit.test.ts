// `pullguard check --output junit`: well-formed XML (fast-xml-parser's validator, plus a check for
// characters XML 1.0 forbids), one testcase per object, failures and counts as GitLab reads them.
import t, { type Test } from 'tap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { stringify } from 'yaml';
import { xmlAttr, xmlText } from '../../src/cli/junit.js';
import { run } from '../helpers/cli.js';

const HELM = 'test/fixtures/helm/shop.yaml';
const KUSTOMIZE = 'test/fixtures/kustomize/rendered.yaml';
const MIXED = 'test/fixtures/manifests/mixed.yaml';

const ARRAYS = new Set(['testsuites.testsuite', 'testsuites.testsuite.testcase']);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, isArray: (_n, path) => ARRAYS.has(String(path)) });

/** Well-formed XML 1.0: the validator agrees, no forbidden character, every `&` starts an entity. */
function wellFormed(t: Test, xml: string, what: string): any {
  const verdict = XMLValidator.validate(xml);
  t.equal(verdict, true, `${what}: well-formed`, { error: verdict === true ? undefined : verdict.err });
  t.notMatch(xml, /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u, `${what}: only XML 1.0 characters`);
  t.notMatch(xml, /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/, `${what}: every & is an entity`);
  t.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'), `${what}: XML declaration`);
  return parser.parse(xml);
}

const num = (s: string) => Number(s);

t.test('junit from helm, kustomize and a plain file: one suite per file, one case per object, counts', async (t) => {
  const r = await run(['check', '--offline', '-o', 'junit', '-n', 'shop', HELM, KUSTOMIZE, MIXED]);
  t.equal(r.code, 1);
  t.equal(r.stderr, '');
  const doc = wellFormed(t, r.stdout, 'helm + kustomize + mixed');
  const root = doc.testsuites;
  t.match(root, { name: 'pullguard check', tests: '7', failures: '5', errors: '0', skipped: '0' });
  const suites = root.testsuite;
  t.same(
    suites.map((s: any) => [s.name, num(s.tests), num(s.failures), num(s.errors), num(s.skipped), s.testcase.length]),
    [
      [HELM, 3, 2, 0, 0, 3],
      [KUSTOMIZE, 2, 2, 0, 0, 2],
      [MIXED, 2, 1, 0, 0, 2],
    ],
  );
  // The suite counts are the cases' own.
  for (const s of suites) t.equal(s.testcase.filter((c: any) => c.failure !== undefined).length, num(s.failures), `${s.name} failures`);

  const cases = suites.flatMap((s: any) => s.testcase);
  t.same(
    cases.map((c: any) => [c.classname, c.name, c.file, c.line, c.failure === undefined ? 'pass' : c.failure.type]),
    [
      ['Deployment', 'shop/shop', HELM, '53', 'deny'],
      ['Deployment', 'shop/shop-worker', HELM, '93', 'deny'],
      ['Pod', 'shop/shop-test-connection', HELM, '116', 'pass'],
      ['Deployment', 'shop-prod/prod-api', KUSTOMIZE, '26', 'deny'],
      ['CronJob', 'shop-prod/prod-report', KUSTOMIZE, '57', 'deny'],
      ['Deployment', 'shop/web', MIXED, '9', 'deny'],
      ['CronJob', 'shop/nightly', MIXED, '24', 'pass'],
    ],
  );
  // A failure lists every finding of the object (warnings too), each with file:line; its message the denying codes.
  const worker = cases[1].failure;
  t.equal(worker.message, '1 finding (deny): REGISTRY_AUTH_REQUIRED');
  const text: string = worker['#text'];
  t.match(text, `WARN PULL_SECRET_NOT_FOUND at ${HELM}:113: container "worker"`);
  t.match(text, `DENY REGISTRY_AUTH_REQUIRED at ${HELM}:113: container "worker"`);
  t.match(text, '(rendered from shop/templates/worker.yaml)');
  t.match(cases[0].failure['#text'], `DENY IMAGE_REFERENCE_INVALID at ${HELM}:82: container "shop" (image "ghcr.io/acme/Shop:2.1.0")`);
});

t.test('warnings: system-out on a passing case by default, a failure with --fail-on warn', async (t) => {
  const base = await run(['check', '--offline', '--mode', 'warn', '-o', 'junit', MIXED]);
  t.equal(base.code, 0);
  const doc = wellFormed(t, base.stdout, '--mode warn');
  t.match(doc.testsuites, { tests: '2', failures: '0' });
  const web = doc.testsuites.testsuite[0].testcase[0];
  t.equal(web.failure, undefined);
  t.match(web['system-out'], /^WARN IMAGE_REFERENCE_INVALID at test\/fixtures\/manifests\/mixed\.yaml:22: /);

  const strict = await run(['check', '--offline', '--mode', 'warn', '--fail-on', 'warn', '-o', 'junit', MIXED]);
  t.equal(strict.code, 1);
  const doc2 = wellFormed(t, strict.stdout, '--fail-on warn');
  t.match(doc2.testsuites, { tests: '2', failures: '1' });
  t.match(doc2.testsuites.testsuite[0].testcase[0].failure, { type: 'warn', message: '1 finding (warn): IMAGE_REFERENCE_INVALID' });
});

t.test('everything is escaped: quotes, <, &, control characters, lone surrogates, in names and messages', async (t) => {
  const pod = (name: string, image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: `ns-"q"&<x>` }, spec: { containers: [{ name: `c'<&>"`, image }] } });
  const stream = [pod('lt-amp', 'nginx:<none>&x'), pod('ctrl\u0001\u0008\u001f', 'nginx\u0001:1'), pod('surrogate\ud800', 'nginx:\ud800x'), pod('quote', `"it's"]]>`)]
    .map((o) => stringify(o))
    .join('---\n');
  const r = await run(['check', '--offline', '-o', 'junit', '-'], stream);
  t.equal(r.code, 1);
  const doc = wellFormed(t, r.stdout, 'hostile input');
  t.notMatch(r.stdout, /]]>/, 'no CDATA end marker appears raw');
  const cases = doc.testsuites.testsuite[0].testcase;
  t.equal(cases.length, 4);
  t.match(doc.testsuites.testsuite[0], { name: '<stdin>', tests: '4', failures: '4' });
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  t.equal(unescape(cases[0].name), 'ns-"q"&<x>/lt-amp');
  t.match(unescape(cases[0].failure['#text']), 'image "nginx:<none>&x"');
  // Messages quote such characters themselves (\u0001); names are written as they are, so cleaned here.
  t.match(unescape(cases[1].failure['#text']), 'nginx\\u0001');
  t.equal(unescape(cases[1].name), 'ns-"q"&<x>/ctrl\uFFFD\uFFFD\uFFFD', 'control characters replaced');
  t.match(r.stdout, 'name="ns-&quot;q&quot;&amp;&lt;x&gt;/ctrl\uFFFD\uFFFD\uFFFD"', 'as written in the attribute');
  t.equal(unescape(cases[2].name), 'ns-"q"&<x>/surrogate\uFFFD', 'a lone surrogate replaced');
});

t.test('xmlText and xmlAttr', async (t) => {
  t.equal(xmlText('a<b>&c\r\n"\''), 'a&lt;b&gt;&amp;c&#13;\n"\'');
  t.equal(xmlAttr('a"b\'c\td\ne<'), 'a&quot;b&apos;c&#9;d&#10;e&lt;');
  t.equal(xmlText('\u0000\u000b\ufffe\ud83d\ude00'), '\ufffd\ufffd\ufffd\ud83d\ude00', 'forbidden characters replaced, astral ones kept');
});

t.test('no objects: an empty suite, still valid', async (t) => {
  const r = await run(['check', '--offline', '-o', 'junit', '-'], 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n');
  t.equal(r.code, 0);
  const doc = wellFormed(t, r.stdout, 'empty');
  t.match(doc.testsuites, { tests: '0', failures: '0' });
});
