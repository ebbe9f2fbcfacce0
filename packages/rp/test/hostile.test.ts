/**
 * Hostile and mutated responses: whatever a client sends, verification either succeeds or throws
 * a WebAuthnVerificationError with a code, never a TypeError from deep inside, never a hang.
 */
import { base64url } from '@fido2kit/cose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  WebAuthnVerificationError,
} from '../src/index.js';
import { assertion, CHALLENGE, makeKey, ORIGIN, RP_ID, register, sha } from './soft-authenticator.js';

const key = makeKey(-7);
const credentialId = sha('hostile');
const goodAuth = assertion({ key, credentialId });
const goodReg = register({ key, credentialId, fmt: 'packed-self' }).response;
const base = { expectedChallenge: CHALLENGE, expectedOrigin: ORIGIN, expectedRPID: RP_ID };
const credential = { id: base64url.encode(credentialId), publicKey: key.cose, counter: 0 };

async function outcome(p: Promise<unknown>): Promise<'ok' | string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (!(e instanceof WebAuthnVerificationError)) throw e;
    expect(e.code).toMatch(/^ERR_[A-Z_]+$/);
    return e.code;
  }
}

function mutate(b64: string, at: number, value: number): string {
  const b = base64url.decode(b64);
  if (b.length === 0) return b64;
  b[at % b.length] = value;
  return base64url.encode(b);
}

describe('hostile responses', () => {
  it('a table of malformed shapes gives typed errors', async () => {
    const shapes: unknown[] = [
      undefined,
      null,
      0,
      Number.NaN,
      '',
      '[]',
      [],
      {},
      { id: 'AA', rawId: 'AA', type: 'public-key' },
      { ...goodAuth, response: { ...goodAuth.response, clientDataJSON: 42 } },
      {
        ...goodAuth,
        response: { ...goodAuth.response, clientDataJSON: base64url.encode(new TextEncoder().encode('[]')) },
      },
      {
        ...goodAuth,
        response: {
          ...goodAuth.response,
          clientDataJSON: base64url.encode(new TextEncoder().encode('{"type":1}')),
        },
      },
      { ...goodAuth, response: { ...goodAuth.response, authenticatorData: '' } },
      { ...goodAuth, response: { ...goodAuth.response, signature: '' } },
      { ...goodAuth, response: { ...goodAuth.response, userHandle: 7 } },
      { ...goodAuth, response: new Proxy({}, {}) },
      { ...goodAuth, authenticatorAttachment: 5 },
    ];
    for (const response of shapes) {
      const code = await outcome(
        verifyAuthenticationResponse({ ...base, credential, response: response as never }),
      );
      expect(code).not.toBe('ok');
    }
    for (const response of [
      ...shapes,
      { ...goodReg, response: { ...goodReg.response, attestationObject: 'oA' } },
    ]) {
      const code = await outcome(
        verifyRegistrationResponse({ ...base, requireUserVerification: true, response: response as never }),
      );
      expect(code).not.toBe('ok');
    }
  });

  it('a deeply nested attestation object is refused, not a stack overflow', async () => {
    const deep = new Uint8Array(10_000).fill(0x81); // [[[[…
    const code = await outcome(
      verifyRegistrationResponse({
        ...base,
        response: {
          ...goodReg,
          response: { ...goodReg.response, attestationObject: base64url.encode(deep) },
        },
      }),
    );
    expect(code).toBe('ERR_ATTESTATION_OBJECT_MALFORMED');
  });

  it('mutated assertions: typed errors only, and a changed byte never verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('authenticatorData', 'clientDataJSON', 'signature'),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        async (field, at, value) => {
          const original = goodAuth.response[field] as string;
          const changed = mutate(original, at, value);
          const response = { ...goodAuth, response: { ...goodAuth.response, [field]: changed } };
          const code = await outcome(verifyAuthenticationResponse({ ...base, credential, response }));
          if (changed !== original) expect(code).not.toBe('ok');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('mutated registrations: typed errors only', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('attestationObject', 'clientDataJSON'),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        async (field, at, value) => {
          const original = goodReg.response[field] as string;
          const changed = mutate(original, at, value);
          const response = { ...goodReg, response: { ...goodReg.response, [field]: changed } };
          await outcome(verifyRegistrationResponse({ ...base, response }));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('random JSON in place of the response', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (v) => {
        expect(
          await outcome(verifyAuthenticationResponse({ ...base, credential, response: v as never })),
        ).not.toBe('ok');
        expect(await outcome(verifyRegistrationResponse({ ...base, response: v as never }))).not.toBe('ok');
      }),
      { numRuns: 200 },
    );
  });
});
