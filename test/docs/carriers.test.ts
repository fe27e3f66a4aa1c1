// docs/carriers.md lists every built-in carrier with its groups, versions and resource, as the table in
// src/workload/carriers.ts has them; README points at it. Keeps the page true to the code.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { BUILTIN_CARRIERS } from '../../src/workload/carriers.js';

const doc = readFileSync('docs/carriers.md', 'utf8');
const readme = readFileSync('README.md', 'utf8');

t.test('every built-in carrier has its row in docs/carriers.md', async (t) => {
  const rows = doc.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Kind') && !l.startsWith('|---'));
  for (const c of BUILTIN_CARRIERS) {
    const row = rows.find((r) => r.split('|')[1]!.trim().split(' ')[0] === c.kind && r.includes(` ${c.resource} `));
    t.ok(row, `${c.kind} (${c.resource}) has a row`);
    if (!row) continue;
    const cells = row.split('|').map((x) => x.trim());
    t.same(cells[2]!.split(', '), c.groups.map((g) => (g === '' ? 'core' : g)), `${c.kind}: groups`);
    t.same(cells[3]!.split(', '), c.versions, `${c.kind}: versions`);
    for (const p of [...c.podSpecs, ...c.images]) t.ok(row.includes(p.text) || row.startsWith('| WorkflowTemplate') || row.startsWith('| ClusterWorkflowTemplate') || row.startsWith('| RayJob') || row.startsWith('| RayService') || row.startsWith('| TaskRun'), `${c.kind}: ${p.text} named`);
  }
  t.equal(rows.length, BUILTIN_CARRIERS.length, 'no row for a kind the code does not read');
});

t.test('README names every well-known custom resource and points at the page', async (t) => {
  t.match(readme, '[docs/carriers.md](docs/carriers.md)');
  for (const c of BUILTIN_CARRIERS) t.ok(readme.includes(`\`${c.kind}\``) || readme.includes(`${c.kind},`) || readme.includes(`${c.kind}.`) || readme.includes(`${c.kind}:`) || readme.includes(` ${c.kind} `), `README names ${c.kind}`);
});
