#!/usr/bin/env node
/**
 * The ceiling, and the floor of anything that reads a review.
 *
 *   node bench/lib/baseline.mjs PORT CERT_FILE KEY_FILE [bare|parse]
 *
 * `bare` (the ceiling): a bare Node.js HTTPS server (node:https, HTTP/1.1 keep-alive, the same
 * certificate as pullguard) that reads the whole request body and answers a fixed "allowed"
 * AdmissionReview. Everything pullguard adds on top of this — routing, JSON parsing, validation, the
 * checks, the answer, the decision log line — is what the bench compares.
 *
 * `parse` (the floor): the same server, but it `JSON.parse`s the body and echoes the review's uid —
 * the least any webhook that reads the review must do. The distance from `bare` to `parse` is the
 * part of the gap no checking code can close.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [port, certFile, keyFile, mode = 'bare'] = process.argv.slice(2);
if (mode !== 'bare' && mode !== 'parse') throw new Error(`mode must be bare or parse, not ${mode}`);
const answer = (uid) => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true, auditAnnotations: { verdict: 'allow' } } });
const ANSWER = Buffer.from(answer('27588d7a-e444-48b7-9aad-a385cb542a30'));
const HEADERS = { 'content-type': 'application/json; charset=utf-8' };

const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), ALPNProtocols: ['http/1.1'] }, (req, res) => {
  // `parse` answers a GET (the bench's readiness probe) like `bare`.
  if (mode === 'bare' || req.method === 'GET') {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, { ...HEADERS, 'content-length': ANSWER.length });
      res.end(ANSWER);
    });
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let uid = '';
    try {
      uid = String(JSON.parse(Buffer.concat(chunks).toString('utf8'))?.request?.uid ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const body = Buffer.from(answer(uid));
    res.writeHead(200, { ...HEADERS, 'content-length': body.length });
    res.end(body);
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
