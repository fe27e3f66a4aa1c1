// docs/findings.md is the one place users look codes up: every code in src/findings/codes.ts must be in
// its table with the same default action, and the table must not list codes that do not exist.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { DIAGNOSES, DIAGNOSIS_CODES, FINDINGS, FINDING_CODES } from '../../src/findings/codes.js';

const doc = readFileSync('docs/findings.md', 'utf8');
const rows = new Map<string, string>();
for (const m of doc.matchAll(/^\| `([A-Z_]+)` \| (deny|warn)[^|]*\|/gm)) rows.set(m[1] as string, m[2] as string);

t.test('every finding code is documented with its default action', async (t) => {
  for (const code of FINDING_CODES) {
    t.equal(rows.get(code), FINDINGS[code].defaultAction, code);
  }
});

t.test('the docs list no code that does not exist', async (t) => {
  t.same([...rows.keys()].filter((c) => !(FINDING_CODES as string[]).includes(c)), []);
});

t.test('docs/policy.md lists exactly the codes that follow failurePolicy', async (t) => {
  const policy = readFileSync('docs/policy.md', 'utf8');
  const paragraph = policy.slice(policy.indexOf('could not decide'), policy.indexOf('`failurePolicy`: `warn` (default'));
  const listed = [...paragraph.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]).sort();
  t.same(listed, FINDING_CODES.filter((c) => FINDINGS[c].undecided).sort());
});

t.test("the explain-only causes are documented in their own table, and only there", async (t) => {
  const section = doc.slice(doc.indexOf('## Causes only `pullguard explain` reports'), doc.indexOf('## How the action is chosen'));
  const listed = [...section.matchAll(/^\| `([A-Z_]+)` \| <a id="([a-z_]+)"><\/a>[^|]+\|[^|]+\|\s*$/gm)];
  t.same(listed.map((m) => m[1]).sort(), [...DIAGNOSIS_CODES].sort());
  for (const m of listed) t.equal(m[2], (m[1] as string).toLowerCase(), `anchor of ${m[1]}`);
  for (const code of DIAGNOSIS_CODES) {
    t.notOk(rows.has(code), `${code} is not in the table of check/webhook codes`);
    t.ok(DIAGNOSES[code].length > 0);
  }
});
