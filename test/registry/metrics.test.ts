// Counters hooks: prom-client wiring on a passed-in Registry, driven by a real check.
import t from 'tap';
import { Registry } from 'prom-client';
import { createRegistryMetrics, RegistryChecker } from '../../src/registry/index.js';
import { imageRef } from '../helpers/registry.js';
import { startFaultServer } from '../helpers/registry-faults.js';

t.test('checks, cache lookups, HTTP requests and circuit transitions are counted', async (t) => {
  const register = new Registry();
  const metrics = createRegistryMetrics(register);
  const server = await startFaultServer('refused', t);
  const c = new RegistryChecker({ registries: { [server.host]: { plainHttp: true } }, metrics, breaker: { failureThreshold: 2 } });
  t.teardown(() => c.close());
  const ref = imageRef(server.host, 'a/b', { tag: '1' });
  for (let i = 0; i < 3; i++) await c.check(ref);
  const text = await register.metrics();
  t.match(text, new RegExp(`pullguard_registry_checks_total\\{registry="${server.host.replace(/\./g, '\\.')}",outcome="unreachable",source="network"\\} 2`));
  t.match(text, /outcome="unreachable",source="circuit-open"\} 1/);
  t.match(text, /pullguard_registry_cache_lookups_total\{result="miss"\} 3/);
  t.match(text, /operation="ping",status="error"\} 2/);
  t.match(text, /pullguard_registry_circuit_transitions_total\{registry="[^"]+",state="open"\} 1/);
  t.match(text, /pullguard_registry_http_request_duration_seconds_bucket/);
});

t.test('registry label values are capped', async (t) => {
  const register = new Registry();
  const m = createRegistryMetrics(register, { maxRegistryLabels: 2 });
  for (const r of ['a', 'b', 'c', 'd']) m.tokenRequest({ registry: r, result: 'issued' });
  const text = await register.metrics();
  t.match(text, /registry="a"/);
  t.match(text, /registry="b"/);
  t.match(text, /registry="other",result="issued"\} 2/);
  t.notMatch(text, /registry="c"/);
});

t.test('per-image counters: tallied, handed over at each scrape, never lost or counted twice', async (t) => {
  const register = new Registry();
  const m = createRegistryMetrics(register, { maxRegistryLabels: 2 });
  const scrape = async () => register.metrics();
  for (let i = 0; i < 3; i++) m.checkOutcome({ registry: 'a.example', outcome: 'available', source: 'cache' });
  m.cacheLookup({ hit: true });
  m.cacheLookup({ hit: false });
  let text = await scrape();
  t.match(text, /pullguard_registry_checks_total\{registry="a\.example",outcome="available",source="cache"\} 3\n/);
  t.match(text, /pullguard_registry_cache_lookups_total\{result="hit"\} 1\n/);
  t.match(text, /pullguard_registry_cache_lookups_total\{result="miss"\} 1\n/);
  t.equal(await scrape(), text, 'a second scrape with nothing new says the same');
  for (let i = 0; i < 2; i++) m.checkOutcome({ registry: 'a.example', outcome: 'available', source: 'cache' });
  m.cacheLookup({ hit: true });
  text = await scrape();
  t.match(text, /source="cache"\} 5\n/, 'sums carry on');
  t.match(text, /result="hit"\} 2\n/);
  // Registry labels are capped: beyond the cap, hosts count under "other".
  for (const host of ['b.example', 'c.example', 'd.example']) m.checkOutcome({ registry: host, outcome: 'tag-missing', source: 'network' });
  text = await scrape();
  t.match(text, /registry="b\.example",outcome="tag-missing",source="network"\} 1\n/);
  t.match(text, /registry="other",outcome="tag-missing",source="network"\} 2\n/);
  t.notMatch(text, /c\.example|d\.example/);
});
