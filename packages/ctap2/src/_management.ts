/**
 * What the management commands (credentialManagement, bioEnrollment, authenticatorConfig,
 * largeBlobs) share: obtaining a pinUvAuthToken with the right permission through
 * {@link ClientPin}, and picking the command byte a key speaks (CTAP 2.1 or its preview).
 */
import { argBytes } from './_assert.js';
import { ClientPin, type PinUvAuthPermission } from './client-pin.js';
import type { Ctap2 } from './ctap2.js';
import type { CallOptions } from './device.js';
import { Ctap2ClientError } from './errors.js';
import type { PinUvAuthProtocol } from './pin-protocol.js';

/** Options of the management classes' `open` factories. */
export interface ManagementOpenOptions extends CallOptions {
  /** The PIN; without it, built-in user verification (a fingerprint) is used. */
  pin?: string;
  /** Bind the token to this RP ID (credential management of one RP only). */
  rpId?: string;
  /** PIN/UV auth protocol (1 or 2); default the authenticator's preferred one. */
  protocol?: 1 | 2;
}

/** A pinUvAuthToken as the management classes hold it. */
export interface ManagementToken {
  protocol: PinUvAuthProtocol;
  token: Uint8Array;
}

/** Obtains a token with `permission` through ClientPin (PIN, or built-in UV without one). */
export async function obtainToken(
  ctap: Ctap2,
  permission: PinUvAuthPermission,
  options: ManagementOpenOptions,
): Promise<ManagementToken> {
  const pin = new ClientPin(ctap, options.protocol);
  const t = await pin.getPinUvAuthToken({
    ...(options.pin === undefined ? {} : { pin: options.pin }),
    ...(options.rpId === undefined ? {} : { rpId: options.rpId }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onKeepalive === undefined ? {} : { onKeepalive: options.onKeepalive }),
    permissions: [permission],
  });
  return { protocol: t.protocol, token: t.token };
}

/** Checks a (protocol, token) pair given to a constructor. */
export function checkToken(protocol: PinUvAuthProtocol, token: Uint8Array): void {
  if (protocol === null || typeof protocol !== 'object' || typeof protocol.authenticate !== 'function') {
    throw new TypeError('"protocol" expected a PinUvAuthProtocol');
  }
  argBytes(token, 'pinUvAuthToken');
  if (token.length !== 16 && token.length !== 32) {
    throw new RangeError(`"pinUvAuthToken" expected 16 or 32 bytes, got length=${token.length}`);
  }
}

/** The command byte: the CTAP 2.1 one when its option is present, else the preview one. */
export function managementCommand(
  ctap: Ctap2,
  option: string,
  previewOption: string,
  command: number,
  previewCommand: number,
  what: string,
): number {
  const o = ctap.info.options;
  if (o[option] !== undefined) return command;
  if (o[previewOption] !== undefined) return previewCommand;
  throw new Ctap2ClientError('ERR_NOT_SUPPORTED', `the authenticator does not support ${what}`);
}

/** 32 bytes of 0xff: the prefix of authenticatorConfig and largeBlobs MAC messages. */
export const FF32: Uint8Array = new Uint8Array(32).fill(0xff);
