import t from 'tap';
import { ecrCredentialExpiry, ecrTokenExpiry, isEcrTokenUser } from '../../src/credentials/ecr.js';

const token = (doc: unknown): string => Buffer.from(JSON.stringify(doc)).toString('base64');

t.test('ECR token expiry', async (t) => {
  const cases: Array<{ name: string; password: string; want: number | null }> = [
    { name: 'typical token', password: token({ payload: 'x', datakey: 'y', version: '2', type: 'DATA_KEY', expiration: 1700000000 }), want: 1700000000 },
    { name: 'numeric string', password: token({ expiration: '1700000000' }), want: 1700000000 },
    { name: 'milliseconds tolerated', password: token({ expiration: 1700000000123 }), want: 1700000000 },
    { name: 'unpadded / url-safe', password: token({ expiration: 1700000001 }).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), want: 1700000001 },
    { name: 'no expiration', password: token({ payload: 'x' }), want: null },
    { name: 'expiration not a number', password: token({ expiration: 'soon' }), want: null },
    { name: 'array JSON', password: token([1, 2]), want: null },
    { name: 'not base64', password: 'hunter2!', want: null },
    { name: 'base64 of non-JSON', password: Buffer.from('not json at all').toString('base64'), want: null },
    { name: 'broken JSON', password: Buffer.from('{"expiration": 1').toString('base64'), want: null },
    { name: 'empty', password: '', want: null },
  ];
  for (const c of cases) t.equal(ecrTokenExpiry(c.password), c.want, c.name);
  t.ok(isEcrTokenUser('AWS'));
  t.notOk(isEcrTokenUser('aws'));
  t.equal(ecrCredentialExpiry('someone', token({ expiration: 1700000000 })), null, 'only the AWS user is an ECR token');
  t.equal(ecrCredentialExpiry('AWS', token({ expiration: 1700000000 })), 1700000000);
});
