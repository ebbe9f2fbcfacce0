// Type tests for the public API's inference: checked by `tsc -p tsconfig.test.json` (npm test's
// typecheck step), never run.
import { expectTypeOf } from 'vitest';
import {
  type AttestationObject,
  type AuthenticatorData,
  type CborValue,
  ClientDataDuplicateMemberError,
  type CosePublicKey,
  decode,
  decodeCoseKey,
  decodeFirst,
  encode,
  type Fido2kitError,
  isFido2kitError,
  parseAttestationObject,
  parseAuthenticatorData,
  verifySignature,
} from '../src/index.js';

declare const bytes: Uint8Array;

expectTypeOf(decode(bytes)).toEqualTypeOf<CborValue>();
expectTypeOf(decode<Map<number, number>>(bytes)).toEqualTypeOf<Map<number, number>>();
expectTypeOf(decodeFirst(bytes)).toEqualTypeOf<{ value: CborValue; bytesRead: number }>();
expectTypeOf(encode).parameter(0).toBeUnknown();
expectTypeOf(encode(1)).toEqualTypeOf<Uint8Array>();

const key = decodeCoseKey(bytes);
expectTypeOf(key).toEqualTypeOf<CosePublicKey>();
if (key.kty === 'EC2') expectTypeOf(key.crv).toEqualTypeOf<'P-256' | 'P-384' | 'P-521'>();
if (key.kty === 'RSA') expectTypeOf(key).toHaveProperty('n');

expectTypeOf(verifySignature({ publicKey: bytes, data: bytes, signature: bytes })).toEqualTypeOf<
  Promise<boolean>
>();
// @ts-expect-error: the data to verify is required
verifySignature({ publicKey: bytes, signature: bytes });
// @ts-expect-error: backends are named, not free strings
verifySignature({ publicKey: bytes, data: bytes, signature: bytes, backend: 'openssl' });

const ad = parseAuthenticatorData(bytes);
expectTypeOf(ad).toEqualTypeOf<AuthenticatorData>();
expectTypeOf(ad.flags.uv).toBeBoolean();
expectTypeOf(ad.attestedCredentialData?.aaguidString).toEqualTypeOf<string | undefined>();

declare const e: unknown;
if (isFido2kitError(e)) expectTypeOf(e).toEqualTypeOf<Fido2kitError>();

const ao = parseAttestationObject(bytes, { allowCompound: true });
expectTypeOf(ao).toEqualTypeOf<AttestationObject>();
expectTypeOf(ao.compoundStatements).toEqualTypeOf<readonly CborValue[] | undefined>();
// @ts-expect-error: options are named
parseAttestationObject(bytes, { compound: true });
expectTypeOf(
  new ClientDataDuplicateMemberError('m').code,
).toEqualTypeOf<'ERR_CLIENT_DATA_DUPLICATE_MEMBER'>();
