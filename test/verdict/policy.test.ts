import t from 'tap';
import { actionFor, compileImagePatterns, decide } from '../../src/verdict/policy.js';
import type { Finding } from '../../src/findings/types.js';
import { defaultConfig } from '../../src/config/load.js';

const finding = (code: Finding['code'], extra: Partial<Finding> = {}): Finding => ({
  code, container: 'app', field: 'spec.containers[0].image', image: 'x', subject: 'container "app"', message: 'm', short: 's', ...extra,
});
const base = defaultConfig();

t.test('action resolution: configured action, failurePolicy, hint, default; capped by mode', async (t) => {
  const cases: { name: string; f: Finding; actions?: Record<string, string>; failurePolicy?: 'warn' | 'deny'; mode: 'enforce' | 'warn' | 'off'; want: string }[] = [
    { name: 'default deny', f: finding('IMAGE_REFERENCE_INVALID'), mode: 'enforce', want: 'deny' },
    { name: 'configured warn wins', f: finding('IMAGE_REFERENCE_INVALID'), actions: { IMAGE_REFERENCE_INVALID: 'warn' }, mode: 'enforce', want: 'warn' },
    { name: 'configured off', f: finding('IMAGE_REFERENCE_INVALID'), actions: { IMAGE_REFERENCE_INVALID: 'off' }, mode: 'enforce', want: 'off' },
    { name: 'warn mode caps deny', f: finding('IMAGE_REFERENCE_INVALID'), mode: 'warn', want: 'warn' },
    { name: 'warn mode caps configured deny', f: finding('WORKLOAD_UNREADABLE'), actions: { WORKLOAD_UNREADABLE: 'deny' }, mode: 'warn', want: 'warn' },
    { name: 'off mode', f: finding('IMAGE_REFERENCE_INVALID'), mode: 'off', want: 'off' },
    { name: 'undecided follows failurePolicy warn', f: finding('WORKLOAD_UNREADABLE'), mode: 'enforce', want: 'warn' },
    { name: 'undecided follows failurePolicy deny', f: finding('WORKLOAD_UNREADABLE'), failurePolicy: 'deny', mode: 'enforce', want: 'deny' },
    { name: 'hint lowers a default', f: finding('IMAGE_REFERENCE_INVALID', { actionHint: 'warn' }), mode: 'enforce', want: 'warn' },
    { name: 'configured action beats hint', f: finding('IMAGE_REFERENCE_INVALID', { actionHint: 'warn' }), actions: { IMAGE_REFERENCE_INVALID: 'deny' }, mode: 'enforce', want: 'deny' },
  ];
  for (const c of cases) {
    const policy = { actions: (c.actions ?? {}) as never, failurePolicy: c.failurePolicy ?? base.failurePolicy };
    t.equal(actionFor(c.f, policy, c.mode), c.want, c.name);
  }
});

t.test('verdict: deny beats warn beats allow; off findings vanish', async (t) => {
  t.same(decide([], base, 'enforce'), { verdict: 'allow', decided: [] });
  t.equal(decide([finding('WORKLOAD_UNREADABLE')], base, 'enforce').verdict, 'warn');
  t.equal(decide([finding('WORKLOAD_UNREADABLE'), finding('IMAGE_REFERENCE_INVALID')], base, 'enforce').verdict, 'deny');
  const off = decide([finding('IMAGE_REFERENCE_INVALID')], { ...base, actions: { IMAGE_REFERENCE_INVALID: 'off' } }, 'enforce');
  t.same(off, { verdict: 'allow', decided: [] });
});

t.test('image exemption patterns', async (t) => {
  const match = compileImagePatterns(['registry.internal.example/*', 'docker.io/library/nginx*', 'a.b']);
  const cases = [
    { candidates: ['registry.internal.example/team/app:1'], want: true },
    { candidates: ['nginx:1.25', 'docker.io/library/nginx'], want: true },
    { candidates: ['axb'], want: false, name: 'dots are literal' },
    { candidates: ['registry.internal.example'], want: false },
    { candidates: ['evil.com/registry.internal.example/x'], want: false, name: 'anchored' },
  ];
  for (const c of cases) t.equal(match(c.candidates), c.want, c.name ?? c.candidates.join(' '));
  t.equal(compileImagePatterns([])(['anything']), false);
});

t.test('a configuration\'s patterns are compiled once, not per review', async (t) => {
  const patterns = ['ghcr.io/acme/*'];
  const first = compileImagePatterns(patterns);
  t.equal(compileImagePatterns(patterns), first, 'same list: same compiled matcher');
  t.not(compileImagePatterns(['ghcr.io/acme/*']), first, 'another list (another configuration): compiled anew');
  t.equal(first(['ghcr.io/acme/app:1']), true);
});
