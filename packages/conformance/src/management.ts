/**
 * The key-management suite: `@fido2kit/ctap2`'s CredentialManagement, BioEnrollment,
 * AuthenticatorConfig, LargeBlobs and Ctap1 driving a `VirtualAuthenticator` through whatever
 * `CtapDevice` the caller builds (in memory, the simulated HID device, the virtual PC/SC card):
 * every subcommand, its permissions and error paths, and property tests over random sequences.
 */
import { createPublicKey, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { type CborValue, concatBytes, sha256, utf8Decode, utf8Encode, verifySignature } from '@fido2kit/cose';
import {
  AuthenticatorConfig,
  BioEnrollment,
  ClientPin,
  CredentialManagement,
  CTAP2_COMMANDS,
  Ctap1,
  Ctap2,
  EMPTY_LARGE_BLOB_ARRAY,
  type EnrollSample,
  LargeBlobs,
  type MakeCredentialParams,
  type PinUvAuthPermission,
  serializeLargeBlobArray,
} from '@fido2kit/ctap2';
import type { VirtualAuthenticatorOptions } from '@fido2kit/virtual-authenticator';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { MakeSuiteDevice, SuiteDevice } from './index.js';

const PIN = '1234';
const hash = (s: string) => sha256(utf8Encode(s));

function code(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

async function rejectsWith(p: Promise<unknown>, expected: string): Promise<unknown> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(code(e), `expected ${expected}`).toBe(expected);
  return e;
}

function spki(cert: Uint8Array) {
  return new X509Certificate(cert).publicKey;
}

function uncompressedToKey(point: Uint8Array) {
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(point.subarray(33, 65)).toString('base64url'),
    },
    format: 'jwk',
  });
}

/**
 * Defines the key-management suite as vitest `describe` blocks; `makeDevice` has the shape of
 * {@link defineCtap2Suite}'s, so each transport reruns it unchanged.
 *
 * @param name shown in the test names (e.g. "in memory", "CTAPHID", "NFC")
 * @param makeDevice builds a device around a new authenticator; called for each test
 * @example
 * ```ts
 * defineManagementSuite('in memory', async (options) => {
 *   const authenticator = new VirtualAuthenticator(options);
 *   return { device: authenticator.device(), authenticator, close: async () => {} };
 * });
 * ```
 */
export function defineManagementSuite(name: string, makeDevice: MakeSuiteDevice): void {
  const open: SuiteDevice[] = [];
  async function key(options: VirtualAuthenticatorOptions = {}) {
    const d = await makeDevice({
      attestation: 'none',
      presenceTimeoutMs: 500,
      keepaliveIntervalMs: 20,
      ...options,
    });
    open.push(d);
    const ctap = await Ctap2.open(d.device);
    return { ...d, ctap };
  }
  async function token(ctap: Ctap2, permissions: PinUvAuthPermission[], rpId?: string) {
    return new ClientPin(ctap).getPinUvAuthToken({ pin: PIN, permissions, ...(rpId ? { rpId } : {}) });
  }
  /** A discoverable credential made with a PIN token (or none on an unprotected key). */
  async function makeRk(ctap: Ctap2, rpId: string, user: string, extra: Partial<MakeCredentialParams> = {}) {
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
  }

  describe(`key management ↔ virtual authenticator (${name})`, () => {
    afterEach(async () => {
      for (const d of open.splice(0)) await d.close();
    });

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

    describe('BioEnrollment (0x09)', () => {
      it('getFingerprintSensorInfo and getModality', async () => {
        const { ctap } = await key({
          pin: PIN,
          fingerprints: 0,
          fingerprintSensor: { samplesRequired: 3, maxTemplateFriendlyName: 16 },
        });
        expect(ctap.info.options.bioEnroll).toBe(false);
        const bio = new BioEnrollment(ctap);
        expect(await bio.getModality()).toBe(1);
        expect(await bio.getFingerprintSensorInfo()).toEqual({
          modality: 1,
          fingerprintKind: 1,
          kind: 'touch',
          maxCaptureSamplesRequiredForEnroll: 3,
          maxTemplateFriendlyName: 16,
        });
      });

      it('enroll reports every sample and the samples remaining; the new finger does built-in UV', async () => {
        const { ctap, authenticator, device } = await key({ pin: PIN, fingerprints: 0 });
        authenticator.sensor.script(['good', 'too-fast', 'good', 'too-high', 'poor-quality', 'good', 'good']);
        const bio = await BioEnrollment.open(ctap, { pin: PIN });
        const samples: EnrollSample[] = [];
        const keepalives: string[] = [];
        const id = await bio.enroll({
          onSample: (s) => samples.push(s),
          onKeepalive: (s) => keepalives.push(s),
          friendlyName: 'Right thumb',
        });
        expect(samples.map((s) => [s.status, s.remainingSamples])).toEqual([
          ['good', 3],
          ['too-fast', 3],
          ['good', 2],
          ['too-high', 2],
          ['poor-quality', 2],
          ['good', 1],
          ['good', 0],
        ]);
        expect(samples.every((s) => s.templateId.length > 0)).toBe(true);
        // USB pushes keepalives while the key waits; NFC only answers 9100 to a poll that finds
        // the card still busy, which an instant scripted sample never is.
        if (device.transport !== 'nfc') expect(keepalives).toContain('user-presence-needed');
        expect(await bio.enumerateEnrollments()).toEqual([{ templateId: id, friendlyName: 'Right thumb' }]);
        await ctap.getInfo();
        expect(ctap.info.options.uv).toBe(true);
        expect(ctap.info.options.bioEnroll).toBe(true);
        const uvToken = await new ClientPin(ctap).getPinUvAuthToken({
          permissions: ['ga'],
          rpId: 'a.example',
        });
        expect(uvToken.token.length).toBe(32);
      });

      it('enrollment cancelled midway leaves no template', async () => {
        const { ctap, authenticator } = await key({ pin: PIN, fingerprints: 0, presenceTimeoutMs: 5_000 });
        // the second sample never comes: the user walks away and the platform aborts
        authenticator.sensor.script(['good', 'timeout']);
        const bio = await BioEnrollment.open(ctap, { pin: PIN });
        const controller = new AbortController();
        const first: EnrollSample[] = [];
        const p = bio.enroll({
          signal: controller.signal,
          onSample: (s) => {
            first.push(s);
            setTimeout(() => controller.abort(), 30);
          },
        });
        await rejectsWith(p, 'ERR_ABORTED');
        expect(first.length).toBe(1);
        expect(await bio.enumerateEnrollments()).toEqual([]);
        await rejectsWith(bio.enrollCaptureNextSample(first[0]!.templateId), 'CTAP1_ERR_INVALID_PARAMETER');
        // and an explicit cancel between samples too
        const begun = await bio.enrollBegin();
        await bio.cancelEnrollment();
        await rejectsWith(bio.enrollCaptureNextSample(begun.templateId), 'CTAP1_ERR_INVALID_PARAMETER');
        expect(await bio.enumerateEnrollments()).toEqual([]);
      });

      it('a sample that never comes times out', async () => {
        const { ctap, authenticator } = await key({ pin: PIN, fingerprints: 0, presenceTimeoutMs: 60 });
        authenticator.sensor.script(['timeout']);
        const bio = await BioEnrollment.open(ctap, { pin: PIN });
        await rejectsWith(bio.enrollBegin(), 'CTAP2_ERR_USER_ACTION_TIMEOUT');
      });

      it('rename and remove; too long a name; unknown templates; the last removal turns uv off', async () => {
        const { ctap } = await key({
          pin: PIN,
          fingerprints: 0,
          fingerprintSensor: { samplesRequired: 1, maxTemplateFriendlyName: 8 },
        });
        const bio = await BioEnrollment.open(ctap, { pin: PIN });
        const a = await bio.enroll();
        const b = await bio.enroll();
        await bio.setFriendlyName(a, 'Thumb');
        await rejectsWith(bio.setFriendlyName(a, 'Much too long'), 'CTAP1_ERR_INVALID_LENGTH');
        await rejectsWith(bio.setFriendlyName(Uint8Array.of(1, 2, 3), 'x'), 'CTAP2_ERR_INVALID_OPTION');
        const list = await bio.enumerateEnrollments();
        expect(list.find((e) => e.templateId.join() === a.join())?.friendlyName).toBe('Thumb');
        expect(list.length).toBe(2);
        await bio.removeEnrollment(a);
        await rejectsWith(bio.removeEnrollment(a), 'CTAP2_ERR_INVALID_OPTION');
        await bio.removeEnrollment(b);
        expect(await bio.enumerateEnrollments()).toEqual([]);
        await ctap.getInfo();
        expect(ctap.info.options.uv).toBe(false);
      });

      it('a full sensor refuses another finger; a token without be is refused', async () => {
        const { ctap } = await key({
          pin: PIN,
          fingerprints: 1,
          fingerprintSensor: { samplesRequired: 1, maxTemplates: 1 },
        });
        const bio = await BioEnrollment.open(ctap, { pin: PIN });
        await rejectsWith(bio.enrollBegin(), 'CTAP2_ERR_FP_DATABASE_FULL');
        const t = await token(ctap, ['mc']);
        const weak = new BioEnrollment(ctap, t.protocol, t.token);
        await rejectsWith(weak.enumerateEnrollments(), 'CTAP2_ERR_PIN_AUTH_INVALID');
        await rejectsWith(new BioEnrollment(ctap).enrollBegin(), 'ERR_PIN_REQUIRED');
      });
    });

    describe('AuthenticatorConfig (0x0D)', () => {
      it('an unprotected key toggles alwaysUv without a token', async () => {
        const { ctap } = await key();
        expect(ctap.info.options.authnrCfg).toBe(true);
        expect(ctap.info.options.alwaysUv).toBe(false);
        const config = await AuthenticatorConfig.open(ctap);
        await config.toggleAlwaysUv();
        expect(ctap.info.options.alwaysUv).toBe(true);
        await config.toggleAlwaysUv();
        expect(ctap.info.options.alwaysUv).toBe(false);
      });

      it('a PIN-protected key needs a token with acfg', async () => {
        const { ctap } = await key({ pin: PIN });
        await rejectsWith(new AuthenticatorConfig(ctap).toggleAlwaysUv(), 'CTAP2_ERR_PUAT_REQUIRED');
        const t = await token(ctap, ['mc']);
        await rejectsWith(
          new AuthenticatorConfig(ctap, t.protocol, t.token).toggleAlwaysUv(),
          'CTAP2_ERR_PIN_AUTH_INVALID',
        );
        const config = await AuthenticatorConfig.open(ctap, { pin: PIN });
        await config.toggleAlwaysUv();
        expect(ctap.info.options.alwaysUv).toBe(true);
      });

      it('setMinPINLength raises the minimum, names RPs, and forces a change of a short PIN', async () => {
        const { ctap } = await key({ pin: PIN, maxRPIDsForSetMinPINLength: 2 });
        const config = await AuthenticatorConfig.open(ctap, { pin: PIN });
        await config.setMinPINLength({ newMinPINLength: 6, minPinLengthRPIDs: ['a.example'] });
        expect(ctap.info.minPINLength).toBe(6);
        expect(ctap.info.maxRPIDsForSetMinPINLength).toBe(2);
        expect(ctap.info.forcePINChange).toBe(true);
        await rejectsWith(token(ctap, ['mc']), 'CTAP2_ERR_PIN_POLICY_VIOLATION');
        const pin = new ClientPin(ctap);
        await rejectsWith(pin.changePin(PIN, '12345'), 'ERR_PIN_POLICY');
        await pin.changePin(PIN, '123456');
        await ctap.getInfo();
        expect(ctap.info.forcePINChange).toBe(false);
        const again = await AuthenticatorConfig.open(ctap, { pin: '123456' });
        await rejectsWith(again.setMinPINLength({ newMinPINLength: 5 }), 'CTAP2_ERR_PIN_POLICY_VIOLATION');
        await rejectsWith(
          again.setMinPINLength({ minPinLengthRPIDs: ['a', 'b', 'c'] }),
          'CTAP1_ERR_INVALID_LENGTH',
        );
        await again.setMinPINLength({ forceChangePin: true });
        await ctap.getInfo();
        expect(ctap.info.forcePINChange).toBe(true);
      });

      it('forceChangePin without a PIN is refused', async () => {
        const { ctap } = await key();
        const config = await AuthenticatorConfig.open(ctap);
        await rejectsWith(config.setMinPINLength({ forceChangePin: true }), 'CTAP2_ERR_PIN_NOT_SET');
        await config.setMinPINLength({ newMinPINLength: 8 });
        expect(ctap.info.minPINLength).toBe(8);
        await rejectsWith(new ClientPin(ctap).setPin('1234567'), 'ERR_PIN_POLICY');
      });

      it('enableEnterpriseAttestation where supported', async () => {
        const { ctap } = await key({ pin: PIN, enterpriseAttestation: true });
        expect(ctap.info.options.ep).toBe(false);
        const config = await AuthenticatorConfig.open(ctap, { pin: PIN });
        await config.enableEnterpriseAttestation();
        expect(ctap.info.options.ep).toBe(true);
        const plain = await key({ pin: PIN });
        const c2 = await AuthenticatorConfig.open(plain.ctap, { pin: PIN });
        await rejectsWith(c2.enableEnterpriseAttestation(), 'CTAP2_ERR_INVALID_SUBCOMMAND');
      });
    });

    describe('LargeBlobs (0x0C)', () => {
      it('a fresh key holds the initial empty array', async () => {
        const { ctap } = await key();
        expect(ctap.info.options.largeBlobs).toBe(true);
        expect(ctap.info.maxSerializedLargeBlobArray).toBe(4096);
        const blobs = await LargeBlobs.open(ctap);
        expect(await blobs.readSerialized()).toEqual(EMPTY_LARGE_BLOB_ARRAY);
        expect(await blobs.readBlobArray()).toEqual([]);
      });

      it('per-credential blobs over several fragments, kept apart by largeBlobKey', async () => {
        const { ctap } = await key({ pin: PIN, maxSerializedLargeBlobArray: 16_384 });
        const a = await makeRk(ctap, 'a.example', 'alice', { extensions: { largeBlobKey: true } });
        const b = await makeRk(ctap, 'a.example', 'bob', { extensions: { largeBlobKey: true } });
        const blobs = await LargeBlobs.open(ctap, { pin: PIN });
        // incompressible data, so the array spans several fragments of maxMsgSize − 64
        const big = sha256Stream(5000);
        await blobs.putBlob(a.made.largeBlobKey!, big);
        await blobs.putBlob(b.made.largeBlobKey!, utf8Encode('hello bob'));
        expect((await blobs.readSerialized()).length).toBeGreaterThan(2 * blobs.maxFragmentLength);
        expect(await blobs.getBlob(a.made.largeBlobKey!)).toEqual(big);
        expect(utf8Decode((await blobs.getBlob(b.made.largeBlobKey!))!)).toBe('hello bob');
        // the key the assertion gives opens it too
        const t = await token(ctap, ['ga'], 'a.example');
        const cdh = hash('get');
        const got = await ctap.getAssertion({
          rpId: 'a.example',
          clientDataHash: cdh,
          allowList: [{ type: 'public-key', id: b.id }],
          extensions: { largeBlobKey: true },
          pinUvAuthParam: t.protocol.authenticate(t.token, cdh),
          pinUvAuthProtocol: t.protocol.version,
        });
        expect(got.largeBlobKey).toEqual(b.made.largeBlobKey);
        // the ga token replaced the lbw one (a key holds one token): the old one is refused
        await rejectsWith(blobs.deleteBlob(b.made.largeBlobKey!), 'CTAP2_ERR_PIN_AUTH_INVALID');
        expect(utf8Decode((await blobs.getBlob(b.made.largeBlobKey!))!)).toBe('hello bob');
        const again = await LargeBlobs.open(ctap, { pin: PIN });
        expect(await again.deleteBlob(b.made.largeBlobKey!)).toBe(true);
        expect(await again.getBlob(b.made.largeBlobKey!)).toBeUndefined();
        expect(await again.getBlob(a.made.largeBlobKey!)).toEqual(big);
      });

      it('a corrupt array write is detected and never half-written', async () => {
        const { ctap } = await key({ maxSerializedLargeBlobArray: 8192 });
        const blobs = await LargeBlobs.open(ctap);
        const key32 = hash('some largeBlobKey');
        await blobs.putBlob(key32, utf8Encode('precious'));
        const before = await blobs.readSerialized();
        const good = serializeLargeBlobArray([1, 2, 3, sha256Stream(2000)]);
        const corrupt = good.slice();
        corrupt[corrupt.length - 1]! ^= 0x01;
        await rejectsWith(blobs.writeSerialized(corrupt), 'CTAP2_ERR_INTEGRITY_FAILURE');
        expect(await blobs.readSerialized()).toEqual(before);
        // an interrupted write (first fragment only) changes nothing either
        const controller = new AbortController();
        const send = ctap.send.bind(ctap);
        let fragments = 0;
        (ctap as unknown as { send: typeof ctap.send }).send = async (...args) => {
          const r = await send(...args);
          if (args[0] === CTAP2_COMMANDS.largeBlobs && ++fragments === 1) controller.abort();
          return r;
        };
        await rejectsWith(blobs.writeSerialized(good, { signal: controller.signal }), 'ERR_ABORTED');
        (ctap as unknown as { send: typeof ctap.send }).send = send;
        expect(await blobs.readSerialized()).toEqual(before);
        expect(utf8Decode((await blobs.getBlob(key32))!)).toBe('precious');
        // a complete, correct write replaces it
        await blobs.writeSerialized(good);
        expect(await blobs.readBlobArray()).toEqual([1, 2, 3, sha256Stream(2000)]);
      });

      it('protocol errors: storage full, sequence, get and set together, fragment too large', async () => {
        const { ctap } = await key({ maxSerializedLargeBlobArray: 1024 });
        const lb = (m: [number, CborValue][]) => ctap.send(CTAP2_COMMANDS.largeBlobs, new Map(m));
        await rejectsWith(
          lb([
            [2, new Uint8Array(10)],
            [3, 0],
            [4, 2000],
          ]),
          'CTAP2_ERR_LARGE_BLOB_STORAGE_FULL',
        );
        await rejectsWith(
          lb([
            [2, new Uint8Array(10)],
            [3, 10],
          ]),
          'CTAP1_ERR_INVALID_SEQ',
        );
        await rejectsWith(
          lb([
            [1, 10],
            [2, new Uint8Array(1)],
            [3, 0],
          ]),
          'CTAP1_ERR_INVALID_PARAMETER',
        );
        await rejectsWith(
          lb([
            [1, ctap.info.maxMsgSize],
            [3, 0],
          ]),
          'CTAP1_ERR_INVALID_LENGTH',
        );
        await rejectsWith(
          lb([
            [2, new Uint8Array(10)],
            [3, 0],
            [4, 16],
          ]),
          'CTAP1_ERR_INVALID_PARAMETER',
        );
      });

      it('a PIN-protected key needs a token with lbw to write; reading needs none', async () => {
        const { ctap } = await key({ pin: PIN });
        await rejectsWith(new LargeBlobs(ctap).writeBlobArray([utf8Encode('x')]), 'CTAP2_ERR_PUAT_REQUIRED');
        const t = await token(ctap, ['mc']);
        await rejectsWith(
          new LargeBlobs(ctap, t.protocol, t.token).writeBlobArray([utf8Encode('x')]),
          'CTAP2_ERR_PIN_AUTH_INVALID',
        );
        const blobs = await LargeBlobs.open(ctap, { pin: PIN });
        await blobs.writeBlobArray([utf8Encode('x')]);
        expect(await new LargeBlobs(ctap).readBlobArray()).toEqual([utf8Encode('x')]);
      });

      it('authenticatorReset restores the initial array', async () => {
        const { ctap } = await key();
        const blobs = await LargeBlobs.open(ctap);
        await blobs.writeBlobArray([7]);
        await ctap.reset();
        expect(await blobs.readSerialized()).toEqual(EMPTY_LARGE_BLOB_ARRAY);
      });
    });

    describe('Ctap1 (U2F raw messages)', () => {
      const app = hash('https://example.com');
      const challenge = hash('client data');

      it('a dual key: version, register, check-only, enforce and dont-enforce', async () => {
        const { device, ctap } = await key({ u2f: 'dual' });
        expect(ctap.info.versions).toContain('U2F_V2');
        const u2f = new Ctap1(device);
        expect(await u2f.getVersion()).toBe('U2F_V2');
        const reg = await u2f.register(challenge, app);
        expect(reg.publicKey.length).toBe(65);
        const signed = concatBytes(Uint8Array.of(0), app, challenge, reg.keyHandle, reg.publicKey);
        expect(nodeVerify('sha256', signed, spki(reg.certificate), reg.signature)).toBe(true);
        expect(await u2f.authenticate(challenge, app, reg.keyHandle, { checkOnly: true })).toBe(true);
        expect(
          await u2f.authenticate(challenge, hash('https://other.example'), reg.keyHandle, {
            checkOnly: true,
          }),
        ).toBe(false);
        const s1 = await u2f.authenticate(challenge, app, reg.keyHandle);
        const s2 = await u2f.authenticate(challenge, app, reg.keyHandle, { enforceUserPresence: false });
        expect(s1.userPresence).toBe(1);
        expect(s2.userPresence).toBe(0);
        expect(s2.counter).toBe(s1.counter + 1);
        const c = new Uint8Array(4);
        new DataView(c.buffer).setUint32(0, s1.counter);
        const data = concatBytes(app, Uint8Array.of(1), c, challenge);
        expect(nodeVerify('sha256', data, uncompressedToKey(reg.publicKey), s1.signature)).toBe(true);
        await rejectsWith(
          u2f.authenticate(challenge, hash('https://other.example'), reg.keyHandle),
          'ERR_WRONG_DATA',
        );
      });

      it('a U2F registration signs CTAP2 assertions for the AppID, and a CTAP2 credential answers U2F', async () => {
        const { device, ctap } = await key({ u2f: 'dual' });
        const appId = 'https://example.com/appid.json';
        const u2f = new Ctap1(device);
        const reg = await u2f.register(challenge, hash(appId));
        const cdh = hash('get');
        const got = await ctap.getAssertion({
          rpId: appId,
          clientDataHash: cdh,
          allowList: [{ type: 'public-key', id: reg.keyHandle }],
        });
        const cose = new Map<CborValue, CborValue>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, reg.publicKey.slice(1, 33)],
          [-3, reg.publicKey.slice(33)],
        ]);
        expect(
          await verifySignature({
            publicKey: cose as never,
            data: concatBytes(got.authData, cdh),
            signature: got.signature,
          }),
        ).toBe(true);
        const made = await ctap.makeCredential({
          clientDataHash: cdh,
          rp: { id: 'example.com' },
          user: { id: Uint8Array.of(1), name: 'u' },
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        });
        const id = made.authenticatorData.attestedCredentialData!.credentialId;
        expect(await u2f.authenticate(challenge, hash('example.com'), id, { checkOnly: true })).toBe(true);
      });

      it('no touch: register keeps answering 6985 until the client gives up', async () => {
        const { device } = await key({ u2f: 'dual', presence: 'deny' });
        await rejectsWith(
          new Ctap1(device).register(challenge, app, { timeoutMs: 100, pollIntervalMs: 20 }),
          'ERR_TIMEOUT',
        );
      });

      it('a U2F-only key answers no CTAP2 command; a CTAP2-only key answers no U2F', async () => {
        const only = await makeDevice({ attestation: 'none', u2f: 'u2f-only' });
        open.push(only);
        await rejectsWith(Ctap2.open(only.device), 'CTAP1_ERR_INVALID_COMMAND');
        expect(await new Ctap1(only.device).getVersion()).toBe('U2F_V2');
        const plain = await key();
        await rejectsWith(new Ctap1(plain.device).getVersion(), 'ERR_INS_NOT_SUPPORTED');
      });
    });

    describe('property: counts stay consistent', () => {
      it('random create/delete sequences keep metadata, RP list and credential lists in step', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.oneof(
                fc.record({
                  op: fc.constant('create' as const),
                  rp: fc.integer({ min: 0, max: 2 }),
                  user: fc.integer({ min: 0, max: 2 }),
                }),
                fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
              ),
              { maxLength: 8 },
            ),
            async (ops) => {
              const { ctap } = await key({ pin: PIN, residentKeyCapacity: 6 });
              const model = new Map<string, string>(); // `${rp}/${user}` → credential id hex
              const ids = new Map<string, Uint8Array>();
              for (const o of ops) {
                if (o.op === 'create') {
                  const k = `${o.rp}/${o.user}`;
                  if (!model.has(k) && model.size >= 6) continue;
                  const { id } = await makeRk(ctap, `rp${o.rp}.example`, `user${o.user}`);
                  model.set(k, Buffer.from(id).toString('hex'));
                  ids.set(k, id);
                } else if (model.size > 0) {
                  const k = [...model.keys()][o.pick % model.size]!;
                  const cm = await CredentialManagement.open(ctap, { pin: PIN });
                  await cm.deleteCredential(ids.get(k)!);
                  model.delete(k);
                }
              }
              const cm = await CredentialManagement.open(ctap, { pin: PIN });
              const meta = await cm.getCredsMetadata();
              expect(meta.existingResidentCredentialsCount).toBe(model.size);
              expect(meta.maxPossibleRemainingResidentCredentialsCount).toBe(6 - model.size);
              const rps = (await cm.enumerateRps()).map((r) => r.rp.id).sort();
              const expectedRps = [
                ...new Set([...model.keys()].map((k) => `rp${k.split('/')[0]}.example`)),
              ].sort();
              expect(rps).toEqual(expectedRps);
              let total = 0;
              for (const rp of rps) total += (await cm.enumerateCredentials(rp)).length;
              expect(total).toBe(model.size);
              await ctap.getInfo();
              expect(ctap.info.remainingDiscoverableCredentials).toBe(6 - model.size);
            },
          ),
          { numRuns: 12 },
        );
      });

      it('random enroll/rename/remove sequences keep the template list in step', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.oneof(
                fc.constant({ op: 'enroll' as const }),
                fc.record({
                  op: fc.constant('rename' as const),
                  pick: fc.nat(),
                  name: fc.string({ minLength: 1, maxLength: 10 }),
                }),
                fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
                fc.record({ op: fc.constant('cancel' as const) }),
              ),
              { maxLength: 10 },
            ),
            async (ops) => {
              const { ctap } = await key({
                pin: PIN,
                fingerprints: 0,
                fingerprintSensor: { samplesRequired: 2, maxTemplates: 3, maxTemplateFriendlyName: 32 },
              });
              const bio = await BioEnrollment.open(ctap, { pin: PIN });
              const model: { id: Uint8Array; name?: string }[] = [];
              for (const o of ops) {
                if (o.op === 'enroll') {
                  if (model.length >= 3) {
                    await rejectsWith(bio.enrollBegin(), 'CTAP2_ERR_FP_DATABASE_FULL');
                    continue;
                  }
                  const id = await bio.enroll();
                  model.push({ id, name: `Finger ${model.length + 1}` });
                } else if (o.op === 'cancel') {
                  if (model.length >= 3) continue;
                  await bio.enrollBegin();
                  await bio.cancelEnrollment();
                } else if (model.length > 0) {
                  const i = o.pick % model.length;
                  if (o.op === 'rename') {
                    await bio.setFriendlyName(model[i]!.id, o.name);
                    model[i]!.name = o.name;
                  } else {
                    await bio.removeEnrollment(model[i]!.id);
                    model.splice(i, 1);
                  }
                }
              }
              const list = await bio.enumerateEnrollments();
              expect(
                list.map((e) => [Buffer.from(e.templateId).toString('hex'), e.friendlyName]).sort(),
              ).toEqual(model.map((e) => [Buffer.from(e.id).toString('hex'), e.name]).sort());
              await ctap.getInfo();
              expect(ctap.info.options.uv).toBe(model.length > 0);
            },
          ),
          { numRuns: 12 },
        );
      });
    });
  });
}

/** `n` deterministic, incompressible bytes (a SHA-256 chain). */
function sha256Stream(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let block = sha256(utf8Encode('seed'));
  for (let i = 0; i < n; i += 32) {
    out.set(block.subarray(0, Math.min(32, n - i)), i);
    block = sha256(block);
  }
  return out;
}
