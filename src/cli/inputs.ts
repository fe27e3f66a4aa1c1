/**
 * Reading `pullguard check` inputs: files, directories (recursively `*.yaml`, `*.yml`, `*.json`, in a
 * stable order) and `-` for standard input.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export interface Input {
  readonly source: string;
  readonly text: string;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      await walk(path, out);
    } else if (e.isFile() && MANIFEST_EXTENSIONS.some((ext) => e.name.endsWith(ext))) {
      out.push(path);
    }
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

export async function readInputs(paths: readonly string[], stdin: NodeJS.ReadableStream): Promise<Input[]> {
  const inputs: Input[] = [];
  for (const path of paths) {
    if (path === '-') {
      inputs.push({ source: '<stdin>', text: await readStdin(stdin) });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      throw new InputError(`${path}: ${reason(err)}`);
    }
    const files: string[] = [];
    if (isDir) await walk(path, files);
    else files.push(path);
    for (const file of files) {
      try {
        inputs.push({ source: file, text: await readFile(file, 'utf8') });
      } catch (err) {
        throw new InputError(`${file}: ${reason(err)}`);
      }
    }
  }
  return inputs;
}
