// The webhook over a real TLS socket, as the API server talks to it: HTTP/1.1 only (ALPN), one
// keep-alive connection reused for every review, exact JSON answers for the recorded bodies.
import t from 'tap';
import https from 'node:https';
import { generateCertificates } from '../../src/certs/index.js';
import { build } from '../../src/server/app.js';
import { defaultConfig } from '../../src/config/load.js';
import { FIXTURE_NAMES, loadFixture, withImage } from '../helpers/fixtures.js';

const pki = generateCertificates({ service: 'pullguard', namespace: 'pullguard' });

function post(agent: https.Agent, port: number, body: unknown) {
  return new Promise<{ status: number; json: any; reused: boolean; alpn: string | false | null; socket: unknown }>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate?timeout=10s',
        method: 'POST',
        agent,
        ca: pki.caCert,
        // What the API server sends (../shared/notes/admission.md).
        headers: { 'content-type': 'application/json', accept: 'application/json, */*', 'user-agent': 'kube-apiserver-admission', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        // Read the socket now: once the body ends, keep-alive hands it back to the agent.
        const socket = res.socket as import('node:tls').TLSSocket;
        const alpn = socket.alpnProtocol;
        let text = '';
        res.setEncoding('utf8').on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text), reused: req.reusedSocket, alpn, socket }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

t.test('fixtures over one keep-alive TLS connection', async (t) => {
  const deps = { config: defaultConfig() };
  const app = await build({ deps: () => deps, https: { cert: pki.cert, key: pki.key } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const port = (app.server.address() as import('node:net').AddressInfo).port;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ALPNProtocols: ['h2', 'http/1.1'] });
  t.teardown(() => agent.destroy());

  const sockets = new Set<unknown>();
  for (let round = 0; round < 3; round++) {
    for (const name of FIXTURE_NAMES) {
      const review = loadFixture(name);
      const r = await post(agent, port, review);
      t.equal(r.status, 200, name);
      t.equal(r.alpn, 'http/1.1', 'HTTP/1.1 even when the client offers h2');
      t.same(r.json, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, auditAnnotations: { verdict: 'allow' } } }, name);
      sockets.add(r.socket);
    }
  }
  const denied = await post(agent, port, withImage(loadFixture('pod-create-good-pod.json'), 'nginx:LATEST!'));
  t.equal(denied.json.response.allowed, false);
  t.equal(denied.json.response.status.code, 403);
  t.ok(denied.reused, 'the connection was reused');
  t.equal(sockets.size, 1, 'every review on the same connection');
});
