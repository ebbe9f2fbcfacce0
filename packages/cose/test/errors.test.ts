// The error classes built on fixedCodeError keep what callers rely on: the class name as `name`,
// the fixed `code`, `cause`/`details` passed through, and `instanceof` of the class, of
// Fido2kitError and of Error.
import { describe, expect, it } from 'vitest';
import {
  AlgorithmUnsupportedError,
  AttestationObjectError,
  AuthenticatorDataError,
  BackendUnavailableError,
  Base64UrlError,
  ClientDataDuplicateMemberError,
  ClientDataError,
  CoseKeyError,
  Fido2kitError,
  fixedCodeError,
  isFido2kitError,
} from '../src/index.js';

const classes = [
  [CoseKeyError, 'ERR_COSE_KEY_INVALID'],
  [AlgorithmUnsupportedError, 'ERR_COSE_ALG_UNSUPPORTED'],
  [AuthenticatorDataError, 'ERR_AUTHDATA_MALFORMED'],
  [AttestationObjectError, 'ERR_ATTESTATION_OBJECT_MALFORMED'],
  [ClientDataError, 'ERR_CLIENT_DATA_MALFORMED'],
  [ClientDataDuplicateMemberError, 'ERR_CLIENT_DATA_DUPLICATE_MEMBER'],
  [Base64UrlError, 'ERR_BASE64URL_INVALID'],
  [BackendUnavailableError, 'ERR_BACKEND_UNAVAILABLE'],
] as const;

describe('fixed-code error classes', () => {
  it.each(classes)('%o carries its name, code, cause and details', (Class, code) => {
    const cause = new Error('underneath');
    const e = new Class('what went wrong', { cause, details: { at: 3 } });
    expect(e.name).toBe(Class.name);
    expect(e.code).toBe(code);
    expect(e.message).toBe('what went wrong');
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ at: 3 });
    expect(e).toBeInstanceOf(Class);
    expect(e).toBeInstanceOf(Fido2kitError);
    expect(e).toBeInstanceOf(Error);
    expect(isFido2kitError(e)).toBe(true);
  });

  it('leaves cause unset when none is given', () => {
    const e = new CoseKeyError('no cause');
    expect('cause' in e).toBe(false);
    expect(e.details).toBeUndefined();
  });

  it('classes of different codes are not instances of each other', () => {
    expect(new ClientDataError('x')).not.toBeInstanceOf(ClientDataDuplicateMemberError);
    expect(new CoseKeyError('x')).not.toBeInstanceOf(AlgorithmUnsupportedError);
  });

  it('a package can declare its own fixed-code class', () => {
    class PluginError extends fixedCodeError('ERR_PLUGIN') {}
    const e = new PluginError('plugin failed');
    expect([e.name, e.code, e instanceof Fido2kitError]).toEqual(['PluginError', 'ERR_PLUGIN', true]);
  });
});
