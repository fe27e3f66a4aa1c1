// Data flows one way (docs: the guide's architecture rule; README "Layout"): a module imports only
// modules of a lower layer, and no set of files imports itself round a circle. Static, dynamic and
// type-only imports all count: a type import still couples the lower layer to the higher one.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * Layer of each top-level module of src/: a module may import its own files and modules of a lower
 * layer only. Adding a module means giving it a layer here.
 */
const LAYER: Readonly<Record<string, number>> = {
  reference: 0,
  findings: 1,
  // workload below config: the configuration names user carriers in workload's path language.
  workload: 2,
  credentials: 3,
  registry: 3,
  cloud: 4,
  // config above cloud: its `cloud.<id>` switches are the cloud table's ids (src/cloud CLOUDS).
  config: 5,
  verdict: 6,
  cluster: 6,
  checks: 7,
  admission: 8,
  audit: 8,
  explain: 8,
  certs: 8,
  server: 9,
  cli: 10,
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** file (relative to src/) → the src/ files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files(SRC)) {
    const from = relative(SRC, file);
    const text = readFileSync(file, 'utf8');
    const to = [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(from), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(from, [...new Set(to)]);
  }
  return graph;
}

const moduleOf = (file: string): string => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');

const graph = importGraph();

t.test('the import scanner sees the imports', async (t) => {
  t.ok(graph.size > 50, `${graph.size} files`);
  t.ok(graph.get('checks/engine.ts')?.includes('workload/extract.ts'), 'checks/engine.ts imports workload/extract.ts');
  t.ok(graph.get('checks/engine.ts')?.includes('findings/types.ts'), 'type-only imports count');
});

t.test('every module has a layer and imports only lower layers', async (t) => {
  const wrong: string[] = [];
  const unknown = [...graph.keys()].filter((f) => !(moduleOf(f) in LAYER));
  t.same(unknown, [], 'every file is in a module with a layer');
  const dangling = [...graph].flatMap(([from, tos]) => tos.filter((to) => !graph.has(to)).map((to) => `${from} → ${to}`));
  t.same(dangling, [], 'every import resolves to a file of src/');
  for (const [from, tos] of graph) {
    const a = moduleOf(from);
    for (const to of tos) {
      const b = moduleOf(to);
      if (a !== b && !((LAYER[b] ?? Infinity) < (LAYER[a] ?? -1))) wrong.push(`${from} → ${to} (${a} layer ${LAYER[a]}, ${b} layer ${LAYER[b]})`);
    }
  }
  t.same(wrong, [], 'no lower layer imports a higher one (or one of its own layer)');
});

t.test('no files import each other, directly or round a longer circle', async (t) => {
  // Tarjan's strongly connected components: any component of more than one file is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  t.same(cycles, []);
});

t.test('shared vocabulary is not imported from checks/ by lower layers (issue 15 acceptance)', async (t) => {
  const lower = new Set(['workload', 'config', 'verdict', 'credentials', 'cluster', 'registry']);
  const upward = [...graph].flatMap(([from, tos]) => (lower.has(moduleOf(from)) ? tos.filter((x) => moduleOf(x) === 'checks').map((to) => `${from} → ${to}`) : []));
  t.same(upward, []);
});
