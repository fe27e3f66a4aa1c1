/**
 * Reading and validating the configuration. Parsing is pure (`parseConfig`); `loadConfigFile` is the
 * only function here that touches the file system. Errors name the file, the key path and the reason
 * of every problem, never just the first.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { isDiagnosisCode, isFindingCode } from '../findings/codes.js';
import { parsePath } from '../workload/paths.js';
import { CONFIG_SCHEMA, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const validate = ajv.compile(CONFIG_SCHEMA);

function describeAjvError(e: ErrorObject): string {
  const at = e.instancePath === '' ? '(top level)' : e.instancePath.slice(1).replaceAll('/', '.');
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}: unknown key "${String(e.params['additionalProperty'])}"`;
    case 'enum':
      return `${at}: must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'propertyNames':
      return `${at}: key "${String(e.params['propertyName'])}" is not a finding code`;
    default:
      return `${at}: ${e.message ?? 'is invalid'}`;
  }
}

/** Validate an already-parsed value, filling defaults. Throws ConfigError listing every problem. */
export function configFromValue(value: unknown, source: string): Config {
  // Validate a deep copy: ajv fills defaults in place, and the caller's value must not change.
  const copy: unknown = value === undefined || value === null ? {} : structuredClone(value);
  if (!validate(copy)) {
    // propertyNames also reports a generic error for the same key; keep the specific ones.
    const problems = (validate.errors ?? []).filter((e) => e.keyword !== 'pattern' || !e.propertyName).map(describeAjvError);
    throw new ConfigError(source, [...new Set(problems)]);
  }
  const config = copy as unknown as Config;
  const unknownCodes = Object.keys(config.actions).filter((c) => !isFindingCode(c));
  if (unknownCodes.length > 0) {
    throw new ConfigError(
      source,
      unknownCodes.map((c) =>
        isDiagnosisCode(c)
          ? `actions.${c}: a cause only pullguard explain reports (it happens on the node); actions apply to the codes of check, the webhook and the audit (see docs/findings.md)`
          : `actions.${c}: unknown finding code (see docs/findings.md)`,
      ),
    );
  }
  const carrierProblems = checkCarriers(config);
  if (carrierProblems.length > 0) throw new ConfigError(source, carrierProblems);
  return config;
}

const CARRIER_PATH_KEYS = ['podSpecs', 'containers', 'initContainers', 'images'] as const;

/** What JSON Schema cannot say about `carriers:`: path syntax, at least one path, no duplicates. */
function checkCarriers(config: Config): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  config.carriers.forEach((c, i) => {
    const key = `${c.group}/${c.kind}`;
    const before = seen.get(key);
    if (before !== undefined) problems.push(`carriers.${i}: kind ${c.kind} of group ${c.group} is already described by carriers.${before}`);
    else seen.set(key, i);
    let paths = 0;
    for (const list of CARRIER_PATH_KEYS) {
      (c[list] ?? []).forEach((p, j) => {
        paths++;
        const parsed = parsePath(p);
        if (!parsed.ok) problems.push(`carriers.${i}.${list}.${j}: ${JSON.stringify(p)} is not a field path: ${parsed.error} (write fields as spec.jobs[*].template.spec)`);
      });
    }
    if (paths === 0) problems.push(`carriers.${i}: name at least one field path under podSpecs, containers, initContainers or images`);
  });
  return problems;
}

/** Parse YAML (or JSON) configuration text. */
export function parseConfig(text: string, source: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        // The yaml library parses recursively and reports running out of stack as this document
        // error; say what it means (no key of the configuration nests more than a few levels).
        const message = e.message.split('\n')[0]!.replace(/^Maximum call stack size exceeded\b.*/, 'nested too deeply to read');
        return `line ${pos.line}, column ${pos.col}: ${message}`;
      }),
    );
  }
  return configFromValue(doc.toJS(), source);
}

/** The configuration used when no file is given: every default. */
export function defaultConfig(): Config {
  return configFromValue({}, '(defaults)');
}

export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}`]);
  }
  return parseConfig(text, path);
}
