/**
 * `pullguard check` outputs: the formats, rendering a report in one, and writing it to a file
 * (`--output-file`), with errors a user can act on.
 */
import { readFileSync } from 'node:fs';
import { access, constants, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadFindingsDoc } from './findings-doc.js';
import { renderJunit } from './junit.js';
import { renderText, type FailOn, type Report } from './report.js';
import { renderSarif } from './sarif.js';

export const OUTPUTS = ['text', 'json', 'sarif', 'junit'] as const;
export type OutputFormat = (typeof OUTPUTS)[number];

let cachedVersion: string | undefined;
export function packageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

export interface RenderContext {
  readonly color: boolean;
  readonly failOn: FailOn;
  /** Directory SARIF paths are relative to. */
  readonly cwd: string;
}

export async function renderReport(report: Report, format: OutputFormat, ctx: RenderContext): Promise<string> {
  switch (format) {
    case 'text':
      return renderText(report, { color: ctx.color });
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'sarif':
      return renderSarif(report, { version: packageVersion(), cwd: ctx.cwd, docs: await loadFindingsDoc() });
    case 'junit':
      return renderJunit(report, { failOn: ctx.failOn });
  }
}

export class OutputFileError extends Error {
  constructor(file: string, reason: string) {
    super(`cannot write the report to ${file}: ${reason}`);
    this.name = 'OutputFileError';
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on device';
  if (code === 'ENOTDIR') return 'a component of the path is not a directory';
  return (err as Error).message;
}

/**
 * Fail early, before a long run, when the report could not be written: the directory must exist and be
 * writable, and the file, if it exists, must be a writable regular file.
 */
export async function checkOutputFile(file: string): Promise<void> {
  const path = resolve(file);
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new OutputFileError(file, 'it is a directory');
    await access(path, constants.W_OK);
    return;
  } catch (err) {
    if (err instanceof OutputFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new OutputFileError(file, reason(err));
  }
  try {
    const d = await stat(dirname(path));
    if (!d.isDirectory()) throw new OutputFileError(file, `${dirname(file)} is not a directory`);
    await access(dirname(path), constants.W_OK);
  } catch (err) {
    if (err instanceof OutputFileError) throw err;
    throw new OutputFileError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? `directory ${dirname(file)} does not exist` : reason(err));
  }
}

export async function writeOutputFile(file: string, content: string): Promise<void> {
  try {
    await writeFile(file, content, 'utf8');
  } catch (err) {
    throw new OutputFileError(file, reason(err));
  }
}
