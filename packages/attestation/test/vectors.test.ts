import { describe, expect, it } from 'vitest';
import { verifyAttestation } from '../src/index.js';
import { b64u, cdh, hex, vectors } from './helpers.js';

interface L3 {
  attestation_ca_cert: string;
  vectors: {
    name: string;
    fmt: string;
    expected: { type: string; aaguid: string; trusted: boolean };
    clientDataJSON: string;
    attestationObject: string;
  }[];
}
interface Recorded {
  vectors: {
    name: string;
    now: string;
    expected: { fmt: string; type: string; trusted: boolean };
    clientDataJSON: string;
    attestationObject: string;
  }[];
}

const l3 = vectors<L3>('webauthn-l3.json');
const recorded = vectors<Recorded>('recorded.json');

describe('WebAuthn Level 3 §16 test vectors', () => {
  for (const v of l3.vectors) {
    it(v.name, async () => {
      const r = await verifyAttestation({
        attestationObject: hex(v.attestationObject),
        clientDataHash: cdh(hex(v.clientDataJSON)),
        trustAnchors: [hex(l3.attestation_ca_cert)],
        now: new Date('2026-01-01T00:00:00Z'),
      });
      expect(r.fmt).toBe(v.fmt);
      expect(r.type).toBe(v.expected.type);
      expect(r.aaguid).toBe(v.expected.aaguid);
      expect(r.trusted).toBe(v.expected.trusted);
    });
  }
});

describe('recorded attestations', () => {
  for (const v of recorded.vectors) {
    it(`${v.name} (at ${v.now})`, async () => {
      const r = await verifyAttestation({
        attestationObject: b64u(v.attestationObject),
        clientDataHash: cdh(b64u(v.clientDataJSON)),
        now: new Date(v.now),
      });
      expect(r.fmt).toBe(v.expected.fmt);
      expect(r.type).toBe(v.expected.type);
      expect(r.trusted).toBe(v.expected.trusted);
    });
  }
});
