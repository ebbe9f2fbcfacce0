/**
 * A small scriptable CtapDevice for the transport tests: echoes, delays, waits for "presence"
 * the test gives, fails with a status, or ignores cancellation.
 */
import { type CallOptions, Ctap2ClientError, type CtapDevice, CtapError } from '@fido2kit/ctap2';

export interface FakeCtapDeviceOptions {
  /** Delay before answering, in ms. */
  delayMs?: number;
  /** Ask for user presence (onKeepalive('user-presence-needed')) and wait for touch(). */
  requirePresence?: boolean;
  /** How long to wait for presence before CTAP2_ERR_USER_ACTION_TIMEOUT; default 2000. */
  presenceTimeoutMs?: number;
  /** Ignore the abort signal (a stubborn authenticator). */
  ignoreSignal?: boolean;
  /** Answer CBOR requests with this status instead of echoing. */
  failWith?: number;
}

export class FakeCtapDevice implements CtapDevice {
  readonly transport = 'virtual' as const;
  readonly requests: { kind: 'cbor' | 'msg'; data: Uint8Array }[] = [];
  options: FakeCtapDeviceOptions;
  #touch: (() => void) | undefined;

  constructor(options: FakeCtapDeviceOptions = {}) {
    this.options = options;
  }

  /** The user touches the key. */
  touch(): void {
    this.#touch?.();
  }

  /** `0x00 ‖ request` (CTAP2_OK then the request echoed). */
  async cbor(request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    this.requests.push({ kind: 'cbor', data: request.slice() });
    await this.#work(options);
    if (this.options.failWith !== undefined) throw new CtapError(this.options.failWith);
    const out = new Uint8Array(request.length + 1);
    out.set(request, 1);
    return out;
  }

  /** `apdu ‖ 90 00`. */
  async msg(apdu: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    this.requests.push({ kind: 'msg', data: apdu.slice() });
    await this.#work(options);
    const out = new Uint8Array(apdu.length + 2);
    out.set(apdu, 0);
    out.set([0x90, 0x00], apdu.length);
    return out;
  }

  async close(): Promise<void> {}

  async #work(options: CallOptions): Promise<void> {
    const signal = this.options.ignoreSignal ? undefined : options.signal;
    if (this.options.delayMs) await wait(this.options.delayMs, signal);
    if (this.options.requirePresence) {
      options.onKeepalive?.('user-presence-needed');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#touch = undefined;
          reject(new CtapError(0x2f)); // CTAP2_ERR_USER_ACTION_TIMEOUT
        }, this.options.presenceTimeoutMs ?? 2000);
        this.#touch = () => {
          clearTimeout(timer);
          this.#touch = undefined;
          resolve();
        };
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            this.#touch = undefined;
            reject(new Ctap2ClientError('ERR_ABORTED', 'aborted', { cause: signal.reason }));
          },
          { once: true },
        );
      });
    }
  }
}

export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Ctap2ClientError('ERR_ABORTED', 'aborted', { cause: signal.reason }));
      },
      { once: true },
    );
  });
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Resolves with the rejection of `promise`, or fails the test when it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; status?: number }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
