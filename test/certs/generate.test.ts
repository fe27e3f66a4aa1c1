import t from 'tap';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import {
  CA_VALIDITY_DAYS,
  CLOCK_SKEW_BACKDATE_MS,
  LEAF_VALIDITY_DAYS,
  generateCertificates,
  servingSans,
} from '../../src/certs/generate.js';
import { CertificateError, certificateInfo, parseSubjectAltName } from '../../src/certs/pem.js';

const DAY = 24 * 60 * 60 * 1000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const NOW = new Date('2030-01-01T00:00:00Z');

const gen = generateCertificates({ now: NOW });
const ca = new X509Certificate(gen.caCert);
const leaf = new X509Certificate(gen.cert);

t.test('chain verifies', async (t) => {
  t.ok(ca.ca, 'CA has basicConstraints CA:TRUE');
  t.notOk(leaf.ca, 'leaf has CA:FALSE');
  t.ok(ca.verify(ca.publicKey), 'CA is self-signed');
  t.ok(leaf.verify(ca.publicKey), 'leaf is signed by the CA key');
  t.ok(leaf.checkIssued(ca), 'leaf issuer matches CA subject');
  t.notOk(leaf.checkIssued(leaf));
  t.equal(leaf.issuer, ca.subject);
  t.match(ca.subject, /^CN=pullguard-ca@\d+$/);
  t.equal(leaf.subject, 'CN=pullguard.pullguard.svc');
});

t.test('keys match their certificates', async (t) => {
  t.ok(leaf.checkPrivateKey(createPrivateKey(gen.key)));
  t.ok(ca.checkPrivateKey(createPrivateKey(gen.caKey)));
  t.notOk(leaf.checkPrivateKey(createPrivateKey(gen.caKey)));
  t.match(gen.key, /^-----BEGIN PRIVATE KEY-----\n/);
  t.equal(leaf.publicKey.asymmetricKeyType, 'rsa');
  t.equal(leaf.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
});

t.test('default SANs are exact', async (t) => {
  t.equal(
    leaf.subjectAltName,
    'DNS:localhost, DNS:pullguard, DNS:pullguard.pullguard, DNS:pullguard.pullguard.svc, ' +
      'DNS:pullguard.pullguard.svc.cluster.local, IP Address:127.0.0.1',
  );
  t.equal(ca.subjectAltName, undefined, 'CA has no SANs');
});

t.test('extensions', async (t) => {
  t.same(leaf.keyUsage, [SERVER_AUTH], 'extKeyUsage serverAuth only');
  const fLeaf = forge.pki.certificateFromPem(gen.cert);
  const fCa = forge.pki.certificateFromPem(gen.caCert);

  const leafKu = fLeaf.getExtension('keyUsage') as Record<string, unknown>;
  t.match(leafKu, { critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: false });
  const leafBc = fLeaf.getExtension('basicConstraints') as Record<string, unknown>;
  t.match(leafBc, { critical: true, cA: false });

  const caKu = fCa.getExtension('keyUsage') as Record<string, unknown>;
  t.match(caKu, { critical: true, keyCertSign: true, cRLSign: true, digitalSignature: false });
  const caBc = fCa.getExtension('basicConstraints') as Record<string, unknown>;
  t.match(caBc, { critical: true, cA: true });

  const caSki = (fCa.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string }).subjectKeyIdentifier;
  const leafSki = (fLeaf.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string })
    .subjectKeyIdentifier;
  t.match(caSki, /^[0-9a-f]{40}$/);
  t.match(leafSki, /^[0-9a-f]{40}$/);
  t.not(leafSki, caSki);
  // authorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING, … }
  const aki = fLeaf.getExtension('authorityKeyIdentifier') as { value: string } | null;
  t.ok(aki, 'leaf has authorityKeyIdentifier');
  const seq = forge.asn1.fromDer(aki!.value);
  const keyId = (seq.value as forge.asn1.Asn1[])[0]!;
  t.equal(keyId.tagClass, forge.asn1.Class.CONTEXT_SPECIFIC);
  t.equal(keyId.type, 0);
  t.equal(forge.util.bytesToHex(keyId.value as string), caSki, 'AKI is the CA SKI');
});

t.test('serials are random, positive, minimally encoded', async (t) => {
  for (const cert of [ca, leaf]) {
    t.match(cert.serialNumber, /^[0-9A-F]{32}$/);
    const first = parseInt(cert.serialNumber.slice(0, 2), 16);
    t.ok(first < 0x80 && first >= 0x40, `first byte ${first} positive and non-zero`);
  }
  t.not(ca.serialNumber, leaf.serialNumber);
  t.not(generateCertificates({ ca: { cert: gen.caCert, key: gen.caKey } }).cert, gen.cert);
});

t.test('validity: named constants, backdated not-before', async (t) => {
  const back = new Date(NOW.getTime() - CLOCK_SKEW_BACKDATE_MS);
  t.equal(CLOCK_SKEW_BACKDATE_MS, 5 * 60 * 1000);
  t.equal(new Date(ca.validFrom).getTime(), back.getTime());
  t.equal(new Date(leaf.validFrom).getTime(), back.getTime());
  t.equal(new Date(ca.validTo).getTime(), NOW.getTime() + CA_VALIDITY_DAYS * DAY);
  t.equal(new Date(leaf.validTo).getTime(), NOW.getTime() + LEAF_VALIDITY_DAYS * DAY);
  t.equal(CA_VALIDITY_DAYS, 3650);
  t.equal(LEAF_VALIDITY_DAYS, 365);
});

t.test('re-issue from an existing CA', async (t) => {
  const again = generateCertificates({ ca: { cert: gen.caCert, key: gen.caKey }, service: 'x', namespace: 'y' });
  t.equal(again.caCert, gen.caCert);
  t.equal(again.caKey, gen.caKey);
  const x = new X509Certificate(again.cert);
  t.ok(x.checkIssued(ca));
  t.ok(x.verify(ca.publicKey));
  t.equal(x.subject, 'CN=x.y.svc');

  // Never outlives the CA.
  const late = new Date(NOW.getTime() + (CA_VALIDITY_DAYS - 30) * DAY);
  const lateLeaf = new X509Certificate(
    generateCertificates({ ca: { cert: gen.caCert, key: gen.caKey }, now: late }).cert,
  );
  t.equal(lateLeaf.validTo, ca.validTo);

  const other = generateCertificates();
  t.throws(
    () => generateCertificates({ ca: { cert: gen.caCert, key: other.caKey } }),
    { name: 'CertificateError', message: /does not match/ },
  );
  t.throws(() => generateCertificates({ ca: { cert: 'nope', key: gen.caKey } }), CertificateError);
});

t.test('service, namespace and extra hosts', async (t) => {
  const g = generateCertificates({
    service: 'hook',
    namespace: 'ops',
    hosts: ['hook.example.com', '10.1.2.3', '::1', 'HOOK.example.com', 'localhost', '*.internal', ' 10.1.2.3 '],
  });
  const x = new X509Certificate(g.cert);
  t.equal(
    x.subjectAltName,
    'DNS:localhost, DNS:hook, DNS:hook.ops, DNS:hook.ops.svc, DNS:hook.ops.svc.cluster.local, ' +
      'DNS:hook.example.com, DNS:*.internal, IP Address:127.0.0.1, IP Address:10.1.2.3, IP Address:0:0:0:0:0:0:0:1',
  );
  t.ok(x.checkIP('::1'));
  t.ok(x.checkHost('hook.ops.svc'));
  t.same(servingSans({ service: 'a', namespace: 'b' }), {
    dns: ['localhost', 'a', 'a.b', 'a.b.svc', 'a.b.svc.cluster.local'],
    ips: ['127.0.0.1'],
  });

  t.throws(() => generateCertificates({ service: 'Bad_Name' }), {
    name: 'CertificateError',
    message: /service "Bad_Name" is not a valid DNS-1123 label/,
  });
  t.throws(() => servingSans({ namespace: '' }), { message: /namespace "" is not a valid/ });
  t.throws(() => servingSans({ hosts: ['not a host'] }), {
    message: 'extra host "not a host" is neither a DNS name nor an IP address',
  });
});

t.test('certificateInfo', async (t) => {
  const info = certificateInfo(gen.cert);
  t.equal(info.subject, 'CN=pullguard.pullguard.svc');
  t.equal(info.issuer, ca.subject);
  t.same(info.sans, [
    'localhost',
    'pullguard',
    'pullguard.pullguard',
    'pullguard.pullguard.svc',
    'pullguard.pullguard.svc.cluster.local',
    '127.0.0.1',
  ]);
  t.ok(info.notAfter instanceof Date);
  t.equal(info.notAfter.getTime(), NOW.getTime() + LEAF_VALIDITY_DAYS * DAY);
  t.equal(info.fingerprint, leaf.fingerprint256);
  t.match(info.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  t.same(certificateInfo(Buffer.from(gen.cert + gen.caCert)).fingerprint, info.fingerprint, 'chain: first cert');
  t.same(certificateInfo(gen.caCert).sans, []);
  t.throws(() => certificateInfo('hello'), { name: 'CertificateError', message: /not a PEM certificate/ });
  t.throws(() => certificateInfo(gen.key), { message: /contains a private key/ });
});

t.test('parseSubjectAltName handles quoted values', async (t) => {
  t.same(parseSubjectAltName('DNS:a, DNS:"b, c", IP Address:1.2.3.4, URI:"x\\"y"'), [
    { type: 'DNS', value: 'a' },
    { type: 'DNS', value: 'b, c' },
    { type: 'IP Address', value: '1.2.3.4' },
    { type: 'URI', value: 'x"y' },
  ]);
  t.same(parseSubjectAltName(undefined), []);
});
