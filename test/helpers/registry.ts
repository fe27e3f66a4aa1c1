/**
 * Test harness: a REAL registry (Debian's `docker-registry`, distribution 2.8) on 127.0.0.1 with its
 * own config in a temp dir — filesystem storage, TLS from a throw-away CA, and either htpasswd (bcrypt)
 * or token auth against an in-process token issuer — plus fixture images pushed over plain HTTP
 * uploads (POST blob upload, PUT ?digest=, PUT manifest).
 *
 * Missing binaries: tests are skipped with a message, except with CI=true where they fail.
 * Debian packages: docker-registry, apache2-utils (htpasswd).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import type { Test } from 'tap';
import type { ImageReference } from '../../src/reference/types.js';
import { makeTestPki, type TestPki } from './registry-pki.js';
import { startTokenIssuer, type TokenIssuer, type TokenUser } from './registry-token.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const HTPASSWD_BINARY = '/usr/bin/htpasswd';
export const REGISTRY_PACKAGES = 'docker-registry apache2-utils';

/** The part of a tap test used here. */
export type TapLike = Pick<Test, 'pass' | 'fail' | 'teardown'>;

/** Why the real registry cannot run here, or null. */
export function registryUnavailableReason(): string | null {
  const missing = [REGISTRY_BINARY, HTPASSWD_BINARY].filter((p) => !existsSync(p));
  if (missing.length === 0) return null;
  return `${missing.join(' and ')} not installed (Debian packages: ${REGISTRY_PACKAGES})`;
}

/**
 * True when the real registry can run. Otherwise records a skip (with the reason) — or fails under CI=true, where a
 * missing registry must not pass silently.
 */
export function requireRegistry(t: TapLike): boolean {
  const reason = registryUnavailableReason();
  if (reason === null) return true;
  if (process.env.CI === 'true') t.fail(`real-registry tests cannot run under CI: ${reason}`);
  else t.pass('real-registry tests', { skip: reason });
  return false;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface PushedImage {
  readonly digest: string;
  readonly mediaType: string;
}

export interface TestRegistry {
  readonly port: number;
  /** `127.0.0.1:PORT` — the domain of references to this registry. */
  readonly host: string;
  readonly url: string;
  readonly pki: TestPki;
  readonly caPem: string;
  readonly auth: 'htpasswd' | 'token';
  /** Users: alice (pull/push everything), bob (valid, for token auth: no access to `team/*`). */
  readonly users: Readonly<Record<'alice' | 'bob', Credentials>>;
  readonly issuer: TokenIssuer | null;
  /** Fixture images by `repo:tag`. */
  readonly images: Readonly<Record<string, PushedImage>>;
  /** Tags of team/app. */
  readonly appTags: readonly string[];
  readonly pusher: Pusher;
  /** Lines the registry printed (for diagnostics). */
  readonly log: string[];
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  readonly auth: 'htpasswd' | 'token';
  /** Extra DNS names for the TLS certificate (for host-override tests). */
  readonly names?: readonly string[];
  /** Token lifetime (`expires_in`) of the issuer. */
  readonly tokenExpiresIn?: number;
  /** Push the standard fixtures (default true). */
  readonly seed?: boolean;
  /** htpasswd only: more users (ECR-style `AWS` + token password). */
  readonly extraUsers?: readonly Credentials[];
  /** token only: the `service` the registry expects in tokens (default `pullguard-test-registry`). */
  readonly tokenService?: string;
  /** token only: the realm the registry's challenges name (default: the in-process issuer's `/token`). */
  readonly tokenRealm?: string;
}

const USERS = {
  alice: { username: 'alice', password: 'alice-Secret-1' },
  bob: { username: 'bob', password: 'bob-Secret-2' },
} as const;

const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function bcryptLine(user: string, password: string): string {
  const r = spawnSync(HTPASSWD_BINARY, ['-Bbn', user, password], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Start a registry (and its token issuer), wait for readiness, push fixtures; stopped on teardown. */
export async function startRegistry(t: TapLike, opts: StartRegistryOptions): Promise<TestRegistry> {
  installExitHook();
  const names = ['127.0.0.1', 'localhost', ...(opts.names ?? [])];
  const pki = makeTestPki(names);
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-registry-'));
  let issuer: TokenIssuer | null = null;
  let child: ChildProcess | null = null;
  const log: string[] = [];

  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    if (c) children.delete(c);
    if (issuer) {
      await issuer.close();
      issuer = null;
    }
    await rm(dir, { recursive: true, force: true });
  };
  t.teardown(stop);

  try {
    await writeFile(join(dir, 'server.crt'), pki.serverCertPem);
    await writeFile(join(dir, 'server.key'), pki.serverKeyPem);
    await writeFile(join(dir, 'token.crt'), pki.tokenCertPem);
    await mkdir(join(dir, 'data'));

    const service = opts.tokenService ?? 'pullguard-test-registry';
    let auth: Record<string, unknown>;
    if (opts.auth === 'htpasswd') {
      await writeFile(join(dir, 'htpasswd'), `${[...Object.values(USERS), ...(opts.extraUsers ?? [])].map((u) => bcryptLine(u.username, u.password)).join('\n')}\n`);
      auth = { htpasswd: { realm: 'pullguard-test', path: join(dir, 'htpasswd') } };
    } else {
      const all = (_repo: string, requested: readonly string[]): readonly string[] => requested;
      const users: Record<string, TokenUser> = {
        alice: { password: USERS.alice.password, grant: all },
        bob: { password: USERS.bob.password, grant: (repo) => (repo.startsWith('team/') ? [] : ['pull']) },
      };
      issuer = await startTokenIssuer({
        issuer: 'pullguard-test-issuer',
        service,
        certPem: pki.tokenCertPem,
        keyPem: pki.tokenKeyPem,
        tlsCertPem: pki.serverCertPem,
        tlsKeyPem: pki.serverKeyPem,
        users,
        anonymous: (repo) => (repo.startsWith('public/') ? ['pull'] : []),
        ...(opts.tokenExpiresIn !== undefined ? { expiresIn: opts.tokenExpiresIn } : {}),
      });
      auth = { token: { realm: opts.tokenRealm ?? issuer.realm, service, issuer: 'pullguard-test-issuer', rootcertbundle: join(dir, 'token.crt') } };
    }

    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      // YAML is a superset of JSON: the registry reads this as its config.
      const config = {
        version: '0.1',
        log: { level: 'warn', formatter: 'text', accesslog: { disabled: true } },
        storage: {
          filesystem: { rootdirectory: join(dir, 'data') },
          delete: { enabled: true },
          maintenance: { uploadpurging: { enabled: false } },
          cache: { blobdescriptor: 'inmemory' },
        },
        http: {
          addr: `127.0.0.1:${port}`,
          secret: randomBytes(16).toString('hex'),
          tls: { certificate: join(dir, 'server.crt'), key: join(dir, 'server.key') },
          headers: { 'X-Content-Type-Options': ['nosniff'] },
        },
        auth,
        health: { storagedriver: { enabled: false } },
      };
      await writeFile(join(dir, 'config.yml'), JSON.stringify(config, null, 2));
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_') && !k.startsWith('OTEL_')));
      const c = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(c);
      child = c;
      const onData = (b: Buffer): void => {
        for (const line of b.toString('utf8').split('\n')) if (line.trim()) log.push(line);
        if (log.length > 500) log.splice(0, log.length - 500);
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      try {
        await waitReady(c, port, pki.caPem, log);
        break;
      } catch (err) {
        await stopChild(c);
        children.delete(c);
        child = null;
        if (attempt < 2 && log.some((l) => /address already in use/i.test(l))) continue;
        throw err;
      }
    }

    const host = `127.0.0.1:${port}`;
    const url = `https://${host}`;
    const currentIssuer = issuer as TokenIssuer | null;
    const authorize = async (repo: string): Promise<string> =>
      currentIssuer
        ? `Bearer ${currentIssuer.mint('alice', [{ type: 'repository', name: repo, actions: ['pull', 'push'] }])}`
        : basic(USERS.alice);
    const pusher = new Pusher(url, pki.caPem, authorize);
    const images: Record<string, PushedImage> = {};
    const appTags = ['1.2.0', '1.2.1', '1.3.0', 'latest'];
    if (opts.seed !== false) await seedFixtures(pusher, images, appTags);
    return {
      port,
      host,
      url,
      pki,
      caPem: pki.caPem,
      auth: opts.auth,
      users: USERS,
      issuer: currentIssuer,
      images,
      appTags,
      pusher,
      log,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill('SIGKILL');
  await exited;
}

async function waitReady(c: ChildProcess, port: number, caPem: string, log: string[]): Promise<void> {
  const agent = new Agent({ connect: { ca: caPem } });
  const started = Date.now();
  try {
    while (Date.now() - started < 15_000) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`docker-registry exited (${c.exitCode ?? c.signalCode}):\n${log.slice(-20).join('\n')}`);
      try {
        const res = await request(`https://127.0.0.1:${port}/v2/`, { dispatcher: agent, signal: AbortSignal.timeout(1000) });
        await res.body.dump();
        if (res.statusCode === 200 || res.statusCode === 401) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not become ready on 127.0.0.1:${port}:\n${log.slice(-20).join('\n')}`);
  } finally {
    await agent.close();
  }
}

export function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Pushing images with plain HTTP uploads

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface TestPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export class Pusher {
  readonly #agent: Agent;
  constructor(
    readonly url: string,
    caPem: string,
    readonly authorize: (repo: string) => Promise<string>,
  ) {
    this.#agent = new Agent({ connect: { ca: caPem } });
  }

  async #req(method: string, url: string, repo: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
    const res = await request(url, {
      method: method as 'GET',
      headers: { ...headers, authorization: await this.authorize(repo) },
      ...(body ? { body } : {}),
      dispatcher: this.#agent,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  async blob(repo: string, data: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256(data);
    const start = await this.#req('POST', `${this.url}/v2/${repo}/blobs/uploads/`, repo, { 'content-length': '0' });
    if (start.status !== 202) throw new Error(`blob upload start ${repo}: ${start.status} ${start.text}`);
    const location = new URL(String(start.headers.location), this.url);
    location.searchParams.set('digest', digest);
    const put = await this.#req('PUT', location.href, repo, { 'content-type': 'application/octet-stream' }, data);
    if (put.status !== 201) throw new Error(`blob upload ${repo}: ${put.status} ${put.text}`);
    return { digest, size: data.length };
  }

  async manifest(repo: string, ref: string, mediaType: string, body: Buffer): Promise<PushedImage> {
    const put = await this.#req('PUT', `${this.url}/v2/${repo}/manifests/${ref}`, repo, { 'content-type': mediaType }, body);
    if (put.status !== 201) throw new Error(`manifest ${repo}:${ref}: ${put.status} ${put.text}`);
    return { digest: sha256(body), mediaType };
  }

  /** A single-platform image (OCI or Docker v2 manifest); `seed` makes the content unique. */
  async image(repo: string, tag: string | null, o: { platform?: TestPlatform; style?: 'oci' | 'docker'; seed?: string } = {}): Promise<PushedImage & { size: number }> {
    const platform = o.platform ?? { os: 'linux', architecture: 'amd64' };
    const style = o.style ?? 'oci';
    const layer = gzipSync(Buffer.from(`layer for ${repo} ${platform.os}/${platform.architecture} ${o.seed ?? tag ?? ''}`));
    const config = Buffer.from(
      JSON.stringify({
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: { Labels: { seed: o.seed ?? tag ?? '' } },
        rootfs: { type: 'layers', diff_ids: [sha256(Buffer.from('uncompressed'))] },
      }),
    );
    const l = await this.blob(repo, layer);
    const c = await this.blob(repo, config);
    const mediaType = style === 'oci' ? MT.ociManifest : MT.dockerManifest;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: { mediaType: style === 'oci' ? MT.ociConfig : MT.dockerConfig, digest: c.digest, size: c.size },
        layers: [{ mediaType: style === 'oci' ? MT.ociLayer : MT.dockerLayer, digest: l.digest, size: l.size }],
      }),
    );
    const digest = sha256(manifest);
    const pushed = await this.manifest(repo, tag ?? digest, mediaType, manifest);
    return { ...pushed, size: manifest.length };
  }

  /** A multi-platform index (OCI index or Docker manifest list); children are pushed by digest first. */
  async index(repo: string, tag: string, platforms: readonly TestPlatform[], style: 'oci' | 'docker' = 'oci'): Promise<PushedImage> {
    const entries = [];
    for (const p of platforms) {
      const child = await this.image(repo, null, { platform: p, style, seed: `${tag}-${p.architecture}${p.variant ?? ''}` });
      entries.push({ mediaType: child.mediaType, digest: child.digest, size: child.size, platform: p });
    }
    const mediaType = style === 'oci' ? MT.ociIndex : MT.dockerList;
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }));
    return this.manifest(repo, tag, mediaType, body);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

async function seedFixtures(p: Pusher, images: Record<string, PushedImage>, appTags: readonly string[]): Promise<void> {
  for (const tag of appTags) images[`team/app:${tag}`] = await p.image('team/app', tag, { seed: tag });
  images['team/legacy:v1'] = await p.image('team/legacy', 'v1', { style: 'docker' });
  const both = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ];
  images['team/multi:1.0'] = await p.index('team/multi', '1.0', both, 'oci');
  images['team/multi-docker:1.0'] = await p.index('team/multi-docker', '1.0', both, 'docker');
  images['public/hello:1.0'] = await p.image('public/hello', '1.0');
}

// ---------------------------------------------------------------------------------------------
// ImageReference literals (the parser is someone else's; tests build references directly)

export function imageRef(domain: string, path: string, o: { tag?: string; digest?: string } = {}): ImageReference {
  const tag = o.tag ?? (o.digest ? null : 'latest');
  const name = `${domain}/${path}`;
  const raw = `${name}${o.tag ? `:${o.tag}` : ''}${o.digest ? `@${o.digest}` : ''}`;
  return {
    raw,
    domain,
    path,
    name,
    tag,
    tagDefaulted: o.tag === undefined && o.digest === undefined,
    digest: o.digest ?? null,
    familiar: raw,
  };
}
