/**
 * A smoke test of the portable packages (cose, attestation, rp) that runs inside a browser page:
 * chromium.browser.test.ts bundles this file with esbuild for the browser and runs it in
 * Chromium. No node: imports, no Buffer. It reports every check; the Node side asserts them.
 */
import {
  base64url,
  decode,
  getCryptoBackend,
  hexToBytes,
  parseAuthenticatorData,
  setCryptoBackend,
  verifySignature,
} from '@fido2kit/cose';
import vectors from '../../cose/test/vectors/webauthn-l3-vectors.json';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '../src/index.js';
import { type CheckResult, check } from './harness/check.js';

interface Vector {
  name: string;
  fields: Record<string, Record<string, string>>;
}
export type SmokeResult = CheckResult;

const list = vectors as unknown as Vector[];
const ca = hexToBytes((list[0]!.fields as unknown as Record<string, string>).attestation_ca_cert!);
const b64 = (h: string) => base64url.encode(hexToBytes(h));

function credentialKey(v: Vector): Uint8Array {
  const m = decode<Map<string, unknown>>(hexToBytes(v.fields.registration!.attestationObject!), {
    canonical: false,
  });
  return parseAuthenticatorData(m.get('authData') as Uint8Array).attestedCredentialData!.credentialPublicKey;
}

export async function smoke(): Promise<SmokeResult[]> {
  const out: SmokeResult[] = [];
  out.push({ name: `default backend: ${getCryptoBackend().name}`, ok: true });
  const pairs = list.filter((v) => v.fields.registration && v.fields.authentication);
  // @noble has no RSA: the noble backend is skipped for the RS256 pair (WebCrypto covers RSA).
  const runs = (backend: string, v: Vector) => !(backend === 'noble' && v.name.includes('RS256'));
  for (const backend of ['webcrypto', 'noble'] as const) {
    for (const v of pairs.filter((p) => runs(backend, p))) {
      const a = v.fields.authentication!;
      const publicKey = credentialKey(v);
      const cd = hexToBytes(a.clientDataJSON!);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', cd as Uint8Array<ArrayBuffer>));
      const data = new Uint8Array([...hexToBytes(a.authenticatorData!), ...digest]);
      await check(out, `${backend} verifySignature ${v.name}`, () =>
        verifySignature({ publicKey, data, signature: hexToBytes(a.signature!), backend }),
      );
      await check(out, `${backend} verifySignature rejects a changed message ${v.name}`, async () => {
        const bad = data.slice();
        bad[bad.length - 1]! ^= 1;
        return !(await verifySignature({
          publicKey,
          data: bad,
          signature: hexToBytes(a.signature!),
          backend,
        }));
      });
    }
  }
  for (const backend of ['webcrypto', 'noble'] as const) {
    setCryptoBackend(backend);
    try {
      for (const v of pairs.filter((p) => runs(backend, p))) {
        const a = v.fields.authentication!;
        const r = v.fields.registration!;
        const id = b64(r.credential_id!);
        const cd = JSON.parse(new TextDecoder().decode(hexToBytes(a.clientDataJSON!))) as {
          crossOrigin?: boolean;
        };
        await check(out, `${backend} verifyAuthenticationResponse ${v.name}`, async () => {
          const res = await verifyAuthenticationResponse({
            response: {
              id,
              rawId: id,
              type: 'public-key',
              response: {
                clientDataJSON: b64(a.clientDataJSON!),
                authenticatorData: b64(a.authenticatorData!),
                signature: b64(a.signature!),
              },
              clientExtensionResults: {},
            },
            expectedChallenge: b64(a.challenge!),
            expectedOrigin: 'https://example.org',
            expectedRPID: 'example.org',
            requireUserVerification: false,
            allowCrossOrigin: cd.crossOrigin === true,
            credential: { id, publicKey: credentialKey(v), counter: 0 },
          });
          return res.credentialId === id;
        });
      }
      const packed = pairs.find((v) => v.name === 'packed.ES256')!.fields.registration!;
      await check(
        out,
        `${backend} verifyRegistrationResponse packed.ES256 (x5c to the test CA)`,
        async () => {
          const id = b64(packed.credential_id!);
          const res = await verifyRegistrationResponse({
            response: {
              id,
              rawId: id,
              type: 'public-key',
              response: {
                clientDataJSON: b64(packed.clientDataJSON!),
                attestationObject: b64(packed.attestationObject!),
              },
              clientExtensionResults: {},
            },
            expectedChallenge: b64(packed.challenge!),
            expectedOrigin: 'https://example.org',
            expectedRPID: 'example.org',
            requireUserVerification: false,
            attestation: { trustAnchors: [ca], requireTrustedAttestation: true },
          });
          return res.attestation.trusted && res.credential.attestationFormat === 'packed';
        },
      );
    } finally {
      setCryptoBackend('auto');
    }
  }
  await check(out, 'generateAuthenticationOptions uses crypto.getRandomValues', async () => {
    const o = generateAuthenticationOptions({ rpID: 'example.org' });
    return base64url.decode(o.challenge).length === 32;
  });
  return out;
}
