/**
 * Port of kubernetes/kubernetes pkg/credentialprovider/secrets/secrets_test.go (Test_MakeDockerKeyring,
 * newest form with credential tracking and AuthConfigHash), case for case.
 */
import t from 'tap';
import {
  FixedKeyring,
  authConfigHash,
  makeDockerKeyring,
  type DockerKeyring,
  type KeyringSecret,
  type TrackedCredential,
} from '../../src/credentials/keyring.js';
import { AuthEntry } from '../../src/credentials/dockerconfig.js';
import { reduceSecret } from '../../src/cluster/objects.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

interface GoSecret {
  name: string;
  namespace: string;
  type: string;
  data: Record<string, string>;
}

function keyringSecret(s: GoSecret): KeyringSecret {
  const r = reduceSecret(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: s.name, namespace: s.namespace, uid: 'uid1' },
      type: s.type,
      data: Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, b64(v)])),
    },
    'default',
  );
  if (!r.ok) throw new Error(r.reason);
  const pull = r.value.pull;
  return {
    origin: { source: 'secret', secret: `${s.namespace}/${s.name}` },
    pull:
      pull.status === 'usable'
        ? { status: 'usable', config: pull.config }
        : pull.status === 'malformed'
          ? { status: 'malformed', error: pull.error }
          : { status: 'ignored' },
  };
}

function fixed(creds: Array<{ username: string; password: string }>, ok = false): DockerKeyring {
  return new FixedKeyring(
    creds.map(
      (c): TrackedCredential => ({
        provenance: { source: 'docker-config', secret: null, key: null },
        indexKey: '',
        auth: new AuthEntry(c.username, c.password, ''),
      }),
    ),
    ok,
  );
}

const DCJ = 'kubernetes.io/dockerconfigjson';
const DCFG = 'kubernetes.io/dockercfg';

interface Expected {
  username: string;
  password: string;
  secret: string | null;
  hash: string;
}

const USER_HASH = 'a55436fc140d516560d072c5fe8700385ce9f41629abf65c1edcbcb39fac691d';

t.test('Test_MakeDockerKeyring', async (t) => {
  const testcases: Array<{
    name: string;
    image: string;
    defaultKeyring: DockerKeyring | null;
    pullSecrets: GoSecret[];
    expectedAuthConfigs: Expected[];
    found: boolean;
  }> = [
    {
      name: 'with .dockerconfigjson and auth field',
      image: 'test.registry.io',
      defaultKeyring: null,
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCJ, data: { '.dockerconfigjson': '{"auths": {"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}' } }],
      expectedAuthConfigs: [{ username: 'user', password: 'password', secret: 'ns1/s1', hash: USER_HASH }],
      found: true,
    },
    {
      name: 'with .dockerconfig and auth field',
      image: 'test.registry.io',
      defaultKeyring: null,
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCFG, data: { '.dockercfg': '{"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}' } }],
      expectedAuthConfigs: [{ username: 'user', password: 'password', secret: 'ns1/s1', hash: USER_HASH }],
      found: true,
    },
    {
      name: 'with .dockerconfigjson and username/password fields',
      image: 'test.registry.io',
      defaultKeyring: null,
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCJ, data: { '.dockerconfigjson': '{"auths": {"test.registry.io": {"username": "user", "password": "password"}}}' } }],
      expectedAuthConfigs: [{ username: 'user', password: 'password', secret: 'ns1/s1', hash: USER_HASH }],
      found: true,
    },
    {
      name: 'with .dockerconfig and username/password fields',
      image: 'test.registry.io',
      defaultKeyring: null,
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCFG, data: { '.dockercfg': '{"test.registry.io": {"username": "user", "password": "password"}}' } }],
      expectedAuthConfigs: [{ username: 'user', password: 'password', secret: 'ns1/s1', hash: USER_HASH }],
      found: true,
    },
    {
      name: 'with .dockerconfigjson but with wrong Secret Type',
      image: 'test.registry.io',
      defaultKeyring: fixed([]),
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCFG, data: { '.dockerconfigjson': '{"auths": {"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}' } }],
      expectedAuthConfigs: [],
      found: false,
    },
    {
      name: 'with .dockerconfig but with wrong Secret Type',
      image: 'test.registry.io',
      defaultKeyring: fixed([]),
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCJ, data: { '.dockercfg': '{"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}' } }],
      expectedAuthConfigs: [],
      found: false,
    },
    {
      name: 'with not matching .dockerconfigjson and default keyring',
      image: 'test.registry.io',
      defaultKeyring: fixed([{ username: 'default-user', password: 'default-password' }]),
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCJ, data: { '.dockerconfigjson': '{"auths": {"foobar.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}' } }],
      expectedAuthConfigs: [{ username: 'default-user', password: 'default-password', secret: null, hash: '' }],
      found: true,
    },
    {
      name: 'with not matching .dockerconfig and default keyring',
      image: 'test.registry.io',
      defaultKeyring: fixed([{ username: 'default-user', password: 'default-password' }]),
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCFG, data: { '.dockercfg': '{"foobar.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}' } }],
      expectedAuthConfigs: [{ username: 'default-user', password: 'default-password', secret: null, hash: '' }],
      found: true,
    },
    {
      // The default keyring is returned unchanged, so `found` is the fake's own `ok` (false).
      name: 'with no pull secrets but has default keyring',
      image: 'test.registry.io',
      defaultKeyring: fixed([{ username: 'default-user', password: 'default-password' }]),
      pullSecrets: [],
      expectedAuthConfigs: [{ username: 'default-user', password: 'default-password', secret: null, hash: '' }],
      found: false,
    },
    {
      name: 'with pull secrets and has default keyring',
      image: 'test.registry.io',
      defaultKeyring: fixed([{ username: 'default-user', password: 'default-password' }]),
      pullSecrets: [{ name: 's1', namespace: 'ns1', type: DCJ, data: { '.dockerconfigjson': '{"auths": {"test.registry.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}' } }],
      expectedAuthConfigs: [
        { username: 'user', password: 'password', secret: 'ns1/s1', hash: USER_HASH },
        { username: 'default-user', password: 'default-password', secret: null, hash: '' },
      ],
      found: true,
    },
  ];
  for (const tc of testcases) {
    const made = makeDockerKeyring(tc.pullSecrets.map(keyringSecret), tc.defaultKeyring);
    if (!made.ok) {
      t.fail(`${tc.name}: error creating secret-based docker keyring: ${made.error}`);
      continue;
    }
    const { credentials, found } = made.keyring ? made.keyring.lookup(tc.image) : { credentials: [], found: false };
    t.equal(found, tc.found, `${tc.name}: found`);
    t.same(
      credentials.map((c) => ({
        username: c.auth.username,
        password: c.auth.password,
        secret: c.provenance.secret,
        // Go attaches the hash only to tracked (secret) credentials; the fake's entries have none.
        hash: c.provenance.secret ? authConfigHash(c.auth) : '',
      })),
      tc.expectedAuthConfigs,
      `${tc.name}: auth configs`,
    );
  }
});

t.test('MakeDockerKeyring: a counted secret that does not parse is an error; uncounted ones are not', async (t) => {
  const bad = keyringSecret({ name: 'bad', namespace: 'ns', type: DCJ, data: { '.dockerconfigjson': '{"auths":{"r":{"auth":"%%%"}}}' } });
  const ignoredBadJson = keyringSecret({ name: 'opaque', namespace: 'ns', type: 'Opaque', data: { '.dockerconfigjson': 'not json' } });
  const good = keyringSecret({ name: 'good', namespace: 'ns', type: DCJ, data: { '.dockerconfigjson': '{"auths":{"r.io":{"username":"u","password":"p"}}}' } });
  const r1 = makeDockerKeyring([good, bad], null);
  t.notOk(r1.ok);
  if (!r1.ok) t.equal(r1.secret, 'ns/bad');
  const r2 = makeDockerKeyring([ignoredBadJson, good], null);
  t.ok(r2.ok);
  if (r2.ok) t.same(r2.keyring?.lookup('r.io/x').credentials.map((c) => c.provenance.secret), ['ns/good']);
  const empty = keyringSecret({ name: 'e', namespace: 'ns', type: DCJ, data: { '.dockerconfigjson': '' } });
  const r3 = makeDockerKeyring([empty], null);
  t.same(r3, { ok: true, keyring: null }, 'an empty data key does not count: the default keyring (nil) is returned');
  const nullDoc = keyringSecret({ name: 'n', namespace: 'ns', type: DCJ, data: { '.dockerconfigjson': 'null' } });
  const r4 = makeDockerKeyring([nullDoc], null);
  t.ok(r4.ok && r4.keyring !== null, 'a `null` document counts (empty config) and yields a union keyring');
});

t.test('hashAuthConfig vector (kubelet-credentials.md §7)', async (t) => {
  t.equal(authConfigHash(new AuthEntry('user', 'password', '')), USER_HASH);
});
