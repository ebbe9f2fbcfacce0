/** Checks on the files an example program is told to use. */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why `file` cannot be a virtual key's state file, or undefined when it can: an existing file, or
 * a new one in an existing directory. A mistyped directory is refused rather than created.
 */
export function virtualFileProblem(file: string): string | undefined {
  if (existsSync(file)) return statSync(file).isFile() ? undefined : 'is a directory, not a file';
  const dir = dirname(file);
  if (!existsSync(dir))
    return `the directory ${dir} does not exist (a new virtual key is made only in an existing directory; create it first)`;
  if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
  return undefined;
}
