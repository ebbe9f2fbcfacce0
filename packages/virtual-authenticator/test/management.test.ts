import { describe, expect, it } from 'vitest';
import { VirtualAuthenticator } from '../src/index.js';
import { m, OK, pinToken, send } from './helpers.js';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('CTAP1 / U2F APDUs', () => {
  it('short and extended encodings, wrong CLA, unknown INS, bad lengths', async () => {
    const a = new VirtualAuthenticator({ u2f: 'dual', attestation: 'none' });
    const sw = async (apdu: number[]) => hexOf((await a.msg(Uint8Array.from(apdu))).slice(-2));
    expect(hexOf(await a.msg(Uint8Array.of(0, 3, 0, 0)))).toBe('5532465f56329000');
    expect(hexOf(await a.msg(Uint8Array.of(0, 3, 0, 0, 0, 0, 0)))).toBe('5532465f56329000');
    // case 2E with Le 256 (as a short VERSION from an NFC reader is re-encoded): Le, not Lc
    expect(hexOf(await a.msg(Uint8Array.of(0, 3, 0, 0, 0, 1, 0)))).toBe('5532465f56329000');
    expect(hexOf(await a.msg(Uint8Array.of(0, 3, 0, 0, 0)))).toBe('5532465f56329000');
    expect(await sw([0x80, 3, 0, 0])).toBe('6e00');
    expect(await sw([0, 0x09, 0, 0])).toBe('6d00');
    expect(await sw([0, 1, 0, 0, 3, 1, 2, 3])).toBe('6700');
    expect(await sw([0, 2, 3, 0, 0, 0, 65, ...new Array(65).fill(0)])).toBe('6a80');
    expect(await sw([0, 1])).toBe('6700');
  });

  it('a key without U2F answers 6D00; a U2F-only key answers no CTAP2 command', async () => {
    const plain = new VirtualAuthenticator();
    expect(hexOf(await plain.msg(Uint8Array.of(0, 3, 0, 0)))).toBe('6d00');
    const only = new VirtualAuthenticator({ u2f: 'u2f-only' });
    expect((await send(only.device(), 0x04)).name).toBe('CTAP1_ERR_INVALID_COMMAND');
    expect(() => new VirtualAuthenticator({ u2f: 'yes' as never })).toThrow(RangeError);
  });
});

describe('getInfo and state', () => {
  it('advertises the management options and members', () => {
    const info = new VirtualAuthenticator({
      pin: '1234',
      fingerprints: 1,
      u2f: 'dual',
      enterpriseAttestation: true,
    }).getInfo();
    expect(info.versions).toEqual(['U2F_V2', 'FIDO_2_0', 'FIDO_2_1']);
    expect(info.options).toMatchObject({
      credMgmt: true,
      bioEnroll: true,
      largeBlobs: true,
      authnrCfg: true,
      setMinPINLength: true,
      alwaysUv: false,
      ep: false,
    });
    const off = new VirtualAuthenticator({
      maxSerializedLargeBlobArray: 0,
      authenticatorConfig: false,
      credentialManagement: false,
    }).getInfo();
    expect(off.options.largeBlobs).toBeUndefined();
    expect(off.options.authnrCfg).toBeUndefined();
    expect(off.options.credMgmt).toBeUndefined();
    expect(() => new VirtualAuthenticator({ maxSerializedLargeBlobArray: 100 })).toThrow(RangeError);
  });

  it('the large-blob array, enterprise attestation and the management config survive exportState/fromState', async () => {
    const a = new VirtualAuthenticator({
      enterpriseAttestation: true,
      maxSerializedLargeBlobArray: 2048,
      u2f: 'dual',
    });
    const d = a.device();
    const body = Uint8Array.of(0x81, 0x01);
    const { sha256 } = await import('@fido2kit/cose');
    const arr = Uint8Array.from([...body, ...sha256(body).subarray(0, 16)]);
    expect(
      (
        await send(
          d,
          0x0c,
          m([
            [2, arr],
            [3, 0],
            [4, arr.length],
          ]),
        )
      ).status,
    ).toBe(OK);
    expect((await send(d, 0x0d, m([[1, 1]]))).status).toBe(OK);
    const b = VirtualAuthenticator.fromState(JSON.parse(JSON.stringify(a.exportState())));
    const read = await send(
      b.device(),
      0x0c,
      m([
        [1, 100],
        [3, 0],
      ]),
    );
    expect(read.body?.get(1)).toEqual(arr);
    expect(b.getInfo().options.ep).toBe(true);
    expect(b.getInfo().versions).toContain('U2F_V2');
  });

  it('the sensor hook decides samples the script does not cover', async () => {
    const a = new VirtualAuthenticator({
      pin: '1234',
      fingerprints: 0,
      fingerprintSensor: { samplesRequired: 2 },
    });
    const seen: number[] = [];
    a.sensor.onSample = (r) => {
      seen.push(r.sampleIndex);
      return r.sampleIndex === 0 ? 'too-low' : 'good';
    };
    const d = a.device();
    const t = await pinToken(d, '1234', { permissions: 0x08 });
    const begin = await send(
      d,
      0x09,
      m([
        [1, 1],
        [2, 1],
        [4, 2],
        [5, t.auth(Uint8Array.of(1, 1))],
      ]),
    );
    expect(begin.body?.get(5)).toBe(0x02);
    expect(begin.body?.get(6)).toBe(2);
    expect(seen).toEqual([0]);
    expect(a.sensor.history).toEqual(['too-low']);
  });
});

describe('credential-management enumeration state (CTAP 2.1 §6.8)', () => {
  it('an unrelated command, or another credMgmt subcommand, ends an enumeration in progress', async () => {
    const { ClientPin, Ctap2, CtapError } = await import('@fido2kit/ctap2');
    const { sha256: hash, utf8Encode: utf8 } = await import('@fido2kit/cose');
    const a = new VirtualAuthenticator({ pin: '1234', attestation: 'none' });
    const ctap = await Ctap2.open(a.device());
    for (const rpId of ['a.example', 'b.example', 'c.example']) {
      const t = await new ClientPin(ctap).getPinUvAuthToken({ pin: '1234', permissions: ['mc'], rpId });
      const clientDataHash = hash(utf8(rpId));
      await ctap.makeCredential({
        clientDataHash,
        rp: { id: rpId },
        user: { id: utf8(`u-${rpId}`) },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        options: { rk: true },
        pinUvAuthParam: t.protocol.authenticate(t.token, clientDataHash),
        pinUvAuthProtocol: t.protocol.version,
      });
    }
    const t = await new ClientPin(ctap).getPinUvAuthToken({ pin: '1234', permissions: ['cm'] });
    const begin = () =>
      ctap.send(
        0x0a,
        m([
          [0x01, 0x02],
          [0x03, t.protocol.version],
          [0x04, t.protocol.authenticate(t.token, Uint8Array.of(0x02))],
        ]),
      );
    const next = () => ctap.send(0x0a, m([[0x01, 0x03]]));
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 'OK',
        (e: unknown) => (e instanceof CtapError ? e.code : String(e)),
      );
    expect((await begin())?.get(0x05)).toBe(3);
    expect(await status(next())).toBe('OK');
    await ctap.getInfo();
    expect(await status(next())).toBe('CTAP2_ERR_NOT_ALLOWED');
    await begin();
    await ctap.send(
      0x0a,
      m([
        [0x01, 0x01],
        [0x03, t.protocol.version],
        [0x04, t.protocol.authenticate(t.token, Uint8Array.of(0x01))],
      ]),
    );
    expect(await status(next())).toBe('CTAP2_ERR_NOT_ALLOWED');
    await begin();
    expect(await status(next())).toBe('OK');
    expect(await status(next())).toBe('OK');
    expect(await status(next())).toBe('CTAP2_ERR_NOT_ALLOWED');
  });
});
