/** The context every part of the key-management suite gets: keys to open, PIN tokens, resident credentials. */
import { utf8Encode } from '@fido2kit/cose';
import {
  ClientPin,
  Ctap2,
  type MakeCredentialParams,
  type MakeCredentialResult,
  type PinUvAuthPermission,
  type PinUvAuthToken,
} from '@fido2kit/ctap2';
import type { VirtualAuthenticatorOptions } from '@fido2kit/virtual-authenticator';
import { hash, PIN, type SuiteDevice } from './harness.js';

/** What every part of the key-management suite gets. */
export interface ManagementSuiteContext {
  /** Opens a device around a new authenticator without reading getInfo (a U2F-only key has none). */
  device(options?: VirtualAuthenticatorOptions): Promise<SuiteDevice>;
  /** Opens a device around a new authenticator (no attestation, short presence timeout). */
  key(options?: VirtualAuthenticatorOptions): Promise<SuiteDevice & { ctap: Ctap2 }>;
  /** A PIN token (the suite's {@link PIN}) with these permissions. */
  token(ctap: Ctap2, permissions: PinUvAuthPermission[], rpId?: string): Promise<PinUvAuthToken>;
  /** A discoverable credential made with a PIN token (or none on an unprotected key). */
  makeRk(
    ctap: Ctap2,
    rpId: string,
    user: string,
    extra?: Partial<MakeCredentialParams>,
  ): Promise<{ made: MakeCredentialResult; id: Uint8Array }>;
}

/** The key-management suite's authenticator defaults under each test's options. */
export const MANAGEMENT_DEFAULTS: VirtualAuthenticatorOptions = {
  attestation: 'none',
  presenceTimeoutMs: 500,
  keepaliveIntervalMs: 20,
};

/** The context over `open` (see `suiteDevices`). */
export function managementSuiteContext(
  open: (options?: VirtualAuthenticatorOptions) => Promise<SuiteDevice>,
): ManagementSuiteContext {
  async function token(ctap: Ctap2, permissions: PinUvAuthPermission[], rpId?: string) {
    return new ClientPin(ctap).getPinUvAuthToken({ pin: PIN, permissions, ...(rpId ? { rpId } : {}) });
  }
  return {
    device: open,
    async key(options = {}) {
      const d = await open(options);
      return { ...d, ctap: await Ctap2.open(d.device) };
    },
    token,
    async makeRk(ctap, rpId, user, extra = {}) {
      const clientDataHash = hash(`make ${rpId} ${user}`);
      const params: MakeCredentialParams = {
        clientDataHash,
        rp: { id: rpId, name: `RP ${rpId}` },
        user: { id: utf8Encode(`${user}-id`), name: user, displayName: user.toUpperCase() },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        options: { rk: true },
        ...extra,
      };
      if (ctap.info.options.clientPin === true) {
        const t = await token(ctap, ['mc'], rpId);
        params.pinUvAuthParam = t.protocol.authenticate(t.token, clientDataHash);
        params.pinUvAuthProtocol = t.protocol.version;
      }
      const made = await ctap.makeCredential(params);
      return { made, id: made.authenticatorData.attestedCredentialData!.credentialId };
    },
  };
}
