import { encode } from '@fido2kit/cose';
import { CTAP_STATUS_NAMES } from '@fido2kit/ctap2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gaParams, m, makeAuthenticator, mcParams, send } from './helpers.js';

describe('malformed requests get the right status', () => {
  it('covers the framing errors', async () => {
    const { device, authenticator } = makeAuthenticator({ maxMsgSize: 256 });
    const raw = async (b: Uint8Array) => CTAP_STATUS_NAMES[(await device.cbor(b))[0] as number];
    expect(await raw(new Uint8Array(0))).toBe('CTAP1_ERR_INVALID_LENGTH');
    expect(await raw(Uint8Array.of(0x55))).toBe('CTAP1_ERR_INVALID_COMMAND');
    expect(await raw(Uint8Array.of(0x01, 0xa1))).toBe('CTAP2_ERR_INVALID_CBOR');
    expect(await raw(Uint8Array.of(0x01, 0x80))).toBe('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    expect(await raw(Uint8Array.of(0x01, 0xa0))).toBe('CTAP2_ERR_MISSING_PARAMETER');
    expect(await raw(Uint8Array.of(0x01))).toBe('CTAP2_ERR_MISSING_PARAMETER');
    expect(await raw(new Uint8Array(300).fill(1))).toBe('CTAP2_ERR_REQUEST_TOO_LARGE');
    expect(await device.msg(Uint8Array.of(0, 1, 0, 0))).toEqual(Uint8Array.of(0x6d, 0x00));
    expect(authenticator.credentials).toHaveLength(0);
  });

  it('wrong member types and missing members', async () => {
    const { device } = makeAuthenticator();
    const p = mcParams();
    p.set(1, 'not bytes');
    expect((await send(device, 0x01, p)).name).toBe('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    const q = mcParams();
    q.delete(3);
    expect((await send(device, 0x01, q)).name).toBe('CTAP2_ERR_MISSING_PARAMETER');
    const r = mcParams();
    r.set(2, m([['name', 'no id']]));
    expect((await send(device, 0x01, r)).name).toBe('CTAP2_ERR_MISSING_PARAMETER');
    const s = mcParams();
    s.set(7, m([['rk', 1]]));
    expect((await send(device, 0x01, s)).name).toBe('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    const t = mcParams();
    t.set(1, new Uint8Array(31));
    expect((await send(device, 0x01, t)).name).toBe('CTAP1_ERR_INVALID_LENGTH');
    const u = gaParams();
    u.set(3, [1, 2]);
    expect((await send(device, 0x02, u)).name).toBe('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  });

  it('quirk: rejectEmptyDisplayName', async () => {
    const { device } = makeAuthenticator({ quirks: { rejectEmptyDisplayName: true } });
    expect((await send(device, 0x01, mcParams({ displayName: '' }))).name).toBe(
      'CTAP1_ERR_INVALID_PARAMETER',
    );
    expect((await send(device, 0x01, mcParams())).name).toBe('CTAP2_OK');
  });

  it('quirk: strictCanonicalCbor refuses non-canonical maps', async () => {
    const { device } = makeAuthenticator({ quirks: { strictCanonicalCbor: true } });
    // {2: …, 1: …}: keys out of order
    const bytes = Uint8Array.of(0x06, 0xa2, 0x02, 0x01, 0x01, 0x02);
    expect(CTAP_STATUS_NAMES[(await device.cbor(bytes))[0] as number]).toBe('CTAP2_ERR_INVALID_CBOR');
    const lenient = makeAuthenticator();
    expect(CTAP_STATUS_NAMES[(await lenient.device.cbor(bytes))[0] as number]).toBe('CTAP2_OK');
  });
});

describe('fuzzing', () => {
  const commands = [0x01, 0x02, 0x04, 0x06, 0x08, 0x0b];

  it('random bytes give CTAP statuses, never an exception', async () => {
    const { device } = makeAuthenticator({ presenceTimeoutMs: 5, quirks: { answerBeforeTouch: true } });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...commands), fc.uint8Array({ maxLength: 200 }), async (cmd, body) => {
        const res = await device.cbor(Uint8Array.of(cmd, ...body));
        expect(res).toBeInstanceOf(Uint8Array);
        expect(res.length).toBeGreaterThan(0);
        if (res[0] !== 0) expect(res.length).toBe(1);
        expect(res[0]).not.toBe(0x7f);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated valid requests give CTAP statuses, never an exception', async () => {
    const { device } = makeAuthenticator({ presenceTimeoutMs: 5, quirks: { answerBeforeTouch: true } });
    const seeds = [
      Uint8Array.of(0x01, ...encode(mcParams({ rk: true, extensions: m([['credProtect', 2]]) }))),
      Uint8Array.of(0x02, ...encode(gaParams({ allowList: [new Uint8Array(64)] }))),
      Uint8Array.of(
        0x06,
        ...encode(
          m([
            [1, 2],
            [2, 2],
          ]),
        ),
      ),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (seed, edits) => {
          const req = seed.slice();
          for (const [pos, v] of edits) req[1 + (pos % (req.length - 1))] = v;
          const res = await device.cbor(req);
          expect(res[0]).not.toBe(0x7f);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random CBOR maps give CTAP statuses', async () => {
    const { device } = makeAuthenticator({ presenceTimeoutMs: 5, quirks: { answerBeforeTouch: true } });
    const value = fc.oneof(
      fc.integer(),
      fc.string(),
      fc.boolean(),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...commands),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), value), { maxLength: 8 }),
        async (cmd, entries) => {
          const res = await device.cbor(Uint8Array.of(cmd, ...encode(new Map(entries))));
          expect(res[0]).not.toBe(0x7f);
        },
      ),
      { numRuns: 300 },
    );
  });
});
