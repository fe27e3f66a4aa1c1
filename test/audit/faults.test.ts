/**
 * Faults during an audit cycle, through the same pieces `serve` wires (src/cli/serve-audit.ts): the
 * Auditor, the engine with the audit's budgeted lookup over a real RegistryChecker, the cluster store,
 * and the PolicyReport mapping. A hung registry (accepts TCP, never answers), a pull Secret vanishing
 * mid-cycle, a workload whose pod spec cannot be read: the cycle finishes, the broken part is
 * reported as such, the rest is audited, nothing throws.
 */
import t, { type Test } from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auditor, CHANGE_DEBOUNCE_MS } from '../../src/audit/auditor.js';
import { Inventory, reduceWorkload, type WorkloadRecord } from '../../src/audit/inventory.js';
import { AuditLookup, RegistryBudget } from '../../src/audit/lookup.js';
import { policyReportFor } from '../../src/audit/policy-report.js';
import { auditRecord } from '../../src/audit/run.js';
import { engineDeps, makeRegistryChecker } from '../../src/cli/wiring.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { configFromValue } from '../../src/config/load.js';
import { waitFor } from '../helpers/kube.js';
import { startFaultServer } from '../helpers/registry-faults.js';

const DEPLOY = { group: 'apps', version: 'v1', kind: 'Deployment' };
const silent = { info() {}, warn() {} };

function deployment(name: string, spec: unknown): WorkloadRecord {
  const r = reduceWorkload({ metadata: { name, namespace: 'shop', uid: `uid-${name}` }, spec: { template: { spec } } }, DEPLOY);
  if (!r.ok) throw new Error(r.reason);
  return r.record;
}

/** A registry that has every image (plain HTTP, no auth). */
async function goodRegistry(t: Test): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': `sha256:${'b'.repeat(64)}`, 'content-length': '2' });
    res.end(req.method === 'HEAD' ? undefined : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function pullSecret(name: string, host: string) {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'shop' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [host]: { auth: b64('alice:pw') } } })) },
  };
}

/** The audit as serve wires it, over `records`, with `onAudited` called after each workload. */
async function scene(t: Test, hosts: readonly string[], records: readonly WorkloadRecord[], state: ClusterStore, onAudited: (r: WorkloadRecord, auditor: Auditor) => void = () => {}) {
  const config = configFromValue(
    { registries: Object.fromEntries(hosts.map((h) => [h, { insecureHttp: true }])), timeouts: { registryRequestMs: 300, defaultBudgetMs: 1000 } },
    'test',
  );
  const checker = await makeRegistryChecker(config, { extra: { cache: { maxEntries: 100, positiveTagMs: 0, positiveDigestMs: 0, negativeMs: 0 } } });
  t.teardown(() => checker.close());
  const lookup = new AuditLookup(checker, new RegistryBudget(config.audit.registryLookupsPerMinute));
  const deps = engineDeps(config, { state, registry: checker, lookup });
  const inventory = new Inventory();
  for (const r of records) inventory.upsert(r);
  const thrown: unknown[] = [];
  const auditor: Auditor = new Auditor({
    inventory,
    audit: async (record) => {
      try {
        return await auditRecord(record, deps, config.timeouts.defaultBudgetMs);
      } catch (err) {
        thrown.push(err);
        throw err;
      } finally {
        onAudited(record, auditor);
      }
    },
    serviceAccountSecrets: (ns, sa) => state.serviceAccount(ns, sa)?.imagePullSecrets ?? [],
    intervalMs: 3_600_000,
    concurrency: 1,
    spreadFraction: 0,
    onCycleStart: () => lookup.newCycle(),
    logger: silent,
  });
  t.teardown(() => auditor.stop());
  auditor.start();
  await waitFor('the first cycle', 30_000, () => (auditor.cycles >= 1 ? true : undefined));
  await auditor.settled();
  return { auditor, thrown };
}

const codesOf = (auditor: Auditor, uid: string) => auditor.results.get(uid)?.outcome?.decision.decided.map((d) => d.finding.code) ?? [];

t.test('a hung registry: the cycle finishes within its timeouts; the image is reported as not verified', async (t) => {
  const hung = await startFaultServer('hang', t);
  const good = await goodRegistry(t);
  const state = new ClusterStore({ available: true });
  const { auditor, thrown } = await scene(t, [hung.host, good], [deployment('stuck', { containers: [{ name: 'app', image: `${hung.host}/team/app:1` }] }), deployment('fine', { containers: [{ name: 'app', image: `${good}/team/app:1` }] })], state);
  t.ok(hung.connections > 0, 'the hung registry was asked');
  t.same(thrown, [], 'nothing threw');
  t.equal(auditor.cycles, 1, 'the cycle finished');
  t.same(codesOf(auditor, 'uid-stuck'), ['REGISTRY_UNREACHABLE']);
  t.match(auditor.results.get('uid-stuck')!.outcome!.decision.decided[0]!.finding.message, /^container "app" \(image "127\.0\.0\.1:\d+\/team\/app:1"\): /);
  t.same(codesOf(auditor, 'uid-fine'), [], 'the other registry\'s workload is audited');
  const report = policyReportFor('shop', auditor.results.values())!;
  t.same(
    report.results.map((r) => `${r.resources[0]!.name}:${r.result}:${r.rule}`),
    ['stuck:error:REGISTRY_UNREACHABLE', 'fine:pass:IMAGE_PULLABLE'],
    'not verified is an error result, not a failure',
  );
});

t.test('a pull Secret vanishing mid-cycle: the workloads audited after it and the ones before (re-audited) say so', async (t) => {
  const good = await goodRegistry(t);
  const state = new ClusterStore({ available: true });
  t.match(state.applyObject(pullSecret('regcred', good), 'shop'), { ok: true });
  const spec = { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: `${good}/team/app:1` }] };
  let deleted = false;
  const { auditor, thrown } = await scene(t, [good], [deployment('a', spec), deployment('b', spec), deployment('c', spec)], state, (record, auditor) => {
    if (record.name === 'a' && !deleted) {
      // The Secret watch's DELETED event, between two workloads of the cycle.
      deleted = true;
      state.deleteSecret('shop', 'regcred');
      auditor.secretChanged('shop', 'regcred');
    }
  });
  t.same(thrown, []);
  t.same(codesOf(auditor, 'uid-b'), ['PULL_SECRET_NOT_FOUND'], 'audited after the deletion');
  t.same(codesOf(auditor, 'uid-c'), ['PULL_SECRET_NOT_FOUND']);
  await waitFor('a re-audited', 10_000, () => (codesOf(auditor, 'uid-a').length > 0 ? true : undefined));
  t.same(codesOf(auditor, 'uid-a'), ['PULL_SECRET_NOT_FOUND'], 'audited before the deletion, re-audited after it');
  t.ok(CHANGE_DEBOUNCE_MS > 0);
});

t.test('a workload whose pod spec cannot be read: reported as such, the others audited', async (t) => {
  const good = await goodRegistry(t);
  const state = new ClusterStore({ available: true });
  const { auditor, thrown } = await scene(
    t,
    [good],
    [
      deployment('broken', 'not an object'),
      deployment('listless', { containers: { name: 'app' } }),
      deployment('fine', { containers: [{ name: 'app', image: `${good}/team/app:1` }] }),
    ],
    state,
  );
  t.same(thrown, []);
  t.equal(auditor.results.size, 3);
  t.same(codesOf(auditor, 'uid-broken'), ['WORKLOAD_UNREADABLE']);
  t.ok(codesOf(auditor, 'uid-listless').length > 0, 'a container list that is not a list is a finding');
  t.same(codesOf(auditor, 'uid-fine'), []);
  const report = policyReportFor('shop', auditor.results.values())!;
  const byName = Object.fromEntries(report.results.map((r) => [r.resources[0]!.name, r]));
  t.match(byName['broken'], { result: 'error', rule: 'WORKLOAD_UNREADABLE', message: /^the pod spec \(spec\.template\.spec\): no pod spec could be read/ });
  t.match(byName['fine'], { result: 'pass' });
});
