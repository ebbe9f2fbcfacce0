/**
 * A small CtapDevice test double standing in for an authenticator: getInfo answers a fixed,
 * canonical CBOR map; vendor commands echo, wait for "user presence", or fail.
 */
import { encode } from '@fido2kit/cose';
import type { CallOptions, CtapDevice } from '@fido2kit/ctap2';

/** Vendor command bytes the fake understands. */
export const FAKE = {
  /** Echo: answers status 00 ‖ the request's bytes after the command byte. */
  ECHO: 0x40,
  /** Waits `upDelayMs` reporting user-presence-needed; honours the signal (→ rejects ERR_ABORTED). */
  UP: 0x41,
  /** Calls `onHang` and never answers (until aborted). */
  HANG: 0x42,
  /** Throws a plain Error. */
  THROW: 0x43,
} as const;

export const FAKE_AAGUID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

export class FakeCtapDevice implements CtapDevice {
  readonly transport = 'virtual' as const;
  readonly requests: Uint8Array[] = [];
  readonly u2f: Uint8Array[] = [];
  upDelayMs = 300;
  aborts = 0;
  onHang: (() => void) | undefined;

  info(): Uint8Array {
    const body = encode(
      new Map<number, unknown>([
        [1, ['U2F_V2', 'FIDO_2_0']],
        [3, FAKE_AAGUID],
        [
          4,
          new Map([
            ['rk', false],
            ['up', true],
            ['plat', false],
          ]),
        ],
        [5, 1200],
      ]),
    );
    return Uint8Array.of(0x00, ...body);
  }

  async cbor(request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    this.requests.push(request.slice());
    const { signal, onKeepalive } = options;
    switch (request[0]) {
      case 0x04:
        return this.info();
      case FAKE.ECHO:
        return Uint8Array.of(0x00, ...request.subarray(1));
      case FAKE.UP:
      case FAKE.HANG:
        if (request[0] === FAKE.HANG) this.onHang?.();
        onKeepalive?.('user-presence-needed');
        await new Promise<void>((resolve, reject) => {
          const timer =
            request[0] === FAKE.UP ? setTimeout(resolve, this.upDelayMs) : setTimeout(resolve, 60_000);
          signal?.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              this.aborts += 1;
              reject(Object.assign(new Error('aborted'), { code: 'ERR_ABORTED' }));
            },
            { once: true },
          );
        });
        return Uint8Array.of(0x00, 0xa0);
      case FAKE.THROW:
        throw new Error('boom');
      default:
        return Uint8Array.of(0x01); // CTAP1_ERR_INVALID_COMMAND
    }
  }

  async msg(apdu: Uint8Array): Promise<Uint8Array> {
    this.u2f.push(apdu.slice());
    if (apdu[1] === 0x03) return Uint8Array.of(...new TextEncoder().encode('U2F_V2'), 0x90, 0x00);
    if (apdu[1] === 0x40) return Uint8Array.of(...new Uint8Array(700).fill(7), 0x90, 0x00);
    return Uint8Array.of(0x6d, 0x00);
  }

  async close(): Promise<void> {}
}
