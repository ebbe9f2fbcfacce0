/**
 * Names for a few well-known AAGUIDs, so `info` can say which model a key is without going online.
 * The FIDO Metadata Service (see @fido2kit/attestation) is the full and signed source.
 */
import { DEFAULT_AAGUID } from '@fido2kit/virtual-authenticator';
import { VIRTUAL_MODEL } from './keys.js';

const MODELS: Record<string, string> = {
  [DEFAULT_AAGUID]: VIRTUAL_MODEL,
  'cb69481e-8ff7-4039-93ec-0a2729a154a8': 'YubiKey 5 Series',
  'ee882879-721c-4913-9775-3dfcce97072a': 'YubiKey 5 Series',
  'fa2b99dc-9e39-4257-8f92-4a30d23c4118': 'YubiKey 5 Series with NFC',
  '2fc0579f-8113-47ea-b116-bb5a8db9202a': 'YubiKey 5 Series with NFC',
  'c5ef55ff-ad9a-4b9f-b580-adebafe026d0': 'YubiKey 5Ci',
  'd8522d9f-575b-4866-88a9-ba99fa02f35b': 'YubiKey Bio Series',
  'f8a011f3-8c0a-4d15-8006-17111f9edc7d': 'Security Key by Yubico',
  '149a2021-8ef6-4133-96b8-81f8d5b7f1f5': 'Security Key by Yubico with NFC',
  '6d44ba9b-f6ec-2e49-b930-0c8fe920cb73': 'Security Key NFC by Yubico',
  '42b4fb4a-2866-43b2-9bf7-6c6669c2e5d3': 'Google Titan Security Key v2',
};

/** The model name for an AAGUID, when this table knows it. */
export function modelOf(aaguid: string): string | undefined {
  return MODELS[aaguid.toLowerCase()];
}

/** COSE algorithm names for the ones keys commonly offer. */
const ALGORITHMS: Record<number, string> = {
  [-7]: 'ES256',
  [-8]: 'EdDSA',
  [-35]: 'ES384',
  [-36]: 'ES512',
  [-47]: 'ES256K',
  [-257]: 'RS256',
  [-37]: 'PS256',
};

export function algorithmName(alg: number): string {
  return ALGORITHMS[alg] ?? String(alg);
}
