/** The key-management suite's CredentialManagement (0x0A) tests. */
import { type CborValue, utf8Encode } from '@fido2kit/cose';
import { CredentialManagement, CTAP2_COMMANDS } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import { hash, PIN, rejectsWith } from './harness.js';
import type { ManagementSuiteContext } from './management-context.js';

/** The key-management suite's CredentialManagement (0x0A) tests. */
export function defineCredentialManagementTests({ key, token, makeRk }: ManagementSuiteContext): void {
  describe('CredentialManagement (0x0A)', () => {
    it('getInfo advertises credMgmt; metadata counts existing and remaining credentials', async () => {
      const { ctap } = await key({ pin: PIN, residentKeyCapacity: 10 });
      expect(ctap.info.options.credMgmt).toBe(true);
      const cm = await CredentialManagement.open(ctap, { pin: PIN });
      expect(cm.command).toBe(CTAP2_COMMANDS.credentialManagement);
      expect(await cm.getCredsMetadata()).toEqual({
        existingResidentCredentialsCount: 0,
        maxPossibleRemainingResidentCredentialsCount: 10,
      });
      expect(await cm.enumerateRps()).toEqual([]);
      await makeRk(ctap, 'a.example', 'alice');
      await makeRk(ctap, 'b.example', 'bob');
      await makeRk(ctap, 'a.example', 'carol');
      const cm2 = await CredentialManagement.open(ctap, { pin: PIN });
      expect(await cm2.getCredsMetadata()).toEqual({
        existingResidentCredentialsCount: 3,
        maxPossibleRemainingResidentCredentialsCount: 7,
      });
    });

    it('enumerates RPs and their credentials as typed results', async () => {
      const { ctap } = await key({ pin: PIN });
      const a = await makeRk(ctap, 'a.example', 'alice', {
        extensions: { credProtect: 2, largeBlobKey: true },
      });
      await makeRk(ctap, 'a.example', 'carol');
      await makeRk(ctap, 'b.example', 'bob');
      const cm = await CredentialManagement.open(ctap, { pin: PIN });
      const rps = await cm.enumerateRps();
      expect(rps.map((r) => r.rp)).toEqual([
        { id: 'a.example', name: 'RP a.example' },
        { id: 'b.example', name: 'RP b.example' },
      ]);
      expect(rps[0]?.rpIdHash).toEqual(hash('a.example'));
      const creds = await cm.enumerateCredentials('a.example');
      expect(creds.map((c) => c.user.name).sort()).toEqual(['alice', 'carol']);
      const alice = creds.find((c) => c.user.name === 'alice')!;
      expect(alice.user).toEqual({ id: utf8Encode('alice-id'), name: 'alice', displayName: 'ALICE' });
      expect(alice.credentialId).toEqual({ type: 'public-key', id: a.id });
      expect(alice.credProtect).toBe(2);
      expect(alice.largeBlobKey).toEqual(a.made.largeBlobKey);
      expect(alice.publicKey.get(1)).toBe(2); // kty EC2
      expect(alice.publicKey.get(3)).toBe(-7);
      expect(alice.publicKey.get(-2)).toEqual(
        (a.made.authenticatorData.attestedCredentialData!.publicKey as { x: Uint8Array }).x,
      );
      // by hash too
      expect((await cm.enumerateCredentials(hash('b.example'))).map((c) => c.user.name)).toEqual(['bob']);
      expect(await cm.enumerateCredentials('nobody.example')).toEqual([]);
    });

    it('a token without cm cannot enumerate or read metadata', async () => {
      const { ctap } = await key({ pin: PIN });
      await makeRk(ctap, 'a.example', 'alice');
      const t = await token(ctap, ['mc', 'ga'], 'a.example');
      const cm = new CredentialManagement(ctap, t.protocol, t.token);
      await rejectsWith(cm.enumerateRps(), 'CTAP2_ERR_PIN_AUTH_INVALID');
      await rejectsWith(cm.getCredsMetadata(), 'CTAP2_ERR_PIN_AUTH_INVALID');
      await rejectsWith(cm.enumerateCredentials('a.example'), 'CTAP2_ERR_PIN_AUTH_INVALID');
    });

    it("a token bound to one RP cannot delete another RP's credential", async () => {
      const { ctap } = await key({ pin: PIN });
      const a = await makeRk(ctap, 'a.example', 'alice');
      const b = await makeRk(ctap, 'b.example', 'bob');
      const cm = await CredentialManagement.open(ctap, { pin: PIN, rpId: 'a.example' });
      await rejectsWith(cm.deleteCredential(b.id), 'CTAP2_ERR_PIN_AUTH_INVALID');
      await rejectsWith(cm.enumerateCredentials('b.example'), 'CTAP2_ERR_PIN_AUTH_INVALID');
      // whole-key subcommands need an unbound token
      await rejectsWith(cm.getCredsMetadata(), 'CTAP2_ERR_PIN_AUTH_INVALID');
      await rejectsWith(cm.enumerateRps(), 'CTAP2_ERR_PIN_AUTH_INVALID');
      expect((await cm.enumerateCredentials('a.example')).length).toBe(1);
      await cm.deleteCredential(a.id);
      const all = await CredentialManagement.open(ctap, { pin: PIN });
      expect((await all.enumerateRps()).map((r) => r.rp.id)).toEqual(['b.example']);
    });

    it('deleting the last credential of an RP removes the RP from enumeration', async () => {
      const { ctap } = await key({ pin: PIN });
      const a1 = await makeRk(ctap, 'a.example', 'alice');
      const a2 = await makeRk(ctap, 'a.example', 'carol');
      await makeRk(ctap, 'b.example', 'bob');
      const cm = await CredentialManagement.open(ctap, { pin: PIN });
      await cm.deleteCredential(a1.id);
      expect((await cm.enumerateRps()).map((r) => r.rp.id)).toEqual(['a.example', 'b.example']);
      await cm.deleteCredential({ type: 'public-key', id: a2.id });
      expect((await cm.enumerateRps()).map((r) => r.rp.id)).toEqual(['b.example']);
      expect((await cm.getCredsMetadata()).existingResidentCredentialsCount).toBe(1);
      await rejectsWith(cm.deleteCredential(a2.id), 'CTAP2_ERR_NO_CREDENTIALS');
      // the deleted credential no longer signs
      await rejectsWith(
        ctap.getAssertion({ rpId: 'a.example', clientDataHash: hash('x'), options: { up: false } }),
        'CTAP2_ERR_NO_CREDENTIALS',
      );
    });

    it('updateUserInformation replaces name and displayName; another user id is refused', async () => {
      const { ctap } = await key({ pin: PIN });
      const a = await makeRk(ctap, 'a.example', 'alice');
      const cm = await CredentialManagement.open(ctap, { pin: PIN });
      await cm.updateUserInformation(a.id, {
        id: utf8Encode('alice-id'),
        name: 'alice@new',
        displayName: 'Alice N.',
      });
      expect((await cm.enumerateCredentials('a.example'))[0]?.user).toEqual({
        id: utf8Encode('alice-id'),
        name: 'alice@new',
        displayName: 'Alice N.',
      });
      await cm.updateUserInformation(a.id, { id: utf8Encode('alice-id'), name: 'only-name' });
      expect((await cm.enumerateCredentials('a.example'))[0]?.user).toEqual({
        id: utf8Encode('alice-id'),
        name: 'only-name',
      });
      await rejectsWith(
        cm.updateUserInformation(a.id, { id: utf8Encode('mallory'), name: 'x' }),
        'CTAP1_ERR_INVALID_PARAMETER',
      );
    });

    it('raw protocol: no pinUvAuthParam, GetNext without Begin, unknown subcommand', async () => {
      const { ctap } = await key({ pin: PIN });
      await makeRk(ctap, 'a.example', 'alice');
      const send = (m: [number, CborValue][]) => ctap.send(CTAP2_COMMANDS.credentialManagement, new Map(m));
      await rejectsWith(send([[1, 0x01]]), 'CTAP2_ERR_PUAT_REQUIRED');
      await rejectsWith(send([[1, 0x03]]), 'CTAP2_ERR_NOT_ALLOWED');
      await rejectsWith(send([[1, 0x05]]), 'CTAP2_ERR_NOT_ALLOWED');
      await rejectsWith(send([[1, 0x42]]), 'CTAP2_ERR_INVALID_SUBCOMMAND');
    });

    it('a FIDO_2_1_PRE key is managed through the preview command 0x41', async () => {
      const { ctap } = await key({ pin: PIN, managementPreview: true });
      expect(ctap.info.versions).toContain('FIDO_2_1_PRE');
      expect(ctap.info.options.credentialMgmtPreview).toBe(true);
      expect(ctap.info.options.credMgmt).toBeUndefined();
      await makeRk(ctap, 'a.example', 'alice');
      const cm = await CredentialManagement.open(ctap, { pin: PIN });
      expect(cm.command).toBe(CTAP2_COMMANDS.credentialManagementPreview);
      expect((await cm.enumerateRps()).map((r) => r.rp.id)).toEqual(['a.example']);
      await rejectsWith(
        ctap.send(CTAP2_COMMANDS.credentialManagement, new Map([[1, 1]])),
        'CTAP1_ERR_INVALID_COMMAND',
      );
    });

    it('open() without a PIN on a key without UV is not supported', async () => {
      const { ctap } = await key({ pin: PIN });
      await rejectsWith(CredentialManagement.open(ctap), 'ERR_NOT_SUPPORTED');
    });
  });
}
