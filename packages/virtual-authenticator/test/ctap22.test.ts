/**
 * CTAP 2.2 on the virtual key, through ctap2's client: the persistent read-only
 * credential-management token (permission pcmr, getInfo option perCredMgmtRO, CTAP 2.2
 * §6.5.5.7 and §6.8) and the thirdPartyPayment extension (CTAP 2.2 §12.9).
 */
import { sha256, utf8Encode } from '@fido2kit/cose';
import { ClientPin, CredentialManagement, Ctap2, pinUvAuthProtocol } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import { VirtualAuthenticator } from '../src/index.js';

const PIN = '1234';

async function withCredentials(authenticator: VirtualAuthenticator) {
  const ctap = await Ctap2.open(authenticator.device());
  for (const [name, payment] of [
    ['alice', true],
    ['bob', false],
  ] as const) {
    const t = await new ClientPin(ctap).getPinUvAuthTokenUsingPinWithPermissions(PIN, ['mc'], 'example.com');
    const clientDataHash = sha256(utf8Encode(name));
    await ctap.makeCredential({
      clientDataHash,
      rp: { id: 'example.com', name: 'Example' },
      user: { id: utf8Encode(name), name, displayName: name },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      options: { rk: true },
      ...(payment ? { extensions: { thirdPartyPayment: true } } : {}),
      pinUvAuthProtocol: t.protocol.version,
      pinUvAuthParam: t.protocol.authenticate(t.token, clientDataHash),
    });
  }
  return ctap;
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('the persistent read-only credential-management token (pcmr)', () => {
  it('getInfo offers perCredMgmtRO; the token reads, survives a power cycle and a restore, never writes', async () => {
    const authenticator = new VirtualAuthenticator({ pin: PIN });
    const ctap = await withCredentials(authenticator);
    expect(ctap.info.options.perCredMgmtRO).toBe(true);

    const cm = await CredentialManagement.openReadOnly(ctap, { pin: PIN });
    expect((await cm.getCredsMetadata()).existingResidentCredentialsCount).toBe(2);
    const saved = { version: cm.protocol.version, token: cm.pinUvAuthToken };

    // unplug and replug: the session token is gone, the persistent one reads on
    authenticator.powerCycle();
    const again = new CredentialManagement(
      await Ctap2.open(authenticator.device()),
      pinUvAuthProtocol(saved.version),
      saved.token,
    );
    const rps = await again.enumerateRps();
    expect(rps.map((r) => r.rp.id)).toEqual(['example.com']);
    const creds = await again.enumerateCredentials('example.com');
    expect(creds.map((c) => c.user.name).sort()).toEqual(['alice', 'bob']);
    expect(creds.find((c) => c.user.name === 'alice')?.thirdPartyPayment).toBe(true);
    expect(creds.find((c) => c.user.name === 'bob')?.thirdPartyPayment).toBe(false);

    // writes are refused (CTAP 2.2 §6.8: deleteCredential and updateUserInformation need cm)
    const first = creds[0]!;
    expect(await code(again.deleteCredential(first.credentialId))).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
    expect(
      await code(again.updateUserInformation(first.credentialId, { id: first.user.id, name: 'mallory' })),
    ).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
    expect(authenticator.credentials).toHaveLength(2);

    // the key brought back from its exported state still honours it
    const restored = VirtualAuthenticator.fromState(JSON.parse(JSON.stringify(authenticator.exportState())));
    const fromState = new CredentialManagement(
      await Ctap2.open(restored.device()),
      pinUvAuthProtocol(saved.version),
      saved.token,
    );
    expect((await fromState.getCredsMetadata()).existingResidentCredentialsCount).toBe(2);
  });

  it('is asked for alone, and a PIN change revokes it', async () => {
    const authenticator = new VirtualAuthenticator({ pin: PIN });
    const ctap = await withCredentials(authenticator);
    const pin = new ClientPin(ctap);
    expect(await code(pin.getPinUvAuthTokenUsingPinWithPermissions(PIN, ['pcmr', 'cm']))).toBe(
      'CTAP1_ERR_INVALID_PARAMETER',
    );
    const cm = await CredentialManagement.openReadOnly(ctap, { pin: PIN });
    await pin.changePin(PIN, '5678');
    expect(await code(cm.getCredsMetadata())).toBe('CTAP2_ERR_PIN_AUTH_INVALID');
  });

  it('built-in UV gets it too (getPinUvAuthTokenUsingUvWithPermissions with pcmr)', async () => {
    const authenticator = new VirtualAuthenticator({ fingerprints: 1 });
    const ctap = await Ctap2.open(authenticator.device());
    expect(ctap.info.options.perCredMgmtRO).toBe(true);
    const t = await new ClientPin(ctap).getPinUvAuthTokenUsingUvWithPermissions(['pcmr']);
    authenticator.powerCycle();
    const cm = new CredentialManagement(await Ctap2.open(authenticator.device()), t.protocol, t.token);
    expect(await cm.getCredsMetadata()).toEqual({
      existingResidentCredentialsCount: 0,
      maxPossibleRemainingResidentCredentialsCount: 25,
    });
  });

  it('a key without credential management does not offer it, and the client says so', async () => {
    const authenticator = new VirtualAuthenticator({ pin: PIN, credentialManagement: false });
    const ctap = await Ctap2.open(authenticator.device());
    expect(ctap.info.options.perCredMgmtRO).toBeUndefined();
    expect(await code(CredentialManagement.openReadOnly(ctap, { pin: PIN }))).toBe('ERR_NOT_SUPPORTED');
    expect(await code(new ClientPin(ctap).getPinUvAuthTokenUsingPinWithPermissions(PIN, ['pcmr']))).toBe(
      'CTAP2_ERR_UNAUTHORIZED_PERMISSION',
    );
  });
});

describe('thirdPartyPayment (CTAP 2.2 §12.9)', () => {
  it('getAssertion reports whether the credential was made for third-party payment', async () => {
    const authenticator = new VirtualAuthenticator({ pin: PIN });
    const ctap = await withCredentials(authenticator);
    expect(ctap.info.extensions).toContain('thirdPartyPayment');
    const pin = new ClientPin(ctap);
    const seen: Record<string, unknown> = {};
    for (const c of authenticator.credentials) {
      const t = await pin.getPinUvAuthTokenUsingPinWithPermissions(PIN, ['ga'], 'example.com');
      const clientDataHash = sha256(c.credentialId);
      const r = await ctap.getAssertion({
        rpId: 'example.com',
        clientDataHash,
        allowList: [{ type: 'public-key', id: c.credentialId }],
        extensions: { thirdPartyPayment: true },
        pinUvAuthProtocol: t.protocol.version,
        pinUvAuthParam: t.protocol.authenticate(t.token, clientDataHash),
      });
      seen[c.user.name ?? ''] = r.authenticatorData.extensions?.get('thirdPartyPayment');
    }
    expect(seen).toEqual({ alice: true, bob: false });
  });

  it('refuses a non-boolean input with CTAP2_ERR_CBOR_UNEXPECTED_TYPE', async () => {
    const ctap = await Ctap2.open(new VirtualAuthenticator().device());
    const r = ctap.makeCredential({
      clientDataHash: new Uint8Array(32),
      rp: { id: 'example.com' },
      user: { id: utf8Encode('u') },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      extensions: { thirdPartyPayment: 1 },
    });
    expect(await code(r)).toBe('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  });
});
