/**
 * The "fido2kit Virtual Security Key" model: one AAGUID, one attestation root, one batch
 * certificate chain and one FIDO metadata statement, as a real vendor ships a model. Every
 * virtual key of the model (the default AAGUID with packed or fido-u2f attestation) attests with
 * the batch chain in `model-data.ts`, so a relying party that trusts the model trusts every such
 * key, made today or loaded from a state saved before the model existed.
 *
 * The batch private keys are public test material (see model-data.ts): trust this model in
 * tests and demos only.
 */
import { base64url, formatUuid } from '@fido2kit/cose';
import { isGeneratedCa } from './certificates.js';
import { VirtualAuthenticatorError } from './errors.js';
import {
  MODEL_BATCH_CERTIFICATE,
  MODEL_BATCH_KEY,
  MODEL_ROOT_CERTIFICATE,
  MODEL_U2F_CERTIFICATE,
  MODEL_U2F_KEY,
} from './model-data.js';
import { ALL_EXTENSIONS, type AttestationIdentity, DEFAULT_AAGUID } from './options.js';
import type { PersistentState } from './state.js';

export type { AttestationIdentity } from './options.js';

/**
 * The model's FIDO metadata statement (Metadata Statement v3.0 §4), as JSON. It has the shape
 * `@fido2kit/attestation`'s `MetadataStatement` describes; unknown members are kept.
 */
export interface VirtualKeyMetadataStatement {
  readonly legalHeader: string;
  readonly aaguid: string;
  readonly description: string;
  readonly authenticatorVersion: number;
  readonly protocolFamily: 'fido2';
  readonly schema: 3;
  readonly upv: readonly { readonly major: number; readonly minor: number }[];
  readonly authenticationAlgorithms: readonly string[];
  readonly publicKeyAlgAndEncodings: readonly string[];
  readonly attestationTypes: readonly string[];
  readonly userVerificationDetails: readonly (readonly Readonly<Record<string, unknown>>[])[];
  readonly keyProtection: readonly string[];
  readonly matcherProtection: readonly string[];
  readonly cryptoStrength: number;
  readonly attachmentHint: readonly string[];
  readonly tcDisplay: readonly string[];
  /** Base64 (standard alphabet, padded) DER of the model's attestation root. */
  readonly attestationRootCertificates: readonly string[];
  /** The default key's getInfo (CTAP 2.1 §6.4) as MDS writes it (AAGUID as 32 hex digits). */
  readonly authenticatorGetInfo: Readonly<Record<string, unknown>>;
  readonly [member: string]: unknown;
}

/** What {@link virtualKeyModel} describes. */
export interface VirtualKeyModel {
  /** The model's AAGUID (lower-case UUID string); {@link DEFAULT_AAGUID}. */
  readonly aaguid: string;
  /** The model name: "fido2kit Virtual Security Key". */
  readonly description: string;
  /** The attestation root certificate, DER (a fresh copy on each read). */
  readonly rootCertificate: Uint8Array;
  /** The attestation root certificate, PEM: give it to a relying party as a trust anchor. */
  readonly rootCertificatePem: string;
  /** The model's metadata statement: put it in a metadata BLOB entry or a local catalog. */
  readonly metadataStatement: VirtualKeyMetadataStatement;
}

function base64(der: Uint8Array): string {
  return base64url.encode(der).replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((3 - (der.length % 3)) % 3);
}

const ROOT_DER = base64url.decode(MODEL_ROOT_CERTIFICATE);
const ROOT_BASE64 = base64(ROOT_DER);
const ROOT_PEM = `-----BEGIN CERTIFICATE-----\n${ROOT_BASE64.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
const DESCRIPTION = 'fido2kit Virtual Security Key';

const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
};

const STATEMENT: VirtualKeyMetadataStatement = deepFreeze({
  legalHeader:
    'fido2kit test material: the attestation private keys of this model are published with @fido2kit/virtual-authenticator. Trust this model in tests and demos only, never in production.',
  aaguid: DEFAULT_AAGUID,
  description: DESCRIPTION,
  authenticatorVersion: 1,
  protocolFamily: 'fido2',
  schema: 3,
  upv: [
    { major: 1, minor: 1 },
    { major: 1, minor: 0 },
  ],
  authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw', 'ed25519_eddsa_sha512_raw'],
  publicKeyAlgAndEncodings: ['cose'],
  attestationTypes: ['basic_full'],
  userVerificationDetails: [
    [{ userVerificationMethod: 'presence_internal' }],
    [{ userVerificationMethod: 'passcode_external' }],
    [{ userVerificationMethod: 'fingerprint_internal' }],
    [{ userVerificationMethod: 'passcode_external' }, { userVerificationMethod: 'presence_internal' }],
    [{ userVerificationMethod: 'fingerprint_internal' }, { userVerificationMethod: 'presence_internal' }],
  ],
  keyProtection: ['software'],
  matcherProtection: ['software'],
  cryptoStrength: 128,
  attachmentHint: ['external', 'wired'],
  tcDisplay: [],
  attestationRootCertificates: [ROOT_BASE64],
  authenticatorGetInfo: {
    versions: ['FIDO_2_0', 'FIDO_2_1'],
    extensions: [...ALL_EXTENSIONS],
    aaguid: DEFAULT_AAGUID.replace(/-/g, ''),
    options: {
      plat: false,
      rk: true,
      up: true,
      clientPin: false,
      pinUvAuthToken: true,
      makeCredUvNotRqd: true,
      credMgmt: true,
      largeBlobs: true,
      authnrCfg: true,
      setMinPINLength: true,
      alwaysUv: false,
      perCredMgmtRO: true,
    },
    maxMsgSize: 1200,
    pinUvAuthProtocols: [2, 1],
    maxCredentialCountInList: 8,
    maxCredentialIdLength: 128,
    transports: ['usb'],
    algorithms: [
      { type: 'public-key', alg: -7 },
      { type: 'public-key', alg: -8 },
    ],
    minPINLength: 4,
    firmwareVersion: 1,
    maxCredBlobLength: 32,
  },
});

/**
 * The "fido2kit Virtual Security Key" model: its AAGUID, name, attestation root and FIDO metadata
 * statement. Every `VirtualAuthenticator` with the default AAGUID and packed (or fido-u2f)
 * attestation signs its attestation with this model's batch certificate, which chains to
 * `rootCertificate`; trust the model and you trust every such key, as with a real vendor's
 * model. Give `rootCertificatePem` to a relying party as a trust anchor, or put
 * `metadataStatement` in a metadata BLOB entry (e.g. with `@fido2kit/attestation/testing`'s
 * `createMetadataEntry`).
 *
 * The model's batch private keys ship with this package: they are PUBLIC test material, not
 * secrets. Anyone can forge this model's attestation; never trust it in production.
 *
 * @example
 * ```ts
 * import { virtualKeyModel } from '@fido2kit/virtual-authenticator';
 * import { verifyRegistrationResponse } from '@fido2kit/rp';
 *
 * await verifyRegistrationResponse({
 *   response, expectedChallenge, expectedOrigin, expectedRPID,
 *   attestation: { trustAnchors: [virtualKeyModel.rootCertificatePem], requireTrustedAttestation: true },
 * });
 * ```
 */
export const virtualKeyModel: VirtualKeyModel = Object.freeze({
  aaguid: DEFAULT_AAGUID,
  description: DESCRIPTION,
  get rootCertificate() {
    return ROOT_DER.slice();
  },
  rootCertificatePem: ROOT_PEM,
  metadataStatement: STATEMENT,
});

/** The model's batch attestation material (decoded once). @internal */
export interface ModelAttestation {
  root: Uint8Array;
  leaf: { key: Uint8Array; cert: Uint8Array };
  u2f: { key: Uint8Array; cert: Uint8Array };
}

let material: ModelAttestation | undefined;

/** The model's root, packed batch and fido-u2f batch certificates and keys. @internal */
export function modelAttestation(): ModelAttestation {
  material ??= {
    root: ROOT_DER,
    leaf: { key: base64url.decode(MODEL_BATCH_KEY), cert: base64url.decode(MODEL_BATCH_CERTIFICATE) },
    u2f: { key: base64url.decode(MODEL_U2F_KEY), cert: base64url.decode(MODEL_U2F_CERTIFICATE) },
  };
  return material;
}

function invalid(message: string): never {
  throw new VirtualAuthenticatorError('ERR_INVALID_OPTION', message);
}

/**
 * The attestation identity a new key gets: the model's unless it has another AAGUID (the batch
 * certificate names the model's AAGUID) or its own CA was given. @internal
 * @throws {VirtualAuthenticatorError} `ERR_INVALID_OPTION` for a value that is not an identity,
 *   or `'model'` together with `attestationCa` or another AAGUID
 */
export function resolveAttestationIdentity(
  requested: unknown,
  aaguid: Uint8Array,
  ownCa: boolean,
): AttestationIdentity {
  if (requested !== undefined && requested !== 'model' && requested !== 'per-key')
    invalid(`"attestationIdentity" expected 'model' or 'per-key', got ${String(requested)}`);
  const isModel = formatUuid(aaguid) === DEFAULT_AAGUID;
  if (requested === 'model' && ownCa)
    invalid('"attestationIdentity" is \'model\' but "attestationCa" was given');
  if (requested === 'model' && !isModel)
    invalid(`"attestationIdentity" is 'model', whose AAGUID is ${DEFAULT_AAGUID}, but "aaguid" is another`);
  if (requested !== undefined) return requested;
  return isModel && !ownCa ? 'model' : 'per-key';
}

/**
 * The identity of a key restored from a state saved before identities existed: a key of the
 * model's AAGUID whose CA was generated for it (not given by its maker) becomes a key of the model
 * (its own chain is dropped, so it attests as every other key of the model does); any other key
 * keeps its own chain. @internal
 */
export function legacyAttestationIdentity(state: PersistentState): AttestationIdentity {
  const a = state.attestation;
  if (formatUuid(state.aaguid) !== DEFAULT_AAGUID) return 'per-key';
  if (a.caCert !== undefined && !isGeneratedCa(a.caCert)) return 'per-key';
  state.attestation = {};
  return 'model';
}
