/**
 * The "fido2kit Virtual Security Key" model (issue 19): one AAGUID, one shipped attestation root,
 * one metadata statement. A key made today and a key restored from a state saved before the model
 * existed (test/vectors/state-before-model.json in @fido2kit/virtual-authenticator, written by
 * the package at commit 795ad3f) both register against the shipped statement with attestation
 * enforced, as every key of a real vendor's model does.
 */
import { readFileSync } from 'node:fs';
import { loadMetadataBlob } from '@fido2kit/attestation';
import { createMetadataBlob, createTestPki } from '@fido2kit/attestation/testing';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator, virtualKeyModel } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';
import { generateRegistrationOptions, verifyRegistrationResponse } from '../src/index.js';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const NOW = new Date('2026-06-01T00:00:00Z');

const OLD_STATE = JSON.parse(
  readFileSync(
    new URL('../../virtual-authenticator/test/vectors/state-before-model.json', import.meta.url),
    'utf8',
  ),
);

async function catalog() {
  const pki = await createTestPki({ now: NOW, name: 'model test metadata' });
  const blob = await createMetadataBlob({
    pki,
    nextUpdate: '2027-01-01',
    entries: [
      {
        aaguid: virtualKeyModel.aaguid,
        metadataStatement: virtualKeyModel.metadataStatement,
        statusReports: [{ status: 'NOT_FIDO_CERTIFIED', effectiveDate: '2025-01-01' }],
        timeOfLastStatusChange: '2025-01-01',
      },
    ],
  });
  return loadMetadataBlob(blob, { rootCertificate: pki.root.pem, crl: { crls: pki.crls }, now: NOW });
}

async function register(
  authenticator: VirtualAuthenticator,
  attestation: Parameters<typeof verifyRegistrationResponse>[0]['attestation'],
) {
  const client = new WebAuthnClient({
    device: authenticator.device(),
    origin: ORIGIN,
    onPinRequired: () => '123456',
  });
  const options = generateRegistrationOptions({
    rpName: 'Example',
    rpID: RP_ID,
    user: { name: 'bob', displayName: 'Bob' },
    attestation: 'direct',
    authenticatorSelection: { residentKey: 'required' },
  });
  const response = await client.create(options as never);
  return verifyRegistrationResponse({
    response: response as never,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    now: NOW,
    attestation,
  });
}

describe('the virtual key model', () => {
  const u2f: [string, () => VirtualAuthenticator] = [
    'a key made fresh with fido-u2f attestation',
    () => new VirtualAuthenticator({ attestation: 'fido-u2f', pin: '123456' }),
  ];
  // The statement is the FIDO2 one (found by AAGUID); fido-u2f keys carry no AAGUID, so they are
  // judged by the root alone.
  const keys: [string, () => VirtualAuthenticator][] = [
    ['a key made fresh', () => new VirtualAuthenticator({ pin: '123456' })],
    [
      'a key restored from a state saved before the model',
      () => VirtualAuthenticator.fromState(structuredClone(OLD_STATE)),
    ],
  ];

  it.each(keys)(
    '%s registers against the shipped metadata statement, attestation enforced',
    async (_, make) => {
      const metadata = await catalog();
      const result = await register(make(), {
        metadata,
        requireTrustedAttestation: true,
        allowedAaguids: [virtualKeyModel.aaguid],
      });
      expect(result.attestation.trusted).toBe(true);
      expect(result.attestation.trustPath.at(-1)).toEqual(virtualKeyModel.rootCertificate);
      expect(result.attestation.metadata?.metadataStatement?.description).toBe(
        'fido2kit Virtual Security Key',
      );
    },
  );

  it.each([...keys, u2f])('%s registers with the shipped root as the only trust anchor', async (_, make) => {
    const result = await register(make(), {
      trustAnchors: [virtualKeyModel.rootCertificatePem],
      requireTrustedAttestation: true,
    });
    expect(result.attestation.trusted).toBe(true);
  });

  it('the packed statement is found by AAGUID and names the model', async () => {
    const result = await register(new VirtualAuthenticator({ pin: '123456' }), {
      metadata: await catalog(),
      requireTrustedAttestation: true,
    });
    expect(result.credential.aaguid).toBe(virtualKeyModel.aaguid);
    expect(result.attestation.metadata?.metadataStatement?.description).toBe('fido2kit Virtual Security Key');
  });

  it('a key with its own CA does not chain to the model root', async () => {
    const perKey = new VirtualAuthenticator({ attestationIdentity: 'per-key', pin: '123456' });
    await expect(
      register(perKey, {
        trustAnchors: [virtualKeyModel.rootCertificatePem],
        requireTrustedAttestation: true,
      }),
    ).rejects.toMatchObject({ code: 'ERR_ATTESTATION_UNTRUSTED' });
    const own = await register(perKey, {
      trustAnchors: [perKey.attestationCaCertificate],
      requireTrustedAttestation: true,
    });
    expect(own.attestation.trusted).toBe(true);
  });
});
