/**
 * The enrol-and-sign-in flow of @fido2kit/ctap2's WebAuthnClient against @fido2kit/virtual-
 * authenticator, verified by this package: bundled and run inside Chromium, Bun and Deno by
 * webauthn-client-runtimes.test.ts (and in Node by it too, as the reference). Portable: no node:
 * imports, no Buffer.
 */
import { getCryptoBackend } from '@fido2kit/cose';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '../src/index.js';
import { type CheckResult, check } from './harness/check.js';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const PIN = '4821';

/** The cases: attestation, algorithm (ES256, EdDSA), discoverable or not. */
export const CLIENT_FLOW_CASES = [
  { attestation: 'packed', alg: -7, rk: true },
  { attestation: 'none', alg: -8, rk: true },
  { attestation: 'self', alg: -7, rk: false },
] as const;

/** Enrols and signs in once per case; every step is a recorded check. */
export async function clientFlow(): Promise<CheckResult[]> {
  const out: CheckResult[] = [{ name: `backend: ${getCryptoBackend().name}`, ok: true }];
  for (const c of CLIENT_FLOW_CASES) {
    const tag = `${c.attestation} alg ${c.alg}${c.rk ? ' discoverable' : ''}`;
    const authenticator = new VirtualAuthenticator({
      attestation: c.attestation,
      algorithms: [c.alg],
      pin: PIN,
    });
    let pinAsked = 0;
    const client = new WebAuthnClient({
      device: authenticator.device(),
      origin: ORIGIN,
      onPinRequired: () => {
        pinAsked++;
        return PIN;
      },
    });
    let credential: { id: string; publicKey: Uint8Array; counter: number } | undefined;
    await check(out, `enrol (${tag})`, async () => {
      const options = generateRegistrationOptions({
        rpName: 'Example',
        rpID: RP_ID,
        userName: 'alice',
        attestation: c.attestation === 'none' ? 'none' : 'direct',
        supportedAlgorithmIDs: [c.alg],
        authenticatorSelection: { residentKey: c.rk ? 'required' : 'discouraged' },
      });
      const json = await client.create(options);
      const v = await verifyRegistrationResponse({
        response: json,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      });
      credential = v.credential;
      return v.credential.id === json.id && pinAsked === 1 ? true : `pin asked ${pinAsked} times`;
    });
    await check(out, `sign in (${tag})`, async () => {
      if (credential === undefined) return 'no credential enrolled';
      const options = generateAuthenticationOptions({
        rpID: RP_ID,
        allowCredentials: c.rk ? [] : [{ id: credential.id }],
      });
      const json = await client.get(options);
      const v = await verifyAuthenticationResponse({
        response: json,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
      });
      return v.credentialId === credential.id && v.userVerified && v.newCounter > credential.counter
        ? true
        : `credentialId ${v.credentialId}, uv ${v.userVerified}, counter ${v.newCounter}`;
    });
  }
  return out;
}
