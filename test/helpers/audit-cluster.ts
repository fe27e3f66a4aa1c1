/**
 * A cluster scene for the audit tests: a real kube-apiserver and a real registry (htpasswd, TLS),
 * a namespace with a pull Secret for the registry, and helpers to apply objects with kubectl and to
 * delete a tag from the registry (docker-registry runs with deletion enabled: a manifest deleted by
 * digest takes its tags with it).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { runCommand, type Kube } from './kube.js';
import type { TestRegistry } from './registry.js';

export type Obj = Record<string, any>;

export async function kubectl(kube: Kube, args: readonly string[], stdin?: string): Promise<string> {
  if (stdin === undefined) {
    const r = await runCommand('kubectl', ['--kubeconfig', kube.kubeconfig, ...args], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-kubectl-'));
  const file = join(dir, 'in.yaml');
  await writeFile(file, stdin);
  const r = await runCommand('kubectl', ['--kubeconfig', kube.kubeconfig, ...args.map((a) => (a === '-' ? file : a))], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export async function apply(kube: Kube, ...objects: Obj[]): Promise<void> {
  await kubectl(kube, ['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
}

export async function uidOf(kube: Kube, namespace: string, resource: string, name: string): Promise<string> {
  return (await kubectl(kube, ['-n', namespace, 'get', resource, name, '-o', 'jsonpath={.metadata.uid}'])).trim();
}

export function deployment(name: string, image: string, podSpec: Obj = {}): Obj {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image }], ...podSpec } } },
  };
}

/** What kube-controller-manager would create for a Deployment: a ReplicaSet and its Pods, with controller ownerReferences. */
export async function ownedObjects(kube: Kube, namespace: string, d: Obj, pods = 2): Promise<void> {
  const name = d['metadata'].name as string;
  const uid = await uidOf(kube, namespace, 'deployment', name);
  const template = d['spec'].template;
  const rsName = `${name}-5d8f`;
  await apply(kube, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: rsName, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid, controller: true, blockOwnerDeletion: true }] },
    spec: { replicas: pods, selector: d['spec'].selector, template },
  });
  const rsUid = await uidOf(kube, namespace, 'replicaset', rsName);
  for (let i = 0; i < pods; i++) {
    await apply(kube, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${rsName}-${i}`, namespace, labels: template.metadata.labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rsUid, controller: true, blockOwnerDeletion: true }] },
      spec: template.spec,
    });
  }
}

export function pullSecret(name: string, namespace: string, host: string, user: { username: string; password: string }): Obj {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [host]: { auth: b64(`${user.username}:${user.password}`) } } })) },
  };
}

/** A namespace ready for Pods (ServiceAccount `default` without a token; see ../shared/tools/kube-apiserver/README.md). */
export async function namespace(kube: Kube, name: string): Promise<void> {
  await apply(kube, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await apply(kube, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name }, automountServiceAccountToken: false });
}

/** pullguard's configuration for the test registry (its CA), plus `extra`. */
export async function registryConfig(reg: TestRegistry, extra: Obj = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-audit-config-'));
  await writeFile(join(dir, 'ca.pem'), reg.caPem);
  await writeFile(join(dir, 'config.yaml'), stringify({ registries: { [reg.host]: { caFile: join(dir, 'ca.pem') } }, ...extra }));
  return join(dir, 'config.yaml');
}

/** Delete `repo:tag` from the registry (by the digest it points at, as distribution requires). */
export async function deleteTag(reg: TestRegistry, repo: string, tag: string): Promise<void> {
  const agent = new Agent({ connect: { ca: reg.caPem } });
  try {
    const auth = await reg.pusher.authorize(repo);
    const head = await request(`${reg.url}/v2/${repo}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { authorization: auth, accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
      dispatcher: agent,
    });
    await head.body.dump();
    const digest = head.headers['docker-content-digest'];
    if (head.statusCode !== 200 || typeof digest !== 'string') throw new Error(`HEAD ${repo}:${tag}: ${head.statusCode}`);
    const del = await request(`${reg.url}/v2/${repo}/manifests/${digest}`, { method: 'DELETE', headers: { authorization: auth }, dispatcher: agent });
    await del.body.dump();
    if (del.statusCode !== 202) throw new Error(`DELETE ${repo}@${digest}: ${del.statusCode}`);
  } finally {
    await agent.close();
  }
}

/** A CustomResourceDefinition that keeps every field (the real ones carry a full OpenAPI schema). */
export function crd(group: string, kind: string, plural: string, version: string): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

/** Install a CRD and wait until the API serves it (kubectl's discovery included). */
export async function installCrd(kube: Kube, definition: Obj): Promise<void> {
  await apply(kube, definition);
  await kubectl(kube, ['wait', '--for', 'condition=established', '--timeout', '60s', `crd/${definition['metadata'].name}`]);
}
