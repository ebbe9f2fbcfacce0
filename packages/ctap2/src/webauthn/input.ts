/** Reading a ceremony's JSON options: base64url members, credential descriptors, client data. */
import { base64url, type PublicKeyCredentialDescriptorJSON, sha256, utf8Encode } from '@fido2kit/cose';
import type { PublicKeyCredentialDescriptor } from '../ctap2-messages.js';
import { fail } from './dom-errors.js';

/** Decodes a base64url member of the options; a TypeError (ERR_INVALID_ARGUMENT) otherwise. */
export function b64(v: unknown, name: string): Uint8Array {
  if (typeof v !== 'string')
    fail('ERR_INVALID_ARGUMENT', 'TypeError', `"${name}" expected base64url, got ${typeof v}`);
  try {
    return base64url.decode(v);
  } catch (e) {
    return fail('ERR_INVALID_ARGUMENT', 'TypeError', `"${name}" is not base64url: ${(e as Error).message}`);
  }
}

/** The public-key descriptors of a list, IDs decoded; entries of other types are skipped (§5.1.3 step 10). */
export function descriptors(
  list: PublicKeyCredentialDescriptorJSON[] | undefined,
  name: string,
): PublicKeyCredentialDescriptor[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail('ERR_INVALID_ARGUMENT', 'TypeError', `"${name}" expected an array`);
  return list
    .filter((d) => d?.type === 'public-key')
    .map((d, i) => ({ type: 'public-key', id: b64(d.id, `${name}[${i}].id`) }));
}

/** The collected client data (WebAuthn L3 §5.8.1) and its hash. */
export interface CollectedClientData {
  readonly clientDataJSON: Uint8Array;
  readonly clientDataHash: Uint8Array;
}

/** Serializes CollectedClientData as WebAuthn L3 §5.8.1.1 does (members in this order). */
export function collectClientData(
  type: 'webauthn.create' | 'webauthn.get',
  challenge: Uint8Array,
  origin: string,
): CollectedClientData {
  const clientDataJSON = utf8Encode(
    JSON.stringify({ type, challenge: base64url.encode(challenge), origin, crossOrigin: false }),
  );
  return { clientDataJSON, clientDataHash: sha256(clientDataJSON) };
}
