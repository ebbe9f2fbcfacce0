/** The key-management suite's BioEnrollment (0x09) and AuthenticatorConfig (0x0D) tests. */
import { AuthenticatorConfig, BioEnrollment, ClientPin, type EnrollSample } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import { PIN, rejectsWith } from './harness.js';
import type { ManagementSuiteContext } from './management-context.js';

/** The key-management suite's BioEnrollment (0x09) and AuthenticatorConfig (0x0D) tests. */
export function defineBioAndConfigTests({ key, token }: ManagementSuiteContext): void {
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
}
