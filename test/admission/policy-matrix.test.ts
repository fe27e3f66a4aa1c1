// Every mode and action combination on a real AdmissionReview: configured mode × namespace label ×
// per-code action, plus failurePolicy for findings that mean "could not decide", exemptions, and
// controller-created Pods.
import t from 'tap';
import { build } from '../../src/server/app.js';
import { configFromValue } from '../../src/config/load.js';
import type { Mode } from '../../src/config/schema.js';
import { loadFixture, withImage, type Review } from '../helpers/fixtures.js';

const HEADERS = { 'content-type': 'application/json' };

async function answer(config: unknown, review: Review, namespaceMode?: Mode) {
  const deps = { config: configFromValue(config, 'test') };
  const app = await build({ deps: () => deps, namespaceMode: () => namespaceMode });
  try {
    const res = await app.inject({ method: 'POST', url: '/validate', headers: HEADERS, payload: review });
    return res.json().response;
  } finally {
    await app.close();
  }
}

/** What the API server sees: denied, admitted with a warning, or admitted silently. */
function outcome(r: { allowed: boolean; warnings?: string[] }): 'deny' | 'warn' | 'allow' {
  if (!r.allowed) return 'deny';
  return r.warnings?.length ? 'warn' : 'allow';
}

const badPod = withImage(loadFixture('pod-create-good-pod.json'), 'NGINX'); // IMAGE_REFERENCE_INVALID
const noSpec = structuredClone(loadFixture('deployment-create-good-deploy.json'));
delete noSpec.request.object.spec; // WORKLOAD_UNREADABLE: undecided

t.test('configured mode × namespace label × action, on a decided finding', async (t) => {
  const modes: (Mode | undefined)[] = ['enforce', 'warn', 'off'];
  const labels: (Mode | undefined)[] = [undefined, 'enforce', 'warn', 'off'];
  const actions = [undefined, 'deny', 'warn', 'off'] as const;
  for (const mode of modes) {
    for (const label of labels) {
      for (const action of actions) {
        const effectiveMode = label ?? mode;
        const effectiveAction = action ?? 'deny';
        const want =
          effectiveMode === 'off' || effectiveAction === 'off'
            ? 'allow'
            : effectiveMode === 'warn' && effectiveAction === 'deny'
              ? 'warn'
              : effectiveAction;
        const config = { mode, ...(action ? { actions: { IMAGE_REFERENCE_INVALID: action } } : {}) };
        const r = await answer(config, badPod, label);
        t.equal(outcome(r), want, `mode=${mode} label=${label ?? '-'} action=${action ?? 'default'}`);
        t.equal(r.uid, badPod.request.uid);
      }
    }
  }
});

t.test('failurePolicy decides findings that mean "could not decide"', async (t) => {
  const cases = [
    { name: 'default (warn)', config: {}, want: 'warn' },
    { name: 'failurePolicy deny', config: { failurePolicy: 'deny' }, want: 'deny' },
    { name: 'deny, but warn mode', config: { failurePolicy: 'deny', mode: 'warn' }, want: 'warn' },
    { name: 'explicit action beats failurePolicy', config: { failurePolicy: 'deny', actions: { WORKLOAD_UNREADABLE: 'off' } }, want: 'allow' },
  ];
  for (const c of cases) t.equal(outcome(await answer(c.config, noSpec)), c.want, c.name);
});

t.test('exemptions', async (t) => {
  const cases = [
    { name: 'namespace exempt', config: { exemptions: { namespaces: ['webhook-demo'] } }, want: 'allow' },
    { name: 'other namespace exempt', config: { exemptions: { namespaces: ['kube-system'] } }, want: 'deny' },
    { name: 'image exempt as written', config: { exemptions: { images: ['NGINX'] } }, want: 'allow' },
    { name: 'image pattern', config: { exemptions: { images: ['NG*'] } }, want: 'allow' },
    { name: 'pattern that does not match', config: { exemptions: { images: ['nginx*'] } }, want: 'deny' },
  ];
  for (const c of cases) t.equal(outcome(await answer(c.config, badPod)), c.want, c.name);
});

t.test('controller-created Pods: definite findings still deny, warnings nobody reads are dropped', async (t) => {
  const owned = structuredClone(badPod);
  owned.request.object.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'x', controller: true }];
  t.equal(outcome(await answer({}, owned)), 'deny', 'a malformed image still fails the pod');
  const warned = await answer({ mode: 'warn' }, owned);
  t.equal(warned.allowed, true);
  t.equal(warned.warnings, undefined, 'no warning lines for a controller');
  t.same(warned.auditAnnotations, { verdict: 'warn', findings: 'IMAGE_REFERENCE_INVALID' }, 'but the audit log records it');
  const notController = structuredClone(owned);
  notController.request.object.metadata.ownerReferences[0].controller = false;
  t.equal((await answer({ mode: 'warn' }, notController)).warnings.length, 1, 'a non-controller owner changes nothing');
});
