// Type tests: what @fido2kit/ctap2's WebAuthnClient emits is, by type, what this package verifies
// (one WebAuthn JSON model, in @fido2kit/cose). Checked by `tsc -p tsconfig.test.json`, never run.
import type * as cose from '@fido2kit/cose';
import type { WebAuthnClient } from '@fido2kit/ctap2';
import { expectTypeOf } from 'vitest';
import type {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '../src/index.js';

type Created = Awaited<ReturnType<WebAuthnClient['create']>>;
type Got = Awaited<ReturnType<WebAuthnClient['get']>>;
type RegistrationInput = Parameters<typeof verifyRegistrationResponse>[0]['response'];
type AuthenticationInput = Parameters<typeof verifyAuthenticationResponse>[0]['response'];

// the client's results go straight into verification
expectTypeOf<Created>().toMatchTypeOf<RegistrationInput>();
expectTypeOf<Got>().toMatchTypeOf<AuthenticationInput>();
// … because they are the same model, not two shapes that happen to overlap today
expectTypeOf<Created>().toEqualTypeOf<cose.RegistrationResponseJSON>();
expectTypeOf<Got>().toEqualTypeOf<cose.AuthenticationResponseJSON>();

// the options an RP generates go straight into the client
type CreateInput = Parameters<WebAuthnClient['create']>[0];
type GetInput = Parameters<WebAuthnClient['get']>[0];
expectTypeOf<ReturnType<typeof generateRegistrationOptions>>().toMatchTypeOf<CreateInput>();
expectTypeOf<ReturnType<typeof generateAuthenticationOptions>>().toMatchTypeOf<GetInput>();

// the enums are closed: a misspelt requirement does not compile
expectTypeOf<'required'>().toMatchTypeOf<cose.UserVerificationRequirement>();
expectTypeOf<'requried'>().not.toMatchTypeOf<cose.UserVerificationRequirement>();
expectTypeOf<string>().not.toMatchTypeOf<cose.UserVerificationRequirement>();
expectTypeOf<string>().not.toMatchTypeOf<cose.AttestationConveyancePreference>();
expectTypeOf<string>().not.toMatchTypeOf<cose.ResidentKeyRequirement>();
expectTypeOf<string>().not.toMatchTypeOf<cose.AuthenticatorAttachment>();
expectTypeOf<string>().not.toMatchTypeOf<cose.PublicKeyCredentialHint>();
