// The cluster options audit and explain share (src/cli/cluster-args.ts): the same refusals, and
// --context reaching the kubeconfig for both.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { CLUSTER_OPTIONS, clusterArgs, clusterClient } from '../../src/cli/cluster-args.js';
import { UsageError } from '../../src/cli/io.js';
import { KubeconfigError } from '../../src/cluster/kubeconfig.js';
import { runWith } from '../helpers/cli.js';

const parse = (args: string[]) => clusterArgs(parseArgs({ args, options: CLUSTER_OPTIONS, strict: true }).values);

t.test('accepted and refused as kubectl does', async (t) => {
  const cases: { name: string; args: string[]; want?: object; error?: string }[] = [
    { name: 'nothing', args: [], want: { namespace: undefined, allNamespaces: false, kubeconfig: undefined, context: undefined } },
    { name: 'short forms', args: ['-n', 'shop', '--context', 'prod', '--kubeconfig', '/k'], want: { namespace: 'shop', allNamespaces: false, kubeconfig: '/k', context: 'prod' } },
    { name: '-A', args: ['-A'], want: { namespace: undefined, allNamespaces: true, kubeconfig: undefined, context: undefined } },
    { name: '-n with -A', args: ['-n', 'shop', '-A'], error: '--namespace and --all-namespaces cannot be used together' },
    { name: 'empty namespace', args: ['-n', ''], error: '--namespace needs a name' },
    { name: 'empty kubeconfig', args: ['--kubeconfig='], error: '--kubeconfig needs a file name' },
    { name: 'empty context', args: ['--context='], error: '--context needs a context name' },
  ];
  for (const c of cases) {
    if (c.error) t.throws(() => parse(c.args), new UsageError(c.error), c.name);
    else t.same(parse(c.args), c.want, c.name);
  }
});

t.test('--context picks the cluster for audit and explain alike', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-cluster-args-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'config');
  await writeFile(
    file,
    stringify({
      clusters: [{ name: 'a', cluster: { server: 'https://a.example' } }, { name: 'b', cluster: { server: 'https://b.example' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'first', context: { cluster: 'a', user: 'u' } }, { name: 'second', context: { cluster: 'b', user: 'u' } }],
      'current-context': 'first',
    }),
  );
  const client = await clusterClient(parse(['--kubeconfig', file, '--context', 'second']), {});
  t.teardown(() => client.close());
  t.equal(client.connection.server.host, 'b.example');
  await t.rejects(clusterClient(parse(['--kubeconfig', file, '--context', 'nope']), {}), new KubeconfigError(`kubeconfig ${file}: context was not found for specified context: nope`));
  for (const command of ['audit', 'explain']) {
    const r = await runWith([command, '--kubeconfig', file, '--context', 'nope']);
    t.equal(r.code, 2, `${command}: exit 2`);
    t.match(r.stderr, `kubeconfig ${file}: context was not found for specified context: nope`, `${command} names the kubeconfig and the context`);
  }
});
