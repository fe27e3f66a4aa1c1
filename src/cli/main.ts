#!/usr/bin/env node
/**
 * The `pullguard` command: `serve` (the admission webhook), `check` (the same engine over manifest
 * files), `audit` (the same engine over a cluster's workloads) and `certs` (certificates for a deployment). Each command has its own --help.
 */
import { readFileSync } from 'node:fs';
import { runCertsCommand } from './certs.js';
import { runAudit } from './audit.js';
import { runCheck } from './check.js';
import { runExplain } from './explain.js';
import { EXIT, processIo, type Io } from './io.js';
import { runServe } from './serve.js';

export const MAIN_HELP = `Usage: pullguard <command> [options]

Predicts image-pull failures (InvalidImageName, ErrImagePull, ImagePullBackOff) when Kubernetes
objects are applied, and says exactly what is wrong and how to fix it.

Commands:
  serve    run the validating admission webhook (HTTPS)
  check    check manifest files with the same engine, for CI and GitOps pipelines
  audit    check the workloads running in a cluster: can their images still be pulled?
  certs    write a CA, a serving certificate and the kustomize inputs for a deployment
  explain  say why pods cannot pull their images, proven with the registry, and the fix
           (also as a kubectl plugin: kubectl pullguard explain)

Run "pullguard <command> --help" for a command's options.
  -h, --help       show this help
  -v, --version    print the version
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest, io);
    case 'check':
      return runCheck(rest, io);
    case 'audit':
      return runAudit(rest, io);
    case 'certs':
      return runCertsCommand(rest, io);
    case 'explain':
      return runExplain(rest, io);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.stdout.write(MAIN_HELP);
      return command === undefined ? EXIT.USAGE : EXIT.OK;
    case '-v':
    case '--version':
      io.stdout.write(`pullguard ${version()}\n`);
      return EXIT.OK;
    default:
      io.stderr.write(`pullguard: unknown command "${command}"\n\n${MAIN_HELP}`);
      return EXIT.USAGE;
  }
}

// Run when executed as a program (not when imported by tests).
const invokedAs = process.argv[1] ?? '';
if (invokedAs.endsWith('/cli/main.js') || invokedAs.endsWith('/bin/pullguard') || invokedAs.endsWith('/pullguard')) {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      // `serve` keeps the process alive itself; every other command ends here.
      if (code !== -1) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`pullguard: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 70; // EX_SOFTWARE
    },
  );
}
