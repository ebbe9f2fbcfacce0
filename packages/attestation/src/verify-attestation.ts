/**
 * `verifyAttestation`: an attestation object's statement checked by its format, its certificate
 * path validated against trust anchors (bundled, given, or from the metadata entry), and the
 * authenticator's metadata entry found and judged by the status policy.
 */
import {
  type AttestationObject,
  type CborValue,
  type CryptoBackend,
  decode,
  InvalidArgumentError,
  isFido2kitError,
  parseAttestationObject,
  parseAuthenticatorData,
} from '@fido2kit/cose';
import { type AnchorUse, bundledAnchors } from './anchors.js';
import type { CrlOptions } from './crl.js';
import { AttestationError, FormatUnsupportedError, MetadataError } from './errors.js';
import { DEFAULT_FORMAT_REGISTRY } from './formats/registry.js';
import type { AttestationType, FormatOptions, FormatRegistry, FormatResult } from './formats/types.js';
import { certificateKeyIdentifier } from './mds/catalog.js';
import { checkStatusPolicy, type StatusPolicy } from './mds/status.js';
import type { MetadataEntry, MetadataSource } from './mds/types.js';
import { validateCertificatePath } from './path.js';
import { type CertificateInput, toCertificates, type X509Certificate } from './x509.js';

/** Arguments of {@link verifyAttestation}. */
export interface VerifyAttestationOptions {
  /**
   * The attestation object: its CBOR bytes, or the result of `@fido2kit/cose`'s
   * `parseAttestationObject` when the caller has parsed it already (one parse per ceremony). For
   * `compound` (WebAuthn L3 §8.9) a parsed object's `attStmt` is the array of statements.
   */
  attestationObject: Uint8Array | AttestationObject;
  /** SHA-256 of the clientDataJSON. */
  clientDataHash: Uint8Array;
  /** Metadata: a catalog from `loadMetadataBlob`, a `MetadataService`, or anything with the two finders. */
  metadata?: MetadataSource;
  /** Extra trust anchors (PEM strings, DER bytes or parsed certificates), added to the bundled ones. */
  trustAnchors?: readonly CertificateInput[];
  /** Use the bundled anchors for apple, android-key and android-safetynet. Default true. */
  useBundledAnchors?: boolean;
  /** The time at which certificates and metadata are judged. Default: the current time. */
  now?: Date;
  /** Throw `ERR_ATTESTATION_UNTRUSTED` unless the path chains to an anchor (none and self always fail). Default false. */
  requireTrusted?: boolean;
  /** The metadata status policy. Default {@link DEFAULT_STATUS_POLICY}. */
  statusPolicy?: StatusPolicy;
  /** Check the attestation type against the metadata statement's attestationTypes. Default true. */
  checkAttestationType?: boolean;
  /** Revocation checking. */
  crl?: CrlOptions;
  /** The format registry. Default: every built-in format. */
  formats?: FormatRegistry;
  /** Per-format options. */
  formatOptions?: FormatOptions;
  /** The crypto backend. */
  backend?: CryptoBackend;
}

/** The result of {@link verifyAttestation}. */
export interface AttestationResult {
  /** The attestation statement format. */
  readonly fmt: string;
  /** The attestation type. */
  readonly type: AttestationType;
  /** The AAGUID as a lower-case UUID string. */
  readonly aaguid: string;
  /** The validated certificate path, DER, leaf first (with the anchor last when trusted); empty for none and self. */
  readonly trustPath: readonly Uint8Array[];
  /** True when the path chains to a trusted anchor. */
  readonly trusted: boolean;
  /** The matching metadata entry, if any. */
  readonly metadata?: MetadataEntry;
  /** The parsed leaf-first path (for inspection). */
  readonly certificates: readonly X509Certificate[];
  /** For compound: each statement's format and type. */
  readonly statements?: readonly { readonly fmt: string; readonly type: AttestationType }[];
}

const TYPE_TO_MDS: Record<AttestationType, string> = {
  none: 'none',
  self: 'basic_surrogate',
  basic: 'basic_full',
  attca: 'attca',
  anonca: 'anonca',
};

/** An attestation object as the formats see it; compound carries its statement list apart. */
interface ParsedInput {
  obj: AttestationObject;
  compound?: unknown[];
}

function fromBytes(bytes: Uint8Array): ParsedInput {
  try {
    return { obj: parseAttestationObject(bytes) };
  } catch (e) {
    // compound (WebAuthn L3 §8.9) carries an array as attStmt, which the generic parser refuses.
    let raw: unknown;
    try {
      raw = decode(bytes, { canonical: false, maxDepth: 16 });
    } catch {
      throw e;
    }
    if (raw instanceof Map && raw.get('fmt') === 'compound' && Array.isArray(raw.get('attStmt'))) {
      const authData = raw.get('authData');
      if (!(authData instanceof Uint8Array)) throw e;
      const authenticatorData = parseAuthenticatorData(authData);
      if (!authenticatorData.attestedCredentialData) throw e;
      return {
        obj: { fmt: 'compound', attStmt: new Map(), authData, authenticatorData },
        compound: raw.get('attStmt') as unknown[],
      };
    }
    throw e;
  }
}

/** A caller's already-parsed attestation object, checked for shape (not re-parsed). */
function fromParsed(o: AttestationObject): ParsedInput {
  const a = o as Partial<AttestationObject> & { attStmt?: unknown };
  const ad = a.authenticatorData;
  if (
    typeof a.fmt !== 'string' ||
    !(a.authData instanceof Uint8Array) ||
    ad === null ||
    typeof ad !== 'object' ||
    !ad.attestedCredentialData
  )
    throw new InvalidArgumentError(
      '"attestationObject" expected CBOR bytes or the result of parseAttestationObject (fmt, attStmt, authData, authenticatorData with attested credential data)',
    );
  if (a.fmt === 'compound' && Array.isArray(a.attStmt))
    return { obj: { ...o, attStmt: new Map() }, compound: [...a.attStmt] };
  // cose's parseAttestationObject(bytes, { allowCompound: true }) keeps the array beside an empty map
  if (a.fmt === 'compound' && Array.isArray(o.compoundStatements))
    return { obj: { ...o, attStmt: new Map() }, compound: [...o.compoundStatements] };
  if (!(a.attStmt instanceof Map))
    throw new InvalidArgumentError('"attestationObject.attStmt" expected a Map (an array for compound)');
  // a snapshot of the statement, so nothing the caller changes meanwhile is read half-way
  return { obj: { ...o, attStmt: new Map(a.attStmt) } };
}

/**
 * Verifies an attestation object (WebAuthn §7.1 steps 19–22): the statement by its format, the
 * certificate path against trust anchors at `now`, and the metadata entry against the status policy.
 * Give it the bytes, or the object `parseAttestationObject` already returned (not parsed again).
 *
 * @throws {AttestationError} `ERR_ATTESTATION_INVALID`, `ERR_ATTESTATION_SIGNATURE_INVALID`,
 *   `ERR_ATTESTATION_AAGUID_MISMATCH`, `ERR_ATTESTATION_NONCE_MISMATCH`, `ERR_ATTESTATION_UNTRUSTED`
 * @throws {FormatUnsupportedError} `ERR_ATTESTATION_FORMAT_UNSUPPORTED`
 * @throws {CertificateError} `ERR_CERTIFICATE_*`, `ERR_CRL_*`
 * @throws {MetadataError} `ERR_METADATA_STATUS`, `ERR_METADATA_ATTESTATION_TYPE`
 * @throws {InvalidArgumentError} `ERR_INVALID_ARGUMENT` for an `attestationObject` that is neither
 *   bytes nor a parsed attestation object, a `clientDataHash` that is not 32 bytes, a bad `now`
 * @example
 * ```ts
 * const result = await verifyAttestation({ attestationObject, clientDataHash: sha256(clientDataJSON), metadata: catalog });
 * if (result.trusted) show(result.metadata?.metadataStatement?.description);
 * ```
 */
export async function verifyAttestation(options: VerifyAttestationOptions): Promise<AttestationResult> {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('"options" expected an object');
  const { attestationObject, clientDataHash } = options;
  if (
    attestationObject === null ||
    typeof attestationObject !== 'object' ||
    (!(attestationObject instanceof Uint8Array) && !('authenticatorData' in attestationObject))
  )
    throw new InvalidArgumentError(
      '"attestationObject" expected CBOR bytes (Uint8Array) or the result of parseAttestationObject',
    );
  if (!(clientDataHash instanceof Uint8Array) || clientDataHash.length !== 32)
    throw new InvalidArgumentError(
      `"clientDataHash" expected Uint8Array of length 32, got ${clientDataHash instanceof Uint8Array ? `length=${clientDataHash.length}` : typeof clientDataHash}`,
    );
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new InvalidArgumentError('"now" expected a valid Date');
  let parsed: ParsedInput;
  if (!(attestationObject instanceof Uint8Array)) parsed = fromParsed(attestationObject);
  else
    try {
      parsed = fromBytes(attestationObject.slice());
    } catch (e) {
      if (isFido2kitError(e)) throw new AttestationError('ERR_ATTESTATION_INVALID', e.message, { cause: e });
      throw e;
    }
  const { obj } = parsed;
  const registry = options.formats ?? DEFAULT_FORMAT_REGISTRY;
  const format = registry.get(obj.fmt);
  if (!format) throw new FormatUnsupportedError(`attestation format "${obj.fmt}" is not supported`);
  const acd = obj.authenticatorData.attestedCredentialData!;
  const attStmt = parsed.compound
    ? new Map<CborValue, CborValue>([['', parsed.compound as CborValue]])
    : obj.attStmt;
  const result: FormatResult = await format.verify({
    fmt: obj.fmt,
    attStmt,
    authData: obj.authData,
    authenticatorData: obj.authenticatorData,
    clientDataHash: clientDataHash.slice(),
    now,
    options: options.formatOptions ?? {},
    ...(options.backend ? { backend: options.backend } : {}),
    registry,
  });

  // Metadata: by AAGUID, or for U2F authenticators by the attestation certificate key identifier.
  let entry: MetadataEntry | undefined;
  if (options.metadata) {
    const zero = acd.aaguid.every((b) => b === 0);
    if (!zero) entry = await options.metadata.findByAaguid(acd.aaguidString);
    const leaf = result.x5c[0];
    if (!entry && leaf)
      entry = await options.metadata.findByCertificateKeyIdentifier(await certificateKeyIdentifier(leaf));
  }

  let trusted = false;
  let path: readonly X509Certificate[] = [];
  if (result.x5c.length > 0) {
    const anchors: X509Certificate[] = [];
    const uses = new Set<AnchorUse>();
    if (result.anchors) uses.add(result.anchors);
    for (const s of result.statements ?? []) if (s.anchors) uses.add(s.anchors);
    if (options.useBundledAnchors !== false) for (const u of uses) anchors.push(...bundledAnchors(u));
    anchors.push(...toCertificates(options.trustAnchors));
    const roots = entry?.metadataStatement?.attestationRootCertificates;
    if (Array.isArray(roots)) anchors.push(...toCertificates(roots.filter((r) => typeof r === 'string')));
    const validated = await validateCertificatePath(result.x5c, {
      anchors,
      now,
      ...(options.crl ? { crl: options.crl } : {}),
      ...(options.backend ? { backend: options.backend } : {}),
      ...(result.handledExtensions ? { handledExtensions: result.handledExtensions } : {}),
    });
    trusted = validated.trusted;
    path = validated.path;
    for (const s of result.statements?.slice(1) ?? []) {
      if (s.x5c.length === 0) continue;
      const v = await validateCertificatePath(s.x5c, {
        anchors,
        now,
        ...(options.backend ? { backend: options.backend } : {}),
      });
      trusted &&= v.trusted;
    }
  }
  if (options.requireTrusted && !trusted)
    throw new AttestationError(
      'ERR_ATTESTATION_UNTRUSTED',
      result.x5c.length === 0
        ? `a ${result.type} attestation carries no certificate to trust`
        : 'the attestation certificate does not chain to a trusted anchor',
    );

  if (entry) {
    checkStatusPolicy(entry, {
      now,
      chain: path.map((c) => c.der),
      ...(options.statusPolicy ? { policy: options.statusPolicy } : {}),
    });
    const types = entry.metadataStatement?.attestationTypes;
    if (
      (options.checkAttestationType ?? true) &&
      Array.isArray(types) &&
      !types.includes(TYPE_TO_MDS[result.type])
    )
      throw new MetadataError(
        'ERR_METADATA_ATTESTATION_TYPE',
        `the metadata statement does not list the ${TYPE_TO_MDS[result.type]} attestation type`,
      );
  }
  return Object.freeze({
    fmt: obj.fmt,
    type: result.type,
    aaguid: acd.aaguidString,
    trustPath: Object.freeze(path.map((c) => c.der)),
    trusted,
    certificates: path,
    ...(entry ? { metadata: entry } : {}),
    ...(result.statements
      ? { statements: result.statements.map((s) => ({ fmt: s.fmt, type: s.type })) }
      : {}),
  });
}
