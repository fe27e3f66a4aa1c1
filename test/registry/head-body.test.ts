// A registry that wrongly sends a body after its HEAD answers (nodejs/undici#258, the reason undici
// closes connections after HEAD by default). pullguard keeps HEAD connections alive (see
// src/registry/transport.ts), so it must show that such a server can cost a lookup at worst —
// answered as a transport failure — and never turns into a wrong "missing" or "denied".
import t from 'tap';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { RegistryChecker } from '../../src/registry/index.js';
import { imageRef } from '../helpers/registry.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] });

/** Plain HTTP, minimal distribution API; every HEAD answer is followed by the body a GET would get. */
async function misbehavingRegistry(t: { teardown(fn: () => unknown): void }, bodyDelayMs: number): Promise<{ host: string; heads: () => number }> {
  let heads = 0;
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buffered = '';
    sock.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const [requestLine = ''] = buffered.slice(0, end).split('\r\n');
        buffered = buffered.slice(end + 4);
        const [method, path = ''] = requestLine.split(' ');
        const ok = path === '/v2/' || /\/manifests\//.test(path);
        const body = path === '/v2/' ? '{}' : MANIFEST;
        const head = ok
          ? `HTTP/1.1 200 OK\r\nContent-Type: ${path === '/v2/' ? 'application/json' : 'application/vnd.oci.image.manifest.v1+json'}\r\nDocker-Content-Digest: ${DIGEST}\r\nContent-Length: ${body.length}\r\n\r\n`
          : `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n`;
        if (method === 'HEAD') heads++;
        // The misbehaviour: the body goes out after a HEAD answer too — with the headers, or a little
        // later, when the client may already have sent its next request on the connection.
        const extra = ok ? body : '{}';
        if (method !== 'HEAD' || bodyDelayMs === 0) sock.write(head + extra);
        else {
          sock.write(head);
          setTimeout(() => sock.writable && sock.write(extra), bodyDelayMs);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, heads: () => heads };
}

for (const bodyDelayMs of [0, 1, 20]) {
  t.test(`a body ${bodyDelayMs === 0 ? 'with' : `${bodyDelayMs} ms after`} HEAD answers costs at worst a transport failure, never a wrong verdict`, async (t) => {
    const reg = await misbehavingRegistry(t, bodyDelayMs);
    const c = new RegistryChecker({ registries: { [reg.host]: { plainHttp: true } }, readIndexes: 'when-wanted' });
    t.teardown(() => c.close());
    const kinds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const outcome = await c.check(imageRef(reg.host, 'team/app', { tag: `v${i}` }), { deadline: Date.now() + 5_000 });
      kinds.push(outcome.kind === 'unreachable' ? `unreachable:${outcome.cause}` : outcome.kind);
    }
    t.ok(reg.heads() >= 1, 'the registry was asked');
    t.ok(kinds.includes('available'), 'lookups on a fresh connection succeed');
    const wrong = kinds.filter((k) => k !== 'available' && !k.startsWith('unreachable:'));
    t.same(wrong, [], 'every lookup is available or a transport failure');
    t.comment(`outcomes: ${kinds.join(', ')}`);
  });
}
