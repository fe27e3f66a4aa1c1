import t from 'tap';
import { denialMessage, warningLine, warningLines, WARNING_MAX_LENGTH, WARNINGS_TOTAL_MAX, DENIAL_MESSAGE_MAX } from '../../src/admission/messages.js';
import { finding } from '../../src/findings/build.js';
import type { ImageUse } from '../../src/findings/types.js';
import type { Decided } from '../../src/verdict/policy.js';

const use = (image: string, container = 'app', slot: ImageUse['slot'] = 'containers'): ImageUse => ({
  container,
  slot,
  field: slot === 'volumes' ? 'spec.volumes[0].image.reference' : `spec.${slot}[0].image`,
  image,
  problem: null,
});
const decided = (image: string, short: string, container = 'app', slot: ImageUse['slot'] = 'containers'): Decided => ({
  action: 'warn',
  finding: finding('IMAGE_REFERENCE_INVALID', use(image, container, slot), { cause: 'bad', fix: 'fix it', short }),
});

t.test('a warning names the code, the subject and the image as written', async (t) => {
  t.equal(warningLine(decided('NGINX', 'repository name must be lowercase; use "nginx"')), 'IMAGE_REFERENCE_INVALID container "app" (image "NGINX"): repository name must be lowercase; use "nginx"');
  const long = 'registry.example.com/' + 'a'.repeat(100) + ':1';
  const clipped = warningLine(decided(long, 'tag missing'));
  t.equal(clipped, `IMAGE_REFERENCE_INVALID container "app" (image "${long.slice(0, 79)}…"): tag missing`, 'a long image is clipped, never dropped');
  t.equal(warningLine(decided('x'.repeat(300), 'y', 'c'.repeat(300))).length, WARNING_MAX_LENGTH, 'capped at 256');
  t.equal(warningLine(decided('x', 'y', 'data', 'volumes')), 'IMAGE_REFERENCE_INVALID image volume "data" (image "x"): y');
  t.equal(warningLine(decided('x', 'y', 'setup', 'initContainers')), 'IMAGE_REFERENCE_INVALID init container "setup" (image "x"): y');
  t.equal(warningLine(decided('x', 'y', 'debug', 'ephemeralContainers')), 'IMAGE_REFERENCE_INVALID ephemeral container "debug" (image "x"): y');
  t.notMatch(warningLine(decided('x', 'y')), /^Warning:/);
});

t.test('warnings stay within 4096 characters in total and say how many were left out', async (t) => {
  const many = Array.from({ length: 100 }, (_, i) => decided(`img${i}`, 'z'.repeat(80)));
  const lines = warningLines(many);
  const total = lines.reduce((n, l) => n + l.length, 0);
  t.ok(total <= WARNINGS_TOTAL_MAX, `total ${total}`);
  t.match(lines.at(-1), /^…and \d+ more pullguard warnings/);
  const shown = lines.length - 1;
  t.equal(lines.at(-1), `…and ${100 - shown} more pullguard warnings (run "pullguard check" for all)`);
  t.same(warningLines(many.slice(0, 3)).length, 3);
});

t.test('denial message lists every denial, capped', async (t) => {
  const one = denialMessage('Pod ns/p', [decided('X', 'bad')]);
  t.equal(one, 'Pod ns/p: 1 image problem would stop its pods from starting:\n[IMAGE_REFERENCE_INVALID] container "app" (image "X"): bad. Fix it.');
  const many = denialMessage('Pod ns/p', Array.from({ length: 500 }, (_, i) => decided(`i${i}`, 'q'.repeat(100), `c${i}`)));
  t.ok(many.length <= DENIAL_MESSAGE_MAX + 40);
  t.match(many, /\n…and \d+ more$/);
});
