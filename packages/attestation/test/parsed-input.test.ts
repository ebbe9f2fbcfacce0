/**
 * One parse per ceremony (issue 14): verifyAttestation takes the object cose's
 * parseAttestationObject returned, with the same outcome as the bytes, for every recorded and
 * WebAuthn L3 §16 vector (sources in vectors/SOURCES.md) and for compound; anything else in its
 * place is a caller mistake with ERR_INVALID_ARGUMENT.
 */
import { type CborValue, decode, parseAttestationObject, parseAuthenticatorData } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { ANY_STATUS_POLICY, checkStatusPolicy, verifyAttestation } from '../src/index.js';
import { b64u, cdh, codeOf, hex, vectors } from './helpers.js';

interface Recorded {
  vectors: { name: string; now: string; clientDataJSON: string; attestationObject: string }[];
}
interface L3 {
  attestation_ca_cert: string;
  vectors: { name: string; clientDataJSON: string; attestationObject: string }[];
}

const strip = (r: Awaited<ReturnType<typeof verifyAttestation>>) => ({
  fmt: r.fmt,
  type: r.type,
  aaguid: r.aaguid,
  trusted: r.trusted,
  trustPath: r.trustPath,
});

describe('verifyAttestation takes the parsed attestation object', () => {
  const recorded = vectors<Recorded>('recorded.json').vectors.map((v) => ({
    name: v.name,
    bytes: b64u(v.attestationObject),
    clientDataHash: cdh(b64u(v.clientDataJSON)),
    now: new Date(v.now),
    anchors: [] as Uint8Array[],
  }));
  const l3 = vectors<L3>('webauthn-l3.json');
  const spec = l3.vectors.map((v) => ({
    name: `L3 ${v.name}`,
    bytes: hex(v.attestationObject),
    clientDataHash: cdh(hex(v.clientDataJSON)),
    now: new Date('2026-01-01T00:00:00Z'),
    anchors: [hex(l3.attestation_ca_cert)],
  }));

  it.each([...recorded, ...spec].map((v) => [v.name, v] as const))('%s: same outcome', async (_, v) => {
    const common = { clientDataHash: v.clientDataHash, now: v.now, trustAnchors: v.anchors };
    const settle = (p: Promise<Awaited<ReturnType<typeof verifyAttestation>>>) =>
      p.then(strip, (e: { code?: string }) => ({ error: e.code }));
    const fromBytes = await settle(verifyAttestation({ attestationObject: v.bytes, ...common }));
    const parsed = parseAttestationObject(v.bytes);
    const fromParsed = await settle(verifyAttestation({ attestationObject: parsed, ...common }));
    expect(fromParsed).toEqual(fromBytes);
  });

  it('compound: attStmt as the array of statements', async () => {
    // a compound object built from the first L3 packed vector twice
    const v = spec.find((s) => s.name.includes('packed'));
    if (!v) throw new Error('no packed vector');
    const m = decode(v.bytes, { canonical: false }) as Map<CborValue, CborValue>;
    const authData = m.get('authData') as Uint8Array;
    const statement = new Map<CborValue, CborValue>([
      ['fmt', 'packed'],
      ['attStmt', m.get('attStmt') as CborValue],
    ]);
    const r = await verifyAttestation({
      attestationObject: {
        fmt: 'compound',
        attStmt: [statement, statement] as never,
        authData,
        authenticatorData: parseAuthenticatorData(authData),
      },
      clientDataHash: v.clientDataHash,
      now: v.now,
      trustAnchors: v.anchors,
    });
    expect(r.fmt).toBe('compound');
    expect(r.statements).toHaveLength(2);
  });

  it('anything else in its place → ERR_INVALID_ARGUMENT', async () => {
    const v = recorded[0];
    if (!v) throw new Error('no vector');
    const parsed = parseAttestationObject(v.bytes);
    const bad: unknown[] = [
      null,
      'o2NmbXQ',
      [1, 2],
      {},
      { ...parsed, fmt: 1 },
      { ...parsed, attStmt: [] },
      { ...parsed, authData: 'x' },
      { ...parsed, authenticatorData: { ...parsed.authenticatorData, attestedCredentialData: undefined } },
    ];
    for (const attestationObject of bad)
      expect(
        await codeOf(
          verifyAttestation({
            attestationObject: attestationObject as never,
            clientDataHash: v.clientDataHash,
          }),
        ),
      ).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('ANY_STATUS_POLICY (the one list rp uses for statusPolicy "ignore")', () => {
  it('accepts every certification status, the revoked and uncertified included', () => {
    for (const status of [
      'REVOKED',
      'NOT_FIDO_CERTIFIED',
      'SELF_ASSERTION_SUBMITTED',
      'FIDO_CERTIFIED_L3plus',
    ])
      expect(() =>
        checkStatusPolicy(
          { statusReports: [{ status, effectiveDate: '2020-01-01' }], timeOfLastStatusChange: '2020-01-01' },
          { now: new Date('2026-01-01'), policy: ANY_STATUS_POLICY },
        ),
      ).not.toThrow();
    expect(Object.isFrozen(ANY_STATUS_POLICY.desired)).toBe(true);
  });
});
