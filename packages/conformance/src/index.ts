/**
 * The CTAP 2.1 client-against-authenticator suite: `@fido2kit/ctap2` driving a
 * `VirtualAuthenticator` through whatever `CtapDevice` the caller builds (in memory, the
 * simulated HID device, the virtual PC/SC card), every command and every error path.
 */
import { type CborValue, concatBytes, sha256, utf8Encode, verifySignature } from '@fido2kit/cose';
import {
  ClientPin,
  CTAP2_COMMANDS,
  Ctap2,
  type CtapDevice,
  type MakeCredentialParams,
  PinUvAuthProtocolOne,
  PinUvAuthProtocolTwo,
  type PinUvAuthToken,
  WebAuthnClient,
} from '@fido2kit/ctap2';
import type { VirtualAuthenticator, VirtualAuthenticatorOptions } from '@fido2kit/virtual-authenticator';
import { afterEach, describe, expect, it } from 'vitest';

export { defineManagementSuite } from './management.js';
export { defineWebAuthnSuite } from './webauthn.js';

/** What a transport's test gives the suite for one authenticator. */
export interface SuiteDevice {
  device: CtapDevice;
  authenticator: VirtualAuthenticator;
  close(): Promise<void>;
}

/** Builds a device around a new VirtualAuthenticator with these options. */
export type MakeSuiteDevice = (authenticatorOptions: VirtualAuthenticatorOptions) => Promise<SuiteDevice>;

const RP = { id: 'example.com', name: 'Example' };
const hash = (s: string) => sha256(utf8Encode(s));

function mcParams(overrides: Partial<MakeCredentialParams> = {}): MakeCredentialParams {
  return {
    clientDataHash: hash('make'),
    rp: RP,
    user: { id: utf8Encode('alice-id'), name: 'alice', displayName: 'Alice' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    ...overrides,
  };
}

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

/**
 * Defines the whole client-versus-authenticator suite as vitest `describe` blocks.
 *
 * @param name shown in the test names (e.g. "in memory", "CTAPHID", "NFC")
 * @param makeDevice builds a device around a new authenticator; called for each test
 * @example
 * ```ts
 * defineCtap2Suite('in memory', async (options) => {
 *   const authenticator = new VirtualAuthenticator(options);
 *   return { device: authenticator.device(), authenticator, close: async () => {} };
 * });
 * ```
 */
export function defineCtap2Suite(name: string, makeDevice: MakeSuiteDevice): void {
  const open: SuiteDevice[] = [];
  async function key(options: VirtualAuthenticatorOptions = {}, ctapOptions = {}) {
    const d = await makeDevice(options);
    open.push(d);
    const ctap = await Ctap2.open(d.device, ctapOptions);
    return { ...d, ctap };
  }
  async function token(
    ctap: Ctap2,
    pin: string,
    permissions: ('mc' | 'ga')[] = ['mc', 'ga'],
    protocol?: 1 | 2,
  ): Promise<PinUvAuthToken> {
    return new ClientPin(ctap, protocol).getPinUvAuthToken({ pin, permissions, rpId: RP.id });
  }
  const auth = (t: PinUvAuthToken, cdh: Uint8Array) => ({
    pinUvAuthParam: t.protocol.authenticate(t.token, cdh),
    pinUvAuthProtocol: t.protocol.version,
  });

  describe(`ctap2 client ↔ virtual authenticator (${name})`, () => {
    afterEach(async () => {
      for (const d of open.splice(0)) await d.close();
    });

    describe('authenticatorGetInfo', () => {
      it('a fresh key: CTAP 2.1, no PIN, packed attestation key, protocols 2 and 1', async () => {
        const { ctap, authenticator } = await key();
        expect(ctap.info.versions).toContain('FIDO_2_1');
        expect(ctap.info.aaguid).toBe(authenticator.aaguid);
        expect(ctap.info.options.clientPin).toBe(false);
        expect(ctap.info.options.rk).toBe(true);
        expect(ctap.info.options.uv).toBeUndefined();
        expect(ctap.info.pinUvAuthProtocols).toEqual([2, 1]);
        expect(ctap.info.maxCredentialCountInList).toBeGreaterThan(0);
        expect(ctap.info.algorithms?.map((a) => a.alg)).toContain(-7);
      });
      it('a key with a PIN and fingerprints reports clientPin and uv', async () => {
        const { ctap } = await key({ pin: '1234', fingerprints: 1 });
        expect(ctap.info.options.clientPin).toBe(true);
        expect(ctap.info.options.uv).toBe(true);
        expect(ctap.info.options.pinUvAuthToken).toBe(true);
      });
    });

    describe('authenticatorMakeCredential and authenticatorGetAssertion', () => {
      it('round trip: the assertion signature verifies with the credential key', async () => {
        const { ctap } = await key();
        const ups: string[] = [];
        const made = await ctap.makeCredential(mcParams(), { onKeepalive: (s) => ups.push(s) });
        expect(made.fmt).toBe('packed');
        const acd = made.authenticatorData.attestedCredentialData;
        expect(acd?.aaguidString).toBe(ctap.info.aaguid);
        expect(made.authenticatorData.flags.up).toBe(true);
        const cdh = hash('get');
        const got = await ctap.getAssertion({
          rpId: RP.id,
          clientDataHash: cdh,
          allowList: [{ type: 'public-key', id: acd?.credentialId as Uint8Array }],
        });
        expect(got.credential.id).toEqual(acd?.credentialId);
        expect(got.authenticatorData.rpIdHash).toEqual(hash(RP.id));
        expect(got.authenticatorData.signCount).toBeGreaterThan(made.authenticatorData.signCount - 1);
        const ok = await verifySignature({
          publicKey: acd?.publicKey as never,
          data: concatBytes(got.authData, cdh),
          signature: got.signature,
        });
        expect(ok).toBe(true);
      });
      it('reports user presence through onKeepalive while waiting for a touch', async () => {
        const { ctap, authenticator } = await key();
        let release: (v: boolean) => void = () => {};
        authenticator.presence = () =>
          new Promise<boolean>((r) => {
            release = r;
          });
        const seen: string[] = [];
        const p = ctap.makeCredential(mcParams(), {
          onKeepalive: (s) => {
            seen.push(s);
            release(true);
          },
        });
        await p;
        expect(seen).toContain('user-presence-needed');
      });
      it('several accounts on one key: numberOfCredentials and getNextAssertion', async () => {
        const { ctap } = await key();
        for (const n of ['alice', 'bob', 'carol']) {
          await ctap.makeCredential(
            mcParams({ user: { id: utf8Encode(`${n}-id`), name: n }, options: { rk: true } }),
          );
        }
        const first = await ctap.getAssertion({ rpId: RP.id, clientDataHash: hash('x') });
        expect(first.numberOfCredentials).toBe(3);
        // without UV the key returns user IDs only (CTAP 2.1 §6.2.2: no identifying information)
        expect(first.user?.name).toBeUndefined();
        const ids = [first.user?.id];
        ids.push((await ctap.getNextAssertion()).user?.id);
        ids.push((await ctap.getNextAssertion()).user?.id);
        expect(ids.map((id) => new TextDecoder().decode(id)).sort()).toEqual([
          'alice-id',
          'bob-id',
          'carol-id',
        ]);
        await rejectsWith(ctap.getNextAssertion(), 'CTAP2_ERR_NOT_ALLOWED');
      });
      it('excluded credential: CTAP2_ERR_CREDENTIAL_EXCLUDED', async () => {
        const { ctap } = await key();
        const made = await ctap.makeCredential(mcParams());
        const id = made.authenticatorData.attestedCredentialData?.credentialId as Uint8Array;
        await rejectsWith(
          ctap.makeCredential(mcParams({ excludeList: [{ type: 'public-key', id }] })),
          'CTAP2_ERR_CREDENTIAL_EXCLUDED',
        );
      });
      it('excluded credential found by batch probing past maxCredentialCountInList', async () => {
        const { ctap } = await key({ maxCredentialCountInList: 2 });
        const made = await ctap.makeCredential(mcParams());
        const id = made.authenticatorData.attestedCredentialData?.credentialId as Uint8Array;
        const decoys = Array.from({ length: 5 }, (_, i) => ({
          type: 'public-key',
          id: new Uint8Array(40).fill(i),
        }));
        await rejectsWith(
          ctap.makeCredential(mcParams({ excludeList: [...decoys, { type: 'public-key', id }] })),
          'CTAP2_ERR_CREDENTIAL_EXCLUDED',
        );
        const got = await ctap.getAssertion({
          rpId: RP.id,
          clientDataHash: hash('g'),
          allowList: [...decoys, { type: 'public-key', id }],
        });
        expect(got.credential.id).toEqual(id);
      });
      it('no credentials: CTAP2_ERR_NO_CREDENTIALS', async () => {
        const { ctap } = await key();
        await rejectsWith(
          ctap.getAssertion({ rpId: RP.id, clientDataHash: hash('g') }),
          'CTAP2_ERR_NO_CREDENTIALS',
        );
        await rejectsWith(
          ctap.getAssertion({
            rpId: RP.id,
            clientDataHash: hash('g'),
            allowList: [{ type: 'public-key', id: new Uint8Array(48).fill(1) }],
          }),
          'CTAP2_ERR_NO_CREDENTIALS',
        );
      });
      it('unsupported algorithm: refused by the client, CTAP2_ERR_UNSUPPORTED_ALGORITHM from the key', async () => {
        const { ctap, device } = await key({ algorithms: [-7] });
        const params = mcParams({ pubKeyCredParams: [{ type: 'public-key', alg: -257 }] });
        await rejectsWith(ctap.makeCredential(params), 'ERR_NOT_SUPPORTED');
        const raw = await Ctap2.open(device, { checkRequests: false });
        await rejectsWith(raw.makeCredential(params), 'CTAP2_ERR_UNSUPPORTED_ALGORITHM');
      });
      it('unsupported and invalid options: refused by the client, and the key’s own answers', async () => {
        const { ctap, device } = await key();
        await rejectsWith(ctap.makeCredential(mcParams({ options: { uv: true } })), 'ERR_NOT_SUPPORTED');
        await rejectsWith(
          ctap.getAssertion({ rpId: RP.id, clientDataHash: hash('g'), options: { rk: true } }),
          'ERR_NOT_SUPPORTED',
        );
        const raw = await Ctap2.open(device, { checkRequests: false });
        await rejectsWith(
          raw.makeCredential(mcParams({ options: { uv: true } })),
          'CTAP2_ERR_INVALID_OPTION',
        );
        await rejectsWith(
          raw.getAssertion({ rpId: RP.id, clientDataHash: hash('g'), options: { rk: true } }),
          'CTAP2_ERR_UNSUPPORTED_OPTION',
        );
      });
      it('denied presence: CTAP2_ERR_OPERATION_DENIED', async () => {
        const { ctap } = await key({ presence: 'deny' });
        await rejectsWith(ctap.makeCredential(mcParams()), 'CTAP2_ERR_OPERATION_DENIED');
      });
      it('cancelled by an AbortSignal while waiting for a touch: ERR_ABORTED', async () => {
        const { ctap } = await key({ presence: 'timeout' });
        const ctl = new AbortController();
        const p = ctap.makeCredential(mcParams(), {
          signal: ctl.signal,
          onKeepalive: () => setTimeout(() => ctl.abort(), 5),
        });
        await rejectsWith(p, 'ERR_ABORTED');
      });
      it('raw send: unknown command is CTAP1_ERR_INVALID_COMMAND', async () => {
        const { ctap } = await key();
        await rejectsWith(ctap.send(0x3f), 'CTAP1_ERR_INVALID_COMMAND');
      });
    });

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
        await rejectsWith(
          ctap.getAssertion({ rpId: RP.id, clientDataHash: cdh }),
          'CTAP2_ERR_NO_CREDENTIALS',
        );
      });
      it('selection waits for a touch', async () => {
        const { ctap } = await key();
        await ctap.selection();
        const { ctap: deny } = await key({ presence: 'deny' });
        await rejectsWith(deny.selection(), 'CTAP2_ERR_OPERATION_DENIED');
      });
    });

    describe('extensions', () => {
      it('credProtect 3: invisible without UV, visible with a token', async () => {
        const { ctap } = await key({ pin: '1234' });
        const t = await token(ctap, '1234', ['mc']);
        const cdh = hash('cp');
        const made = await ctap.makeCredential(
          mcParams({
            clientDataHash: cdh,
            extensions: { credProtect: 3 },
            options: { rk: true },
            ...auth(t, cdh),
          }),
        );
        expect(made.authenticatorData.extensions?.get('credProtect')).toBe(3);
        const id = made.authenticatorData.attestedCredentialData?.credentialId as Uint8Array;
        await rejectsWith(
          ctap.getAssertion({ rpId: RP.id, clientDataHash: cdh, allowList: [{ type: 'public-key', id }] }),
          'CTAP2_ERR_NO_CREDENTIALS',
        );
        const g = await token(ctap, '1234', ['ga']);
        const got = await ctap.getAssertion({
          rpId: RP.id,
          clientDataHash: cdh,
          allowList: [{ type: 'public-key', id }],
          ...auth(g, cdh),
        });
        expect(got.authenticatorData.flags.uv).toBe(true);
      });
      it('credBlob, largeBlobKey and minPinLength outputs', async () => {
        const { ctap } = await key({ minPinLengthRpIds: [RP.id] });
        const made = await ctap.makeCredential(
          mcParams({
            extensions: { credBlob: new Uint8Array([1, 2, 3]), largeBlobKey: true, minPinLength: true },
            options: { rk: true },
          }),
        );
        expect(made.authenticatorData.extensions?.get('credBlob')).toBe(true);
        expect(made.authenticatorData.extensions?.get('minPinLength')).toBe(4);
        expect(made.largeBlobKey?.length).toBe(32);
        const got = await ctap.getAssertion({
          rpId: RP.id,
          clientDataHash: hash('b'),
          extensions: { credBlob: true, largeBlobKey: true },
        });
        expect(got.authenticatorData.extensions?.get('credBlob')).toEqual(new Uint8Array([1, 2, 3]));
        expect(got.largeBlobKey).toEqual(made.largeBlobKey);
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

    describe('WebAuthnClient over this device', () => {
      const origin = 'https://example.com';
      const challenge = 'AAECAwQFBgcICQoLDA0ODw';
      const creation = (extra: Record<string, unknown> = {}) => ({
        rp: { id: RP.id, name: RP.name },
        user: { id: 'dXNlci0x', name: 'alice', displayName: 'Alice' },
        challenge,
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        ...extra,
      });
      it('usernameless sign-in with several accounts asks onSelectAccount', async () => {
        const { device } = await key();
        const accounts: string[][] = [];
        const client = new WebAuthnClient({
          device,
          origin,
          onSelectAccount: (list) => {
            accounts.push(list.map((a) => a.id));
            return list.findIndex((a) => a.id === 'Ym9i');
          },
        });
        for (const [n, id] of [
          ['alice', 'YWxpY2U'],
          ['bob', 'Ym9i'],
        ]) {
          await client.create(
            creation({
              user: { id, name: n, displayName: n },
              authenticatorSelection: { residentKey: 'required', userVerification: 'discouraged' },
            }),
          );
        }
        const got = await client.get({ challenge, rpId: RP.id, userVerification: 'discouraged' });
        expect(accounts[0]?.sort()).toEqual(['YWxpY2U', 'Ym9i']);
        expect(got.response.userHandle).toBe('Ym9i');
      });
      it('excluded credential is InvalidStateError; no credentials is NotAllowedError', async () => {
        const { device } = await key();
        const client = new WebAuthnClient({ device, origin });
        const reg = await client.create(creation());
        const e1 = await client
          .create(creation({ excludeCredentials: [{ id: reg.id, type: 'public-key' }] }))
          .catch((e: unknown) => e);
        expect(e1).toMatchObject({
          code: 'ERR_INVALID_STATE',
          domName: 'InvalidStateError',
          ctapCode: 'CTAP2_ERR_CREDENTIAL_EXCLUDED',
        });
        const e2 = await client
          .get({ challenge, rpId: RP.id, allowCredentials: [{ id: 'AAAA', type: 'public-key' }] })
          .catch((e: unknown) => e);
        expect(e2).toMatchObject({ code: 'ERR_NOT_ALLOWED', domName: 'NotAllowedError' });
      });
      it('UV required on a key without a PIN fails clearly', async () => {
        const { device } = await key();
        const client = new WebAuthnClient({ device, origin });
        const e = await client
          .create(creation({ authenticatorSelection: { userVerification: 'required' } }))
          .catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'ERR_UV_REQUIRED', domName: 'NotAllowedError' });
        expect((e as Error).message).toMatch(/no PIN set/);
      });
      it('asks onPinRequired again after a wrong PIN, with the retries left', async () => {
        const { device } = await key({ pin: '1234' });
        const asked: { attempt: number; retries?: number }[] = [];
        const client = new WebAuthnClient({
          device,
          origin,
          onPinRequired: (r) => {
            asked.push({ attempt: r.attempt, retries: r.retries });
            return r.attempt === 1 ? '0000' : '1234';
          },
        });
        const reg = await client.create(
          creation({ authenticatorSelection: { userVerification: 'required' } }),
        );
        expect(reg.type).toBe('public-key');
        expect(asked).toEqual([
          { attempt: 1, retries: 8 },
          { attempt: 2, retries: 7 },
        ]);
      });
      it('uses built-in UV where the key has it, without asking for the PIN', async () => {
        const { device } = await key({ pin: '1234', fingerprints: 1 });
        const client = new WebAuthnClient({
          device,
          origin,
          onPinRequired: () => expect.fail('built-in UV is there: the PIN should not be asked for'),
        });
        const reg = await client.create(
          creation({ authenticatorSelection: { userVerification: 'required' } }),
        );
        expect(reg.response.authenticatorData).toBeTruthy();
      });
      it('cancelled by signal: AbortError', async () => {
        const { device } = await key({ presence: 'timeout' });
        const ctl = new AbortController();
        const client = new WebAuthnClient({
          device,
          origin,
          onUserPresence: () => setTimeout(() => ctl.abort(), 5),
        });
        const e = await client.create(creation(), { signal: ctl.signal }).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'ERR_ABORTED', domName: 'AbortError' });
      });
      it('an RP ID that is not the origin’s is SecurityError', async () => {
        const { device } = await key();
        const client = new WebAuthnClient({ device, origin: 'https://evil.example' });
        const e = await client.create(creation()).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'ERR_SECURITY', domName: 'SecurityError' });
      });
      it('prf through hmac-secret: stable per input, different across inputs, and hmac-secret-mc at creation', async () => {
        const { device } = await key();
        const client = new WebAuthnClient({ device, origin });
        const reg = await client.create(
          creation({ extensions: { prf: { eval: { first: 'AQID' } }, credProps: true } }),
        );
        const prfCreate = reg.clientExtensionResults.prf as { enabled: boolean; results?: { first: string } };
        expect(prfCreate.enabled).toBe(true);
        expect(reg.clientExtensionResults.credProps).toEqual({ rk: false });
        const get = (first: string) =>
          client.get({
            challenge,
            rpId: RP.id,
            allowCredentials: [{ id: reg.id, type: 'public-key' }],
            extensions: { prf: { eval: { first } } },
          });
        const a = (await get('AQID')).clientExtensionResults.prf as { results: { first: string } };
        const b = (await get('AQID')).clientExtensionResults.prf as { results: { first: string } };
        const c = (await get('BAUG')).clientExtensionResults.prf as { results: { first: string } };
        expect(a.results.first).toBe(b.results.first);
        expect(a.results.first).not.toBe(c.results.first);
        if (prfCreate.results) expect(prfCreate.results.first).toBe(a.results.first);
      });
      it('chooses among several keys by the one touched (authenticatorSelection)', async () => {
        const untouched = await key({ presence: 'timeout' });
        const touched = await key();
        const client = new WebAuthnClient({ devices: [untouched.device, touched.device], origin });
        const reg = await client.create(creation());
        expect(touched.authenticator.credentials.length + reg.id.length).toBeGreaterThan(0);
        const raw = await Ctap2.open(touched.device);
        await raw.getAssertion({
          rpId: RP.id,
          clientDataHash: hash('z'),
          allowList: [{ type: 'public-key', id: (await import('@fido2kit/cose')).base64url.decode(reg.id) }],
        });
      });
    });
  });
}

export type { CborValue };
/** The CTAP command table, re-exported for transport suites that send raw commands. */
export { CTAP2_COMMANDS };
