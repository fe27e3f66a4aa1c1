/**
 * How to reach the Kubernetes API server: a kubeconfig file or the Pod's in-cluster configuration,
 * read the way client-go reads them (tools/clientcmd loader.go and client_config.go, rest/config.go
 * InClusterConfig), reduced to what pullguard's client (src/cluster/client.ts) needs: the server URL,
 * the TLS settings, and the auth headers for each request.
 *
 * Why not @kubernetes/client-node's KubeConfig: importing it loads the whole generated API (~73 MB
 * RSS), against a 150 MB budget for `serve`. client-node is still used, loaded lazily, for `exec` and
 * `auth-provider` users (EKS, GKE, OIDC plugins): those are not reimplemented here.
 *
 * Every bad input is an error naming what is wrong; nothing falls back to a default silently.
 */
import { readFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/** The `source` that selects the Pod's own ServiceAccount instead of a kubeconfig file. */
export const IN_CLUSTER = 'in-cluster';
/** Where the kubelet mounts the ServiceAccount token and the cluster CA (rest/config.go InClusterConfig). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/**
 * A token file is read again at most this often (client-go transport/token_source.go,
 * NewCachedFileTokenSource: one minute). Bound ServiceAccount tokens are rotated by the kubelet
 * well before they expire, so a minute-old copy is always still valid.
 */
export const TOKEN_FILE_CACHE_MS = 60_000;

/** Same wording as client-go rest.ErrNotInCluster. */
export const NOT_IN_CLUSTER_MESSAGE =
  'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined';

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

export interface ClusterTls {
  /** PEM CA certificates that replace the system roots (as client-go's RootCAs); absent: system roots. */
  readonly ca?: string;
  /** PEM client certificate and key (both or neither). */
  readonly cert?: string;
  readonly key?: string;
  /** False only with `insecure-skip-tls-verify: true`. */
  readonly rejectUnauthorized: boolean;
  /** `tls-server-name`: the name the server certificate is checked against instead of the URL's host. */
  readonly servername?: string;
  /**
   * Present when the client certificate and key both come from files (`client-certificate` and
   * `client-key`, no `-data`): reads them again, checked like at start, so that a rotated pair is
   * picked up as client-go does (transport.go loadTLSFiles sets ReloadTLSFiles for exactly this
   * case; src/cluster/client.ts polls it). Throws KubeconfigError when they cannot be read.
   */
  readonly reloadClientCertificate?: () => Promise<{ readonly cert: string; readonly key: string }>;
}

/** Lower-case header names; a list is sent as one header line per value. */
export type AuthHeaders = Readonly<Record<string, string | readonly string[]>>;

/** How requests authenticate; for logs and tests. */
export type AuthMethod = 'client-certificate' | 'token' | 'token-file' | 'basic' | 'exec' | 'auth-provider' | 'none';

export interface ClusterConnection {
  /** `https://host:port[/prefix]` */
  readonly server: URL;
  readonly tls: ClusterTls;
  readonly auth: AuthMethod;
  /** Auth headers for one request (a token file is re-read, an exec plugin may run). */
  headers(): Promise<AuthHeaders>;
  /** The context's `namespace` (kubectl's default for -n), or the Pod's own namespace in-cluster; absent when neither says. */
  readonly namespace?: string;
}

export interface LoadOptions {
  /** Where the ServiceAccount token and ca.crt are (tests). */
  readonly serviceAccountDir?: string;
  /** Clock for the token file cache (tests). */
  readonly now?: () => number;
  /** The context to use instead of the file's current-context (kubectl --context). */
  readonly context?: string;
}

/**
 * A connection description from `source`: a kubeconfig file path, a precedence list of kubeconfig files
 * ($KUBECONFIG, merged as kubectl merges them), or 'in-cluster'. Throws KubeconfigError with a specific
 * message for every bad input.
 */
export async function loadClusterConnection(
  source: string | readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  opts: LoadOptions = {},
): Promise<ClusterConnection> {
  const now = opts.now ?? Date.now;
  if (source === IN_CLUSTER) return inCluster(env, opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, now);
  if (typeof source === 'string') return fromKubeconfig([await readKubeconfig(source, 'explicit')], now, opts.context);
  const files: LoadedKubeconfig[] = [];
  for (const file of source) {
    const loaded = await readKubeconfig(file, 'precedence');
    if (loaded) files.push(loaded);
  }
  if (files.length === 0) {
    // client-go falls back to the Pod's ServiceAccount when no file gives a configuration
    // (clientcmd client_config.go DeferredLoadingClientConfig.ClientConfig, then InClusterConfig).
    if (env['KUBERNETES_SERVICE_HOST'] && env['KUBERNETES_SERVICE_PORT']) return inCluster(env, opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, now);
    throw new KubeconfigError(`no configuration has been provided: ${source.length === 1 ? `${source[0]} does not exist` : `none of ${source.join(', ')} exists`}`);
  }
  return fromKubeconfig(files, now, opts.context);
}

/**
 * What kubectl reads without a context of its own (client-go clientcmd loader.go
 * NewDefaultClientConfigLoadingRules): --kubeconfig, one file that must exist; else every file listed in
 * $KUBECONFIG (deduplicated, empty entries dropped, missing files skipped), merged; else
 * ~/.kube/config; with none of them, the Pod's own ServiceAccount.
 */
export function kubeconfigSource(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string | readonly string[] {
  if (flag !== undefined && flag !== '') return flag;
  const list = [...new Set((env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== ''))];
  if (list.length > 0) return list;
  const home = env['HOME'] ?? homedir();
  return [join(home, '.kube', 'config')];
}

/** A source as one line for messages: the file, or the files joined as in $KUBECONFIG. */
export function describeSource(source: string | readonly string[]): string {
  return typeof source === 'string' ? source : source.join(delimiter);
}

// --- in-cluster ------------------------------------------------------------------------------------

async function inCluster(env: Readonly<Record<string, string | undefined>>, dir: string, now: () => number): Promise<ClusterConnection> {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) throw new KubeconfigError(NOT_IN_CLUSTER_MESSAGE);
  // net.JoinHostPort: an IPv6 address is bracketed.
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  let server: URL;
  try {
    server = new URL(`https://${hostPart}:${port}`);
  } catch {
    throw new KubeconfigError(`KUBERNETES_SERVICE_HOST "${host}" and KUBERNETES_SERVICE_PORT "${port}" do not make a URL`);
  }
  const tokenFile = join(dir, 'token');
  const caFile = join(dir, 'ca.crt');
  // client-go logs a missing ca.crt and falls back to the system roots; the API server's certificate
  // is almost never signed by a public CA, so that would only fail later with a vaguer TLS error.
  const ca = pemCertificate(await readText(caFile, 'the service account CA'), `the service account CA ${caFile}`);
  const token = new FileToken(tokenFile, 'the service account token', now);
  await token.get();
  const namespace = await podNamespace(env, dir);
  return {
    server,
    ...(namespace ? { namespace } : {}),
    tls: { ca, rejectUnauthorized: true },
    auth: 'token-file',
    headers: async () => ({ authorization: `Bearer ${await token.get()}` }),
  };
}

/**
 * The Pod's own namespace, kubectl's default namespace in a Pod (client-go clientcmd
 * client_config.go inClusterClientConfig.Namespace): $POD_NAMESPACE, else the ServiceAccount's
 * namespace file; absent when neither says.
 */
async function podNamespace(env: Readonly<Record<string, string | undefined>>, dir: string): Promise<string | undefined> {
  const fromEnv = env['POD_NAMESPACE'];
  if (fromEnv) return fromEnv;
  try {
    const text = (await readFile(join(dir, 'namespace'), 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

// --- kubeconfig ------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One kubeconfig file, parsed: the mapping and where it came from (relative paths resolve against it). */
interface LoadedKubeconfig {
  readonly file: string;
  readonly doc: Obj;
}

/**
 * Reads one kubeconfig. In a precedence list a missing file is skipped (null), as client-go skips it;
 * an explicit file must exist. Any other problem is an error naming the file when it is one of several.
 */
async function readKubeconfig(file: string, how: 'explicit'): Promise<LoadedKubeconfig>;
async function readKubeconfig(file: string, how: 'precedence'): Promise<LoadedKubeconfig | null>;
async function readKubeconfig(file: string, how: 'explicit' | 'precedence'): Promise<LoadedKubeconfig | null> {
  // client-go wording for a file of the list that fails: error loading config file "F": …
  const named = (message: string) => (how === 'precedence' ? `error loading config file "${file}": ${message}` : message);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && how === 'precedence') return null;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new KubeconfigError(named(`cannot read: ${why}`));
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new KubeconfigError(named(`not YAML: ${(err as Error).message.split('\n')[0]}`));
  }
  // client-go clientcmd.Load: an empty file is an empty configuration; in a list it adds nothing.
  if (doc === null || doc === undefined) {
    if (how === 'precedence') return { file, doc: {} };
    throw new KubeconfigError('not a kubeconfig: the file is empty');
  }
  if (!isObj(doc)) throw new KubeconfigError(named('not a kubeconfig: expected a mapping with clusters, users, contexts and current-context'));
  for (const list of ['clusters', 'users', 'contexts']) {
    const entries = doc[list];
    if (entries !== undefined && entries !== null && !Array.isArray(entries)) throw new KubeconfigError(named(`${list} must be a list`));
  }
  return { file, doc };
}

/**
 * The merged view of several kubeconfigs, by client-go's rules (clientcmd loader.go Load): the first file
 * to define a cluster, user or context by a name wins whole (later entries of that name are ignored,
 * even for fields the first lacks); the first file that sets current-context wins.
 */
function pick(files: readonly LoadedKubeconfig[], list: string, field: string, name: string): { readonly value: Obj; readonly file: string } | null {
  for (const { file, doc } of files) {
    const value = named(doc, list, field, name);
    if (value) return { value, file };
  }
  return null;
}

async function fromKubeconfig(files: readonly LoadedKubeconfig[], now: () => number, contextOverride?: string): Promise<ClusterConnection> {
  let fileCurrent: string | undefined;
  for (const { doc } of files) {
    fileCurrent = optString(doc, 'current-context', 'the kubeconfig');
    if (fileCurrent) break;
  }
  const currentContext = contextOverride ?? fileCurrent;
  if (!currentContext) throw new KubeconfigError('current-context is not set');
  const context = pick(files, 'contexts', 'context', currentContext)?.value;
  if (!context) {
    // Wording of client-go clientcmd client_config.go for --context.
    throw new KubeconfigError(contextOverride !== undefined ? `context was not found for specified context: ${contextOverride}` : `context "${currentContext}" (the current-context) was not found`);
  }
  const contextNamespace = optString(context, 'namespace', `context "${currentContext}"`);
  const ns = contextNamespace ? { namespace: contextNamespace } : {};
  const where = `context "${currentContext}"`;
  // Wording of client-go clientcmd validation.go validateContext.
  const clusterName = optString(context, 'cluster', where);
  if (!clusterName) throw new KubeconfigError(`cluster was not specified for context "${currentContext}"`);
  const userName = optString(context, 'user', where);
  if (!userName) throw new KubeconfigError(`user was not specified for context "${currentContext}"`);
  const clusterEntry = pick(files, 'clusters', 'cluster', clusterName);
  if (!clusterEntry) throw new KubeconfigError(`cluster "${clusterName}" was not found for context "${currentContext}"`);
  const userEntry = pick(files, 'users', 'user', userName);
  if (!userEntry) throw new KubeconfigError(`user "${userName}" was not found for context "${currentContext}"`);
  const cluster = clusterEntry.value;
  const user = userEntry.value;

  // client-go loader.go ResolveLocalPaths: relative file names are relative to the directory of the
  // kubeconfig that defined the cluster or user (its LocationOfOrigin).
  const relativeTo = (file: string) => (p: string) => (isAbsolute(p) ? p : join(dirname(file), p));
  const clusterPath = relativeTo(clusterEntry.file);
  const resolvePath = relativeTo(userEntry.file);

  // --- cluster
  const cw = `cluster "${clusterName}"`;
  const serverText = optString(cluster, 'server', cw);
  if (!serverText) throw new KubeconfigError(`no server found for cluster "${clusterName}"`);
  let server: URL;
  try {
    server = new URL(serverText);
  } catch {
    throw new KubeconfigError(`server "${serverText}" of cluster "${clusterName}" is not a URL`);
  }
  if (server.protocol !== 'https:') {
    throw new KubeconfigError(`server "${serverText}" of cluster "${clusterName}" is not https: pullguard reaches the API server over TLS only`);
  }
  if (optString(cluster, 'proxy-url', cw)) throw new KubeconfigError(`proxy-url of cluster "${clusterName}" is not supported`);
  const insecure = optBool(cluster, 'insecure-skip-tls-verify', cw);
  const servername = optString(cluster, 'tls-server-name', cw);
  const ca = await material(cluster, 'certificate-authority', cw, clusterPath, pemCertificate);
  // client-go transport.go TLSConfigFor refuses this combination.
  if (ca && insecure) {
    throw new KubeconfigError(`cluster "${clusterName}": specifying a root certificates file with the insecure flag is not allowed`);
  }

  // --- user
  const uw = `user "${userName}"`;
  const cert = await material(user, 'client-certificate', uw, resolvePath, pemCertificate);
  const key = await material(user, 'client-key', uw, resolvePath, pemPrivateKey);
  if (cert && !key) {
    throw new KubeconfigError(`client-key-data or client-key must be specified for user "${userName}" to use the clientCert authentication method`);
  }
  if (key && !cert) {
    throw new KubeconfigError(`client-certificate-data or client-certificate must be specified for user "${userName}" to use the clientCert authentication method`);
  }
  const token = optString(user, 'token', uw);
  const tokenFile = optString(user, 'tokenFile', uw);
  const username = optString(user, 'username', uw);
  const password = optString(user, 'password', uw);
  const exec = user['exec'];
  const authProvider = user['auth-provider'];
  // client-go validation.go validateAuthInfo: a token and basic auth together are ambiguous.
  const methods = [...(token || tokenFile ? ['token'] : []), ...(username || password ? ['basicAuth'] : [])];
  if (methods.length > 1) {
    throw new KubeconfigError(`more than one authentication method found for user "${userName}"; found [${methods.join(' ')}], only one is allowed`);
  }
  if (exec !== undefined && authProvider !== undefined) {
    throw new KubeconfigError(`authProvider cannot be provided in combination with an exec plugin for user "${userName}"`);
  }
  const impersonation = impersonationHeaders(user, uw);

  const certFile = fileOnly(user, 'client-certificate', uw);
  const keyFile = fileOnly(user, 'client-key', uw);
  const tls: ClusterTls = {
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    rejectUnauthorized: !insecure,
    ...(servername ? { servername } : {}),
    ...(cert && key && certFile && keyFile
      ? {
          reloadClientCertificate: async () => {
            const [c, k] = [resolvePath(certFile), resolvePath(keyFile)];
            return {
              cert: pemCertificate(await readText(c, `client-certificate ${c} for ${uw}`), `client-certificate ${c} for ${uw}`),
              key: pemPrivateKey(await readText(k, `client-key ${k} for ${uw}`), `client-key ${k} for ${uw}`),
            };
          },
        }
      : {}),
  };

  if (exec !== undefined || authProvider !== undefined) {
    const headers = await pluginHeaders(
      { currentContext, context, clusterName, cluster: resolvedPaths(cluster, ['certificate-authority'], clusterPath), userName, user: resolvedUser(user, resolvePath) },
      cert,
    );
    return {
      server,
      tls,
      ...ns,
      auth: exec !== undefined ? 'exec' : 'auth-provider',
      headers: async () => ({ ...(await headers()), ...impersonation }),
    };
  }
  if (tokenFile) {
    // client-go round_trippers.go NewBearerAuthWithRefreshRoundTripper: the file, re-read, wins; a
    // `token` given as well is used only while the file cannot be read.
    const source = new FileToken(resolvePath(tokenFile), `tokenFile of user "${userName}"`, now, token);
    await source.get();
    return { server, tls, ...ns, auth: 'token-file', headers: async () => ({ authorization: `Bearer ${await source.get()}`, ...impersonation }) };
  }
  if (token) return { server, tls, ...ns, auth: 'token', headers: async () => ({ authorization: `Bearer ${token}`, ...impersonation }) };
  if (username || password) {
    const basic = `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`;
    return { server, tls, ...ns, auth: 'basic', headers: async () => ({ authorization: basic, ...impersonation }) };
  }
  return { server, tls, ...ns, auth: cert ? 'client-certificate' : 'none', headers: async () => ({ ...impersonation }) };
}

/** The `value` of the entry of `list` named `name` (`contexts[].context` …), or null. */
function named(doc: Obj, list: string, field: string, name: string): Obj | null {
  const entries = doc[list];
  if (entries === undefined || entries === null) return null;
  if (!Array.isArray(entries)) throw new KubeconfigError(`${list} must be a list`);
  const entry: unknown = entries.find((e: unknown) => isObj(e) && e['name'] === name);
  if (!isObj(entry)) return null;
  const value = entry[field];
  if (value === undefined || value === null) return {};
  if (!isObj(value)) throw new KubeconfigError(`${list} entry "${name}": ${field} must be a mapping`);
  return value;
}

function optString(o: Obj, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeconfigError(`${key} of ${where} must be a string`);
  return v;
}

function optBool(o: Obj, key: string, where: string): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new KubeconfigError(`${key} of ${where} must be true or false`);
  return v;
}

/** `as`, `as-uid`, `as-groups` → Impersonate-* headers (client-go transport/round_trippers.go). */
function impersonationHeaders(user: Obj, where: string): AuthHeaders {
  const headers: Record<string, string | string[]> = {};
  const as = optString(user, 'as', where);
  const uid = optString(user, 'as-uid', where);
  const groups = user['as-groups'];
  if (groups !== undefined && groups !== null && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) {
    throw new KubeconfigError(`as-groups of ${where} must be a list of strings`);
  }
  if (user['as-user-extra'] !== undefined) throw new KubeconfigError(`as-user-extra of ${where} is not supported`);
  if (!as && (uid || (Array.isArray(groups) && groups.length > 0))) {
    throw new KubeconfigError(`${where}: requesting groups or a uid without impersonating a user (as)`);
  }
  if (as) headers['impersonate-user'] = as;
  if (uid) headers['impersonate-uid'] = uid;
  // One Impersonate-Group header per group.
  if (Array.isArray(groups) && groups.length > 0) headers['impersonate-group'] = groups as string[];
  return headers;
}

/**
 * `<field>-data` (base64 PEM) or the file `<field>`, checked with `check`. The data form wins when
 * both are given, as client-go's merge does (client_config.go: the `-data` field overrides the file),
 * and the file is then not read. Note that client-go's validation (validation.go validateClusterInfo,
 * validateAuthInfo) goes further and refuses a kubeconfig that names both; pullguard accepts it.
 */
async function material(
  o: Obj,
  field: string,
  where: string,
  resolvePath: (p: string) => string,
  check: (pem: string, what: string) => string,
): Promise<string | undefined> {
  const data = optString(o, `${field}-data`, where);
  if (data) {
    const compact = data.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
      throw new KubeconfigError(`${field}-data of ${where} is not base64`);
    }
    return check(Buffer.from(compact, 'base64').toString('utf8'), `${field}-data of ${where}`);
  }
  const file = optString(o, field, where);
  if (!file) return undefined;
  const path = resolvePath(file);
  return check(await readText(path, `${field} ${path} for ${where}`), `${field} ${path} for ${where}`);
}

/** The file name of `field` when the material comes from that file (no `field-data` given). */
function fileOnly(o: Obj, field: string, where: string): string | undefined {
  if (optString(o, `${field}-data`, where)) return undefined;
  return optString(o, field, where) || undefined;
}

function pemCertificate(text: string, what: string): string {
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new KubeconfigError(`${what} holds no PEM certificate`);
  return text;
}

function pemPrivateKey(text: string, what: string): string {
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) throw new KubeconfigError(`${what} holds no PEM private key`);
  return text;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new KubeconfigError(`cannot read ${what}${what.includes(path) ? '' : ` ${path}`}: ${why}`);
  }
}

/**
 * A bearer token kept in a file that is rotated underneath us (bound ServiceAccount tokens, `tokenFile`):
 * read again once it is older than TOKEN_FILE_CACHE_MS. When a re-read fails, the last token read (or
 * the kubeconfig's `token`) is kept, as client-go's cachingTokenSource does; the first read must work.
 */
class FileToken {
  private token: string | undefined;
  private readAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly path: string,
    private readonly what: string,
    private readonly now: () => number,
    private readonly fallback?: string,
  ) {}

  async get(): Promise<string> {
    if (this.token !== undefined && this.now() - this.readAt < TOKEN_FILE_CACHE_MS) return this.token;
    try {
      const text = (await readText(this.path, this.what)).trim();
      // client-go token_source.go: "read empty token from file".
      if (text === '') throw new KubeconfigError(`${this.what} ${this.path} is empty`);
      this.token = text;
      this.readAt = this.now();
    } catch (err) {
      const last = this.token ?? this.fallback;
      if (last === undefined) throw err;
      return last;
    }
    return this.token;
  }
}

/**
 * Auth headers from @kubernetes/client-node for `exec` and `auth-provider` users, loaded only here
 * (dynamic import): its KubeConfig runs the plugin (and caches its credential until the credential's
 * expirationTimestamp) inside applyToHTTPSOptions. Only headers are taken: the TLS connection is set
 * up once from the kubeconfig, so a plugin that answers with a client certificate is refused clearly.
 */
/** The chosen context, cluster and user, with every relative path already resolved (ResolveLocalPaths). */
interface PluginView {
  readonly currentContext: string;
  readonly context: Obj;
  readonly clusterName: string;
  readonly cluster: Obj;
  readonly userName: string;
  readonly user: Obj;
}

function resolvedPaths(o: Obj, fields: readonly string[], resolve: (p: string) => string): Obj {
  const copy: Obj = { ...o };
  for (const f of fields) if (typeof copy[f] === 'string' && copy[f] !== '') copy[f] = resolve(copy[f]);
  return copy;
}

/** client-go GetAuthInfoFileReferences: the files, and an exec command only when it is a path (has a separator). */
function resolvedUser(user: Obj, resolve: (p: string) => string): Obj {
  const copy = resolvedPaths(user, ['client-certificate', 'client-key', 'tokenFile'], resolve);
  const exec = copy['exec'];
  if (isObj(exec) && typeof exec['command'] === 'string' && exec['command'].includes('/')) copy['exec'] = { ...exec, command: resolve(exec['command']) };
  return copy;
}

async function pluginHeaders(view: PluginView, kubeconfigCert: string | undefined): Promise<() => Promise<AuthHeaders>> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    // One kubeconfig holding just the merged choice, so that client-node sees what client-go would.
    kc.loadFromString(
      stringifyYaml({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: view.clusterName, cluster: view.cluster }],
        users: [{ name: view.userName, user: view.user }],
        contexts: [{ name: view.currentContext, context: view.context }],
        'current-context': view.currentContext,
      }),
    );
  } catch (err) {
    throw new KubeconfigError(`@kubernetes/client-node cannot load it for the exec/auth-provider user: ${(err as Error).message.split('\n')[0]}`);
  }
  return async () => {
    const opts: RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    if (opts.cert !== undefined && String(opts.cert) !== (kubeconfigCert ?? '')) {
      throw new KubeconfigError('the exec plugin answered with a client certificate; pullguard takes only tokens from exec plugins');
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[name.toLowerCase()] = String(value);
    }
    if (typeof opts.auth === 'string') headers['authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return headers;
  };
}
