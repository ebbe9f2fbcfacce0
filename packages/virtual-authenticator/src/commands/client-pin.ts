/** authenticatorClientPIN (0x06), CTAP 2.1 §6.5.5: PIN and pinUvAuthToken management. */
import { type CborValue, concatBytes, constantTimeEqual, sha256 } from '@fido2kit/cose';
import {
  CLIENT_PIN_KEYS,
  CLIENT_PIN_RESPONSE_KEYS,
  CLIENT_PIN_SUBCOMMANDS,
  CTAP2_COMMANDS,
  type PinUvAuthProtocol,
} from '@fido2kit/ctap2';
import { type CborMap, opt, req } from '../_params.js';
import { type AuthenticatorCore, PERMISSIONS, verifyMac } from '../core.js';
import { fail } from '../errors.js';
import { DEFAULTS } from '../options.js';
import type { Command } from './types.js';

/** clientPIN subcommands (CTAP 2.1 §6.5.5), from the client's table. */
export { CLIENT_PIN_SUBCOMMANDS };

const S = CLIENT_PIN_SUBCOMMANDS;
const K = CLIENT_PIN_KEYS;
const R = CLIENT_PIN_RESPONSE_KEYS;

/** The protocol named by pinUvAuthProtocol (0x01): required, and supported. */
function protocolOf(core: AuthenticatorCore, p: CborMap): { version: number; proto: PinUvAuthProtocol } {
  const version = req.uint(p, K.pinUvAuthProtocol);
  const proto = core.protocols.get(version);
  if (proto === undefined) fail('CTAP1_ERR_INVALID_PARAMETER');
  return { version, proto };
}

function keyAgreementOf(p: CborMap): CborMap {
  return req.map(p, K.keyAgreement);
}

/** decapsulate(): the shared secret with the platform's key agreement key. */
function decapsulate(core: AuthenticatorCore, version: number, proto: PinUvAuthProtocol, peer: CborMap) {
  try {
    return proto.decapsulate(core.keyAgreementKey(version).privateKey, peer as never);
  } catch {
    fail('CTAP1_ERR_INVALID_PARAMETER');
  }
}

/** Blocks before a PIN check: retries exhausted, or three mismatches since power-up. */
function checkNotBlocked(core: AuthenticatorCore): void {
  if (!core.pinSet) fail('CTAP2_ERR_PIN_NOT_SET');
  if (core.state.pinRetries === 0) fail('CTAP2_ERR_PIN_BLOCKED');
  if (core.volatile.pinFailuresInARow >= DEFAULTS.consecutivePinFailures) fail('CTAP2_ERR_PIN_AUTH_BLOCKED');
}

/** Decrements pinRetries, then compares pinHashEnc with the stored PIN hash. */
function checkPin(
  core: AuthenticatorCore,
  version: number,
  proto: PinUvAuthProtocol,
  shared: Uint8Array,
  pinHashEnc: Uint8Array,
): void {
  const s = core.state;
  s.pinRetries = Math.max(0, s.pinRetries - 1);
  let ok = false;
  try {
    const h = proto.decrypt(shared, pinHashEnc);
    ok = h.length === 16 && s.pinHash !== undefined && constantTimeEqual(h, s.pinHash);
  } catch {
    ok = false;
  }
  if (!ok) {
    core.regenerateKeyAgreement(version);
    core.volatile.pinFailuresInARow += 1;
    if (s.pinRetries === 0) fail('CTAP2_ERR_PIN_BLOCKED');
    if (core.volatile.pinFailuresInARow >= DEFAULTS.consecutivePinFailures)
      fail('CTAP2_ERR_PIN_AUTH_BLOCKED');
    fail('CTAP2_ERR_PIN_INVALID');
  }
  s.pinRetries = DEFAULTS.maxPinRetries;
  core.volatile.pinFailuresInARow = 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decrypts and checks a new PIN; returns LEFT(SHA-256(pin), 16) and its length in code points. */
function newPin(
  core: AuthenticatorCore,
  proto: PinUvAuthProtocol,
  shared: Uint8Array,
  newPinEnc: Uint8Array,
) {
  let padded: Uint8Array;
  try {
    padded = proto.decrypt(shared, newPinEnc);
  } catch {
    fail('CTAP2_ERR_PIN_AUTH_INVALID');
  }
  if (padded.length !== 64) fail('CTAP1_ERR_INVALID_PARAMETER');
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  const pin = padded.slice(0, end);
  if (pin.length > DEFAULTS.maxPinBytes) fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
  let text: string;
  try {
    text = utf8.decode(pin);
  } catch {
    fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
  }
  const codePoints = [...text].length;
  if (codePoints < core.state.minPinLength) fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
  return { hash: sha256(pin).slice(0, 16), codePoints };
}

/**
 * Checks requested permissions (steps 3, 4 of CTAP 2.1 §6.5.5.7.2/3); returns the defined
 * ones. CTAP 2.2's pcmr is asked for alone: with any other bit it is CTAP1_ERR_INVALID_PARAMETER.
 */
function checkPermissions(core: AuthenticatorCore, permissions: number): number {
  if (permissions === 0) fail('CTAP1_ERR_INVALID_PARAMETER');
  const defined = permissions & 0x7f;
  if ((defined & PERMISSIONS.pcmr) !== 0 && defined !== PERMISSIONS.pcmr) fail('CTAP1_ERR_INVALID_PARAMETER');
  const supported = PERMISSIONS.mc | PERMISSIONS.ga | core.extraPermissions;
  if ((defined & ~supported) !== 0) fail('CTAP2_ERR_UNAUTHORIZED_PERMISSION');
  return defined;
}

function tokenResponse(proto: PinUvAuthProtocol, shared: Uint8Array, token: Uint8Array) {
  return new Map<number, CborValue>([[R.pinUvAuthToken, proto.encrypt(shared, token)]]);
}

/**
 * The token a successful getPinUvAuthToken*WithPermissions hands out: the persistent one for
 * pcmr (CTAP 2.2 §6.5.5.7; the session's token is left as it is), else a fresh pinUvAuthToken.
 */
function grant(core: AuthenticatorCore, userPresent: boolean, permissions: number, rpId: string | undefined) {
  if (permissions === PERMISSIONS.pcmr) return core.persistentToken();
  return core.issueToken(userPresent, permissions, rpId).token;
}

export const clientPin: Command = {
  code: CTAP2_COMMANDS.clientPIN,
  name: 'authenticatorClientPIN',
  async handle(core, p, call) {
    if (p === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    const sub = req.uint(p, K.subCommand);
    const protocolParam = opt.uint(p, K.pinUvAuthProtocol);
    if (protocolParam !== undefined && !core.protocols.has(protocolParam))
      fail('CTAP1_ERR_INVALID_PARAMETER');
    const s = core.state;
    const pinCommand =
      sub !== S.getKeyAgreement &&
      sub !== S.getUVRetries &&
      sub !== S.getPinUvAuthTokenUsingUvWithPermissions;
    if (pinCommand && !core.config.clientPin) fail('CTAP2_ERR_INVALID_SUBCOMMAND');
    switch (sub) {
      case S.getPINRetries: {
        const out = new Map<number, CborValue>([[R.pinRetries, s.pinRetries]]);
        out.set(R.powerCycleState, core.volatile.pinFailuresInARow >= DEFAULTS.consecutivePinFailures);
        return out;
      }
      case S.getKeyAgreement: {
        const { version } = protocolOf(core, p);
        return new Map<number, CborValue>([
          [R.keyAgreement, core.keyAgreementKey(version).publicKey as CborValue],
        ]);
      }
      case S.setPIN: {
        const { version, proto } = protocolOf(core, p);
        const keyAgreement = keyAgreementOf(p);
        const pinUvAuthParam = req.bytes(p, K.pinUvAuthParam);
        const newPinEnc = req.bytes(p, K.newPinEnc);
        if (core.pinSet) fail('CTAP2_ERR_PIN_AUTH_INVALID');
        const shared = decapsulate(core, version, proto, keyAgreement);
        if (!verifyMac(proto, shared, newPinEnc, pinUvAuthParam)) fail('CTAP2_ERR_PIN_AUTH_INVALID');
        const pin = newPin(core, proto, shared, newPinEnc);
        s.pinHash = pin.hash;
        s.pinCodePoints = pin.codePoints;
        s.pinRetries = DEFAULTS.maxPinRetries;
        s.forcePinChange = false;
        return undefined;
      }
      case S.changePIN: {
        const { version, proto } = protocolOf(core, p);
        const keyAgreement = keyAgreementOf(p);
        const pinUvAuthParam = req.bytes(p, K.pinUvAuthParam);
        const newPinEnc = req.bytes(p, K.newPinEnc);
        const pinHashEnc = req.bytes(p, K.pinHashEnc);
        checkNotBlocked(core);
        const shared = decapsulate(core, version, proto, keyAgreement);
        if (!verifyMac(proto, shared, concatBytes(newPinEnc, pinHashEnc), pinUvAuthParam)) {
          fail('CTAP2_ERR_PIN_AUTH_INVALID');
        }
        checkPin(core, version, proto, shared, pinHashEnc);
        const pin = newPin(core, proto, shared, newPinEnc);
        if (s.forcePinChange && s.pinHash !== undefined && constantTimeEqual(pin.hash, s.pinHash)) {
          fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
        }
        s.pinHash = pin.hash;
        s.pinCodePoints = pin.codePoints;
        s.pinRetries = DEFAULTS.maxPinRetries;
        s.forcePinChange = false;
        core.dropToken();
        return undefined;
      }
      case S.getPinToken: {
        const { version, proto } = protocolOf(core, p);
        const keyAgreement = keyAgreementOf(p);
        const pinHashEnc = req.bytes(p, K.pinHashEnc);
        if (p.has(K.permissions) || p.has(K.rpId)) fail('CTAP1_ERR_INVALID_PARAMETER');
        checkNotBlocked(core);
        const shared = decapsulate(core, version, proto, keyAgreement);
        checkPin(core, version, proto, shared, pinHashEnc);
        if (s.forcePinChange) fail('CTAP2_ERR_PIN_INVALID');
        const t = core.issueToken(false, PERMISSIONS.mc | PERMISSIONS.ga, undefined);
        return tokenResponse(proto, shared, t.token);
      }
      case S.getPinUvAuthTokenUsingPinWithPermissions: {
        const { version, proto } = protocolOf(core, p);
        const keyAgreement = keyAgreementOf(p);
        const pinHashEnc = req.bytes(p, K.pinHashEnc);
        const permissions = checkPermissions(core, req.uint(p, K.permissions));
        const rpId = opt.string(p, K.rpId);
        checkNotBlocked(core);
        const shared = decapsulate(core, version, proto, keyAgreement);
        checkPin(core, version, proto, shared, pinHashEnc);
        if (s.forcePinChange) fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
        return tokenResponse(proto, shared, grant(core, false, permissions, rpId));
      }
      case S.getPinUvAuthTokenUsingUvWithPermissions: {
        const { version, proto } = protocolOf(core, p);
        const keyAgreement = keyAgreementOf(p);
        const permissions = checkPermissions(core, req.uint(p, K.permissions));
        const rpId = opt.string(p, K.rpId);
        if (!core.config.sensor) fail('CTAP2_ERR_INVALID_SUBCOMMAND');
        if (!core.uvConfigured) fail('CTAP2_ERR_NOT_ALLOWED');
        if (s.uvRetries === 0) fail('CTAP2_ERR_UV_BLOCKED');
        const shared = decapsulate(core, version, proto, keyAgreement);
        const r = await core.builtInUv(call, { command: 'clientPIN', ...(rpId ? { rpId } : {}) });
        if (r === 'timeout') fail('CTAP2_ERR_USER_ACTION_TIMEOUT');
        if (r === 'no') fail(s.uvRetries === 0 ? 'CTAP2_ERR_UV_BLOCKED' : 'CTAP2_ERR_UV_INVALID');
        return tokenResponse(proto, shared, grant(core, true, permissions, rpId));
      }
      case S.getUVRetries: {
        if (!core.config.sensor) fail('CTAP2_ERR_INVALID_SUBCOMMAND');
        return new Map<number, CborValue>([[R.uvRetries, s.uvRetries]]);
      }
      default:
        fail('CTAP2_ERR_INVALID_SUBCOMMAND');
    }
  },
};
