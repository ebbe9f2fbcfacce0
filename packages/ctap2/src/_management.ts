/**
 * What the management commands (credentialManagement, bioEnrollment, authenticatorConfig,
 * largeBlobs) share: obtaining a pinUvAuthToken with the right permission through
 * {@link ClientPin}, and picking the command byte a key speaks (CTAP 2.1 or its preview).
 */
import { type CborValue, concatBytes, encode } from '@fido2kit/cose';
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

/** The request keys a subcommand-style management command uses (CTAP 2.1 §6.7, §6.8). */
export interface SubcommandKeys {
  readonly modality?: number;
  readonly subCommand: number;
  readonly subCommandParams: number;
  readonly pinUvAuthProtocol: number;
  readonly pinUvAuthParam: number;
}

/** One subcommand of bioEnrollment or credentialManagement. */
export interface Subcommand {
  /** The subcommand number. */
  sub: number;
  /** Its subCommandParams, if any. */
  params: Map<CborValue, CborValue> | undefined;
  /** bioEnrollment's modality, sent first and authenticated in front of the subcommand. */
  modality?: number;
  /** The token to authenticate with; without one no pinUvAuthParam is sent. */
  token: ManagementToken | undefined;
}

/**
 * Sends one subcommand of a management command: [modality], subCommand, subCommandParams and,
 * with a token, pinUvAuthParam = authenticate(token, [modality ‖] subCommand ‖ CBOR(params))
 * (CTAP 2.1 §6.7.2, §6.8.2). Returns the response map (empty when the key sent none).
 */
export async function sendSubcommand(
  ctap: Ctap2,
  command: number,
  keys: SubcommandKeys,
  { sub, params, modality, token }: Subcommand,
  options: CallOptions = {},
): Promise<unknown> {
  const req = new Map<CborValue, CborValue>();
  if (modality !== undefined && keys.modality !== undefined) req.set(keys.modality, modality);
  req.set(keys.subCommand, sub);
  if (params !== undefined) req.set(keys.subCommandParams, params);
  if (token !== undefined) {
    const head = modality === undefined ? Uint8Array.of(sub) : Uint8Array.of(modality, sub);
    const message = params === undefined ? head : concatBytes(head, encode(params));
    req.set(keys.pinUvAuthProtocol, token.protocol.version);
    req.set(keys.pinUvAuthParam, token.protocol.authenticate(token.token, message));
  }
  return (await ctap.send(command, req, options)) ?? new Map();
}

/** 32 bytes of 0xff: the prefix of authenticatorConfig and largeBlobs MAC messages. */
export const FF32: Uint8Array = new Uint8Array(32).fill(0xff);
