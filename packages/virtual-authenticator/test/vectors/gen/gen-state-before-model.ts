/**
 * Writes test/vectors/state-before-model.json: a virtual key's saved state as the package wrote it
 * before the "fido2kit Virtual Security Key" model existed (commit 795ad3f): packed attestation
 * under a CA generated for this key alone, PIN 123456, one fingerprint, one discoverable
 * credential for example.com. Run against that commit's sources:
 *
 *   git stash && npx tsx --conditions=@fido2kit/source \
 *     packages/virtual-authenticator/test/vectors/gen/gen-state-before-model.ts && git stash pop
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '../../../src/index.js';

const authenticator = new VirtualAuthenticator({ pin: '123456', fingerprints: 1, attestation: 'packed' });
const client = new WebAuthnClient({ device: authenticator.device(), origin: 'https://example.com' });
await client.create({
  rp: { id: 'example.com', name: 'Example' },
  user: { id: 'dXNlci0x', name: 'alice', displayName: 'Alice' },
  challenge: 'AAECAwQFBgcICQoLDA0ODw',
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  attestation: 'direct',
});
writeFileSync(
  fileURLToPath(new URL('../state-before-model.json', import.meta.url)),
  `${JSON.stringify(authenticator.exportState(), null, 2)}\n`,
);
