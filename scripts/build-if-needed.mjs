#!/usr/bin/env node
// Build dist/ when it is missing or older than any file under src/ (used by `npm start` and
// `npm run bench`, so a fresh clone needs no separate build step).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const entry = 'dist/cli/main.js';
if (!existsSync(entry) || statSync(entry).mtimeMs < newest('src')) {
  process.stderr.write('building dist/ (tsc)…\n');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
