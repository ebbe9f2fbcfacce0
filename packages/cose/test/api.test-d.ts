// Type tests for the public API's inference: checked by `tsc -p tsconfig.test.json` (npm test's
// typecheck step), never run.
import { expectTypeOf } from 'vitest';
import {
  type AuthenticatorData,
  type CborValue,
  type CosePublicKey,
  decode,
  decodeCoseKey,
  decodeFirst,
  encode,
  type Fido2kitError,
  isFido2kitError,
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
