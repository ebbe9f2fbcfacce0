/** The context every part of the ctap2 suite gets: keys to open, PIN tokens, pinUvAuth members. */
import { ClientPin, Ctap2, type Ctap2Options, type PinUvAuthToken } from '@fido2kit/ctap2';
import type { VirtualAuthenticatorOptions } from '@fido2kit/virtual-authenticator';
import { RP, type SuiteDevice } from './harness.js';

/** What every part of the ctap2 suite gets: keys to open, PIN tokens, pinUvAuth members. */
export interface Ctap2SuiteContext {
  /** Opens a device around a new authenticator and reads its getInfo. */
  key(
    options?: VirtualAuthenticatorOptions,
    ctapOptions?: Ctap2Options,
  ): Promise<SuiteDevice & { ctap: Ctap2 }>;
  /** A PIN token for {@link RP} (mc and ga by default). */
  token(ctap: Ctap2, pin: string, permissions?: ('mc' | 'ga')[], protocol?: 1 | 2): Promise<PinUvAuthToken>;
  /** pinUvAuthParam and pinUvAuthProtocol for a request over `cdh`. */
  auth(t: PinUvAuthToken, cdh: Uint8Array): { pinUvAuthParam: Uint8Array; pinUvAuthProtocol: number };
}

/** The context over `open` (see `suiteDevices`). */
export function ctap2SuiteContext(
  open: (options?: VirtualAuthenticatorOptions) => Promise<SuiteDevice>,
): Ctap2SuiteContext {
  return {
    async key(options = {}, ctapOptions = {}) {
      const d = await open(options);
      return { ...d, ctap: await Ctap2.open(d.device, ctapOptions) };
    },
    token(ctap, pin, permissions = ['mc', 'ga'], protocol) {
      return new ClientPin(ctap, protocol).getPinUvAuthToken({ pin, permissions, rpId: RP.id });
    },
    auth: (t, cdh) => ({
      pinUvAuthParam: t.protocol.authenticate(t.token, cdh),
      pinUvAuthProtocol: t.protocol.version,
    }),
  };
}
