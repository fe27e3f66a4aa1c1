#!/usr/bin/env node
/**
 * The ceiling: a bare Node.js HTTPS server (node:https, HTTP/1.1 keep-alive, the same certificate as
 * pullguard) that reads the whole request body and answers a fixed "allowed" AdmissionReview.
 * Everything pullguard adds on top of this — routing, JSON parsing, validation, the checks, the
 * answer, the decision log line — is what the bench compares.
 *
 *   node bench/lib/baseline.mjs PORT CERT_FILE KEY_FILE
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [port, certFile, keyFile] = process.argv.slice(2);
const ANSWER = Buffer.from(
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: '27588d7a-e444-48b7-9aad-a385cb542a30', allowed: true, auditAnnotations: { verdict: 'allow' } },
  }),
);

const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), ALPNProtocols: ['http/1.1'] }, (req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': ANSWER.length });
    res.end(ANSWER);
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
