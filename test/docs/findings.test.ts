// docs/findings.md is the one place users look codes up: every code in src/findings/codes.ts must be in
// its table with the same default action, and the table must not list codes that do not exist.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { FINDINGS, FINDING_CODES } from '../../src/findings/codes.js';

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
