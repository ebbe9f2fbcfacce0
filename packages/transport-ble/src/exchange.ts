/**
 * One CTAPBLE request and its answer (CTAP 2.1 §11.4): the request's fragments written to
 * fidoControlPoint, the answer reassembled from fidoStatus notifications, KEEPALIVE reported,
 * CANCEL on abort, and a timeout on every wait. The retry and resynchronisation policy around it
 * is {@link BleTransport}'s.
 */
import { type CallOptions, CtapError, reportKeepalive } from '@fido2kit/ctap2';
import type { BleConnection } from './connection.js';
import { BleError } from './errors.js';
import {
  CTAPBLE_COMMAND_NAMES,
  CTAPBLE_COMMANDS,
  CTAPBLE_ERRORS,
  CtapbleReassembler,
  ctapbleErrorName,
  encodeFrame,
} from './framing.js';

/** What the authenticator answered: a message of the request's command, or an ERROR frame's code. */
export type ExchangeResult = { kind: 'response'; data: Uint8Array } | { kind: 'error'; code: number };

/** Where the transport routes status notifications and the link's loss while an exchange waits. */
export interface PendingExchange {
  fragment(fragment: Uint8Array): void;
  gone(error: BleError): void;
}

/** What an exchange needs of the transport it runs on. */
export interface ExchangeLink {
  connection: BleConnection;
  maxFragmentLength: number;
  timeoutMs: number;
  maxDurationMs: number;
  cancelTimeoutMs: number;
  /** Routes notifications to `pending` (or to nobody). */
  attach(pending: PendingExchange | undefined): void;
  /** The error of a lost link, if it is lost. */
  gone(): BleError | undefined;
  /** Marks that the next call must first resynchronise. */
  resyncNeeded(): void;
}

/**
 * Writes one message and waits for its answer. With `accept` (resynchronisation) other
 * messages and broken fragments are skipped until an accepted answer comes.
 */
export function exchange(
  link: ExchangeLink,
  cmd: number,
  payload: Uint8Array,
  options: CallOptions,
  accept?: (data: Uint8Array) => boolean,
): Promise<ExchangeResult> {
  const { signal, onKeepalive } = options;
  const maxLen = link.maxFragmentLength;
  return new Promise<ExchangeResult>((resolve, reject) => {
    const reassembler = new CtapbleReassembler({ maxFragmentLength: maxLen });
    let done = false;
    let cancelled = false;
    let callbackError: { error: unknown } | undefined;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const hard = setTimeout(() => timedOut(true), link.maxDurationMs);
    const finish = (settle: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(hard);
      clearTimeout(silence);
      signal?.removeEventListener('abort', cancel);
      link.attach(undefined);
      settle();
    };
    const fail = (error: unknown): void => finish(() => reject(error));
    const aborted = (cause?: unknown): void => {
      link.resyncNeeded();
      if (callbackError !== undefined) {
        fail(callbackError.error);
        return;
      }
      fail(
        new BleError('ERR_ABORTED', 'aborted', 'the operation was aborted', {
          cause: cause ?? signal?.reason,
        }),
      );
    };
    const timedOut = (hardLimit: boolean): void => {
      link.resyncNeeded();
      if (cancelled) {
        aborted();
        return;
      }
      const what = commandName(cmd);
      fail(
        new BleError(
          'ERR_TIMEOUT',
          'timeout',
          hardLimit
            ? `no answer to ${what} within ${link.maxDurationMs} ms`
            : `the authenticator was silent for ${link.timeoutMs} ms while answering ${what}`,
        ),
      );
    };
    const arm = (): void => {
      clearTimeout(silence);
      silence = setTimeout(() => timedOut(false), cancelled ? link.cancelTimeoutMs : link.timeoutMs);
    };
    function cancel(this: void): void {
      if (cancelled || done) return;
      cancelled = true;
      arm();
      const [frame] = encodeFrame(CTAPBLE_COMMANDS.CANCEL, new Uint8Array(0), maxLen);
      connection.writeControlPoint(frame!).catch(() => {});
    }
    const connection = link.connection;
    const onFragment = (fragment: Uint8Array): void => {
      if (done) return;
      let r = reassembler.push(fragment);
      if (r.status === 'error' && r.reason === 'unexpected-init' && accept !== undefined)
        r = reassembler.push(fragment);
      if (r.status === 'skipped') return;
      arm();
      if (r.status === 'partial') return;
      if (r.status === 'error') {
        if (accept !== undefined) return;
        link.resyncNeeded();
        if (cancelled) {
          aborted();
          return;
        }
        fail(
          new BleError(
            'ERR_INVALID_RESPONSE',
            'framing',
            `malformed CTAPBLE answer to ${commandName(cmd)}: ${r.reason}`,
            {
              details: { framing: r.reason },
            },
          ),
        );
        return;
      }
      if (r.cmd === CTAPBLE_COMMANDS.KEEPALIVE) {
        const failed = cancelled ? undefined : reportKeepalive(r.data[0], onKeepalive);
        if (failed !== undefined) {
          callbackError = failed;
          cancel();
        }
        return;
      }
      if (r.cmd === CTAPBLE_COMMANDS.ERROR) {
        const code = r.data[0] ?? CTAPBLE_ERRORS.ERR_OTHER;
        if (cancelled) {
          aborted(bleDeviceError(code, cmd));
          return;
        }
        finish(() => resolve({ kind: 'error', code }));
        return;
      }
      if (r.cmd === cmd) {
        if (accept !== undefined && !accept(r.data)) return;
        if (cancelled) {
          const status = r.data[0];
          aborted(
            cmd === CTAPBLE_COMMANDS.MSG && status !== undefined && status !== 0
              ? new CtapError(status)
              : undefined,
          );
          return;
        }
        finish(() => resolve({ kind: 'response', data: r.data }));
        return;
      }
      if (accept !== undefined) return;
      link.resyncNeeded();
      fail(
        new BleError(
          'ERR_INVALID_RESPONSE',
          'framing',
          `the authenticator answered ${commandName(cmd)} with ${commandName(r.cmd)}`,
        ),
      );
    };
    const pending: PendingExchange = { fragment: onFragment, gone: fail };
    link.attach(pending);
    const lost = link.gone();
    if (lost !== undefined) {
      fail(lost);
      return;
    }
    signal?.addEventListener('abort', cancel, { once: true });
    if (signal?.aborted) {
      aborted();
      return;
    }
    arm();
    void (async () => {
      for (const fragment of encodeFrame(cmd, payload, maxLen)) {
        if (done || cancelled) return;
        try {
          await connection.writeControlPoint(fragment);
        } catch (e) {
          link.resyncNeeded();
          fail(link.gone() ?? transportFailure(e));
          return;
        }
      }
    })();
  });
}

function transportFailure(e: unknown): Error {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string') return e;
  return new BleError('ERR_TRANSPORT', 'gatt-failed', 'writing to fidoControlPoint failed', { cause: e });
}

/**
 * A CTAPBLE ERROR as the CTAP1 status of the same number (CTAP 2.1 §8.2 lists them), as
 * transport-hid reports CTAPHID errors.
 */
export function bleDeviceError(code: number, cmd: number): CtapError {
  return new CtapError(
    code,
    `the authenticator answered ${commandName(cmd)} with CTAPBLE ERROR ${ctapbleErrorName(code)} (0x${code.toString(16).padStart(2, '0')})`,
  );
}

function commandName(cmd: number): string {
  const name = CTAPBLE_COMMAND_NAMES[cmd];
  return name === undefined ? `command 0x${cmd.toString(16).padStart(2, '0')}` : name;
}
