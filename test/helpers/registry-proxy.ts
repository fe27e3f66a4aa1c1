/**
 * A counting, switchable proxy in front of a test registry, on 127.0.0.1.
 *
 * It terminates TLS with the test certificate and forwards each request to the registry, recording
 * `METHOD path` — so tests can count manifest requests that really reached the registry. Its mode
 * can be switched: `pass` (forward), `reset` (RST every new connection), `hang` (accept and never
 * answer); switching away from `pass` drops open connections so keep-alive does not bypass it.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import type { TestRegistry } from './registry.js';

export type ProxyMode = 'pass' | 'reset' | 'hang';

export interface CountingProxy {
  readonly port: number;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly requests: Array<{ method: string; path: string }>;
  /** TCP connections accepted. */
  connections: number;
  mode: ProxyMode;
  /** Requests whose method matches and whose path matches `path`. */
  count(method: string, path: RegExp): number;
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export async function startCountingProxy(reg: TestRegistry, t: { teardown(fn: () => unknown): void }): Promise<CountingProxy> {
  const agent = new Agent({ connect: { ca: reg.caPem } });
  const sockets = new Set<Socket>();
  const requests: Array<{ method: string; path: string }> = [];
  let mode: ProxyMode = 'pass';

  const https: HttpsServer = createHttpsServer({ cert: reg.pki.serverCertPem, key: reg.pki.serverKeyPem }, (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    requests.push({ method, path });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP.has(k)) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      request(`${reg.url}${path}`, { method: method as 'GET', headers, ...(body ? { body } : {}), dispatcher: agent })
        .then(async (up) => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
          res.writeHead(up.statusCode, out);
          const data = Buffer.from(await up.body.arrayBuffer());
          res.end(method === 'HEAD' ? undefined : data);
        })
        .catch(() => {
          res.destroy();
        });
    });
  });

  const front: Server = createServer((sock) => {
    proxy.connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    if (mode === 'reset') sock.resetAndDestroy();
    else if (mode === 'hang') sock.pause();
    else https.emit('connection', sock);
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (front.address() as AddressInfo).port;

  const proxy: CountingProxy = {
    port,
    host: `127.0.0.1:${port}`,
    requests,
    connections: 0,
    get mode() {
      return mode;
    },
    set mode(m: ProxyMode) {
      mode = m;
      if (m !== 'pass') for (const s of sockets) s.destroy();
    },
    count(method, path) {
      return requests.filter((r) => r.method === method && path.test(r.path)).length;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      https.close();
      await agent.close();
    },
  };
  t.teardown(() => proxy.close());
  return proxy;
}
