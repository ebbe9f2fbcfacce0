/**
 * MDS3 BLOBs that we did not make: the FIDO MDS3 specification's example BLOB (signed by the
 * spec's example PKI) and the real signer chain of a 2021 production BLOB (GlobalSign Root CA R3).
 * Sources and what was kept: `test/vectors/SOURCES.md`.
 */
import { base64url, utf8Decode, utf8Encode } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { bundledAnchors, loadMetadataBlob, parseCertificate, validateCertificatePath } from '../src/index.js';
import { createMetadataBlob, createTestPki } from '../src/testing.js';
import { decodeBase64, nameValue, OID } from '../src/x509.js';
import { codeOf, vectors } from './helpers.js';

interface Mds3Vectors {
  specExample: {
    rootCertificate: string;
    blob: string;
    no: number;
    nextUpdate: string;
    fido2Aaguid: string;
    fido2Description: string;
    uafAaid: string;
  };
  productionHeader: { header: string };
}

const V = vectors<Mds3Vectors>('mds3.json');
const EX = V.specExample;
/** Inside the example signer's validity (2021-04-19 … 2031-04-17). */
const EX_NOW = new Date('2021-06-01T00:00:00Z');

/** JWS ES256 wants r‖s (RFC 7518 §3.4); the stored copy has DER. */
function derToJoseEs256(jwt: string): string {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const seq = asn1js.fromBER(base64url.decode(s).slice()).result as asn1js.Sequence;
  const fixed = (i: asn1js.Integer) => {
    let b = new Uint8Array(i.valueBlock.valueHexView);
    while (b.length > 32 && b[0] === 0) b = b.subarray(1);
    const out = new Uint8Array(32);
    out.set(b, 32 - b.length);
    return out;
  };
  const [r, ss] = seq.valueBlock.value as [asn1js.Integer, asn1js.Integer];
  const raw = new Uint8Array(64);
  raw.set(fixed(r), 0);
  raw.set(fixed(ss), 32);
  return `${h}.${p}.${base64url.encode(raw)}`;
}

const JWS = derToJoseEs256(EX.blob);
const payloadOf = (jwt: string) => JSON.parse(utf8Decode(base64url.decode(jwt.split('.')[1]!)));

// The recorded chains (the spec's example, a 2021 production header) come without their CRLs of
// the time, so those loads name revocation: 'offline-skip'; the re-signed copy checks test CRLs.
describe('MDS3 specification example BLOB', () => {
  it('loads against the example root: no, nextUpdate, both entries, findByAaguid', async () => {
    const c = await loadMetadataBlob(JWS, {
      rootCertificate: EX.rootCertificate,
      now: EX_NOW,
      revocation: 'offline-skip',
    });
    expect(c.no).toBe(EX.no);
    expect(c.nextUpdate.toISOString().slice(0, 10)).toBe(EX.nextUpdate);
    expect(c.legalHeader).toMatch(/^Retrieval and use of this BLOB indicates acceptance/);
    expect(c.entries).toHaveLength(2);
    expect(c.rejectedEntries).toEqual([]);
    expect(c.signerChain).toHaveLength(3);
    expect(nameValue(c.signerChain[0]!.subject, OID.commonName)).toBe('EXAMPLE MDS3 SIGNING CERTIFICATE');
    const e = c.findByAaguid(EX.fido2Aaguid.replace(/-/g, '').toUpperCase());
    expect(e?.metadataStatement?.description).toBe(EX.fido2Description);
    expect(e?.metadataStatement?.attestationTypes).toEqual(['basic_full']);
    expect(e?.metadataStatement?.authenticatorGetInfo?.aaguid).toBe(EX.fido2Aaguid.replace(/-/g, ''));
    expect(e?.statusReports.map((r) => r.status)).toEqual(['FIDO_CERTIFIED', 'FIDO_CERTIFIED_L1']);
    // The example statement's attestation root parses.
    expect(() =>
      parseCertificate(decodeBase64(e!.metadataStatement!.attestationRootCertificates![0]!)),
    ).not.toThrow();
    expect(c.entries.find((x) => x.aaid === EX.uafAaid)?.metadataStatement?.protocolFamily).toBe('uaf');
    expect(c.findByAaguid('0102030405060708090a0b0c0d0e0f10')).toBeUndefined();
  });

  it('the stored copy’s DER signature is not a JWS ES256 signature → ERR_METADATA_SIGNATURE_INVALID', async () => {
    expect(
      await codeOf(
        loadMetadataBlob(EX.blob, {
          rootCertificate: EX.rootCertificate,
          now: EX_NOW,
          revocation: 'offline-skip',
        }),
      ),
    ).toBe('ERR_METADATA_SIGNATURE_INVALID');
  });

  it('a changed payload → ERR_METADATA_SIGNATURE_INVALID', async () => {
    const [h, , s] = JWS.split('.');
    const p = payloadOf(JWS);
    p.no = 16;
    const forged = `${h}.${base64url.encode(utf8Encode(JSON.stringify(p)))}.${s}`;
    expect(
      await codeOf(
        loadMetadataBlob(forged, {
          rootCertificate: EX.rootCertificate,
          now: EX_NOW,
          revocation: 'offline-skip',
        }),
      ),
    ).toBe('ERR_METADATA_SIGNATURE_INVALID');
  });

  it('stale (nextUpdate 2020-03-30) only with rejectStale; other roots and dates refuse it', async () => {
    const root = EX.rootCertificate;
    expect(
      await codeOf(
        loadMetadataBlob(JWS, {
          rootCertificate: root,
          now: EX_NOW,
          rejectStale: true,
          revocation: 'offline-skip',
        }),
      ),
    ).toBe('ERR_METADATA_STALE');
    // The bundled anchors (GlobalSign R3/R46) do not sign the example.
    expect(await codeOf(loadMetadataBlob(JWS, { now: EX_NOW }))).toBe('ERR_METADATA_INVALID');
    // Before the example signer certificate existed, and after it expired.
    for (const now of [new Date('2021-04-01T00:00:00Z'), new Date('2031-05-01T00:00:00Z')])
      expect(await codeOf(loadMetadataBlob(JWS, { rootCertificate: root, now }))).toBe(
        'ERR_METADATA_INVALID',
      );
  });

  it('the example payload, re-signed with the test PKI, gives the same catalog', async () => {
    const pki = await createTestPki({ now: EX_NOW });
    const jwt = await createMetadataBlob({ pki, entries: [], payload: payloadOf(JWS) });
    const c = await loadMetadataBlob(jwt, {
      rootCertificate: pki.root.pem,
      crl: { crls: pki.crls },
      now: EX_NOW,
    });
    expect(c.no).toBe(EX.no);
    expect(c.entries).toHaveLength(2);
    expect(c.findByAaguid(EX.fido2Aaguid)?.metadataStatement?.description).toBe(EX.fido2Description);
  });
});

describe('a production MDS3 BLOB’s signer chain (2021, GlobalSign Root CA R3)', () => {
  const header = JSON.parse(utf8Decode(base64url.decode(V.productionHeader.header))) as {
    alg: string;
    x5c: string[];
  };
  const x5c = header.x5c.map((c) => parseCertificate(decodeBase64(c)));

  it('validates to the bundled GlobalSign Root CA R3 at its historical date', async () => {
    expect(header.alg).toBe('RS256');
    const v = await validateCertificatePath(x5c, {
      anchors: bundledAnchors('fido-mds'),
      now: new Date('2021-11-15T00:00:00Z'),
    });
    expect(v.trusted).toBe(true);
    expect(v.path.map((c) => nameValue(c.subject, OID.commonName))).toEqual([
      'mds.fidoalliance.org',
      'GlobalSign Extended Validation CA - SHA256 - G3',
      'GlobalSign',
    ]);
    expect(
      await codeOf(
        validateCertificatePath(x5c, {
          anchors: bundledAnchors('fido-mds'),
          now: new Date('2022-06-01T00:00:00Z'),
        }),
      ),
    ).toBe('ERR_CERTIFICATE_EXPIRED');
  });

  it('loadMetadataBlob with the default anchors passes the real chain and reaches the signature check', async () => {
    // The payload and signature are not the BLOB's (it was too large to fetch), so the signature
    // must fail — after the chain has been accepted; at a date past the signer's expiry the chain fails first.
    const payload = base64url.encode(
      utf8Encode(JSON.stringify({ legalHeader: 'x', no: 9, nextUpdate: '2021-12-01', entries: [] })),
    );
    const jwt = `${V.productionHeader.header}.${payload}.${base64url.encode(new Uint8Array(256))}`;
    expect(
      await codeOf(
        loadMetadataBlob(jwt, { now: new Date('2021-11-15T00:00:00Z'), revocation: 'offline-skip' }),
      ),
    ).toBe('ERR_METADATA_SIGNATURE_INVALID');
    expect(
      await codeOf(
        loadMetadataBlob(jwt, { now: new Date('2022-06-01T00:00:00Z'), revocation: 'offline-skip' }),
      ),
    ).toBe('ERR_METADATA_INVALID');
  });
});
