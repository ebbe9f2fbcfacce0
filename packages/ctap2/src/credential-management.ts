/**
 * authenticatorCredentialManagement (CTAP 2.1 §6.8; 0x0A, and 0x41 for keys that speak only the
 * FIDO_2_1_PRE preview): the discoverable credentials stored on a key, listed by RP, deleted and
 * renamed.
 */
import { type CborValue, sha256, utf8Encode } from '@fido2kit/cose';
import { argBytes, argString, invalidResponse, ResponseReader } from './_assert.js';
import {
  checkToken,
  type ManagementOpenOptions,
  managementCommand,
  obtainToken,
  sendSubcommand,
} from './_management.js';
import { CTAP_STATUS, CTAP2_COMMANDS } from './constants.js';
import type { Ctap2 } from './ctap2.js';
import type {
  PublicKeyCredentialDescriptor,
  PublicKeyCredentialRpEntity,
  PublicKeyCredentialUserEntity,
} from './ctap2-messages.js';
import type { CallOptions } from './device.js';
import { Ctap2ClientError, CtapError } from './errors.js';
import type { PinUvAuthProtocol } from './pin-protocol.js';

/** credentialManagement subcommands (CTAP 2.1 §6.8). */
export const CREDENTIAL_MANAGEMENT_SUBCOMMANDS = {
  getCredsMetadata: 0x01,
  enumerateRPsBegin: 0x02,
  enumerateRPsGetNextRP: 0x03,
  enumerateCredentialsBegin: 0x04,
  enumerateCredentialsGetNextCredential: 0x05,
  deleteCredential: 0x06,
  updateUserInformation: 0x07,
} as const;

/** credentialManagement parameter keys (CTAP 2.1 §6.8). */
export const CREDENTIAL_MANAGEMENT_KEYS = {
  subCommand: 0x01,
  subCommandParams: 0x02,
  pinUvAuthProtocol: 0x03,
  pinUvAuthParam: 0x04,
} as const;

/** subCommandParams keys (CTAP 2.1 §6.8). */
export const CREDENTIAL_MANAGEMENT_PARAM_KEYS = {
  rpIDHash: 0x01,
  credentialID: 0x02,
  user: 0x03,
} as const;

/** credentialManagement response keys (CTAP 2.1 §6.8; 0x0C is CTAP 2.2). */
export const CREDENTIAL_MANAGEMENT_RESPONSE_KEYS = {
  existingResidentCredentialsCount: 0x01,
  maxPossibleRemainingResidentCredentialsCount: 0x02,
  rp: 0x03,
  rpIDHash: 0x04,
  totalRPs: 0x05,
  user: 0x06,
  credentialID: 0x07,
  publicKey: 0x08,
  totalCredentials: 0x09,
  credProtect: 0x0a,
  largeBlobKey: 0x0b,
  thirdPartyPayment: 0x0c,
} as const;

/** getCredsMetadata's answer. */
export interface CredsMetadata {
  /** Discoverable credentials stored. */
  existingResidentCredentialsCount: number;
  /** How many more fit (an estimate on keys whose storage is shared). */
  maxPossibleRemainingResidentCredentialsCount: number;
}

/** An RP with discoverable credentials on the key. */
export interface CredentialManagementRp {
  /** The RP entity as stored (`id`, and `name` when the key keeps it). */
  rp: PublicKeyCredentialRpEntity;
  /** SHA-256 of the RP ID. */
  rpIdHash: Uint8Array;
}

/** A discoverable credential on the key. */
export interface CredentialManagementCredential {
  user: PublicKeyCredentialUserEntity;
  /** The credential descriptor (`type`, `id`). */
  credentialId: PublicKeyCredentialDescriptor;
  /** The credential public key as a COSE_Key map. */
  publicKey: Map<CborValue, CborValue>;
  /** credProtect level 1, 2 or 3. */
  credProtect?: number;
  /** The largeBlobKey (32 bytes), when the credential has one. */
  largeBlobKey?: Uint8Array;
  /** CTAP 2.2 thirdPartyPayment. */
  thirdPartyPayment?: boolean;
}

const K = CREDENTIAL_MANAGEMENT_KEYS;
const P = CREDENTIAL_MANAGEMENT_PARAM_KEYS;
const R = CREDENTIAL_MANAGEMENT_RESPONSE_KEYS;
const S = CREDENTIAL_MANAGEMENT_SUBCOMMANDS;

/**
 * Parses getCredsMetadata's response.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * parseCredsMetadata(new Map([[1, 3], [2, 22]])).existingResidentCredentialsCount; // 3
 * ```
 */
export function parseCredsMetadata(value: unknown): CredsMetadata {
  const r = new ResponseReader(value, 'getCredsMetadata');
  return {
    existingResidentCredentialsCount: r.uint(R.existingResidentCredentialsCount, true),
    maxPossibleRemainingResidentCredentialsCount: r.uint(
      R.maxPossibleRemainingResidentCredentialsCount,
      true,
    ),
  };
}

/**
 * Parses an enumerateRPsBegin / GetNextRP response; `totalRPs` is set on the first.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * const { rp, rpIdHash, totalRPs } = parseRpResponse(decode(body));
 * ```
 */
export function parseRpResponse(value: unknown): CredentialManagementRp & { totalRPs?: number } {
  const r = new ResponseReader(value, 'enumerateRPs');
  const rpMap = new ResponseReader(r.cborMap(R.rp, true), 'rp entity');
  const rp: PublicKeyCredentialRpEntity = { id: rpMap.string('id', true) };
  const name = rpMap.string('name');
  if (name !== undefined) rp.name = name;
  const icon = rpMap.string('icon');
  if (icon !== undefined) rp.icon = icon;
  const rpIdHash = r.bytes(R.rpIDHash, true).slice();
  if (rpIdHash.length !== 32) invalidResponse(`rpIDHash expected 32 bytes, got ${rpIdHash.length}`);
  const out: CredentialManagementRp & { totalRPs?: number } = { rp, rpIdHash };
  const total = r.uint(R.totalRPs);
  if (total !== undefined) out.totalRPs = total;
  return out;
}

/**
 * Parses an enumerateCredentialsBegin / GetNextCredential response; `totalCredentials` is set
 * on the first.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * const { user, credentialId, publicKey, credProtect } = parseCredentialResponse(decode(body));
 * ```
 */
export function parseCredentialResponse(
  value: unknown,
): CredentialManagementCredential & { totalCredentials?: number } {
  const r = new ResponseReader(value, 'enumerateCredentials');
  const u = new ResponseReader(r.cborMap(R.user, true), 'user entity');
  const user: PublicKeyCredentialUserEntity = { id: u.bytes('id', true).slice() };
  for (const k of ['name', 'displayName', 'icon'] as const) {
    const s = u.string(k);
    if (s !== undefined) user[k] = s;
  }
  const d = new ResponseReader(r.cborMap(R.credentialID, true), 'credential descriptor');
  const credentialId: PublicKeyCredentialDescriptor = {
    type: d.string('type', true),
    id: d.bytes('id', true).slice(),
  };
  const publicKey = r.cborMap(R.publicKey, true);
  const out: CredentialManagementCredential & { totalCredentials?: number } = {
    user,
    credentialId,
    publicKey,
  };
  const total = r.uint(R.totalCredentials);
  if (total !== undefined) out.totalCredentials = total;
  const cp = r.uint(R.credProtect);
  if (cp !== undefined) out.credProtect = cp;
  const lbk = r.bytes(R.largeBlobKey);
  if (lbk !== undefined) {
    if (lbk.length !== 32) invalidResponse(`largeBlobKey expected 32 bytes, got ${lbk.length}`);
    out.largeBlobKey = lbk.slice();
  }
  const tpp = r.bool(R.thirdPartyPayment);
  if (tpp !== undefined) out.thirdPartyPayment = tpp;
  return out;
}

function descriptorMap(id: Uint8Array): Map<CborValue, CborValue> {
  return new Map<CborValue, CborValue>([
    ['id', id],
    ['type', 'public-key'],
  ]);
}

function isNoCredentials(e: unknown): boolean {
  return e instanceof CtapError && e.status === CTAP_STATUS.CTAP2_ERR_NO_CREDENTIALS;
}

/**
 * Credential management on a key: how many discoverable credentials it holds and has room for,
 * the RPs and the accounts of each, deleting an account and updating its name. Needs a
 * pinUvAuthToken with the `cm` permission (python-fido2's shape:
 * `new CredentialManagement(ctap, protocol, token)`), or use {@link CredentialManagement.open}.
 *
 * Spec: CTAP 2.1 §6.8 (0x0A), preview 0x41 on FIDO_2_1_PRE keys.
 * @example
 * ```ts
 * const cm = await CredentialManagement.open(ctap, { pin: '1234' });
 * const { existingResidentCredentialsCount } = await cm.getCredsMetadata();
 * for (const { rp } of await cm.enumerateRps()) {
 *   for (const cred of await cm.enumerateCredentials(rp.id)) show(rp.id, cred.user.name);
 * }
 * ```
 */
export class CredentialManagement {
  readonly ctap: Ctap2;
  readonly protocol: PinUvAuthProtocol;
  readonly #token: Uint8Array;
  /** The command byte used: 0x0A, or 0x41 on a preview key. */
  readonly command: number;

  /**
   * @param ctap the key
   * @param protocol the PIN/UV auth protocol the token was obtained with
   * @param pinUvAuthToken a token with the `cm` permission (on preview keys, from getPinToken)
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` when the key has no credential management
   */
  constructor(ctap: Ctap2, protocol: PinUvAuthProtocol, pinUvAuthToken: Uint8Array) {
    checkToken(protocol, pinUvAuthToken);
    this.ctap = ctap;
    this.protocol = protocol;
    this.#token = pinUvAuthToken.slice();
    this.command = managementCommand(
      ctap,
      'credMgmt',
      'credentialMgmtPreview',
      CTAP2_COMMANDS.credentialManagement,
      CTAP2_COMMANDS.credentialManagementPreview,
      'credential management',
    );
  }

  /** True when the key has credential management (option credMgmt or credentialMgmtPreview). */
  static isSupported(ctap: Ctap2): boolean {
    const o = ctap.info.options;
    return o.credMgmt === true || o.credentialMgmtPreview === true;
  }

  /**
   * Obtains a token with the `cm` permission (with the PIN, or by built-in UV without one) and
   * returns a ready instance.
   * @throws {CtapError} `CTAP2_ERR_PIN_INVALID`, `CTAP2_ERR_PIN_BLOCKED`, `CTAP2_ERR_UV_INVALID`, …
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED`
   * @example
   * ```ts
   * const cm = await CredentialManagement.open(ctap, { pin: '1234', signal });
   * ```
   */
  static async open(ctap: Ctap2, options: ManagementOpenOptions = {}): Promise<CredentialManagement> {
    if (!CredentialManagement.isSupported(ctap)) {
      // let the constructor raise the typed error
      managementCommand(ctap, 'credMgmt', 'credentialMgmtPreview', 0, 0, 'credential management');
    }
    const { protocol, token } = await obtainToken(ctap, 'cm', options);
    return new CredentialManagement(ctap, protocol, token);
  }

  /**
   * Obtains the persistent, read-only credential-management token (permission `pcmr`, CTAP 2.2
   * §6.5.5.7) and returns a ready instance. The token outlives power cycles: keep
   * {@link CredentialManagement.pinUvAuthToken} (a secret) with the protocol version and later
   * build `new CredentialManagement(ctap, pinUvAuthProtocol(version), token)` to read again
   * without the PIN. It reads only (getCredsMetadata, enumerateRps, enumerateCredentials);
   * deleteCredential and updateUserInformation are refused with `CTAP2_ERR_PIN_AUTH_INVALID`.
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` when getInfo lacks the `perCredMgmtRO` option
   * @throws {CtapError} `CTAP2_ERR_PIN_INVALID`, `CTAP2_ERR_PIN_BLOCKED`, `CTAP2_ERR_UV_INVALID`, …
   * @example
   * ```ts
   * const cm = await CredentialManagement.openReadOnly(ctap, { pin: '1234' });
   * saveSecret(cm.protocol.version, cm.pinUvAuthToken);
   * ```
   */
  static async openReadOnly(ctap: Ctap2, options: ManagementOpenOptions = {}): Promise<CredentialManagement> {
    if (ctap.info.options.perCredMgmtRO !== true) {
      throw new Ctap2ClientError(
        'ERR_NOT_SUPPORTED',
        'the authenticator has no persistent read-only credential management (perCredMgmtRO)',
      );
    }
    const { rpId: _ignored, ...rest } = options; // pcmr binds to no RP
    const { protocol, token } = await obtainToken(ctap, 'pcmr', rest);
    return new CredentialManagement(ctap, protocol, token);
  }

  /** A copy of the token this instance authenticates with (a secret: store it like one). */
  get pinUvAuthToken(): Uint8Array {
    return this.#token.slice();
  }

  async #call(
    sub: number,
    params: Map<CborValue, CborValue> | undefined,
    auth: boolean,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const token = auth ? { protocol: this.protocol, token: this.#token } : undefined;
    return sendSubcommand(this.ctap, this.command, K, { sub, params, token }, options);
  }

  /**
   * getCredsMetadata: discoverable credentials stored and the room left.
   * @throws {CtapError} `CTAP2_ERR_PIN_AUTH_INVALID` (token without `cm`, or bound to an RP)
   * @example
   * ```ts
   * const { existingResidentCredentialsCount, maxPossibleRemainingResidentCredentialsCount } = await cm.getCredsMetadata();
   * ```
   */
  async getCredsMetadata(options?: CallOptions): Promise<CredsMetadata> {
    return parseCredsMetadata(await this.#call(S.getCredsMetadata, undefined, true, options));
  }

  /**
   * enumerateRPsBegin and GetNextRP until every RP is read. A key with no credentials gives [].
   * @example
   * ```ts
   * const rps = await cm.enumerateRps(); // [{ rp: { id: 'example.com', name: 'Example' }, rpIdHash }]
   * ```
   */
  async enumerateRps(options?: CallOptions): Promise<CredentialManagementRp[]> {
    let first: ReturnType<typeof parseRpResponse>;
    try {
      first = parseRpResponse(await this.#call(S.enumerateRPsBegin, undefined, true, options));
    } catch (e) {
      if (isNoCredentials(e)) return [];
      throw e;
    }
    const total = first.totalRPs ?? 1;
    const out: CredentialManagementRp[] = [{ rp: first.rp, rpIdHash: first.rpIdHash }];
    for (let i = 1; i < total; i++) {
      const next = parseRpResponse(await this.#call(S.enumerateRPsGetNextRP, undefined, false, options));
      out.push({ rp: next.rp, rpIdHash: next.rpIdHash });
    }
    return out;
  }

  /**
   * enumerateCredentialsBegin and GetNextCredential for one RP (its ID, or the SHA-256 of it).
   * An RP with no credentials gives [].
   * @throws {CtapError} `CTAP2_ERR_PIN_AUTH_INVALID` (token bound to another RP)
   * @example
   * ```ts
   * const creds = await cm.enumerateCredentials('example.com');
   * creds[0]?.user.name; creds[0]?.credentialId.id; creds[0]?.credProtect;
   * ```
   */
  async enumerateCredentials(
    rp: string | Uint8Array,
    options?: CallOptions,
  ): Promise<CredentialManagementCredential[]> {
    const rpIdHash =
      typeof rp === 'string' ? sha256(utf8Encode(argString(rp, 'rp'))) : argBytes(rp, 'rp', 32);
    const params = new Map<CborValue, CborValue>([[P.rpIDHash, rpIdHash]]);
    let first: ReturnType<typeof parseCredentialResponse>;
    try {
      first = parseCredentialResponse(await this.#call(S.enumerateCredentialsBegin, params, true, options));
    } catch (e) {
      if (isNoCredentials(e)) return [];
      throw e;
    }
    const total = first.totalCredentials ?? 1;
    const { totalCredentials: _, ...head } = first;
    const out: CredentialManagementCredential[] = [head];
    for (let i = 1; i < total; i++) {
      const { totalCredentials: __, ...next } = parseCredentialResponse(
        await this.#call(S.enumerateCredentialsGetNextCredential, undefined, false, options),
      );
      out.push(next);
    }
    return out;
  }

  /**
   * deleteCredential: removes a discoverable credential (its ID or descriptor).
   * @throws {CtapError} `CTAP2_ERR_NO_CREDENTIALS` when the key does not hold it,
   *   `CTAP2_ERR_PIN_AUTH_INVALID` when the token is bound to another RP
   * @example
   * ```ts
   * await cm.deleteCredential(creds[0].credentialId);
   * ```
   */
  async deleteCredential(
    credentialId: Uint8Array | PublicKeyCredentialDescriptor,
    options?: CallOptions,
  ): Promise<void> {
    const id = credentialId instanceof Uint8Array ? credentialId : credentialId?.id;
    argBytes(id, 'credentialId');
    const params = new Map<CborValue, CborValue>([[P.credentialID, descriptorMap(id)]]);
    await this.#call(S.deleteCredential, params, true, options);
  }

  /**
   * updateUserInformation: replaces the account's `name` and `displayName` (the user `id` must
   * be the stored one; members left out are removed).
   * @throws {CtapError} `CTAP2_ERR_NO_CREDENTIALS`, `CTAP1_ERR_INVALID_PARAMETER` (another user id)
   * @example
   * ```ts
   * await cm.updateUserInformation(cred.credentialId, { id: cred.user.id, name: 'alice@new', displayName: 'Alice N.' });
   * ```
   */
  async updateUserInformation(
    credentialId: Uint8Array | PublicKeyCredentialDescriptor,
    user: PublicKeyCredentialUserEntity,
    options?: CallOptions,
  ): Promise<void> {
    const id = credentialId instanceof Uint8Array ? credentialId : credentialId?.id;
    argBytes(id, 'credentialId');
    argBytes(user?.id, 'user.id');
    const u = new Map<CborValue, CborValue>([['id', user.id]]);
    if (user.name !== undefined) u.set('name', argString(user.name, 'user.name'));
    if (user.displayName !== undefined) u.set('displayName', argString(user.displayName, 'user.displayName'));
    const params = new Map<CborValue, CborValue>([
      [P.credentialID, descriptorMap(id)],
      [P.user, u],
    ]);
    await this.#call(S.updateUserInformation, params, true, options);
  }
}
