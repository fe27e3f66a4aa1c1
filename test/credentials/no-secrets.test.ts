/**
 * No secret value may appear in any finding, error, JSON or inspection output: secrets are built with
 * distinctive passwords / auth values and every produced string is searched for them.
 */
import t from 'tap';
import { inspect } from 'node:util';
import type { ImageUse } from '../../src/findings/types.js';
import type { ImageReference } from '../../src/reference/types.js';
import { clusterStateFromObjects } from '../../src/cluster/memory.js';
import { parseDockerConfigJSON, parseDockercfg } from '../../src/credentials/dockerconfig.js';
import { resolvePodCredentials as resolveFacts } from '../../src/credentials/resolve.js';
import { ALWAYS_PRIVATE, NODE_PROVIDER_PRESETS } from '../../src/cloud/index.js';

import { credentialFindings } from '../../src/checks/credential-findings.js';

/** The resolver's facts with the findings the credentials check phrases from them (per image and all). */
function resolvePodCredentials(...args: Parameters<typeof resolveFacts>) {
  const r = resolveFacts(...args);
  const images = r.images.map((i) => ({ ...i, findings: credentialFindings(i) }));
  return { ...r, images, findings: images.flatMap((i) => i.findings) };
}


const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const PASSWORDS = ['Hunter2-Zebra-Password', 'S3cr3t:Colon:Pass', 'KeyPassw0rd-InUserinfo', 'Node-Docker-Config-Pw'];
const USERS = ['alice-distinct-user', 'node-distinct-user'];
const ecrToken = (exp: number): string =>
  b64(JSON.stringify({ payload: 'EcrPayloadMarkerXYZ', datakey: 'EcrDataKeyMarker', version: '2', type: 'DATA_KEY', expiration: exp }));
const TOKENS = [ecrToken(NOW / 1000 - 10), ecrToken(NOW / 1000 + 600)];
const AUTHS = [b64(`${USERS[0]}:${PASSWORDS[0]}`), b64(`bob:${PASSWORDS[1]}`).replace(/=+$/, '')];
const BAD_AUTH = `${AUTHS[0]}!BadAuthMarker`;
const NOCOLON_AUTH = b64('NoColonSecretMarker');

const secrets = [
  { name: 'good', auths: { 'ghcr.io': { auth: AUTHS[0] }, 'quay.io': { auth: AUTHS[1] } } },
  { name: 'userinfo', auths: { [`https://bob:${PASSWORDS[2]}@registry.example.com/team`]: { username: 'bob', password: PASSWORDS[2] } } },
  {
    name: 'ecr',
    auths: {
      '123456789012.dkr.ecr.us-east-1.amazonaws.com': { username: 'AWS', password: TOKENS[0] },
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com': { username: 'AWS', password: TOKENS[1] },
    },
  },
  { name: 'bad-auth', auths: { 'ghcr.io': { auth: BAD_AUTH } } },
  { name: 'no-colon', auths: { 'ghcr.io': { auth: NOCOLON_AUTH } } },
  { name: 'bad-type', auths: { 'ghcr.io': { password: [PASSWORDS[0]] } } },
];
const rawData: string[] = [];
const objects: unknown[] = secrets.map((s) => {
  const data = b64(JSON.stringify({ auths: s.auths }));
  rawData.push(data);
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: 'prod' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': data } };
});
objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broken-json', namespace: 'prod' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': `{"auths":{"ghcr.io":{"password":"${PASSWORDS[0]}"` } });
objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: 'prod' }, type: 'Opaque', stringData: { password: PASSWORDS[3], '.dockerconfigjson': `{"auths":{"x":{"auth":"${AUTHS[0]}"}}}` } });
objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad-b64', namespace: 'prod' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': `${PASSWORDS[1]}` } });

const MARKERS = [...PASSWORDS, ...USERS, ...TOKENS, ...AUTHS, BAD_AUTH, NOCOLON_AUTH, 'BadAuthMarker', 'NoColonSecretMarker', 'EcrPayloadMarkerXYZ', 'EcrDataKeyMarker', ...rawData];

function ref(name: string): ImageReference {
  const i = name.indexOf('/');
  return { raw: `${name}:1`, domain: name.slice(0, i), path: name.slice(i + 1), name, tag: '1', tagDefaulted: false, digest: null, familiar: `${name}:1` };
}
const use = (c: string, image: string, i: number): ImageUse => ({ container: c, slot: 'containers', field: `spec.containers[${i}].image`, image, problem: null });

function assertClean(t: { fail: (m: string) => void; pass: (m: string) => void }, label: string, text: string): void {
  for (const m of MARKERS) {
    if (text.includes(m)) t.fail(`${label} contains secret material ${JSON.stringify(m.slice(0, 6))}…`);
  }
  t.pass(`${label} is clean`);
}

t.test('no secret value in findings, errors, JSON or inspection', async (t) => {
  const { state, problems } = clusterStateFromObjects(objects, { defaultNamespace: 'prod' });
  const node = parseDockerConfigJSON(JSON.stringify({ auths: { 'docker.io': { username: USERS[1], password: PASSWORDS[3] } } }));
  if (!node.ok) throw new Error('node config');
  const images = [
    'ghcr.io/acme/app',
    'quay.io/acme/app',
    'registry.example.com/team/app',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com/app',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app',
    'myreg.azurecr.io/app',
    'docker.io/library/nginx',
  ].map((n, i) => ({ use: use(`c${i}`, `${n}:1`, i), ref: ref(n) }));

  const runs = [
    // every secret, including the malformed ones: the keyring fails
    resolvePodCredentials({ namespace: 'prod', imagePullSecrets: [...secrets.map((s) => s.name), 'broken-json', 'opaque', 'bad-b64', 'missing'], serviceAccountName: null, isPod: true }, images, state, { nodeCredentialProviders: [], privateRegistries: [], alwaysPrivate: ALWAYS_PRIVATE, dockerConfig: node.config }, NOW),
    // only the parseable ones: credentials are resolved
    resolvePodCredentials({ namespace: 'prod', imagePullSecrets: ['good', 'userinfo', 'ecr', 'opaque'], serviceAccountName: null, isPod: false }, images, state, { nodeCredentialProviders: [...NODE_PROVIDER_PRESETS['eks']!], privateRegistries: ['ghcr.io'], alwaysPrivate: ALWAYS_PRIVATE, dockerConfig: node.config }, NOW),
  ];
  t.ok(runs[0]!.findings.some((f) => f.code === 'PULL_SECRET_MALFORMED'));
  t.ok(runs[1]!.images.some((i) => i.credentials.length > 0), 'credentials were resolved');
  t.ok(runs[1]!.findings.some((f) => f.code === 'PULL_SECRET_EXPIRED'));
  t.ok(runs[1]!.findings.some((f) => f.code === 'PULL_SECRET_EXPIRING'));
  // The values are reachable (for the registry check) but only through the getters.
  t.ok(runs[1]!.images[0]!.credentials.some((c) => c.auth.password === PASSWORDS[0]));

  runs.forEach((r, i) => {
    for (const f of r.findings) {
      assertClean(t, `run ${i} ${f.code} message`, f.message);
      assertClean(t, `run ${i} ${f.code} short`, f.short);
    }
    for (const im of r.images) if (im.keyringError) assertClean(t, `run ${i} keyringError`, im.keyringError);
    assertClean(t, `run ${i} JSON`, JSON.stringify(r));
    assertClean(t, `run ${i} inspect`, inspect(r, { depth: Infinity, showHidden: true, getters: false }));
    assertClean(t, `run ${i} template string`, `${r.images.map((im) => im.credentials.map((c) => `${c.auth} ${JSON.stringify(c)}`).join())}`);
  });
  for (const s of [...secrets.map((x) => x.name), 'broken-json', 'opaque', 'bad-b64']) {
    const stored = state.secret('prod', s);
    t.ok(stored, s);
    assertClean(t, `stored ${s} JSON`, JSON.stringify(stored));
    assertClean(t, `stored ${s} inspect`, inspect(stored, { depth: Infinity, showHidden: true }));
    if (stored && stored.pull.status === 'malformed') assertClean(t, `stored ${s} error`, stored.pull.error);
  }
  assertClean(t, 'store problems', JSON.stringify(problems));
  // Parser errors directly.
  for (const raw of [JSON.stringify({ auths: { 'ghcr.io': { auth: BAD_AUTH } } }), `{"auths":{"ghcr.io":{"auth":"${PASSWORDS[0]}`, `{"${PASSWORDS[0]}":{"auth":"${NOCOLON_AUTH}"}}`]) {
    for (const r of [parseDockerConfigJSON(raw), parseDockercfg(raw)]) {
      if (!r.ok) assertClean(t, 'parser error', r.error.replace(JSON.stringify(PASSWORDS[0]), ''));
    }
  }
});
