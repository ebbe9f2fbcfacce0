/**
 * hmac-secret (CTAP 2.1 §12.5) and hmac-secret-mc (CTAP 2.2 §12.7): per-credential PRFs whose
 * salts and outputs travel encrypted under a PIN/UV auth protocol shared secret.
 */
import type { CborValue } from '@fido2kit/cose';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { isMap } from '../_params.js';
import { type AuthenticatorCore, type Credential, verifyMac } from '../core.js';
import { fail } from '../errors.js';
import { credentialSecret } from '../keys.js';
import type { CtapExtension } from './types.js';

/** Decodes and checks the hmac-secret input map; returns a function computing the output. */
function prepare(core: AuthenticatorCore, input: CborValue) {
  if (!isMap(input)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  const keyAgreement = input.get(1);
  const saltEnc = input.get(2);
  const saltAuth = input.get(3);
  const version = input.get(4) ?? 1;
  if (keyAgreement === undefined || saltEnc === undefined || saltAuth === undefined) {
    fail('CTAP2_ERR_MISSING_PARAMETER');
  }
  if (!isMap(keyAgreement) || !(saltEnc instanceof Uint8Array) || !(saltAuth instanceof Uint8Array)) {
    fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  }
  if (typeof version !== 'number') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  const proto = core.protocols.get(version);
  if (proto === undefined) fail('CTAP1_ERR_INVALID_PARAMETER');
  let shared: Uint8Array;
  try {
    shared = proto.decapsulate(core.keyAgreementKey(version).privateKey, keyAgreement as never);
  } catch {
    fail('CTAP1_ERR_INVALID_PARAMETER');
  }
  if (!verifyMac(proto, shared, saltEnc, saltAuth)) fail('CTAP2_ERR_PIN_AUTH_INVALID');
  let salts: Uint8Array;
  try {
    salts = proto.decrypt(shared, saltEnc);
  } catch {
    fail('CTAP1_ERR_INVALID_LENGTH');
  }
  if (salts.length !== 32 && salts.length !== 64) fail('CTAP1_ERR_INVALID_LENGTH');
  return (credential: Credential, uv: boolean): Uint8Array | undefined => {
    if (!credential.payload.hmacSecret) return undefined;
    const cr = credentialSecret(credential.payload.seed, uv ? 'credRandomWithUV' : 'credRandomWithoutUV');
    const out = new Uint8Array(salts.length);
    out.set(hmac(sha256, cr, salts.subarray(0, 32)), 0);
    if (salts.length === 64) out.set(hmac(sha256, cr, salts.subarray(32)), 32);
    return proto.encrypt(shared, out);
  };
}

export const hmacSecret: CtapExtension = {
  name: 'hmac-secret',
  makeCredential(input) {
    if (typeof input !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (!input) return undefined;
    return { payload: { hmacSecret: true }, output: () => ({ authData: true }) };
  },
  getAssertion(input, ctx) {
    const compute = prepare(ctx.core, input);
    return (credential, uv) => {
      const out = compute(credential, uv);
      return out === undefined ? undefined : { authData: out };
    };
  },
};

export const hmacSecretMc: CtapExtension = {
  name: 'hmac-secret-mc',
  makeCredential(input, ctx) {
    // only together with hmac-secret: true
    if (ctx.inputs.get('hmac-secret') !== true) return undefined;
    const compute = prepare(ctx.core, input);
    return {
      output: (credential, uv) => {
        const out = compute(credential, uv);
        return out === undefined ? undefined : { authData: out };
      },
    };
  },
};
