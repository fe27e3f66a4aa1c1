import t from 'tap';
import { Auditor, CHANGE_DEBOUNCE_MS, type AuditResult } from '../../src/audit/auditor.js';
import { Inventory, reduceWorkload, type WorkloadRecord } from '../../src/audit/inventory.js';
import { review } from '../../src/checks/engine.js';
import { defaultConfig } from '../../src/config/load.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const silent = { info() {}, warn() {} };

function pod(name: string, image: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): WorkloadRecord {
  const r = reduceWorkload({ metadata: { name, namespace: 'shop', uid: `uid-${name}`, ...meta }, spec: { containers: [{ name: 'app', image }], ...extra } }, POD);
  if (!r.ok) throw new Error(r.reason);
  return r.record;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a cycle audits representatives; changes re-audit only what they touch', async (t) => {
  const inventory = new Inventory();
  inventory.upsert(pod('a', 'ghcr.io/acme/a:1', { imagePullSecrets: [{ name: 's1' }] }));
  inventory.upsert(pod('b', 'ghcr.io/acme/b:1', { serviceAccountName: 'robot' }));
  inventory.upsert(pod('c', 'ghcr.io/acme/c:1'));
  inventory.upsert(pod('broken', 'x', {}, { name: 'broken' }));
  const audited: string[] = [];
  const removed: string[] = [];
  const results: AuditResult[] = [];
  const config = defaultConfig();
  const auditor = new Auditor({
    inventory,
    audit: async (record) => {
      audited.push(record.name);
      if (record.name === 'broken') throw new Error('engine bug');
      return review({ group: '', kind: 'Pod', namespace: record.namespace, name: record.name, object: record.object }, { config }, { deadline: Date.now() + 1000 });
    },
    serviceAccountSecrets: (_ns, sa) => (sa === 'robot' ? ['s2'] : []),
    intervalMs: 3_600_000,
    concurrency: 2,
    spreadFraction: 0,
    onResult: (r) => results.push(r),
    onRemoved: (r) => removed.push(r.record.name),
    logger: silent,
  });
  auditor.start();
  await wait(50);
  await auditor.settled();
  t.same(audited.sort(), ['a', 'b', 'broken', 'c'], 'the first cycle audits every representative');
  t.equal(auditor.results.size, 4);
  t.match(auditor.results.get('uid-broken'), { outcome: null, error: 'engine bug' }, 'a workload whose audit throws is an error result');
  t.equal(auditor.cycles, 1);

  audited.length = 0;
  auditor.secretChanged('shop', 's2');
  const same = pod('c', 'ghcr.io/acme/c:1');
  auditor.workloadChanged(inventory.upsert(same), same);
  await wait(CHANGE_DEBOUNCE_MS + 300);
  t.same(audited, ['b'], 'a Secret touches the workloads whose ServiceAccount lists it; an unchanged workload is not re-audited');

  audited.length = 0;
  auditor.secretChanged('shop', 's1');
  auditor.serviceAccountChanged('shop', 'robot');
  await wait(CHANGE_DEBOUNCE_MS + 300);
  t.same(audited.sort(), ['a', 'b'], 'a Secret named by the pod; a ServiceAccount its pods run as');

  audited.length = 0;
  const changed = pod('c', 'ghcr.io/acme/c:2');
  auditor.workloadChanged(inventory.upsert(changed), changed);
  const unchanged = pod('a', 'ghcr.io/acme/a:1', { imagePullSecrets: [{ name: 's1' }] });
  auditor.workloadChanged(inventory.upsert(unchanged), unchanged);
  await wait(CHANGE_DEBOUNCE_MS + 300);
  t.same(audited, ['c'], 'only a workload whose checked fields changed');

  auditor.workloadChanged(inventory.remove('uid-b'), null);
  await wait(CHANGE_DEBOUNCE_MS + 300);
  t.same(removed, ['b'], 'a deleted workload loses its result');
  t.notOk(auditor.results.has('uid-b'));

  auditor.stop();
  t.equal(auditor.results.size, 0, 'results go when the replica stops leading');
  t.same(removed.sort(), ['a', 'b', 'broken', 'c']);
});

t.test('reconfigure: a shorter interval brings the next cycle forward; the new concurrency applies', async (t) => {
  const inventory = new Inventory();
  for (const name of ['a', 'b', 'c', 'd']) inventory.upsert(pod(name, `ghcr.io/acme/${name}:1`));
  const config = defaultConfig();
  let inFlight = 0;
  const peaks: number[] = [];
  let peak = 0;
  const auditor = new Auditor({
    inventory,
    audit: async (record) => {
      peak = Math.max(peak, ++inFlight);
      await wait(20);
      inFlight--;
      return review({ group: '', kind: 'Pod', namespace: record.namespace, name: record.name, object: record.object }, { config }, { deadline: Date.now() + 1000 });
    },
    serviceAccountSecrets: () => [],
    intervalMs: 3_600_000,
    concurrency: 4,
    spreadFraction: 0,
    onCycleEnd: () => {
      peaks.push(peak);
      peak = 0;
    },
    logger: silent,
  });
  t.teardown(() => auditor.stop());
  auditor.start();
  await wait(30);
  await auditor.settled();
  t.equal(auditor.cycles, 1);
  t.same(peaks, [4], 'four at once');
  auditor.reconfigure({ intervalMs: 3_600_000, concurrency: 1 });
  await wait(200);
  t.equal(auditor.cycles, 1, 'the same interval: the next cycle is still an hour away');
  auditor.reconfigure({ intervalMs: 100, concurrency: 1 });
  const started = Date.now();
  for (let i = 0; i < 100 && auditor.cycles < 2; i++) await wait(20);
  await auditor.settled();
  t.ok(auditor.cycles >= 2, 'the next cycle is due one new interval after the last start: it ran');
  t.ok(Date.now() - started < 1500, 'soon, not in an hour');
  t.equal(peaks[1], 1, 'one at a time now');
  auditor.reconfigure({ intervalMs: 3_600_000, concurrency: 1 });
});
