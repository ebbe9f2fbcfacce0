/**
 * A pcscd for test suites: started in the foreground (`pcscd -f`), owned by its PID, stopped by
 * that PID. pcscd listens on a fixed socket, so one machine runs one pcscd: a lock file serialises
 * test processes that want their own, and a pcscd already running (a system service) is reused,
 * never killed. The PID is also written next to the lock, so a pcscd left behind by a killed test
 * process is recognised as ours and stopped before the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NfcError } from './errors.js';
import { PcscContext } from './pcsc.js';
import { pcscdSocketPath, probePcscd } from './pcsc-binding.js';

/** Options of {@link startPcscd}. */
export interface StartPcscdOptions {
  /** The pcscd binary (default `pcscd` on PATH, then /usr/sbin/pcscd). */
  command?: string;
  /** Extra arguments after `-f` (e.g. `['-a', '-d']` to log APDUs). */
  args?: string[];
  /** Readers to wait for before resolving (default `['Virtual PCD 00 00']`). */
  readers?: string[];
  /** Milliseconds to wait for the lock, the daemon and the readers (default 30 000). */
  timeoutMs?: number;
  /**
   * The lock file holding the owner's pid (default `<tmpdir>/fido2kit-pcscd.owner`). Not
   * `fido2kit-pcscd.lock`: that is the path scripts serialise on with flock(1), which leaves an
   * empty file there that this O_EXCL lock would read as a live holder.
   */
  lockFile?: string;
}

/** A pcscd started (or found running) by {@link startPcscd}. */
export interface PcscdHandle {
  /** The daemon's PID when this process started it; `undefined` when an existing one is reused. */
  readonly pid: number | undefined;
  /** True when this process started the daemon (and so may stop and restart it). */
  readonly owned: boolean;
  /** The last lines pcscd printed (for failure messages). */
  log(): string;
  /** Stops the daemon this process started (SIGTERM, then SIGKILL) and releases the lock. */
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Takes the lock file (O_EXCL), waiting for a live holder and breaking a dead holder's lock. */
async function acquireLock(file: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      // vanished between open and read: retry
    }
    if (Number.isInteger(holder) && !alive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    // No PID after a grace period: a holder that died between creating and writing the file, or a
    // file some other tool made (an `flock` on the same path). Nobody can release it: break it.
    if (!Number.isInteger(holder) && emptyFor(file) > EMPTY_LOCK_GRACE_MS) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new NfcError('ERR_TIMEOUT', 'timeout', `another process (pid ${holder}) holds ${file}`);
    }
    await delay(100);
  }
}

const EMPTY_LOCK_GRACE_MS = 2000;

/** How long the lock file has existed without a holder's PID (0 when it is gone). */
function emptyFor(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function releaseLock(file: string): void {
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

/** The pcscd a harness started and that outlived it (its test process was killed): ours to stop. */
async function stopOrphan(stateFile: string): Promise<void> {
  let pid = Number.NaN;
  try {
    pid = Number.parseInt(readFileSync(stateFile, 'utf8'), 10);
  } catch {
    return;
  }
  rmSync(stateFile, { force: true });
  if (!Number.isInteger(pid) || !alive(pid)) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!cmdline.includes('pcscd')) return; // the PID was reused by something else: leave it
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && alive(pid); i++) await delay(100);
}

async function waitForReaders(readers: string[], deadline: number): Promise<void> {
  for (;;) {
    try {
      const context = await PcscContext.establish({ timeoutMs: Math.max(500, deadline - Date.now()) });
      try {
        for (const name of readers) {
          await context.waitForReader(name, { timeoutMs: Math.max(1, deadline - Date.now()) });
        }
        return;
      } finally {
        await context.close();
      }
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await delay(100);
    }
  }
}

/**
 * Starts `pcscd -f` for a test suite and waits for its readers (vpcd's "Virtual PCD 00 00" by
 * default). Call `stop()` in the suite's teardown.
 *
 * @throws NfcError `ERR_TRANSPORT` when pcscd cannot start; `ERR_TIMEOUT` when the lock or the
 *   readers do not come in time.
 * @example
 * ```ts
 * let pcscd: PcscdHandle;
 * beforeAll(async () => { pcscd = await startPcscd(); });
 * afterAll(() => pcscd.stop());
 * ```
 */
export async function startPcscd(options: StartPcscdOptions = {}): Promise<PcscdHandle> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const lockFile = options.lockFile ?? join(tmpdir(), 'fido2kit-pcscd.owner');
  const readers = options.readers ?? ['Virtual PCD 00 00'];
  const stateFile = `${lockFile}.pcscd`;
  await acquireLock(lockFile, deadline);

  const lines: string[] = [];
  const log = () => lines.join('').slice(-4000);
  let child: ChildProcess | undefined;
  let exited = false;
  const onExit = () => {
    if (child?.pid !== undefined && !exited) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(stateFile, { force: true });
    releaseLock(lockFile);
  };

  try {
    await stopOrphan(stateFile);
    if (await probePcscd(pcscdSocketPath(), 1000)) {
      // A pcscd we did not start (a system service): use it, never stop it.
      await waitForReaders(readers, deadline);
      return {
        pid: undefined,
        owned: false,
        log,
        stop: async () => releaseLock(lockFile),
      };
    }
    try {
      mkdirSync('/run/pcscd', { recursive: true });
    } catch {
      // not root: pcscd will say what it needs
    }
    const command = options.command ?? 'pcscd';
    child = spawn(command, ['-f', ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    const spawned = child;
    const collect = (chunk: Buffer) => {
      lines.push(chunk.toString('utf8'));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    };
    spawned.stdout?.on('data', collect);
    spawned.stderr?.on('data', collect);
    const exit = new Promise<void>((resolve) => {
      spawned.once('exit', () => {
        exited = true;
        resolve();
      });
      spawned.once('error', (e) => {
        lines.push(`spawn ${command}: ${e.message}\n`);
        exited = true;
        resolve();
      });
    });
    process.once('exit', onExit);

    try {
      await Promise.race([
        waitForReaders(readers, deadline),
        exit.then(() => {
          throw new NfcError('ERR_TRANSPORT', 'pcscd-not-running', `pcscd exited at start:\n${log()}`);
        }),
      ]);
    } catch (e) {
      if (!exited) spawned.kill('SIGKILL');
      throw e;
    }

    const pid = spawned.pid;
    if (pid !== undefined) writeFileSync(stateFile, String(pid));
    return {
      pid,
      owned: true,
      log,
      stop: async () => {
        process.removeListener('exit', onExit);
        if (!exited) {
          spawned.kill('SIGTERM');
          const timer = setTimeout(() => spawned.kill('SIGKILL'), 3000);
          await exit;
          clearTimeout(timer);
        }
        rmSync(stateFile, { force: true });
        releaseLock(lockFile);
      },
    };
  } catch (e) {
    process.removeListener('exit', onExit);
    releaseLock(lockFile);
    throw e;
  }
}
