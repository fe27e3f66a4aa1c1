/**
 * Child process for test/certs/lazy-forge.test.ts: loads the `serve` command's module graph, then
 * runs `ensureCertDir` on the directory given, and prints whether node-forge is in Node's CommonJS
 * module cache (node-forge is CommonJS, so `require.cache` sees it once loaded by any path).
 *
 *   node forge-lazy-child.ts DIR   →  {"forgeLoaded": bool, "generated": bool}
 */
import { createRequire } from 'node:module';

const dir = process.argv[2];
if (!dir) throw new Error('usage: forge-lazy-child.ts DIR');
await import('../../src/cli/serve.js');
const { ensureCertDir } = await import('../../src/certs/index.js');
const result = await ensureCertDir(dir);
const cache = createRequire(import.meta.url).cache;
const forgeLoaded = Object.keys(cache).some((k) => k.includes('/node_modules/node-forge/'));
process.stdout.write(`${JSON.stringify({ forgeLoaded, generated: result.generated })}\n`);
