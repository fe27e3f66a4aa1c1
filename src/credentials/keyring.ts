/**
 * A faithful port of the kubelet credential keyring (kubernetes/kubernetes
 * pkg/credentialprovider/keyring.go, newest form with TrackedAuthConfig, and secrets/secrets.go):
 *
 * - `BasicDockerKeyring.add`: `https://` is prefixed unless the key starts with `https://` or `http://`;
 *   the result is parsed with Go `net/url` (unparsable keys are ignored; userinfo, query and fragment
 *   dropped); a path starting `/v1/` or `/v2/` loses its first three bytes; the index key is host+path
 *   (just host when the path is empty or `/`); the index is de-duplicated and reverse byte-sorted.
 * - `lookup(image)`: every index key that `urlsMatchStr(key, image)` contributes all its credentials, in
 *   index order; if none, the `index.docker.io` key serves images for which `isDefaultRegistryMatch`.
 * - `UnionDockerKeyring`: concatenation in member order; found when non-empty.
 * - `makeDockerKeyring`: pull secrets (dockerconfigjson / dockercfg with a non-empty matching data key)
 *   in order into one keyring, unioned before the default keyring; none → the default keyring itself.
 *
 * The lookup string is what the kubelet passes: the normalised repository name without tag or digest
 * (`ImageReference.name`, e.g. `docker.io/library/nginx`).
 */
import { createHash } from 'node:crypto';
import type { CredentialSourceReport } from '../findings/types.js';
import { type AuthEntry, type DockerConfig, redactConfigKey } from './dockerconfig.js';
import { fromBinary, toBinary } from './go/bytes.js';
import { goJSONBinaryString } from './go/json.js';
import { goFilepathMatchOrFalse } from './go/match.js';
import { goSplitHostPort, tryGoParseURL, type GoURL } from './go/url.js';

/** Where a credential came from, minus the config key (added per entry by `add`). */
export interface CredentialOrigin {
  readonly source: CredentialSourceReport['source'];
  /** `namespace/name` of the secret, or null. */
  readonly secret: string | null;
}

/**
 * A credential the kubelet would try (Go's TrackedAuthConfig). `provenance` is safe to print; `auth`
 * holds the values and redacts itself in JSON and inspection.
 */
export interface TrackedCredential {
  readonly provenance: CredentialSourceReport;
  /** The keyring index key the entry was filed under (host + path, Go-normalised). */
  readonly indexKey: string;
  readonly auth: AuthEntry;
}

export interface LookupResult {
  readonly credentials: readonly TrackedCredential[];
  readonly found: boolean;
}

export interface DockerKeyring {
  lookup(image: string): LookupResult;
}

const DEFAULT_REGISTRY_HOST = 'index.docker.io';

/** Go's `isDefaultRegistryMatch`. */
export function isDefaultRegistryMatch(image: string): boolean {
  const slash = image.indexOf('/');
  const first = slash < 0 ? image : image.slice(0, slash);
  if (first.length === 0) return false;
  if (slash < 0) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !first.includes('.') && !first.includes(':');
}

/** Go's `ParseSchemelessURL` on a binary string. */
function parseSchemeless(bin: string): GoURL | null {
  return tryGoParseURL('https://' + bin);
}

/** Go's `SplitURL`: host labels and port (port '' when SplitHostPort fails). */
function splitURL(u: GoURL): { parts: string[]; port: string } {
  const hp = goSplitHostPort(u.host);
  const host = hp ? hp.host : u.host;
  const port = hp ? hp.port : '';
  return { parts: host.split('.'), port };
}

/** What URLsMatch compares of one side: `ParseSchemelessURL` then `SplitURL`; null when unparsable. */
interface SplitSide {
  readonly path: string;
  readonly parts: readonly string[];
  readonly port: string;
}

/**
 * Parsed sides, memoised: the same few patterns (presets, config, keyring index keys) are matched
 * against every image of every review, and Go's URL parser is not cheap. Pure functions of the string,
 * so the answers are unchanged; bounded (cleared when full) so distinct image names cannot grow it.
 */
const MEMO_MAX = 4096;
const splitByBinary = new Map<string, SplitSide | null>();
const splitByString = new Map<string, SplitSide | null>();

function memo(map: Map<string, SplitSide | null>, key: string, make: () => SplitSide | null): SplitSide | null {
  let v = map.get(key);
  if (v !== undefined) return v;
  v = make();
  if (map.size >= MEMO_MAX) map.clear();
  map.set(key, v);
  return v;
}

function splitSideBinary(bin: string): SplitSide | null {
  return memo(splitByBinary, bin, () => {
    const u = parseSchemeless(bin);
    return u ? { path: u.path, ...splitURL(u) } : null;
  });
}

function splitSideString(s: string): SplitSide | null {
  return memo(splitByString, s, () => splitSideBinary(toBinary(s)));
}

function sidesMatch(g: SplitSide | null, t: SplitSide | null): boolean {
  if (!g || !t) return false;
  if (g.port !== t.port) return false;
  if (g.parts.length !== t.parts.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  for (let k = 0; k < g.parts.length; k++) {
    if (!goFilepathMatchOrFalse(g.parts[k]!, t.parts[k]!)) return false;
  }
  return true;
}

function urlsMatchBinary(glob: string, target: string): boolean {
  return sidesMatch(splitSideBinary(glob), splitSideBinary(target));
}

/**
 * Go's `URLsMatchStr(glob, target)`: equal ports (as strings), equal label counts, the target path
 * starting with the glob path, and each host label matched with `filepath.Match`. Parse errors and
 * malformed patterns are "no match".
 */
export function urlsMatchStr(glob: string, target: string): boolean {
  return sidesMatch(splitSideString(glob), splitSideString(target));
}

/**
 * Whether a kubelet credential-provider `matchImages` pattern covers an image (the kubelet's
 * `isImageAllowed`, which uses the same URLsMatchStr). `image` is the normalised repository name.
 */
export function matchImagePattern(pattern: string, image: string): boolean {
  return urlsMatchStr(pattern, image);
}

/** The first pattern covering the image, or null. */
export function firstMatchingPattern(patterns: readonly string[], image: string): string | null {
  for (const p of patterns) if (matchImagePattern(p, image)) return p;
  return null;
}

/**
 * The index key `add` files a config key under, or null when Go's URL parser rejects the key (the
 * kubelet logs and ignores such entries). Exposed for tests and diagnostics.
 */
export function indexKeyFor(configKey: string): string | null {
  const k = indexKeyBinary(toBinary(configKey));
  return k === null ? null : fromBinary(k);
}

function indexKeyBinary(loc: string): string | null {
  let value = loc;
  if (!value.startsWith('https://') && !value.startsWith('http://')) value = 'https://' + value;
  const parsed = tryGoParseURL(value);
  if (!parsed) return null;
  let effectivePath = parsed.path;
  if (effectivePath.startsWith('/v2/') || effectivePath.startsWith('/v1/')) effectivePath = effectivePath.slice(3);
  return effectivePath.length > 0 && effectivePath !== '/' ? parsed.host + effectivePath : parsed.host;
}

/** Go's `BasicDockerKeyring`. */
export class BasicDockerKeyring implements DockerKeyring {
  /** Binary-string index keys, reverse byte-sorted, unique. */
  #index: string[] = [];
  #creds = new Map<string, TrackedCredential[]>();

  /** Add every entry of `cfg`, attributed to `origin`. */
  add(origin: CredentialOrigin, cfg: DockerConfig): void {
    for (const { key, entry } of cfg) {
      const ik = indexKeyBinary(toBinary(key));
      if (ik === null) continue;
      const cred: TrackedCredential = {
        provenance: { source: origin.source, secret: origin.secret, key: redactConfigKey(key) },
        indexKey: fromBinary(ik),
        auth: entry,
      };
      const list = this.#creds.get(ik);
      if (list) list.push(cred);
      else this.#creds.set(ik, [cred]);
      this.#index.push(ik);
    }
    this.#index = [...new Set(this.#index)].sort().reverse();
  }

  /** The index keys in lookup order (for diagnostics and tests). */
  get index(): readonly string[] {
    return this.#index.map(fromBinary);
  }

  lookup(image: string): LookupResult {
    const img = toBinary(image);
    const ret: TrackedCredential[] = [];
    for (const k of this.#index) {
      if (urlsMatchBinary(k, img)) ret.push(...this.#creds.get(k)!);
    }
    if (ret.length > 0) return { credentials: ret, found: true };
    if (isDefaultRegistryMatch(img)) {
      const auth = this.#creds.get(DEFAULT_REGISTRY_HOST);
      if (auth) return { credentials: [...auth], found: true };
    }
    return { credentials: [], found: false };
  }
}

/** Go's `UnionDockerKeyring` (nil members skipped). */
export class UnionDockerKeyring implements DockerKeyring {
  readonly #members: ReadonlyArray<DockerKeyring | null | undefined>;

  constructor(members: ReadonlyArray<DockerKeyring | null | undefined>) {
    this.#members = members;
  }

  lookup(image: string): LookupResult {
    const all: TrackedCredential[] = [];
    for (const m of this.#members) {
      if (!m) continue;
      all.push(...m.lookup(image).credentials);
    }
    return { credentials: all, found: all.length > 0 };
  }
}

/** A fixed keyring (Go's FakeKeyring), for tests and for callers with precomputed answers. */
export class FixedKeyring implements DockerKeyring {
  constructor(
    private readonly credentials: readonly TrackedCredential[] = [],
    private readonly found = false,
  ) {}

  lookup(): LookupResult {
    return { credentials: [...this.credentials], found: this.found };
  }
}

export const SECRET_TYPE_DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const SECRET_TYPE_DOCKERCFG = 'kubernetes.io/dockercfg';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKERCFG_KEY = '.dockercfg';

/** A pull secret as the keyring needs it: already classified (see ./pullsecret.ts). */
export interface KeyringSecret {
  readonly origin: CredentialOrigin;
  /** usable: counted; ignored: skipped silently; malformed: MakeDockerKeyring fails. */
  readonly pull:
    | { readonly status: 'usable'; readonly config: DockerConfig }
    | { readonly status: 'ignored' }
    | { readonly status: 'malformed'; readonly error: string };
}

export type MakeKeyringResult =
  | { readonly ok: true; readonly keyring: DockerKeyring | null }
  | { readonly ok: false; readonly error: string; readonly secret: string | null };

/**
 * Go's `secrets.MakeDockerKeyring`: the counted secrets in order into one BasicDockerKeyring, unioned
 * before `defaultKeyring`; no counted secret → `defaultKeyring` unchanged; a malformed counted secret →
 * error (the kubelet then fails the pull).
 */
export function makeDockerKeyring(secrets: readonly KeyringSecret[], defaultKeyring: DockerKeyring | null): MakeKeyringResult {
  const basic = new BasicDockerKeyring();
  let valid = 0;
  for (const s of secrets) {
    if (s.pull.status === 'ignored') continue;
    if (s.pull.status === 'malformed') return { ok: false, error: s.pull.error, secret: s.origin.secret };
    basic.add(s.origin, s.pull.config);
    valid++;
  }
  if (valid === 0) return { ok: true, keyring: defaultKeyring };
  return { ok: true, keyring: new UnionDockerKeyring([basic, defaultKeyring]) };
}

/**
 * Go's `hashAuthConfig` (lowercase hex SHA-256 of the AuthConfig JSON with empty fields omitted), as
 * attached to TrackedAuthConfig when KubeletEnsureSecretPulledImages is on. Derived from the secret
 * values: never print it.
 */
export function authConfigHash(auth: AuthEntry): string {
  // Go marshals the AuthConfig's byte strings: encode the bytes as Go's appendString does.
  const { username, password } = auth.binary;
  const parts: string[] = [];
  if (username !== '') parts.push(`"username":${goJSONBinaryString(username)}`);
  if (password !== '') parts.push(`"password":${goJSONBinaryString(password)}`);
  if (auth.email !== '') parts.push(`"email":${goJSONBinaryString(toBinary(auth.email))}`);
  return createHash('sha256').update(`{${parts.join(',')}}`, 'latin1').digest('hex');
}
