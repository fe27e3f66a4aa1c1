#!/usr/bin/env node
/**
 * Benchmark of parseImageReference (src/reference) over references of varied shapes.
 *
 *   node bench/reference.bench.mjs [--ms 500]
 *
 * Imports the built module (../dist/reference/index.js; `npm run bench` builds it first). Prints one
 * line per shape with ops/s and ns/op, and exports `run()` for bench/run.mjs.
 */
import { pathToFileURL } from 'node:url';

const F64 = 'f'.repeat(64);

/** Shape name → inputs cycled through. */
export const SHAPES = {
  'familiar (nginx)': ['nginx', 'redis', 'busybox', 'alpine'],
  'familiar:tag': ['nginx:1.27', 'redis:7-alpine', 'busybox:1.36.1', 'node:20-bookworm-slim'],
  'hub org/repo:tag': ['bitnami/postgresql:16.2.0', 'grafana/grafana:10.4.1', 'library/nginx:1.27'],
  'registry/path:tag': [
    'registry.k8s.io/kube-apiserver:v1.30.0',
    'ghcr.io/org/team/app:v1.2.3',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/service:2024-05-01',
  ],
  'registry:port / IPv6': ['localhost:5000/x:dev', '[fc00::1]:5000/team/app:v1', '10.0.0.5:8443/tools/debug'],
  '@sha256 digest': [`nginx@sha256:${F64}`, `ghcr.io/org/app:v1@sha256:${F64}`, `quay.io/a/b@sha512:${'a'.repeat(128)}`],
  'invalid (diagnosed)': ['MyOrg/App', 'nginx:1.25~rc', ' nginx', 'https://ghcr.io/org/app', `nginx@sha256:${F64.slice(1)}`, 'a'.repeat(248)],
  'adversarial 100 KB': [`${'a'.repeat(100_000)}!`, `${'a-'.repeat(50_000)}/x!`, `${'a.'.repeat(50_000)}!`],
};

export async function run({ ms = 500, modulePath = '../dist/reference/index.js' } = {}) {
  const { parseImageReference } = await import(new URL(modulePath, import.meta.url).href);
  const results = [];
  for (const [shape, inputs] of Object.entries(SHAPES)) {
    for (let i = 0; i < 2000; i++) parseImageReference(inputs[i % inputs.length]); // warm up
    let ops = 0;
    let sink = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(ms) * 1_000_000n;
    for (;;) {
      for (let i = 0; i < 256; i++) {
        const r = parseImageReference(inputs[(ops + i) % inputs.length]);
        sink += r.ok ? 1 : 0;
      }
      ops += 256;
      if (process.hrtime.bigint() - start >= budget) break;
    }
    const ns = Number(process.hrtime.bigint() - start);
    results.push({ shape, ops, opsPerSec: Math.round((ops / ns) * 1e9), nsPerOp: Math.round(ns / ops), valid: sink });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--ms');
  const ms = i > 0 ? Number(process.argv[i + 1]) : 500;
  const results = await run({ ms, modulePath: process.env.PULLGUARD_REFERENCE_MODULE ?? '../dist/reference/index.js' });
  console.log('reference: parseImageReference');
  for (const r of results) {
    console.log(`  ${r.shape.padEnd(24)} ${String(r.opsPerSec.toLocaleString('en-US')).padStart(12)} ops/s  ${String(r.nsPerOp).padStart(9)} ns/op`);
  }
}
