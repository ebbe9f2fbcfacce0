/** Command-line checks the example programs share. */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

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

/**
 * node:util parseArgs' errors put plainly: "unknown option --frob" rather than its advice about
 * positionals, whose quoting reads as unbalanced on a terminal.
 */
export function parseArgsMessage(e: unknown): string {
  const code = (e as { code?: string }).code;
  const message = (e as Error).message;
  const option = /'(-[^']*)'/.exec(message)?.[1]?.split(' ')[0];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `${option} needs a value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return message.replace(/\.$/, '');
  return message;
}

/**
 * node:util's parseArgs, its mistakes turned into the program's usage error (exit code 2) with
 * the plain message of {@link parseArgsMessage}.
 */
export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
  usageError: (message: string) => Error,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw usageError(parseArgsMessage(e));
  }
}
