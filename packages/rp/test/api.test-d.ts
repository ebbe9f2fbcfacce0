// Type tests for the public API's inference: checked by `tsc -p tsconfig.test.json`, never run.
import { expectTypeOf } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type VerifiedAuthentication,
  type VerifiedRegistration,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnErrorCode,
  type WebAuthnVerificationError,
} from '../src/index.js';

const reg = generateRegistrationOptions({ rpName: 'Example', rpID: 'example.com', userName: 'alice' });
expectTypeOf(reg).toMatchTypeOf<
  PublicKeyCredentialCreationOptionsJSON | Promise<PublicKeyCredentialCreationOptionsJSON>
>();
expectTypeOf(generateAuthenticationOptions({ rpID: 'example.com' })).not.toBeNever();

declare const response: Parameters<typeof verifyRegistrationResponse>[0]['response'];
const verified = verifyRegistrationResponse({
  response,
  expectedChallenge: 'c',
  expectedOrigin: 'https://example.com',
  expectedRPID: 'example.com',
});
expectTypeOf(verified).toEqualTypeOf<Promise<VerifiedRegistration>>();
expectTypeOf<Awaited<typeof verified>['credential']['publicKey']>().toEqualTypeOf<Uint8Array>();

declare const authResponse: Parameters<typeof verifyAuthenticationResponse>[0]['response'];
const auth = verifyAuthenticationResponse({
  response: authResponse,
  expectedChallenge: (c: string) => c.length > 0,
  expectedOrigin: ['https://example.com'],
  expectedRPID: 'example.com',
  credential: { id: 'x', publicKey: new Uint8Array(), counter: 0 },
});
expectTypeOf(auth).toEqualTypeOf<Promise<VerifiedAuthentication>>();
expectTypeOf<Awaited<typeof auth>['newCounter']>().toBeNumber();

declare const err: WebAuthnVerificationError;
expectTypeOf(err.code).toEqualTypeOf<WebAuthnErrorCode>();
