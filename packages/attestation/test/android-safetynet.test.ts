/**
 * android-safetynet (WebAuthn §8.5) with recorded registrations (vectors/android-safetynet.json;
 * sources and `now` named there), and modified copies of them that fail with a stable code each.
 */
import { base64url, type CborValue, decode, encode, sha256, utf8Decode, utf8Encode } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { verifyAttestation } from '../src/index.js';
import { b64u, cdh, codeOf, vectors } from './helpers.js';

interface Vector {
  name: string;
  now: string;
  timestampMs: number;
  anchors: string[];
  expected: { fmt: string; type: string; trusted: boolean };
  attestationObject: string;
  clientDataJSON: string;
}
const { vectors: list } = vectors<{ vectors: Vector[] }>('android-safetynet.json');

/** A copy of the attestation object whose SafetyNet JWS is changed by `f` (header, payload, signature). */
function withJws(v: Vector, f: (parts: [string, string, string]) => [string, string, string]): Uint8Array {
  const m = decode(b64u(v.attestationObject), { canonical: false }) as Map<CborValue, CborValue>;
  const stmt = new Map(m.get('attStmt') as Map<CborValue, CborValue>);
  const parts = utf8Decode(stmt.get('response') as Uint8Array).split('.') as [string, string, string];
  stmt.set('response', utf8Encode(f(parts).join('.')));
  return encode(new Map<CborValue, CborValue>([...m, ['attStmt', stmt]]));
}
/** A JWS part (base64url JSON) with members replaced. */
const editJson = (part: string, patch: (o: Record<string, unknown>) => Record<string, unknown>) =>
  base64url.encode(utf8Encode(JSON.stringify(patch(JSON.parse(utf8Decode(base64url.decode(part)))))));

describe.each(list.map((v) => [v.name, v] as const))('android-safetynet: %s', (_, v) => {
  const attestationObject = b64u(v.attestationObject);
  const clientDataHash = cdh(b64u(v.clientDataJSON));
  const now = new Date(v.now);
  const base = { clientDataHash, now, trustAnchors: v.anchors };

  it('verifies as recorded', async () => {
    const r = await verifyAttestation({ attestationObject, ...base });
    expect(r.fmt).toBe(v.expected.fmt);
    expect(r.type).toBe(v.expected.type);
    expect(r.trusted).toBe(v.expected.trusted);
    expect(r.trustPath.length).toBeGreaterThanOrEqual(2);
  });

  it('another clientDataJSON → ERR_ATTESTATION_NONCE_MISMATCH', async () => {
    const other = sha256(utf8Encode('{"type":"webauthn.create","challenge":"other"}'));
    expect(await codeOf(verifyAttestation({ attestationObject, ...base, clientDataHash: other }))).toBe(
      'ERR_ATTESTATION_NONCE_MISMATCH',
    );
  });

  it('judged 2 minutes after timestampMs → ERR_ATTESTATION_INVALID (too old); 1 minute before → in the future', async () => {
    for (const offset of [120_000, -60_000])
      expect(
        await codeOf(
          verifyAttestation({ attestationObject, ...base, now: new Date(v.timestampMs + offset) }),
        ),
      ).toBe('ERR_ATTESTATION_INVALID');
    // the window is the caller's to widen
    const r = await verifyAttestation({
      attestationObject,
      ...base,
      now: new Date(v.timestampMs + 120_000),
      formatOptions: { safetyNetMaxAgeMs: 300_000 },
    });
    expect(r.fmt).toBe('android-safetynet');
  });

  it('a changed JWS signature → ERR_ATTESTATION_SIGNATURE_INVALID', async () => {
    const bad = withJws(v, ([h, p, s]) => {
      const sig = base64url.decode(s);
      sig[10] = (sig[10] as number) ^ 0x01;
      return [h, p, base64url.encode(sig)];
    });
    expect(await codeOf(verifyAttestation({ attestationObject: bad, ...base }))).toBe(
      'ERR_ATTESTATION_SIGNATURE_INVALID',
    );
  });

  it('a payload re-written with the same nonce (basicIntegrity flipped) → ERR_ATTESTATION_SIGNATURE_INVALID', async () => {
    const bad = withJws(v, ([h, p, s]) => [h, editJson(p, (o) => ({ ...o, basicIntegrity: false })), s]);
    expect(await codeOf(verifyAttestation({ attestationObject: bad, ...base }))).toBe(
      'ERR_ATTESTATION_SIGNATURE_INVALID',
    );
  });

  it('ctsProfileMatch false → ERR_ATTESTATION_INVALID (unless the option allows it; the signature then fails)', async () => {
    const bad = withJws(v, ([h, p, s]) => [h, editJson(p, (o) => ({ ...o, ctsProfileMatch: false })), s]);
    expect(await codeOf(verifyAttestation({ attestationObject: bad, ...base }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
    expect(
      await codeOf(
        verifyAttestation({
          attestationObject: bad,
          ...base,
          formatOptions: { safetyNetRequireCtsProfileMatch: false },
        }),
      ),
    ).toBe('ERR_ATTESTATION_SIGNATURE_INVALID');
  });

  it('an x5c without the attest.android.com leaf → ERR_ATTESTATION_INVALID', async () => {
    const bad = withJws(v, ([h, p, s]) => [
      editJson(h, (o) => ({ ...o, x5c: (o.x5c as unknown[]).slice(1) })),
      p,
      s,
    ]);
    expect(await codeOf(verifyAttestation({ attestationObject: bad, ...base }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });

  it('judged after the leaf expired (timestamp window widened) → ERR_CERTIFICATE_EXPIRED', async () => {
    const late = new Date(v.timestampMs + 400 * 864e5);
    expect(
      await codeOf(
        verifyAttestation({
          attestationObject,
          ...base,
          now: late,
          formatOptions: { safetyNetMaxAgeMs: 500 * 864e5 },
        }),
      ),
    ).toBe('ERR_CERTIFICATE_EXPIRED');
  });

  it('an unsupported JWS alg → ERR_ATTESTATION_INVALID', async () => {
    const bad = withJws(v, ([h, p, s]) => [editJson(h, (o) => ({ ...o, alg: 'HS256' })), p, s]);
    expect(await codeOf(verifyAttestation({ attestationObject: bad, ...base }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });
});

describe('android-safetynet trust', () => {
  it('the 2019 chain (GlobalSign R2, not bundled) is untrusted without its anchor; requireTrusted refuses it', async () => {
    const v = list.find((x) => x.anchors.length > 0);
    if (!v) throw new Error('no vector with an anchor');
    const args = {
      attestationObject: b64u(v.attestationObject),
      clientDataHash: cdh(b64u(v.clientDataJSON)),
      now: new Date(v.now),
    };
    expect((await verifyAttestation(args)).trusted).toBe(false);
    expect(await codeOf(verifyAttestation({ ...args, requireTrusted: true }))).toBe(
      'ERR_ATTESTATION_UNTRUSTED',
    );
  });

  it('the 2021 chain is untrusted with useBundledAnchors: false', async () => {
    const v = list.find((x) => x.anchors.length === 0);
    if (!v) throw new Error('no vector without anchors');
    const r = await verifyAttestation({
      attestationObject: b64u(v.attestationObject),
      clientDataHash: cdh(b64u(v.clientDataJSON)),
      now: new Date(v.now),
      useBundledAnchors: false,
    });
    expect(r.trusted).toBe(false);
  });
});
