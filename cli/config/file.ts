// Reading pakyas.yaml for the commands that take -f FILE.
import { readFile } from 'node:fs/promises';
import { CliError } from '../command.js';

export const DEFAULT_FILE = 'pakyas.yaml';

export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CliError(`${file}: no such file; run 'pakyas init' to write a starter file, or pass -f FILE`);
    }
    if (code === 'EISDIR') throw new CliError(`${file}: is a directory; pass the YAML file with -f FILE`);
    throw new CliError(`${file}: cannot be read (${code ?? (err as Error).message})`);
  }
}
