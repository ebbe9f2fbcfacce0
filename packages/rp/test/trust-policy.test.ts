/**
 * Attestation trust as the RP configured it (issue 13 §2), as a table over one real registration:
 * a Feitian BioPass FIDO2 whose x5c ends in the self-signed "Feitian FIDO Root CA" (the vector and
 * its source: packages/attestation/test/vectors/feitian-biopass-packed.json). A root carried in
 * x5c is never an anchor; with no trust source configured the registration is accepted
 * untrusted; with any trust source (trustAnchors or metadata) the path must reach one of its
 * anchors unless `allowUntrustedAttestation`; `none` and self attestation carry no path and are
 * governed by `requireTrustedAttestation` alone.
 */
import { readFileSync } from 'node:fs';
import { loadMetadataBlob } from '@fido2kit/attestation';
import { createMetadataBlob, createMetadataEntry, createTestPki } from '@fido2kit/attestation/testing';
import { base64url, decode } from '@fido2kit/cose';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator, virtualKeyModel } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';
import {
  type AttestationPolicy,
  generateRegistrationOptions,
  verifyRegistrationResponse,
} from '../src/index.js';

const V = JSON.parse(
  readFileSync(
    new URL('../../attestation/test/vectors/feitian-biopass-packed.json', import.meta.url),
    'utf8',
  ),
);
const NOW = new Date(V.now);
const FEITIAN_ROOT = (
  (
    decode(base64url.decode(V.response.response.attestationObject), { canonical: false }) as Map<
      string,
      unknown
    >
  ).get('attStmt') as Map<string, Uint8Array[]>
).get('x5c')?.[2] as Uint8Array;
// The AAGUID of this early firmware is the ASCII text "B82ED73C8FB4E5A2".
const FEITIAN_AAGUID = '42383245-4437-3343-3846-423445354132';

async function catalog(withFeitian: boolean) {
  const pki = await createTestPki({ now: NOW, name: 'trust policy test' });
  const entries = [
    createMetadataEntry({
      aaguid: virtualKeyModel.aaguid,
      description: virtualKeyModel.description,
      attestationRootCertificates: [virtualKeyModel.rootCertificate],
    }),
    ...(withFeitian
      ? [
          createMetadataEntry({
            aaguid: FEITIAN_AAGUID,
            description: 'Feitian BioPass FIDO2',
            attestationRootCertificates: [FEITIAN_ROOT],
          }),
        ]
      : []),
  ];
  return loadMetadataBlob(await createMetadataBlob({ pki, entries }), {
    rootCertificate: pki.root.pem,
    crl: { crls: pki.crls },
    now: NOW,
  });
}

function feitian(attestation: AttestationPolicy | undefined) {
  return verifyRegistrationResponse({
    response: V.response,
    expectedChallenge: V.challenge,
    expectedOrigin: V.origin,
    expectedRPID: V.rpId,
    now: NOW,
    ...(attestation ? { attestation } : {}),
  });
}

const OTHER_ANCHOR = virtualKeyModel.rootCertificatePem;

describe('trust policy table: a Feitian registration whose x5c carries its root', () => {
  const rows: [
    string,
    () => Promise<AttestationPolicy | undefined>,
    boolean | 'ERR_ATTESTATION_UNTRUSTED',
  ][] = [
    ['no trust source configured', async () => undefined, false],
    [
      'no trust source, requireTrustedAttestation',
      async () => ({ requireTrustedAttestation: true }),
      'ERR_ATTESTATION_UNTRUSTED',
    ],
    [
      'trust anchors without Feitian',
      async () => ({ trustAnchors: [OTHER_ANCHOR] }),
      'ERR_ATTESTATION_UNTRUSTED',
    ],
    [
      'trust anchors without Feitian, allowUntrustedAttestation',
      async () => ({ trustAnchors: [OTHER_ANCHOR], allowUntrustedAttestation: true }),
      false,
    ],
    [
      'metadata without Feitian',
      async () => ({ metadata: await catalog(false) }),
      'ERR_ATTESTATION_UNTRUSTED',
    ],
    [
      'metadata without Feitian, allowUntrustedAttestation',
      async () => ({ metadata: await catalog(false), allowUntrustedAttestation: true }),
      false,
    ],
    [
      'allowUntrustedAttestation does not lift requireTrustedAttestation',
      async () => ({
        trustAnchors: [OTHER_ANCHOR],
        allowUntrustedAttestation: true,
        requireTrustedAttestation: true,
      }),
      'ERR_ATTESTATION_UNTRUSTED',
    ],
    ['the Feitian root as a trust anchor', async () => ({ trustAnchors: [FEITIAN_ROOT] }), true],
    [
      'the Feitian root as an anchor, requireTrustedAttestation',
      async () => ({ trustAnchors: [OTHER_ANCHOR, FEITIAN_ROOT], requireTrustedAttestation: true }),
      true,
    ],
    ['metadata listing the Feitian root', async () => ({ metadata: await catalog(true) }), true],
  ];

  it.each(rows)('%s', async (_, policy, expected) => {
    const run = feitian(await policy());
    if (expected === 'ERR_ATTESTATION_UNTRUSTED') {
      await expect(run).rejects.toMatchObject({ code: 'ERR_ATTESTATION_UNTRUSTED' });
      return;
    }
    const result = await run;
    expect(result.attestation.fmt).toBe('packed');
    expect(result.attestation.trusted).toBe(expected);
    // the carried root is on the validated path either way, and never made it trusted by itself
    expect(result.attestation.trustPath.at(-1)).toEqual(FEITIAN_ROOT);
    expect(result.credential.aaguid).toBe(FEITIAN_AAGUID);
  });
});

describe('none and self attestation carry no path: only requireTrustedAttestation refuses them', () => {
  for (const mode of ['none', 'self'] as const) {
    it(`${mode} registers with trust anchors configured; refused only with requireTrustedAttestation`, async () => {
      // another model than the catalog's (whose statement lists basic_full only)
      const authenticator = new VirtualAuthenticator({
        attestation: mode,
        pin: '1234',
        aaguid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      });
      const client = new WebAuthnClient({
        device: authenticator.device(),
        origin: 'https://example.com',
        onPinRequired: () => '1234',
      });
      const run = async (attestation: AttestationPolicy) => {
        const options = generateRegistrationOptions({
          rpName: 'Example',
          rpID: 'example.com',
          user: { name: 'a', displayName: 'A' },
          attestation: mode === 'none' ? 'none' : 'direct',
        });
        return verifyRegistrationResponse({
          response: (await client.create(options as never)) as never,
          expectedChallenge: options.challenge,
          expectedOrigin: 'https://example.com',
          expectedRPID: 'example.com',
          attestation,
        });
      };
      const ok = await run({ trustAnchors: [OTHER_ANCHOR], metadata: await catalog(false) });
      expect(ok.attestation.trusted).toBe(false);
      expect(ok.attestation.trustPath).toEqual([]);
      await expect(
        run({ trustAnchors: [OTHER_ANCHOR], requireTrustedAttestation: true }),
      ).rejects.toMatchObject({
        code: 'ERR_ATTESTATION_UNTRUSTED',
      });
    });
  }
});
