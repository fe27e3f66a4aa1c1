/**
 * Misbehaving servers on 127.0.0.1 for the unreachable tests: accept and never answer, reset,
 * answer garbage, answer 500, answer with a header block far over the client's limit.
 * Each counts its connections and is closed on teardown (only its own sockets).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type FaultKind = 'hang' | 'reset' | 'garbage' | 'status-500' | 'huge-headers' | 'refused';

export interface FaultServer {
  readonly kind: FaultKind;
  readonly port: number;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  connections: number;
  close(): Promise<void>;
}

export async function startFaultServer(kind: FaultKind, t: { teardown(fn: () => unknown): void }): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const onConnection = (sock: Socket): void => {
    fault.connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    switch (kind) {
      case 'hang':
        sock.pause();
        return;
      case 'reset':
        sock.resetAndDestroy();
        return;
      case 'garbage':
        sock.once('data', () => {
          sock.end('SSH-2.0-OpenSSH_9.2p1\r\n\x00\x01\x02 this is not HTTP\r\n\r\n');
        });
        return;
      case 'status-500':
        sock.on('data', () => {
          const body = JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'unknown error' }] });
          sock.write(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        });
        return;
      case 'huge-headers':
        sock.once('data', () => {
          sock.write(`HTTP/1.1 200 OK\r\nX-Filler: ${'a'.repeat(256 * 1024)}\r\nContent-Length: 0\r\n\r\n`);
        });
        return;
      case 'refused':
        return;
    }
  };
  let server: Server | null = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (kind === 'refused') {
    // Keep nothing listening on the port: connections are refused.
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
  }
  const fault: FaultServer = {
    kind,
    port,
    host: `127.0.0.1:${port}`,
    connections: 0,
    async close() {
      for (const s of sockets) s.destroy();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = null;
    },
  };
  t.teardown(() => fault.close());
  return fault;
}
