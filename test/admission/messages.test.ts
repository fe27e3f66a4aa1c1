import t from 'tap';
import { denialMessage, warningLine, warningLines, WARNING_MAX_LENGTH, WARNINGS_TOTAL_MAX, DENIAL_MESSAGE_MAX } from '../../src/admission/messages.js';
import type { Decided } from '../../src/verdict/policy.js';

const decided = (image: string, short: string, container = 'app'): Decided => ({
  action: 'warn',
  finding: { code: 'IMAGE_REFERENCE_INVALID', container, field: 'spec.containers[0].image', image, message: `container "${container}": ${short}.`, short },
});

t.test('a warning names the code, the container and, when it fits, the image', async (t) => {
  t.equal(warningLine(decided('NGINX', 'repository name must be lowercase; use "nginx"')), 'IMAGE_REFERENCE_INVALID container "app" (NGINX): repository name must be lowercase; use "nginx"');
  const long = 'registry.example.com/' + 'a'.repeat(100) + ':1';
  t.equal(warningLine(decided(long, 'tag missing')), 'IMAGE_REFERENCE_INVALID container "app": tag missing', 'image dropped past 120');
  t.equal(warningLine(decided('x', 'y'.repeat(400))).length, WARNING_MAX_LENGTH, 'capped at 256');
  t.equal(warningLine({ ...decided('x', 'y'), finding: { ...decided('x', 'y').finding, container: 'volume data' } }), 'IMAGE_REFERENCE_INVALID volume data (x): y');
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
  t.equal(one, 'Pod ns/p: 1 image problem would stop its pods from starting:\n[IMAGE_REFERENCE_INVALID] container "app": bad.');
  const many = denialMessage('Pod ns/p', Array.from({ length: 500 }, (_, i) => decided(`i${i}`, 'q'.repeat(100), `c${i}`)));
  t.ok(many.length <= DENIAL_MESSAGE_MAX + 40);
  t.match(many, /\n…and \d+ more$/);
});
