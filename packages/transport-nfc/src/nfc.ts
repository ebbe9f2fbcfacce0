/**
 * Finding and opening FIDO authenticators on PC/SC readers.
 */
import { abortableSleep } from '@fido2kit/ctap2';
import { NfcError } from './errors.js';
import { PcscContext } from './pcsc.js';
import { PcscCardLink } from './pcsc-link.js';
import { type ApduMode, NfcTransport } from './transport.js';

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortableSleep(
    ms,
    signal,
    () => new NfcError('ERR_ABORTED', 'aborted', 'the operation was aborted'),
  );
}

/** A reader with a FIDO authenticator on it. */
export interface NfcAuthenticatorInfo {
  /** The PC/SC reader name, e.g. `"Virtual PCD 00 00"` or `"ACS ACR122U PICC Interface 00 00"`. */
  reader: string;
}

/** Options of {@link listNfcAuthenticators}. */
export interface ListNfcAuthenticatorsOptions {
  /** Milliseconds to reach pcscd and probe the cards (default 5000). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@link openNfcAuthenticator}. */
export interface OpenNfcAuthenticatorOptions {
  /** `'auto'` (default): extended APDUs, falling back to short APDUs with chaining on `6700`. */
  apdu?: ApduMode;
  /** Milliseconds to wait for a card on the reader, now and after it was removed (default 10 000). */
  cardTimeoutMs?: number;
  /** Milliseconds a CTAP2 command may take, keepalives included (default 120 000). */
  timeoutMs?: number;
  /** Milliseconds one APDU exchange may take (default 10 000). */
  exchangeTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Lists the PC/SC readers that hold a FIDO authenticator: a card is present and answers the SELECT
 * of the FIDO applet.
 *
 * @returns `[{ reader }]`, possibly empty (no reader, or no FIDO card on any).
 * @throws NfcError `ERR_TRANSPORT` with reason `pcscd-not-running` or `pcsclite-missing`;
 *   `ERR_TIMEOUT`; `ERR_ABORTED`.
 * @example
 * ```ts
 * const [first] = await listNfcAuthenticators();
 * if (first) show('tap detected on', first.reader);
 * ```
 */
export async function listNfcAuthenticators(
  options: ListNfcAuthenticatorsOptions = {},
): Promise<NfcAuthenticatorInfo[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const context = await PcscContext.establish({
    timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    const found: NfcAuthenticatorInfo[] = [];
    for (const reader of context.readers()) {
      const link = new PcscCardLink(context, reader, { ownsContext: false, cardTimeoutMs: 0 });
      try {
        const transport = await NfcTransport.open(link, {
          exchangeTimeoutMs: Math.min(timeoutMs, 5000),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        await transport.close();
        found.push({ reader });
      } catch (e) {
        await link.close();
        if ((e as NfcError).code === 'ERR_ABORTED') throw e;
        // not a FIDO card, or it went away while we looked: not listed
      }
    }
    return found;
  } finally {
    await context.close();
  }
}

/**
 * Opens the FIDO authenticator on a PC/SC reader (an NFC reader, or vpcd's virtual reader) and
 * selects its FIDO applet.
 *
 * @param reader - the reader's name; omitted: the first reader whose card answers the FIDO SELECT,
 *   waiting up to `cardTimeoutMs` for one to be tapped.
 * @returns an {@link NfcTransport} (a `CtapDevice`, transport `'nfc'`); close it when done, so the
 *   PC/SC context is released and the process can exit.
 * @throws NfcError `ERR_TRANSPORT` with reason `pcscd-not-running`, `pcsclite-missing`, `no-reader`
 *   or `reader-not-found`; `ERR_DEVICE_GONE` (reason `no-card`) when no card came in time;
 *   `ERR_NOT_SUPPORTED` (reason `not-fido`) when the card has no FIDO applet; `ERR_ABORTED`.
 * @example
 * ```ts
 * const device = await openNfcAuthenticator('Virtual PCD 00 00');
 * try { const ctap = await Ctap2.open(device); show(ctap.info.versions); }
 * finally { await device.close(); }
 * ```
 */
export async function openNfcAuthenticator(
  reader?: string,
  options: OpenNfcAuthenticatorOptions = {},
): Promise<NfcTransport> {
  const cardTimeoutMs = options.cardTimeoutMs ?? 10_000;
  const signal = options.signal;
  const context = await PcscContext.establish({ ...(signal ? { signal } : {}) });
  const transportOptions = {
    ...(options.apdu ? { apdu: options.apdu } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.exchangeTimeoutMs !== undefined ? { exchangeTimeoutMs: options.exchangeTimeoutMs } : {}),
    ...(signal ? { signal } : {}),
  };
  try {
    const readers = context.readers();
    if (readers.length === 0) {
      throw new NfcError(
        'ERR_TRANSPORT',
        'no-reader',
        'no PC/SC reader found: plug the NFC reader in (and check pcscd has a driver for it)',
      );
    }
    if (reader !== undefined) {
      if (!readers.includes(reader)) {
        throw new NfcError(
          'ERR_TRANSPORT',
          'reader-not-found',
          `no PC/SC reader named "${reader}"; readers: ${readers.map((r) => `"${r}"`).join(', ')}`,
          { details: { readers } },
        );
      }
      const link = new PcscCardLink(context, reader, { cardTimeoutMs });
      try {
        return await NfcTransport.open(link, transportOptions);
      } catch (e) {
        await link.close();
        throw e;
      }
    }
    // No reader named: the first one with a FIDO card, waiting for a tap.
    const deadline = Date.now() + cardTimeoutMs;
    for (;;) {
      for (const name of context.readers()) {
        const link = new PcscCardLink(context, name, { cardTimeoutMs: 0, ownsContext: false });
        try {
          const transport = await NfcTransport.open(link, transportOptions);
          link.ownContext();
          return transport;
        } catch (e) {
          await link.close().catch(() => undefined);
          if ((e as NfcError).code === 'ERR_ABORTED') throw e;
        }
      }
      if (Date.now() + 200 > deadline) {
        throw new NfcError(
          'ERR_DEVICE_GONE',
          'no-card',
          `no FIDO card on any reader within ${cardTimeoutMs} ms`,
          {
            details: { readers: context.readers() },
          },
        );
      }
      await sleep(200, signal);
    }
  } catch (e) {
    await context.close();
    throw e;
  }
}
