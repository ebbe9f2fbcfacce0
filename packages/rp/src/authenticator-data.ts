/**
 * A lean walk over authenticator data (WebAuthn L3 §6.1) that reads only what the relying party
 * checks and reports each structural failure with its own code.
 */
import {
  type CborValue,
  type CosePublicKey,
  decodeCoseKey,
  decodeFirst,
  formatUuid,
  isFido2kitError,
} from '@fido2kit/cose';
import { fail } from './errors.js';

/** The parts of authenticator data the relying party checks. @internal */
export interface RpAuthenticatorData {
  readonly bytes: Uint8Array;
  readonly flags: number;
  readonly up: boolean;
  readonly uv: boolean;
  readonly be: boolean;
  readonly bs: boolean;
  readonly at: boolean;
  readonly ed: boolean;
  readonly signCount: number;
  readonly attested?: {
    readonly aaguid: string;
    readonly credentialId: Uint8Array;
    /** The COSE key's exact bytes. */
    readonly publicKeyBytes: Uint8Array;
    readonly publicKey: CosePublicKey;
    readonly algorithm: number | undefined;
  };
  readonly extensions?: Map<CborValue, CborValue>;
}

function malformed(message: string, cause?: unknown): never {
  fail('ERR_AUTHENTICATOR_DATA_MALFORMED', message, cause === undefined ? undefined : { cause });
}

/**
 * Walks authenticator data. `expectAttested` makes AT mandatory (registration) or forbidden
 * (authentication).
 * @internal
 */
export function walkAuthenticatorData(b: Uint8Array, expectAttested: boolean): RpAuthenticatorData {
  if (b.length < 37) malformed(`authenticator data expected at least 37 bytes, got ${b.length}`);
  const flags = b[32] as number;
  const at = (flags & 0x40) !== 0;
  const ed = (flags & 0x80) !== 0;
  if (expectAttested && !at)
    fail(
      'ERR_ATTESTED_CREDENTIAL_DATA_MISSING',
      'registration authenticator data has no attested credential data (AT clear)',
    );
  if (!expectAttested && at)
    fail(
      'ERR_ATTESTED_CREDENTIAL_DATA_UNEXPECTED',
      'authentication authenticator data must not carry attested credential data (AT set)',
    );
  const signCount =
    (((b[33] as number) << 24) | ((b[34] as number) << 16) | ((b[35] as number) << 8) | (b[36] as number)) >>>
    0;
  let pos = 37;
  let attested: RpAuthenticatorData['attested'];
  if (at) {
    if (b.length < pos + 18)
      malformed(`attested credential data expected at least 18 bytes, got ${b.length - pos}`);
    const aaguid = formatUuid(b.subarray(pos, pos + 16));
    const idLen = ((b[pos + 16] as number) << 8) | (b[pos + 17] as number);
    pos += 18;
    if (idLen > 1023) malformed(`credential ID length ${idLen} exceeds 1023`);
    if (b.length < pos + idLen)
      malformed(`credential ID declares ${idLen} bytes but ${b.length - pos} remain`);
    const credentialId = b.subarray(pos, pos + idLen);
    pos += idLen;
    let keyLen = 0;
    let map: Map<CborValue, CborValue>;
    try {
      const r = decodeFirst(b.subarray(pos), { canonical: false, maxDepth: 4 });
      if (!(r.value instanceof Map)) malformed('credential public key is not a CBOR map');
      map = r.value;
      keyLen = r.bytesRead;
    } catch (e) {
      if (isFido2kitError(e) && e.code === 'ERR_AUTHENTICATOR_DATA_MALFORMED') throw e;
      malformed(`credential public key is not valid CBOR: ${(e as Error).message}`, e);
    }
    let publicKey: CosePublicKey;
    try {
      publicKey = decodeCoseKey(map, { minRsaBits: 1024 });
    } catch (e) {
      fail('ERR_CREDENTIAL_KEY_INVALID', `credential public key is invalid: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const alg = map.get(3);
    attested = {
      aaguid,
      credentialId,
      publicKeyBytes: b.subarray(pos, pos + keyLen),
      publicKey,
      algorithm: typeof alg === 'number' ? alg : undefined,
    };
    pos += keyLen;
  }
  let extensions: Map<CborValue, CborValue> | undefined;
  if (ed) {
    if (pos >= b.length) malformed('the ED flag is set but there are no extensions');
    try {
      const r = decodeFirst(b.subarray(pos), { canonical: false, maxDepth: 16 });
      if (!(r.value instanceof Map)) malformed('extensions are not a CBOR map');
      extensions = r.value;
      pos += r.bytesRead;
    } catch (e) {
      if (isFido2kitError(e) && e.code === 'ERR_AUTHENTICATOR_DATA_MALFORMED') throw e;
      malformed(`extensions are not valid CBOR: ${(e as Error).message}`, e);
    }
  }
  if (pos !== b.length)
    fail(
      'ERR_AUTHENTICATOR_DATA_TRAILING_BYTES',
      `authenticator data has ${b.length - pos} unexpected trailing bytes`,
      {
        details: { trailing: b.length - pos },
      },
    );
  return {
    bytes: b,
    flags,
    up: (flags & 0x01) !== 0,
    uv: (flags & 0x04) !== 0,
    be: (flags & 0x08) !== 0,
    bs: (flags & 0x10) !== 0,
    at,
    ed,
    signCount,
    ...(attested ? { attested } : {}),
    ...(extensions ? { extensions } : {}),
  };
}
