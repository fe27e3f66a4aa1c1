/**
 * `pullguard certs`: a CA, a serving certificate for the webhook Service and the kustomize inputs
 * (TLS secret files and the caBundle patch), for an in-cluster install without cert-manager.
 */
import { parseArgs } from 'node:util';
import { CertificateError, DEFAULT_NAMESPACE, DEFAULT_SERVICE, writeDeploymentInputs } from '../certs/index.js';
import { EXIT, UsageError, type Io } from './io.js';

export const CERTS_HELP = `Usage: pullguard certs --out DIR [options]

Write a CA and a serving certificate for the webhook Service, plus the kustomize inputs:
  tls.crt, tls.key       the serving pair (secretGenerator, type kubernetes.io/tls)
  ca.crt, ca.key         the CA; running again re-issues tls.* from the same CA
  caBundle-patch.yaml    patch that sets the webhook's clientConfig.caBundle

Options:
      --out DIR          directory to write (created if missing)
      --service NAME     Service name (default ${DEFAULT_SERVICE})
      --namespace NS     Service namespace (default ${DEFAULT_NAMESPACE})
      --host NAME        extra DNS name or IP address for the certificate (repeatable)
      --new-ca           generate a new CA even when DIR already has one
  -h, --help             show this help
`;

export async function runCertsCommand(argv: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        service: { type: 'string', default: DEFAULT_SERVICE },
        namespace: { type: 'string', default: DEFAULT_NAMESPACE },
        host: { type: 'string', multiple: true, default: [] },
        'new-ca': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(CERTS_HELP);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.out) throw new UsageError('--out DIR is required');
    const result = await writeDeploymentInputs(values.out, {
      service: values.service,
      namespace: values.namespace,
      hosts: values.host,
      newCa: values['new-ca'],
    });
    io.stdout.write(
      `${result.reusedCa ? 're-issued from the existing CA' : 'generated a new CA'}: ${result.caFile}\n` +
        `serving certificate: ${result.certFile} (${result.info.sans.join(', ')}; valid until ${result.info.notAfter})\n` +
        `caBundle patch: ${result.patchFile}\n`,
    );
    return EXIT.OK;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`pullguard certs: ${(err as Error).message}\nRun "pullguard certs --help" for usage.\n`);
      return EXIT.USAGE;
    }
    if (err instanceof CertificateError) {
      io.stderr.write(`pullguard certs: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
}
