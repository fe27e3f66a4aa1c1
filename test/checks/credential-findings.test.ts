/**
 * How a missing credential is phrased when the controller may add one from objects pullguard did not
 * read (PodReading.credentialsElsewhere: Tekton's cluster defaults): a warning, whose kubectl line
 * still names the cause, why it is not certain, and the fix, within SHORT_MAX for any host.
 */
import t from 'tap';
import { credentialFinding } from '../../src/checks/credential-findings.js';
import { SHORT_MAX } from '../../src/findings/build.js';
import type { ImageUse } from '../../src/findings/types.js';
import { parseImageReference } from '../../src/reference/parse.js';
import type { CredentialProblem } from '../../src/credentials/resolve.js';

const elsewhere = { text: "Tekton's cluster defaults (…) may set the run's ServiceAccount and pull secrets, and were not read", short: "Tekton's defaults (unread)", fix: 'set them on the run' };

function authRequired(image: string): { use: ImageUse; problem: CredentialProblem; ref: ReturnType<typeof parseImageReference> } {
  const use: ImageUse = { container: 'build', slot: 'containers', noun: 'step', field: 'spec.taskSpec.steps[0].image', image, problem: null };
  const problem: CredentialProblem = {
    kind: 'auth-required',
    registry: { kind: 'private', pattern: '*.corp.example' },
    secretsFrom: 'none',
    podListsSecrets: false,
    serviceAccount: 'default',
    entryKeys: [],
    nodeProvidersConfigured: false,
  };
  return { use, problem, ref: parseImageReference(image) };
}

t.test('REGISTRY_AUTH_REQUIRED when credentials may come from elsewhere', async (t) => {
  const cases: { name: string; image: string; short: string }[] = [
    { name: 'a short host: named', image: 'r.example/b:1', short: 'no credential matches; Tekton\'s defaults (unread) may add one; add a pull secret for "r.example"' },
    { name: 'a longer host: the fix without it', image: 'registry.corp.example/team/builder:1', short: "no credential matches; Tekton's defaults (unread) may add one; add a pull secret for its host" },
    { name: 'a very long host: the same', image: 'a-very-long-registry-host-name.build.corp.example/team/builder:1', short: "no credential matches; Tekton's defaults (unread) may add one; add a pull secret for its host" },
  ];
  for (const c of cases) {
    const { use, problem, ref } = authRequired(c.image);
    if (!ref.ok) throw new Error(`${c.image} does not parse`);
    const f = credentialFinding(use, ref.ref, problem, elsewhere);
    t.equal(f.actionHint, 'warn', `${c.name}: a warning`);
    t.ok(f.short.length <= SHORT_MAX, `${c.name}: fits SHORT_MAX (${f.short.length})`);
    t.equal(f.short, c.short, `${c.name}: the kubectl line`);
    t.match(f.message, `step "build" (image "${c.image}"):`, `${c.name}: the message names the step and the image`);
    t.match(f.message, `Not certain: ${elsewhere.text}.`, `${c.name}: and says why it is not certain`);
    const certain = credentialFinding(use, ref.ref, problem);
    t.notOk(certain.actionHint, `${c.name}: without elsewhere, the policy decides (a denial by default)`);
    t.notMatch(certain.short, 'Tekton', `${c.name}: and nothing is said of Tekton`);
  }
});
