/**
 * The Dockerfile, read statically (no Docker engine runs in the tests): multi-stage, a supported LTS
 * Node.js in every stage, production dependencies only at run time, distroless and non-root, the
 * entry point the manifests rely on, and a build context limited by .dockerignore.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(ROOT + file, 'utf8');

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly steps: Instruction[];
}

/** Instructions (continuation lines joined, comments dropped), grouped by stage. */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split('\n');
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`unparsable Dockerfile line: ${line}`);
    const op = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`unparsable FROM: ${args}`);
      stages.push({ from: f[1] as string, name: f[2], steps: [] });
    } else if (op === 'ARG' && stages.length === 0) {
      continue;
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${op} before FROM`);
      stage.steps.push({ op, args });
    }
  }
  return stages;
}

const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1) as Stage;
const builders = stages.slice(0, -1);
const steps = (stage: Stage, op: string) => stage.steps.filter((s) => s.op === op).map((s) => s.args);

t.test('multi-stage: build with dev dependencies, ship production dependencies only', async (t) => {
  t.ok(stages.length >= 2, 'at least a build stage and a runtime stage');
  const build = builders.find((s) => steps(s, 'RUN').some((r) => /\bnpm run build\b/.test(r)));
  t.ok(build, 'a stage runs npm run build');
  t.ok(build && steps(build, 'RUN').some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)), 'after npm ci with dev dependencies (TypeScript)');
  const deps = builders.find((s) => steps(s, 'RUN').some((r) => /\bnpm ci\b.*--omit=dev/.test(r)));
  t.ok(deps, 'a stage installs production dependencies with npm ci --omit=dev');

  const copiedFrom = (what: string) =>
    steps(runtime, 'COPY')
      .map((c) => /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(c))
      .find((m) => m && m[2] === what)?.[1];
  t.equal(copiedFrom('/app/dist'), build?.name, 'dist/ from the build stage');
  t.equal(copiedFrom('/app/node_modules'), deps?.name, 'node_modules/ from the production-only stage');
  t.ok(steps(runtime, 'COPY').some((c) => /^package\.json\s/.test(c)), 'package.json (pullguard --version reads it)');
});

t.test('a supported LTS Node.js, the same major everywhere, within package.json engines', async (t) => {
  const majors = stages.map((s) => {
    const m = /^node:(\d+)[-.]/.exec(s.from) ?? /^gcr\.io\/distroless\/nodejs(\d+)-/.exec(s.from);
    t.ok(m, `${s.from} is a Node.js image`);
    return Number(m?.[1]);
  });
  t.equal(new Set(majors).size, 1, `one Node.js major in every stage: ${majors.join(', ')}`);
  const major = majors[0] as number;
  t.equal(major % 2, 0, 'an LTS line (even major)');
  t.ok(major >= 22, 'Node.js 22 or newer (20 leaves support in April 2026)');
  const engines = JSON.parse(read('package.json')).engines.node as string;
  const min = Number(/>=\s*(\d+)/.exec(engines)?.[1]);
  t.ok(major >= min, `within engines.node ${engines}`);
});

t.test('runtime: distroless, no shell, non-root 65532, the entry point the manifests use', async (t) => {
  t.match(runtime.from, /^gcr\.io\/distroless\/nodejs\d+-debian\d+:nonroot$/);
  t.strictSame(steps(runtime, 'RUN'), [], 'no RUN: the runtime image has no shell');
  t.strictSame(steps(runtime, 'USER'), ['65532:65532']);
  t.strictSame(steps(runtime, 'WORKDIR'), ['/app']);
  t.strictSame(steps(runtime, 'ENTRYPOINT').map((e) => JSON.parse(e)), [['/nodejs/bin/node', 'dist/cli/main.js']]);
  t.strictSame(steps(runtime, 'CMD').map((e) => JSON.parse(e)), [['serve']]);
  t.ok(existsSync(ROOT + 'src/cli/main.ts'), 'dist/cli/main.js is compiled from src/cli/main.ts');
  const tsconfig = JSON.parse(read('tsconfig.build.json'));
  t.equal(tsconfig.compilerOptions.outDir, 'dist');
  t.equal(tsconfig.compilerOptions.rootDir, 'src');
  t.strictSame(steps(runtime, 'EXPOSE'), ['8443'], 'the port the Deployment listens on');
});

t.test('.dockerignore: an allow-list covering exactly what the build copies', async (t) => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  t.equal(patterns[0], '*', 'everything is excluded first');
  const allowed = patterns.slice(1).map((p) => {
    t.ok(p.startsWith('!'), `${p} re-includes`);
    return p.slice(1).replace(/\/$/, '');
  });
  for (const secretish of ['node_modules', 'dist', '.git', 'certs', 'manifests', 'test']) t.notOk(allowed.includes(secretish), `${secretish} stays out`);
  const copied = builders
    .flatMap((s) => steps(s, 'COPY'))
    .filter((c) => !c.startsWith('--from='))
    .flatMap((c) => c.split(/\s+/).slice(0, -1));
  copied.push(...steps(runtime, 'COPY').filter((c) => !c.startsWith('--from=')).flatMap((c) => c.split(/\s+/).slice(0, -1)));
  t.strictSame([...new Set(copied)].sort(), [...allowed].sort(), 'every file the build copies is in the context, and nothing else');
  for (const p of allowed) t.ok(existsSync(ROOT + p), `${p} exists`);
});
