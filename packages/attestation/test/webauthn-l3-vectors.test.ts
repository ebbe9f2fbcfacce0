/**
 * Every registration vector of the W3C WebAuthn Level 3 test-vector appendix (§16), from the
 * transcription in `packages/cose/test/vectors/webauthn-l3-vectors.json` (read-only here; its
 * SOURCES.md names the w3c/webauthn commit), through `verifyAttestation`, and modified copies of
 * each that fail with a stable code. See `test/vectors/SOURCES.md` for the two vectors that need
 * an option (tpm) or a re-issued certificate (android-key), and why.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type CborValue, decode, encode, sha256 } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { type FormatOptions, verifyAttestation } from '../src/index.js';
import { codeOf, hex } from './helpers.js';

interface L3Entry {
  name: string;
  section: string;
  anchor: string;
  title: string;
  fields: {
    registration?: Record<string, string>;
    attestation_ca_cert?: string;
    attestation_ca_key?: string;
  };
}

const ALL = JSON.parse(
  readFileSync(new URL('../../cose/test/vectors/webauthn-l3-vectors.json', import.meta.url), 'utf8'),
) as L3Entry[];
const CA_ENTRY = ALL.find((e) => e.name === 'attestation-ca')!;
const CA = hex(CA_ENTRY.fields.attestation_ca_cert!);
/** Inside every certificate's validity (2024-01-01 … 3024-01-01). */
const NOW = new Date('2026-01-01T00:00:00Z');
const BEFORE = new Date('2023-12-31T23:59:59Z');

interface Expect {
  fmt: string;
  type: 'none' | 'self' | 'basic' | 'attca' | 'anonca';
  /** The statement carries x5c, chaining to the §16.1 attestation CA. */
  x5c: boolean;
  /** Has attStmt.sig. */
  sig: boolean;
  /** The code a wrong clientDataHash gives ('resolved' when the format does not bind it). */
  wrongHash: string;
  formatOptions?: FormatOptions;
}

const PACKED: Expect = {
  fmt: 'packed',
  type: 'basic',
  x5c: true,
  sig: true,
  wrongHash: 'ERR_ATTESTATION_SIGNATURE_INVALID',
};
const NONE: Expect = { fmt: 'none', type: 'none', x5c: false, sig: false, wrongHash: 'resolved' };

const EXPECTED: Record<string, Expect> = {
  'none.ES256': NONE,
  'packed-self.ES256': { ...PACKED, type: 'self', x5c: false },
  'none.ES256.crossOrigin': NONE,
  'none.ES256.topOrigin': NONE,
  'none.ES256.long-credential-id': NONE,
  'packed.ES256': PACKED,
  'packed.ES384': PACKED,
  'packed.ES512': PACKED,
  'packed.RS256': PACKED,
  'packed.EdDSA': PACKED,
  'packed.Ed448': PACKED,
  // The vector's AIK names TPM manufacturer id:00000000, which is not in the TCG registry.
  'tpm.ES256': {
    fmt: 'tpm',
    type: 'attca',
    x5c: true,
    sig: true,
    wrongHash: 'ERR_ATTESTATION_NONCE_MISMATCH',
    formatOptions: { tpmAllowUnregisteredManufacturer: true },
  },
  'apple.ES256': {
    fmt: 'apple',
    type: 'anonca',
    x5c: true,
    sig: false,
    wrongHash: 'ERR_ATTESTATION_NONCE_MISMATCH',
  },
  'fido-u2f.ES256': {
    fmt: 'fido-u2f',
    type: 'basic',
    x5c: true,
    sig: true,
    wrongHash: 'ERR_ATTESTATION_SIGNATURE_INVALID',
  },
};

type CborMap = Map<CborValue, CborValue>;

const uuid = (h: string) =>
  `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

function registration(name: string) {
  const r = ALL.find((e) => e.name === name)?.fields.registration;
  if (!r) throw new Error(`no vector ${name}`);
  return {
    attestationObject: hex(r.attestationObject!),
    clientDataHash: sha256(hex(r.clientDataJSON!)),
    aaguid: uuid(r.aaguid!),
  };
}

/** A modified copy of an attestation object: `f` changes attStmt in place. */
function mutate(obj: Uint8Array, f: (attStmt: CborMap, m: CborMap) => void): Uint8Array {
  const m = decode(obj, { canonical: false }) as CborMap;
  f(m.get('attStmt') as CborMap, m);
  return encode(m);
}

function flipLast(b: Uint8Array): Uint8Array {
  const c = b.slice();
  c[c.length - 1]! ^= 0x01;
  return c;
}

const wrongHash = (h: Uint8Array) => {
  const c = h.slice();
  c[0]! ^= 0x80;
  return c;
};

/**
 * The android-key vector with its attestation certificate re-issued by the §16.1 CA (whose private
 * key the spec publishes): the key description extension alone is replaced by one whose teeEnforced
 * list holds purpose {KM_PURPOSE_SIGN} and origin KM_ORIGIN_GENERATED, as later revisions of the
 * spec's vector carry. attStmt.sig is unchanged (the certificate key is the credential key).
 */
function reissueAndroidKey(attestationObject: Uint8Array, clientDataHash: Uint8Array): Uint8Array {
  return mutate(attestationObject, (st) => {
    const x5c = st.get('x5c') as Uint8Array[];
    const cert = asn1js.fromBER(x5c[0]!.slice()).result as asn1js.Sequence;
    const tbs = cert.valueBlock.value[0] as asn1js.Sequence;
    const tagged = tbs.valueBlock.value.find(
      (b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 3,
    ) as asn1js.Constructed;
    const exts = (tagged.valueBlock.value[0] as asn1js.Sequence).valueBlock.value as asn1js.Sequence[];
    const ext = exts.find(
      (e) =>
        (e.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString() ===
        '1.3.6.1.4.1.11129.2.1.17',
    )!;
    const challenge = Buffer.from(clientDataHash).toString('hex');
    // KeyDescription: version 300, security levels as ENUMERATED, softwareEnforced {}, teeEnforced
    // { [1] purpose SET { 2 }, [702] origin 0 }.
    const kd = hex(`30430202012c0a01000201000a01000420${challenge}04003000300ea1053103020102bf853e03020100`);
    ext.valueBlock.value[ext.valueBlock.value.length - 1] = new asn1js.OctetString({ valueHex: kd });
    const tbsDer = new Uint8Array(tbs.toBER());
    const caKey = createPrivateKey({
      key: Buffer.from(`30310201010420${CA_ENTRY.fields.attestation_ca_key}a00a06082a8648ce3d030107`, 'hex'),
      format: 'der',
      type: 'sec1',
    });
    const signature = sign('sha256', tbsDer, caKey);
    const reissued = new asn1js.Sequence({
      value: [
        asn1js.fromBER(tbsDer).result,
        cert.valueBlock.value[1]!,
        new asn1js.BitString({ valueHex: signature }),
      ],
    });
    st.set('x5c', [new Uint8Array(reissued.toBER())]);
  });
}

describe('WebAuthn L3 §16 registration vectors', () => {
  it('covers every registration vector in the transcription', () => {
    const names = ALL.filter((e) => e.fields.registration).map((e) => e.name);
    expect(names).toHaveLength(15);
    expect([...names].sort()).toEqual([...Object.keys(EXPECTED), 'android-key.ES256'].sort());
  });

  for (const [name, x] of Object.entries(EXPECTED)) {
    describe(name, () => {
      const v = registration(name);
      const base = { now: NOW, ...(x.formatOptions ? { formatOptions: x.formatOptions } : {}) };

      it(`verifies: fmt ${x.fmt}, type ${x.type}, trusted only with the §16.1 root as an anchor`, async () => {
        const plain = await verifyAttestation({ ...v, ...base });
        expect(plain.fmt).toBe(x.fmt);
        expect(plain.type).toBe(x.type);
        expect(plain.aaguid).toBe(v.aaguid);
        expect(plain.trusted).toBe(false);

        const anchored = await verifyAttestation({
          ...v,
          ...base,
          trustAnchors: [CA],
          requireTrusted: x.x5c,
        });
        expect(anchored.fmt).toBe(x.fmt);
        expect(anchored.type).toBe(x.type);
        expect(anchored.aaguid).toBe(v.aaguid);
        expect(anchored.trusted).toBe(x.x5c);
        expect(anchored.trustPath).toHaveLength(x.x5c ? 2 : 0);
        if (x.x5c) expect(anchored.trustPath[1]).toEqual(CA);
      });

      it(`a wrong clientDataHash → ${x.wrongHash}`, async () => {
        expect(
          await codeOf(verifyAttestation({ ...base, ...v, clientDataHash: wrongHash(v.clientDataHash) })),
        ).toBe(x.wrongHash);
      });

      if (x.sig)
        it('an altered attStmt.sig → ERR_ATTESTATION_SIGNATURE_INVALID', async () => {
          const attestationObject = mutate(v.attestationObject, (st) =>
            st.set('sig', flipLast(st.get('sig') as Uint8Array)),
          );
          expect(await codeOf(verifyAttestation({ ...v, ...base, attestationObject }))).toBe(
            'ERR_ATTESTATION_SIGNATURE_INVALID',
          );
        });

      if (x.x5c) {
        it('before the certificates are valid → ERR_CERTIFICATE_NOT_YET_VALID', async () => {
          expect(await codeOf(verifyAttestation({ ...v, ...base, now: BEFORE, trustAnchors: [CA] }))).toBe(
            'ERR_CERTIFICATE_NOT_YET_VALID',
          );
        });

        it('an altered certificate signature → ERR_CERTIFICATE_SIGNATURE_INVALID against the root', async () => {
          const attestationObject = mutate(v.attestationObject, (st) => {
            const x5c = st.get('x5c') as Uint8Array[];
            st.set('x5c', [flipLast(x5c[0]!)]);
          });
          expect(
            await codeOf(verifyAttestation({ ...v, ...base, attestationObject, trustAnchors: [CA] })),
          ).toBe('ERR_CERTIFICATE_SIGNATURE_INVALID');
        });
      }
    });
  }
});

describe('format-specific modified copies of the §16 vectors', () => {
  it('none: a non-empty attStmt → ERR_ATTESTATION_INVALID', async () => {
    const v = registration('none.ES256');
    const attestationObject = mutate(v.attestationObject, (st) => st.set('sig', new Uint8Array(8)));
    expect(await codeOf(verifyAttestation({ ...v, attestationObject, now: NOW }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });

  it('packed self: an alg other than the credential key’s → ERR_ATTESTATION_INVALID', async () => {
    const v = registration('packed-self.ES256');
    const attestationObject = mutate(v.attestationObject, (st) => st.set('alg', -257));
    expect(await codeOf(verifyAttestation({ ...v, attestationObject, now: NOW }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });

  it('packed: requireTrusted without the §16.1 root → ERR_ATTESTATION_UNTRUSTED', async () => {
    const v = registration('packed.ES384');
    expect(await codeOf(verifyAttestation({ ...v, now: NOW, requireTrusted: true }))).toBe(
      'ERR_ATTESTATION_UNTRUSTED',
    );
  });

  it('fido-u2f: two certificates in x5c → ERR_ATTESTATION_INVALID', async () => {
    const v = registration('fido-u2f.ES256');
    const attestationObject = mutate(v.attestationObject, (st) => {
      const x5c = st.get('x5c') as Uint8Array[];
      st.set('x5c', [x5c[0]!, CA]);
    });
    expect(await codeOf(verifyAttestation({ ...v, attestationObject, now: NOW }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });

  it('tpm: the unregistered manufacturer id:00000000 is refused by default', async () => {
    const v = registration('tpm.ES256');
    const err = verifyAttestation({ ...v, now: NOW, trustAnchors: [CA] });
    await expect(err).rejects.toMatchObject({ code: 'ERR_ATTESTATION_INVALID' });
    await expect(err).rejects.toThrow(/id:00000000 is not in the TCG vendor registry/);
  });

  it('tpm: an altered pubArea → ERR_ATTESTATION_INVALID (not the credential key)', async () => {
    const v = registration('tpm.ES256');
    const attestationObject = mutate(v.attestationObject, (st) =>
      st.set('pubArea', flipLast(st.get('pubArea') as Uint8Array)),
    );
    expect(
      await codeOf(
        verifyAttestation({
          ...v,
          attestationObject,
          now: NOW,
          formatOptions: { tpmAllowUnregisteredManufacturer: true },
        }),
      ),
    ).toBe('ERR_ATTESTATION_INVALID');
  });

  it('tpm: an altered certInfo → ERR_ATTESTATION_INVALID (name) or _SIGNATURE_INVALID (clockInfo)', async () => {
    const v = registration('tpm.ES256');
    const formatOptions = { tpmAllowUnregisteredManufacturer: true };
    // certInfo: magic, type, qualifiedSigner, extraData, clockInfo (17), firmwareVersion (8), attestedName, qualifiedName.
    const at = (ci: Uint8Array) => {
      const signerLen = (ci[6]! << 8) | ci[7]!;
      const extraLen = (ci[8 + signerLen]! << 8) | ci[9 + signerLen]!;
      return { clock: 10 + signerLen + extraLen, name: 10 + signerLen + extraLen + 25 + 2 };
    };
    const flipAt = (which: 'clock' | 'name') =>
      mutate(v.attestationObject, (st) => {
        const ci = (st.get('certInfo') as Uint8Array).slice();
        ci[at(ci)[which] + 3]! ^= 0x01;
        st.set('certInfo', ci);
      });
    // A changed attested name no longer names pubArea.
    const badName = flipAt('name');
    const p = verifyAttestation({ ...v, attestationObject: badName, now: NOW, formatOptions });
    await expect(p).rejects.toMatchObject({ code: 'ERR_ATTESTATION_INVALID' });
    await expect(p).rejects.toThrow(/attested name/);
    // clockInfo is not checked by itself: only the AIK signature notices it.
    const badClock = flipAt('clock');
    expect(
      await codeOf(verifyAttestation({ ...v, attestationObject: badClock, now: NOW, formatOptions })),
    ).toBe('ERR_ATTESTATION_SIGNATURE_INVALID');
  });

  it('apple: a leaf that is not the credential key → ERR_ATTESTATION_INVALID', async () => {
    const v = registration('apple.ES256');
    const other = (decode(registration('packed.ES256').attestationObject) as CborMap).get(
      'attStmt',
    ) as CborMap;
    const attestationObject = mutate(v.attestationObject, (st) =>
      st.set('x5c', other.get('x5c') as CborValue),
    );
    // packed.ES256's certificate has no apple nonce extension.
    expect(await codeOf(verifyAttestation({ ...v, attestationObject, now: NOW }))).toBe(
      'ERR_ATTESTATION_INVALID',
    );
  });
});

describe('android-key.ES256 (§16.14)', () => {
  const v = registration('android-key.ES256');

  it('as transcribed: signature and chain are good, but the empty authorization lists fail §8.4 (origin)', async () => {
    for (const formatOptions of [{}, { androidKeyAllowSoftwareEnforced: true }]) {
      const p = verifyAttestation({ ...v, now: NOW, trustAnchors: [CA], formatOptions });
      await expect(p).rejects.toMatchObject({ code: 'ERR_ATTESTATION_INVALID' });
      await expect(p).rejects.toThrow('the android-key origin is not KM_ORIGIN_GENERATED');
    }
  });

  it('re-issued with teeEnforced purpose SIGN and origin GENERATED: basic, trusted with the §16.1 root', async () => {
    const attestationObject = reissueAndroidKey(v.attestationObject, v.clientDataHash);
    const plain = await verifyAttestation({ ...v, attestationObject, now: NOW });
    expect(plain).toMatchObject({ fmt: 'android-key', type: 'basic', aaguid: v.aaguid, trusted: false });
    const r = await verifyAttestation({
      ...v,
      attestationObject,
      now: NOW,
      trustAnchors: [CA],
      requireTrusted: true,
    });
    expect(r).toMatchObject({ fmt: 'android-key', type: 'basic', aaguid: v.aaguid, trusted: true });
    expect(r.trustPath).toHaveLength(2);
  });

  it('re-issued copy: altered sig → _SIGNATURE_INVALID; wrong clientDataHash → _SIGNATURE_INVALID', async () => {
    const attestationObject = reissueAndroidKey(v.attestationObject, v.clientDataHash);
    const altered = mutate(attestationObject, (st) => st.set('sig', flipLast(st.get('sig') as Uint8Array)));
    expect(await codeOf(verifyAttestation({ ...v, attestationObject: altered, now: NOW }))).toBe(
      'ERR_ATTESTATION_SIGNATURE_INVALID',
    );
    expect(
      await codeOf(
        verifyAttestation({ ...v, attestationObject, clientDataHash: wrongHash(v.clientDataHash), now: NOW }),
      ),
    ).toBe('ERR_ATTESTATION_SIGNATURE_INVALID');
  });

  it('re-issued with a challenge that is not the clientDataHash → ERR_ATTESTATION_NONCE_MISMATCH', async () => {
    const attestationObject = reissueAndroidKey(v.attestationObject, wrongHash(v.clientDataHash));
    expect(await codeOf(verifyAttestation({ ...v, attestationObject, now: NOW }))).toBe(
      'ERR_ATTESTATION_NONCE_MISMATCH',
    );
  });
});
