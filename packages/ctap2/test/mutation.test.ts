/** fast-check: mutated authenticator responses give typed errors only, never a TypeError from inside. */
import { bytesToHex, type CborValue, decode, encode, hexToBytes } from '@fido2kit/cose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientPin, Ctap2, WebAuthnClient } from '../src/index.js';
import { ScriptedDevice } from './helpers/scripted-device.js';
import recorded from './vectors/recorded.json' with { type: 'json' };

const INFO = recorded.vectors[0]?.response as string;
const INFO21 = recorded.vectors[2]?.response as string;
const MC = recorded.vectors[3]?.response as string;
const GA = recorded.vectors[5]?.response as string;
const cdh = new Uint8Array(32);
const mc = {
  clientDataHash: cdh,
  rp: { id: 'example.com' },
  user: { id: new Uint8Array([1]), name: 'u' },
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
};

/** Byte-level mutations: flip, overwrite, truncate, insert. */
const mutated = (hex: string) =>
  fc
    .tuple(
      fc.array(
        fc.oneof(
          fc.record({
            kind: fc.constant('flip' as const),
            at: fc.nat(),
            bit: fc.integer({ min: 0, max: 7 }),
          }),
          fc.record({
            kind: fc.constant('set' as const),
            at: fc.nat(),
            value: fc.integer({ min: 0, max: 255 }),
          }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
          fc.record({
            kind: fc.constant('insert' as const),
            at: fc.nat(),
            value: fc.integer({ min: 0, max: 255 }),
          }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([ops]) => {
      let b = Array.from(hexToBytes(hex));
      for (const op of ops) {
        const at = b.length === 0 ? 0 : 1 + (op.at % Math.max(1, b.length - 1)); // keep the status byte mostly
        if (op.kind === 'flip') b[at] = ((b[at] ?? 0) ^ (1 << op.bit)) & 0xff;
        else if (op.kind === 'set') b[at] = op.value;
        else if (op.kind === 'cut') b = b.slice(0, at);
        else b.splice(at, 0, op.value);
      }
      return new Uint8Array(b);
    });

/** Structural mutations: a member of the response map replaced by an arbitrary CBOR value. */
const cborValue: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('v'), { maxLength: 3 }),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 8 })), tie('v')), {
        maxLength: 3,
      })
      .map((entries) => new Map<CborValue, CborValue>(entries)),
  ),
})).v;

const replaced = (hex: string) => {
  const base = decode(hexToBytes(hex).subarray(1)) as Map<CborValue, CborValue>;
  const keys = [...base.keys()];
  return fc
    .tuple(fc.integer({ min: 0, max: keys.length + 2 }), cborValue, fc.boolean())
    .map(([i, v, remove]) => {
      const m = new Map(base);
      const k = keys[i] ?? i;
      if (remove) m.delete(k);
      else m.set(k, v);
      return new Uint8Array([0, ...encode(m)]);
    });
};

function expectTyped(e: unknown): void {
  if (e === undefined) return;
  expect(e).toBeInstanceOf(Error);
  expect(e instanceof TypeError || e instanceof RangeError).toBe(false);
  expect(typeof (e as { code?: unknown }).code).toBe('string');
}

const run = async (p: () => Promise<unknown>) => {
  try {
    await p();
    return undefined;
  } catch (e) {
    return e;
  }
};

describe('mutated authenticator responses give typed errors only', () => {
  const runs = { numRuns: 300 };
  it('getInfo', async () => {
    for (const base of [INFO, INFO21]) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(mutated(base), replaced(base)), async (bytes) => {
          expectTyped(await run(() => Ctap2.open(new ScriptedDevice(bytes))));
        }),
        runs,
      );
    }
  });
  it('makeCredential', async () => {
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated(MC), replaced(MC)), async (bytes) => {
        const ctap = await Ctap2.open(new ScriptedDevice(INFO, bytes));
        const e = await run(() => ctap.makeCredential(mc));
        expectTyped(e);
        codes.add((e as { code?: string } | undefined)?.code ?? 'ok');
      }),
      runs,
    );
    // the mutations reach past the status byte into the response
    expect(codes.has('ERR_INVALID_RESPONSE')).toBe(true);
  });
  it('getAssertion and getNextAssertion', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated(GA), replaced(GA)), async (bytes) => {
        const ctap = await Ctap2.open(new ScriptedDevice(INFO, bytes, bytes));
        expectTyped(await run(() => ctap.getAssertion({ rpId: 'example.com', clientDataHash: cdh })));
        expectTyped(await run(() => ctap.getNextAssertion()));
      }),
      runs,
    );
  });
  it('clientPIN answers (key agreement, retries, token)', async () => {
    const pinInfo = bytesToHex(
      new Uint8Array([
        0,
        ...encode(
          new Map<CborValue, CborValue>([
            [1, ['FIDO_2_0']],
            [3, new Uint8Array(16)],
            [4, new Map([['clientPin', true]])],
            [6, [1]],
          ]),
        ),
      ]),
    );
    await fc.assert(
      fc.asyncProperty(cborValue, cborValue, async (a, b) => {
        const ans = (v: CborValue) =>
          new Uint8Array([
            0,
            ...encode(
              new Map([
                [1, v],
                [2, v],
                [3, v],
              ]),
            ),
          ]);
        const ctap = await Ctap2.open(new ScriptedDevice(pinInfo, ans(a), ans(b), ans(a)));
        const pin = new ClientPin(ctap);
        expectTyped(await run(() => pin.getPinToken('1234')));
        expectTyped(await run(() => pin.getRetries()));
      }),
      { numRuns: 200 },
    );
  });
  it('WebAuthnClient.create and get', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(mutated(MC), replaced(MC)),
        fc.oneof(mutated(GA), replaced(GA)),
        async (m, g) => {
          const client = new WebAuthnClient({
            device: new ScriptedDevice(INFO, m, g),
            origin: 'https://example.com',
          });
          expectTyped(
            await run(() =>
              client.create({
                rp: { name: 'x' },
                user: { id: 'AQ', name: 'u', displayName: 'u' },
                challenge: 'AAAA',
                pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
                authenticatorSelection: { userVerification: 'discouraged' },
              }),
            ),
          );
          expectTyped(await run(() => client.get({ challenge: 'AAAA', userVerification: 'discouraged' })));
        },
      ),
      { numRuns: 200 },
    );
  });
});
