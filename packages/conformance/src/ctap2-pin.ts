/** The ctap2 suite's clientPIN, reset, selection and exported-state tests. */
import { ClientPin, Ctap2, PinUvAuthProtocolOne, PinUvAuthProtocolTwo } from '@fido2kit/ctap2';
import type { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { describe, expect, it } from 'vitest';
import type { Ctap2SuiteContext } from './ctap2-context.js';
import { code, hash, mcParams, RP, rejectsWith } from './harness.js';

/** The ctap2 suite's clientPIN, reset, selection and exported-state tests. */
export function defineCtap2PinTests({ key, token, auth }: Ctap2SuiteContext): void {
  describe('authenticatorClientPIN', () => {
    it('setPin, getRetries, changePin, and tokens with protocols 1 and 2', async () => {
      const { ctap } = await key();
      const pin = new ClientPin(ctap);
      await pin.setPin('1234');
      const info = await ctap.getInfo();
      expect(info.options.clientPin).toBe(true);
      expect((await pin.getRetries()).retries).toBe(8);
      await pin.changePin('1234', '56789');
      for (const protocol of [1, 2] as const) {
        const t = await token(ctap, '56789', ['mc'], protocol);
        expect(t.protocol.version).toBe(protocol);
        const cdh = hash(`mc${protocol}`);
        const made = await ctap.makeCredential(mcParams({ clientDataHash: cdh, ...auth(t, cdh) }));
        expect(made.authenticatorData.flags.uv).toBe(true);
      }
    });
    it('setPin on a key with a PIN: CTAP2_ERR_PIN_AUTH_INVALID; too short for minPINLength: ERR_PIN_POLICY', async () => {
      const { ctap } = await key({ pin: '1234' });
      await rejectsWith(new ClientPin(ctap).setPin('4321'), 'CTAP2_ERR_PIN_AUTH_INVALID');
      const { ctap: c6 } = await key({ minPinLength: 6 });
      await rejectsWith(new ClientPin(c6).setPin('12345'), 'ERR_PIN_POLICY');
    });
    it('a wrong PIN decrements retries; three in a row block until power cycle; zero retries block the PIN', async () => {
      const { ctap, authenticator } = await key({ pin: '1234' });
      const pin = new ClientPin(ctap);
      await rejectsWith(token(ctap, '0000'), 'CTAP2_ERR_PIN_INVALID');
      expect((await pin.getRetries()).retries).toBe(7);
      await rejectsWith(token(ctap, '0000'), 'CTAP2_ERR_PIN_INVALID');
      await rejectsWith(token(ctap, '0000'), 'CTAP2_ERR_PIN_AUTH_BLOCKED');
      await rejectsWith(token(ctap, '1234'), 'CTAP2_ERR_PIN_AUTH_BLOCKED');
      expect((await pin.getRetries()).retries).toBe(5);
      authenticator.powerCycle();
      await token(ctap, '1234');
      expect((await pin.getRetries()).retries).toBe(8);
      let last: unknown;
      for (let i = 0; i < 8; i++) {
        if (i % 3 === 0) authenticator.powerCycle();
        last = await token(ctap, '9999').catch((e: unknown) => e);
      }
      expect(code(last)).toBe('CTAP2_ERR_PIN_BLOCKED');
      expect((await pin.getRetries()).retries).toBe(0);
      authenticator.powerCycle();
      await rejectsWith(token(ctap, '1234'), 'CTAP2_ERR_PIN_BLOCKED');
    });
    it('PIN_AUTH_INVALID: a wrong pinUvAuthParam, a token without the permission, or for another RP', async () => {
      const { ctap } = await key({ pin: '1234' });
      const cdh = hash('m');
      const t = await token(ctap, '1234', ['mc']);
      const bad = auth(t, cdh);
      bad.pinUvAuthParam[0] = (bad.pinUvAuthParam[0] as number) ^ 0xff;
      await rejectsWith(
        ctap.makeCredential(mcParams({ clientDataHash: cdh, ...bad })),
        'CTAP2_ERR_PIN_AUTH_INVALID',
      );
      const gaOnly = await token(ctap, '1234', ['ga']);
      await rejectsWith(
        ctap.makeCredential(mcParams({ clientDataHash: cdh, ...auth(gaOnly, cdh) })),
        'CTAP2_ERR_PIN_AUTH_INVALID',
      );
      const other = await new ClientPin(ctap).getPinUvAuthToken({
        pin: '1234',
        permissions: ['mc'],
        rpId: 'other.example',
      });
      await rejectsWith(
        ctap.makeCredential(mcParams({ clientDataHash: cdh, ...auth(other, cdh) })),
        'CTAP2_ERR_PIN_AUTH_INVALID',
      );
    });
    it('UV required without a PIN: getPinUvAuthToken is CTAP2_ERR_PIN_NOT_SET; a key with a PIN wants a token', async () => {
      const { ctap } = await key();
      await rejectsWith(token(ctap, '1234'), 'CTAP2_ERR_PIN_NOT_SET');
      const { ctap: withPin } = await key({ pin: '1234' });
      // a discoverable credential on a protected key needs UV even with makeCredUvNotRqd
      await rejectsWith(
        withPin.makeCredential(mcParams({ options: { rk: true } })),
        'CTAP2_ERR_PUAT_REQUIRED',
      );
    });
    it('built-in UV: getPinUvAuthTokenUsingUvWithPermissions, getUvRetries, and a failed match', async () => {
      const { ctap, authenticator } = await key({ fingerprints: 1, pin: '1234' });
      const pin = new ClientPin(ctap);
      expect((await pin.getUvRetries()).retries).toBeGreaterThan(0);
      const t = await pin.getPinUvAuthTokenUsingUvWithPermissions(['mc'], RP.id);
      const cdh = hash('uv');
      const made = await ctap.makeCredential(mcParams({ clientDataHash: cdh, ...auth(t, cdh) }));
      expect(made.authenticatorData.flags.uv).toBe(true);
      authenticator.uv = 'no-match';
      await rejectsWith(pin.getPinUvAuthTokenUsingUvWithPermissions(['mc'], RP.id), 'CTAP2_ERR_UV_INVALID');
    });
    it('protocol objects of both versions derive the secret the key derives', async () => {
      const { ctap } = await key({ pin: '1234' });
      for (const p of [new PinUvAuthProtocolOne(), new PinUvAuthProtocolTwo()]) {
        const t = await new ClientPin(ctap, p).getPinUvAuthTokenUsingPinWithPermissions(
          '1234',
          ['ga'],
          RP.id,
        );
        expect(t.token.length).toBe(32);
      }
    });
  });

  describe('authenticatorReset and authenticatorSelection', () => {
    it('reset erases credentials and the PIN', async () => {
      const { ctap } = await key({ pin: '1234' });
      const t = await token(ctap, '1234', ['mc']);
      const cdh = hash('r');
      await ctap.makeCredential(mcParams({ clientDataHash: cdh, options: { rk: true }, ...auth(t, cdh) }));
      await ctap.reset();
      expect((await ctap.getInfo()).options.clientPin).toBe(false);
      await rejectsWith(ctap.getAssertion({ rpId: RP.id, clientDataHash: cdh }), 'CTAP2_ERR_NO_CREDENTIALS');
    });
    it('selection waits for a touch', async () => {
      const { ctap } = await key();
      await ctap.selection();
      const { ctap: deny } = await key({ presence: 'deny' });
      await rejectsWith(deny.selection(), 'CTAP2_ERR_OPERATION_DENIED');
    });
  });

  describe('exported state', () => {
    it('a credential survives exportState / fromState', async () => {
      const { ctap, authenticator } = await key();
      const made = await ctap.makeCredential(mcParams({ options: { rk: true } }));
      const ctor = authenticator.constructor as typeof VirtualAuthenticator;
      const again = ctor.fromState(JSON.parse(JSON.stringify(authenticator.exportState())));
      const ctap2 = await Ctap2.open(again.device());
      const got = await ctap2.getAssertion({ rpId: RP.id, clientDataHash: hash('s') });
      expect(got.credential.id).toEqual(made.authenticatorData.attestedCredentialData?.credentialId);
    });
  });
}
