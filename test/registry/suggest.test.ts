// "Did you mean …?" ranking for missing tags.
import t from 'tap';
import { suggestTags, tagDistance } from '../../src/registry/suggest.js';

const tags = ['1.2.0', '1.2.1', '1.3.0', '1.10.0', 'latest', 'v2.0.0', 'v2.0.0-alpine', 'stable', '2024.01.15'];

const cases: Array<{ name: string; tag: string; tags?: string[]; want: string[] }> = [
  { name: 'letter O for zero ranks the look-alike first', tag: '1.2.O', want: ['1.2.0', '1.2.1'] },
  { name: 'a dropped dot', tag: '13.0', want: ['1.3.0'] },
  { name: 'swapped characters', tag: 'lastet', want: ['latest'] },
  { name: 'missing character', tag: 'stabe', want: ['stable'] },
  { name: 'case', tag: 'Latest', want: ['latest'] },
  { name: 'version without patch', tag: '1.3', want: ['1.3.0'] },
  { name: 'prefix of more specific tags: higher first', tag: 'v2.0', want: ['v2.0.0-alpine', 'v2.0.0'] },
  { name: 'variant suffix', tag: 'v2.0.0', tags: ['v2.0.0-alpine', 'v1.0.0', 'v3'], want: ['v2.0.0-alpine', 'v1.0.0'] },
  { name: 'nothing close', tag: 'nightly', want: [] },
  { name: 'date typo', tag: '2024.01.51', want: ['2024.01.15'] },
  { name: 'empty tag list', tag: '1.0', tags: [], want: [] },
];

for (const c of cases) t.test(c.name, async (t) => t.same(suggestTags(c.tag, c.tags ?? tags), c.want));

t.test('at most three, best first, the exact tag never suggested', async (t) => {
  const many = ['1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.0.0'];
  const got = suggestTags('1.0.0', many);
  t.equal(got.length, 3);
  t.notOk(got.includes('1.0.0'));
  t.same(got, ['1.0.4', '1.0.3', '1.0.2'], 'ties: higher version first');
});

t.test('natural version order for ties', async (t) => {
  t.same(suggestTags('1.3.x', ['1.3.9', '1.3.1']), ['1.3.9', '1.3.1']);
  t.same(suggestTags('1.3', ['1.3.9', '1.3.10']), ['1.3.10', '1.3.9']);
});

t.test('tagDistance', async (t) => {
  t.equal(tagDistance('abc', 'abc'), 0);
  t.equal(tagDistance('', 'abc'), 3);
  t.equal(tagDistance('abc', ''), 3);
  t.equal(tagDistance('ab', 'ba'), 1, 'transposition is one edit');
  t.equal(tagDistance('1.2.O', '1.2.0'), 0.5, 'look-alike O/0 is half an edit');
  t.equal(tagDistance('Latest', 'latest'), 0.5, 'case is half an edit');
  t.equal(tagDistance('kitten', 'sitting'), 3);
});

t.test('large tag lists stay fast', async (t) => {
  const big = Array.from({ length: 5000 }, (_, i) => `${Math.floor(i / 100)}.${i % 100}.${i % 7}`);
  const started = Date.now();
  suggestTags('12.34.5x', big);
  t.ok(Date.now() - started < 500);
});
