import { bytesToHex, type CborValue, decode, encode, hexToBytes } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { CTAP_STATUS, Ctap2, CtapError } from '../src/index.js';
import { ScriptedDevice } from './helpers/scripted-device.js';
import recorded from './vectors/recorded.json' with { type: 'json' };

const answer = (m: Map<CborValue, CborValue>) => bytesToHex(new Uint8Array([0, ...encode(m)]));
const info = (extra: [number, CborValue][] = []) =>
  answer(
    new Map<CborValue, CborValue>([
      [1, ['FIDO_2_0', 'FIDO_2_1']],
      [3, new Uint8Array(16)],
      [
        4,
        new Map<CborValue, CborValue>([
          ['rk', true],
          ['up', true],
          ['clientPin', false],
        ]),
      ],
      [6, [2, 1]],
      ...extra,
    ]),
  );
const GA = recorded.vectors.find((v) => v.command === 'getAssertion')?.response as string;
const MC = recorded.vectors.find((v) => v.command === 'makeCredential')?.response as string;
const cdh = new Uint8Array(32).fill(7);
const mcParams = {
  clientDataHash: cdh,
  rp: { id: 'example.com', name: 'Example' },
  user: { id: new Uint8Array([1, 2, 3]), name: 'alice', displayName: 'Alice' },
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
};
const req = (dev: ScriptedDevice, i: number) =>
  decode(dev.requests[i]?.subarray(1) as Uint8Array) as Map<number, CborValue>;

describe('Ctap2.send: status, canonical CBOR, typed errors (CTAP 2.1 §8)', () => {
  it('every status becomes a CtapError with the spec name and number', async () => {
    for (const [name, status] of Object.entries(CTAP_STATUS)) {
      if (status === 0 || name.endsWith('_FIRST') || name.endsWith('_LAST')) continue;
      const ctap = await Ctap2.open(new ScriptedDevice(info(), new Uint8Array([status])));
      const e = await ctap.send(0x04).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CtapError);
      expect(e).toMatchObject({ code: name, status });
    }
  });
  it('vendor and extension statuses are named generically', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info(), 'f2', 'e5'));
    await expect(ctap.send(0x04)).rejects.toMatchObject({ code: 'CTAP2_ERR_VENDOR_0xf2', status: 0xf2 });
    await expect(ctap.send(0x04)).rejects.toMatchObject({ code: 'CTAP2_ERR_EXTENSION_0xe5' });
  });
  it('rejects non-canonical responses unless opened with canonical: false', async () => {
    // {1: 1} with the integer key written in a long form
    const nonCanonical = '00a1180101';
    const strict = await Ctap2.open(new ScriptedDevice(info(), nonCanonical));
    await expect(strict.send(0x04)).rejects.toMatchObject({ code: 'ERR_INVALID_RESPONSE' });
    const lenient = await Ctap2.open(new ScriptedDevice(info(), nonCanonical), { canonical: false });
    expect(await lenient.send(0x04)).toEqual(new Map([[1, 1]]));
  });
  it('empty answers, non-map bodies, trailing bytes are ERR_INVALID_RESPONSE', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info(), '', '0001', '00a0ff'));
    for (let i = 0; i < 3; i++)
      await expect(ctap.send(0x04)).rejects.toMatchObject({ code: 'ERR_INVALID_RESPONSE' });
  });
  it('status-only OK is undefined', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info(), '00'));
    expect(await ctap.send(0x07)).toBeUndefined();
  });
  it('refuses requests over maxMsgSize before sending', async () => {
    const dev = new ScriptedDevice(info([[5, 128]]));
    const ctap = await Ctap2.open(dev);
    await expect(
      ctap.makeCredential({ ...mcParams, user: { id: new Uint8Array(64), name: 'x'.repeat(64) } }),
    ).rejects.toMatchObject({ code: 'ERR_REQUEST_TOO_LARGE' });
    expect(dev.requests.length).toBe(1);
  });
  it('an aborted signal: ERR_ABORTED before sending, and KEEPALIVE_CANCEL after abort', async () => {
    const ctl = new AbortController();
    const dev = new ScriptedDevice(info(), () => {
      ctl.abort();
      return new Uint8Array([CTAP_STATUS.CTAP2_ERR_KEEPALIVE_CANCEL]);
    });
    const ctap = await Ctap2.open(dev);
    await expect(ctap.makeCredential(mcParams, { signal: ctl.signal })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
    await expect(ctap.getInfo({ signal: ctl.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
  it('a transport failure is ERR_TRANSPORT', async () => {
    const ctap = await Ctap2.open(
      new ScriptedDevice(info(), () => {
        throw new Error('unplugged');
      }),
    );
    await expect(ctap.send(0x04)).rejects.toMatchObject({ code: 'ERR_TRANSPORT' });
  });
});

describe('request building with the spec member keys (CTAP 2.1 §6.1, §6.2)', () => {
  it('makeCredential: keys 1–10 in canonical order, text-keyed entities', async () => {
    const dev = new ScriptedDevice(
      info([
        [
          0x0a,
          [
            new Map<CborValue, CborValue>([
              ['alg', -7],
              ['type', 'public-key'],
            ]),
          ],
        ],
      ]),
      MC,
    );
    const ctap = await Ctap2.open(dev);
    await ctap.makeCredential({
      ...mcParams,
      pubKeyCredParams: [
        { type: 'public-key', alg: -8 },
        { type: 'public-key', alg: -7 },
      ],
      excludeList: [{ type: 'public-key', id: new Uint8Array([9]) }],
      extensions: { credProtect: 2 },
      options: { rk: true },
      pinUvAuthParam: new Uint8Array(32),
      pinUvAuthProtocol: 2,
    });
    expect(dev.requests[1]?.[0]).toBe(0x01);
    const m = req(dev, 1);
    expect([...m.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(m.get(2)).toEqual(
      new Map([
        ['id', 'example.com'],
        ['name', 'Example'],
      ]),
    );
    // the algorithm the key lacks (EdDSA) is filtered out against getInfo
    expect(m.get(4)).toEqual([
      new Map<CborValue, CborValue>([
        ['alg', -7],
        ['type', 'public-key'],
      ]),
    ]);
    expect(m.get(6)).toEqual(new Map([['credProtect', 2]]));
    expect(m.get(7)).toEqual(new Map([['rk', true]]));
  });
  it('checks algorithms, options and protocols against getInfo', async () => {
    const ctap = await Ctap2.open(
      new ScriptedDevice(
        info([
          [
            0x0a,
            [
              new Map<CborValue, CborValue>([
                ['alg', -7],
                ['type', 'public-key'],
              ]),
            ],
          ],
        ]),
      ),
    );
    await expect(
      ctap.makeCredential({ ...mcParams, pubKeyCredParams: [{ type: 'public-key', alg: -257 }] }),
    ).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
    });
    await expect(ctap.makeCredential({ ...mcParams, options: { uv: true } })).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
    });
    await expect(
      ctap.makeCredential({ ...mcParams, pinUvAuthParam: new Uint8Array(16), pinUvAuthProtocol: 3 }),
    ).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
    const noRk = await Ctap2.open(new ScriptedDevice(info([[4, new Map([['rk', false]])]])));
    await expect(noRk.makeCredential({ ...mcParams, options: { rk: true } })).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
    });
  });
  it('checkRequests: false sends what it is given', async () => {
    const dev = new ScriptedDevice(info(), '26');
    const ctap = await Ctap2.open(dev, { checkRequests: false });
    await expect(ctap.makeCredential({ ...mcParams, options: { uv: true } })).rejects.toMatchObject({
      code: 'CTAP2_ERR_UNSUPPORTED_ALGORITHM',
      status: 0x26,
    });
  });
  it('programming mistakes are TypeErrors naming the argument', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info()));
    await expect(ctap.makeCredential({ ...mcParams, clientDataHash: new Uint8Array(31) })).rejects.toThrow(
      '"clientDataHash" expected Uint8Array of length 32, got length=31',
    );
    await expect(
      ctap.getAssertion({ rpId: 1 as unknown as string, clientDataHash: cdh }),
    ).rejects.toBeInstanceOf(TypeError);
  });
  it('getAssertion fills in the credential when the allowList had one entry and the answer left it out', async () => {
    const r = decode(hexToBytes(GA).subarray(1)) as Map<number, CborValue>;
    const cred = r.get(1) as Map<string, CborValue>;
    r.delete(1);
    const ctap = await Ctap2.open(new ScriptedDevice(info(), answer(r)));
    const res = await ctap.getAssertion({
      rpId: 'example.com',
      clientDataHash: cdh,
      allowList: [{ type: 'public-key', id: cred.get('id') as Uint8Array }],
    });
    expect(res.credential.id).toEqual(cred.get('id'));
  });
});

describe('long allow and exclude lists are probed in batches of maxCredentialCountInList', () => {
  const ids = Array.from({ length: 7 }, (_, i) => ({ type: 'public-key', id: new Uint8Array([i, i, i]) }));
  it('getAssertion: silent probes per batch, then the one credential found', async () => {
    const hit = decode(hexToBytes(GA).subarray(1)) as Map<number, CborValue>;
    hit.set(
      1,
      new Map<CborValue, CborValue>([
        ['id', new Uint8Array([5, 5, 5])],
        ['type', 'public-key'],
      ]),
    );
    const dev = new ScriptedDevice(
      info([
        [7, 3],
        [8, 16],
      ]),
      '2e',
      answer(hit),
      answer(hit),
    );
    const ctap = await Ctap2.open(dev);
    const long = [...ids, { type: 'public-key', id: new Uint8Array(17) }]; // too long for maxCredentialIdLength
    const res = await ctap.getAssertion({ rpId: 'example.com', clientDataHash: cdh, allowList: long });
    expect(res.credential.id).toEqual(new Uint8Array([5, 5, 5]));
    const probes = [req(dev, 1), req(dev, 2)];
    for (const p of probes) expect(p.get(5)).toEqual(new Map([['up', false]]));
    expect(probes[0]?.get(3)).toHaveLength(3);
    expect(probes[1]?.get(3)).toHaveLength(3);
    const final = req(dev, 3);
    expect(final.get(3)).toEqual([
      new Map<CborValue, CborValue>([
        ['id', new Uint8Array([5, 5, 5])],
        ['type', 'public-key'],
      ]),
    ]);
    expect(final.has(5)).toBe(false);
  });
  it('getAssertion: nothing in any batch is CTAP2_ERR_NO_CREDENTIALS', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info([[7, 3]]), '2e', '2e', '2e'));
    await expect(
      ctap.getAssertion({ rpId: 'example.com', clientDataHash: cdh, allowList: ids }),
    ).rejects.toMatchObject({
      code: 'CTAP2_ERR_NO_CREDENTIALS',
    });
  });
  it('makeCredential: no match sends no excludeList', async () => {
    const dev = new ScriptedDevice(info([[7, 4]]), '2e', '2e', MC);
    const ctap = await Ctap2.open(dev);
    await ctap.makeCredential({ ...mcParams, excludeList: ids });
    expect(req(dev, 3).has(5)).toBe(false);
  });
  it('makeCredential: a match sends just that credential', async () => {
    const hit = decode(hexToBytes(GA).subarray(1)) as Map<number, CborValue>;
    hit.set(
      1,
      new Map<CborValue, CborValue>([
        ['id', new Uint8Array([1, 1, 1])],
        ['type', 'public-key'],
      ]),
    );
    const dev = new ScriptedDevice(info([[7, 4]]), answer(hit), '19');
    const ctap = await Ctap2.open(dev);
    await expect(ctap.makeCredential({ ...mcParams, excludeList: ids })).rejects.toMatchObject({
      code: 'CTAP2_ERR_CREDENTIAL_EXCLUDED',
    });
    expect((req(dev, 2).get(5) as unknown[]).length).toBe(1);
  });
});

describe('selection', () => {
  it('CTAP 2.1: authenticatorSelection (0x0B)', async () => {
    const dev = new ScriptedDevice(info(), '00');
    await (await Ctap2.open(dev)).selection();
    expect(bytesToHex(dev.requests[1] as Uint8Array)).toBe('0b');
  });
  it('CTAP 2.0: the dummy makeCredential with an empty pinUvAuthParam; PIN_NOT_SET means touched', async () => {
    const dev = new ScriptedDevice(recorded.vectors[0]?.response as string, '35');
    await (await Ctap2.open(dev)).selection();
    const m = req(dev, 1);
    expect(dev.requests[1]?.[0]).toBe(1);
    expect(m.get(8)).toEqual(new Uint8Array(0));
    expect(m.get(9)).toBe(1);
  });
});
