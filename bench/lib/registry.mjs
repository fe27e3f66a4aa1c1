/**
 * Bench harness: a REAL registry (Debian's `docker-registry`, distribution 2.8) on 127.0.0.1 with TLS
 * from a throw-away CA and anonymous access (the bench measures pullguard, not auth), a pusher that
 * uploads images over the distribution API, and a counting TLS proxy in front of it.
 *
 * Plain ESM so `node bench/run.mjs` needs no TypeScript loader; test/helpers/registry.ts is the
 * fuller version the tests use (htpasswd and token auth).
 */
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import forge from 'node-forge';
import { Agent, request } from 'undici';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export function registryAvailable() {
  return existsSync(REGISTRY_BINARY);
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function rsa() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { pub: publicKey, priv: privateKey };
}

function cert(pubPem, cn) {
  const c = forge.pki.createCertificate();
  c.publicKey = forge.pki.publicKeyFromPem(pubPem);
  c.serialNumber = `01${randomBytes(15).toString('hex')}`;
  c.validity.notBefore = new Date(Date.now() - 3600_000);
  c.validity.notAfter = new Date(Date.now() + 2 * 86400_000);
  c.setSubject([{ name: 'commonName', value: cn }]);
  return c;
}

/** A CA and a server certificate for 127.0.0.1 and localhost. */
export function makePki() {
  const caKey = rsa();
  const ca = cert(caKey.pub, 'pullguard bench CA');
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ]);
  const caPriv = forge.pki.privateKeyFromPem(caKey.priv);
  ca.sign(caPriv, forge.md.sha256.create());
  const serverKey = rsa();
  const server = cert(serverKey.pub, '127.0.0.1');
  server.setIssuer(ca.subject.attributes);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  server.sign(caPriv, forge.md.sha256.create());
  return { caPem: forge.pki.certificateToPem(ca), certPem: forge.pki.certificateToPem(server), keyPem: serverKey.priv };
}

const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Start docker-registry in `dir`; resolves when /v2/ answers. `deletion`: manifests may be deleted (storage.delete.enabled). */
export async function startRegistry(dir, { deletion = false } = {}) {
  const pki = makePki();
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'server.crt'), pki.certPem);
  await writeFile(join(dir, 'server.key'), pki.keyPem);
  await writeFile(join(dir, 'ca.crt'), pki.caPem);
  const port = await freePort();
  const config = {
    version: '0.1',
    log: { level: 'error', formatter: 'text', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(dir, 'data') }, maintenance: { uploadpurging: { enabled: false } }, cache: { blobdescriptor: 'inmemory' }, ...(deletion ? { delete: { enabled: true } } : {}) },
    http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex'), tls: { certificate: join(dir, 'server.crt'), key: join(dir, 'server.key') } },
    health: { storagedriver: { enabled: false } },
  };
  await writeFile(join(dir, 'config.yml'), JSON.stringify(config));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_') && !k.startsWith('OTEL_')));
  const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const agent = new Agent({ connect: { ca: pki.caPem } });
  const url = `https://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log}`);
    try {
      const res = await request(`${url}/v2/`, { dispatcher: agent, signal: AbortSignal.timeout(1000) });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() - started > 15_000) throw new Error(`docker-registry did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const put = async (method, path, headers, body) => {
    const res = await request(`${url}${path}`, { method, headers, body, dispatcher: agent, signal: AbortSignal.timeout(30_000) });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  };
  const blob = async (repo, data) => {
    const digest = sha256(data);
    const start = await put('POST', `/v2/${repo}/blobs/uploads/`, { 'content-length': '0' });
    if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${start.text}`);
    const location = new URL(String(start.headers.location), url);
    location.searchParams.set('digest', digest);
    const done = await put('PUT', location.pathname + location.search, { 'content-type': 'application/octet-stream' }, data);
    if (done.status !== 201) throw new Error(`blob upload: ${done.status} ${done.text}`);
    return { digest, size: data.length };
  };
  const manifests = new Map();
  return {
    port,
    host: `127.0.0.1:${port}`,
    url,
    pki,
    caFile: join(dir, 'ca.crt'),
    /** Push a one-layer image under `tags` (the manifest is uploaded once per repository, then re-put per tag). */
    async push(repo, tags, concurrency = 16) {
      let manifest = manifests.get(repo);
      if (!manifest) {
        const layer = await blob(repo, gzipSync(Buffer.from(`layer of ${repo}`)));
        const cfg = await blob(repo, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(Buffer.from(repo))] } })));
        manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_MANIFEST,
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
          }),
        );
        manifests.set(repo, manifest);
      }
      const queue = [...tags];
      const worker = async () => {
        for (let tag = queue.shift(); tag !== undefined; tag = queue.shift()) {
          const r = await put('PUT', `/v2/${repo}/manifests/${tag}`, { 'content-type': OCI_MANIFEST }, manifest);
          if (r.status !== 201) throw new Error(`manifest ${repo}:${tag}: ${r.status} ${r.text}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    },
    /** Delete `repo:tag` by the digest it points at (as distribution requires); its tags go with it. */
    async deleteManifest(repo, tag) {
      const head = await put('HEAD', `/v2/${repo}/manifests/${tag}`, { accept: OCI_MANIFEST });
      const digest = head.headers['docker-content-digest'];
      if (head.status !== 200 || typeof digest !== 'string') throw new Error(`HEAD ${repo}:${tag}: ${head.status}`);
      const del = await put('DELETE', `/v2/${repo}/manifests/${digest}`, {});
      if (del.status !== 202) throw new Error(`DELETE ${repo}@${digest}: ${del.status} ${del.text}`);
      return digest;
    },
    async stop() {
      await agent.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/**
 * A TLS proxy (same certificate as the registry) that forwards every request to it and records
 * `METHOD path`: manifest requests are counted where they really reach the registry.
 */
export async function startCountingProxy(reg) {
  const agent = new Agent({ connect: { ca: reg.pki.caPem } });
  const requests = [];
  const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);
  const server = createHttpsServer({ cert: reg.pki.certPem, key: reg.pki.keyPem }, (req, res) => {
    const method = req.method ?? 'GET';
    requests.push({ method, path: req.url ?? '/', at: Date.now() });
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    req.resume();
    req.on('end', () => {
      request(`${reg.url}${req.url}`, { method, headers, dispatcher: agent })
        .then(async (up) => {
          const out = {};
          for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
          const data = Buffer.from(await up.body.arrayBuffer());
          res.writeHead(up.statusCode, out);
          res.end(method === 'HEAD' ? undefined : data);
        })
        .catch(() => res.destroy());
    });
  });
  let connections = 0;
  server.on('secureConnection', () => connections++);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    get connections() {
      return connections;
    },
    host: `127.0.0.1:${port}`,
    requests,
    count: (re) => requests.filter((r) => re.test(r.path)).length,
    reset: () => {
      requests.splice(0);
      connections = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await agent.close();
    },
  };
}
