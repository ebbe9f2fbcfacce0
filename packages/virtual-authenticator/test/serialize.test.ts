import { describe, expect, it } from 'vitest';
import { VirtualAuthenticator } from '../src/index.js';

describe('a key exported before its first use', () => {
  it('comes back with the same attestation CA and certificate (packed and fido-u2f)', () => {
    for (const attestation of ['packed', 'fido-u2f'] as const) {
      const fresh = new VirtualAuthenticator({ attestation });
      const again = VirtualAuthenticator.fromState(JSON.parse(JSON.stringify(fresh.exportState())));
      expect(again.attestationCaCertificate).toEqual(fresh.attestationCaCertificate);
      if (attestation === 'packed')
        expect(again.attestationCertificate).toEqual(fresh.attestationCertificate);
    }
  });
});
