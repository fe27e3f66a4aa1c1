#!/usr/bin/env node
/**
 * The kubectl plugin: kubectl runs `kubectl-pullguard` from PATH for `kubectl pullguard …` and passes
 * the remaining arguments (https://kubernetes.io/docs/tasks/extend-kubectl/kubectl-plugins/). Same
 * commands as `pullguard`.
 */
import { main } from './main.js';
import { processIo } from './io.js';

main(process.argv.slice(2), processIo()).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`kubectl pullguard: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
