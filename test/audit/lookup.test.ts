import t from 'tap';
import { AdmissionGate, AuditLookup, RATE_LIMIT_PAUSE_MS, RegistryBudget } from '../../src/audit/lookup.js';
import type { RegistryOutcome } from '../../src/registry/outcome.js';
import type { ImageReference } from '../../src/reference/types.js';

function ref(domain: string, path: string, tag: string): ImageReference {
  const name = `${domain}/${path}`;
  return { raw: `${name}:${tag}`, domain, path, name, tag, tagDefaulted: false, digest: null, familiar: `${name}:${tag}` };
}

function fakeChecker(answer: (r: ImageReference) => RegistryOutcome) {
  const asked: string[] = [];
  return {
    asked,
    cached: () => null,
    async check(r: ImageReference) {
      asked.push(r.raw);
      return answer(r);
    },
  };
}

const base = (r: ImageReference) => ({ registry: r.domain, repository: r.path, reference: r.tag ?? '', detail: '' });

t.test('one lookup per distinct image and credential set per cycle', async (t) => {
  const checker = fakeChecker((r) => ({ ...base(r), kind: 'available' }) as unknown as RegistryOutcome);
  const lookup = new AuditLookup(checker, new RegistryBudget(1000));
  const a = ref('r.example', 'team/app', '1');
  const b = ref('r.example', 'team/app', '2');
  await Promise.all([lookup.check(a), lookup.check(a), lookup.check(b), lookup.check(a, { credentials: [{ username: 'u', password: 'p' }] })]);
  await lookup.check(a);
  t.equal(checker.asked.length, 3, 'a, b, and a with credentials');
  t.same(lookup.stats, { asked: 3, reused: 2 });
  lookup.newCycle();
  await lookup.check(a);
  t.equal(checker.asked.length, 4, 'a new cycle asks again');
  t.equal(lookup.cached(), null, 'the audit never answers from a cache alone');
});

t.test('the budget spaces lookups per registry, and a 429 pauses that registry', async (t) => {
  let now = 0;
  const slept: number[] = [];
  const budget = new RegistryBudget(60, () => now, async (ms) => {
    slept.push(ms);
    now += ms;
  });
  for (let i = 0; i < 60; i++) await budget.acquire('a');
  t.same(slept, [], 'a minute of lookups at once');
  await budget.acquire('a');
  t.same(slept, [1000], 'then one a second (60 a minute)');
  await budget.acquire('b');
  t.same(slept, [1000], 'another registry has its own budget');
  budget.pause('b', 5000);
  await budget.acquire('b');
  t.equal(slept.at(-1), 5000);

  const limited = fakeChecker((r) => ({ ...base(r), kind: 'rate-limited', retryAfterSeconds: null }) as unknown as RegistryOutcome);
  const b2 = new RegistryBudget(100, () => now, async (ms) => void (now += ms));
  const lookup = new AuditLookup(limited, b2);
  const x = ref('hub.example', 'x', '1');
  await lookup.check(x);
  t.equal(b2.pausedUntil('hub.example'), now + RATE_LIMIT_PAUSE_MS, 'no Retry-After: paused a minute');
  await lookup.check(x);
  t.equal(limited.asked.length, 2, 'a rate-limited answer is not kept for the cycle');
});

t.test('admission first: an audit lookup waits while admission lookups are in flight, never longer than the cap', async (t) => {
  let admissionInFlight = 1;
  const order: string[] = [];
  const checker = fakeChecker((r) => {
    order.push(`audit ${r.tag}`);
    return { ...base(r), kind: 'available' } as unknown as RegistryOutcome;
  });
  const gate = new AdmissionGate(() => admissionInFlight > 0, { pollMs: 1 });
  const lookup = new AuditLookup(checker, new RegistryBudget(1000), undefined, gate);
  const pending = lookup.check(ref('r.example', 'team/app', '1'));
  await new Promise((r) => setTimeout(r, 30));
  t.same(order, [], 'nothing asked while admission is busy');
  order.push('admission done');
  admissionInFlight = 0;
  await pending;
  t.same(order, ['admission done', 'audit 1']);
  t.equal(gate.yields, 1);
  t.ok(gate.waitedMs >= 25, `waited ${gate.waitedMs} ms`);
  // Idle admission: no wait, no yield counted.
  await lookup.check(ref('r.example', 'team/app', '2'));
  t.equal(gate.yields, 1);
  // Admission busy for ever: the audit goes after the cap (it is slowed down, never starved).
  admissionInFlight = 1;
  const capped = new AdmissionGate(() => true, { maxWaitMs: 20, pollMs: 1 });
  const started = Date.now();
  await new AuditLookup(checker, new RegistryBudget(1000), undefined, capped).check(ref('r.example', 'team/app', '3'));
  t.ok(Date.now() - started >= 20);
  t.equal(capped.yields, 1);
  t.equal(order.at(-1), 'audit 3');
});
