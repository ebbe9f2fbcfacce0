/**
 * Issue 13 §2: a real Feitian BioPass FIDO2 registration whose x5c ends in the self-signed
 * "Feitian FIDO Root CA" (test/vectors/feitian-biopass-packed.json; source named there). The root
 * carried in x5c is validated through but never an anchor (SimpleWebAuthn GHSA-6hxq-p678-4hr2):
 * without an anchor the result is `trusted: false`, not an error; with the root (or the
 * intermediate) configured as an anchor it is trusted.
 */
import { decode } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { parseCertificate, verifyAttestation } from '../src/index.js';
import { b64u, cdh, codeOf, vectors } from './helpers.js';

interface Feitian {
  now: string;
  response: { response: { clientDataJSON: string; attestationObject: string } };
}
const v = vectors<Feitian>('feitian-biopass-packed.json');
const attestationObject = b64u(v.response.response.attestationObject);
const clientDataHash = cdh(b64u(v.response.response.clientDataJSON));
const now = new Date(v.now);
const x5c = (decode(attestationObject, { canonical: false }) as Map<string, Map<string, unknown>>)
  .get('attStmt')
  ?.get('x5c') as Uint8Array[];
const [leaf, ca1, root] = x5c as [Uint8Array, Uint8Array, Uint8Array];

describe('Feitian BioPass FIDO2 (x5c = leaf, Feitian FIDO2 CA-1, Feitian FIDO Root CA)', () => {
  it('the vector is what it says: three certificates, the last self-signed', () => {
    expect(x5c).toHaveLength(3);
    const [l, c, r] = x5c.map(parseCertificate);
    expect(l?.subject.attributes.find((a) => a.type === '2.5.4.3')?.value).toBe('FT BioPass FIDO2 USB');
    expect(c?.subject.attributes.find((a) => a.type === '2.5.4.3')?.value).toBe('Feitian FIDO2 CA-1');
    expect(r?.subject.attributes.find((a) => a.type === '2.5.4.3')?.value).toBe('Feitian FIDO Root CA');
  });

  it('without an anchor: verified, validated through the carried root, trusted false', async () => {
    const r = await verifyAttestation({ attestationObject, clientDataHash, now });
    expect(r.fmt).toBe('packed');
    expect(r.type).toBe('basic');
    expect(r.trusted).toBe(false);
    expect(r.trustPath).toEqual([leaf, ca1, root]);
  });

  it('requireTrusted without an anchor refuses with ERR_ATTESTATION_UNTRUSTED', async () => {
    expect(
      await codeOf(verifyAttestation({ attestationObject, clientDataHash, now, requireTrusted: true })),
    ).toBe('ERR_ATTESTATION_UNTRUSTED');
  });

  it('with the Feitian root as an anchor: trusted, the path ends at the anchor', async () => {
    const r = await verifyAttestation({
      attestationObject,
      clientDataHash,
      now,
      trustAnchors: [root.slice()],
    });
    expect(r.trusted).toBe(true);
    expect(r.trustPath).toEqual([leaf, ca1, root]);
  });

  it('with the intermediate as an anchor: trusted, the path stops there', async () => {
    const r = await verifyAttestation({
      attestationObject,
      clientDataHash,
      now,
      trustAnchors: [ca1.slice()],
    });
    expect(r.trusted).toBe(true);
    expect(r.trustPath).toEqual([leaf, ca1]);
  });

  it("a broken link to the carried root (CA-1's signature altered) is refused, not untrusted", async () => {
    const bad = attestationObject.slice();
    // the last byte of CA-1 is the last byte of the root's signature on it
    const at = indexOf(bad, ca1) + ca1.length - 1;
    expect(at).toBeGreaterThan(0);
    bad[at] = (bad[at] as number) ^ 0x01;
    const code = await codeOf(verifyAttestation({ attestationObject: bad, clientDataHash, now }));
    expect(code).toBe('ERR_CERTIFICATE_SIGNATURE_INVALID');
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
