import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx/cli');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON object per line (--json mode). */
  steps: Record<string, unknown>[];
}

/** Runs an example program's src/main.ts as a child process, as a user would. */
export function runProgram(
  mainTs: URL,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  const main = fileURLToPath(mainTs);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsx, '--conditions=@fido2kit/source', main, ...args],
      { timeout: options.timeoutMs ?? 60_000, env: { ...process.env, ...options.env, FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const steps = args.includes('--json')
          ? stdout
              .split('\n')
              .filter((l) => l.trim().startsWith('{'))
              .map((l) => JSON.parse(l) as Record<string, unknown>)
          : [];
        resolve({ code, stdout, stderr, steps });
      },
    );
  });
}
