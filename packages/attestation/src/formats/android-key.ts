/**
 * The `android-key` attestation statement format (WebAuthn §8.4) and the Android key
 * description extension (1.3.6.1.4.1.11129.2.1.17).
 */
import { concatBytes, equalBytes } from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { attestationFail, invalid } from '../errors.js';
import { verifyWithCertificateKey } from '../signature.js';
import { OID, type X509Certificate } from '../x509.js';
import { der, onlyKeys, sameKey, stmtBytes, stmtInt, stmtX5c } from './_util.js';
import type { AttestationFormat, FormatContext } from './types.js';

/** The parts of an AuthorizationList WebAuthn looks at. */
export interface AndroidAuthorizationList {
  readonly purpose?: readonly number[];
  readonly origin?: number;
  readonly allApplications: boolean;
}

/** The parsed key description. */
export interface AndroidKeyDescription {
  readonly attestationVersion: number;
  readonly attestationSecurityLevel: number;
  readonly attestationChallenge: Uint8Array;
  readonly softwareEnforced: AndroidAuthorizationList;
  readonly teeEnforced: AndroidAuthorizationList;
}

const KM_ORIGIN_GENERATED = 0;
const KM_PURPOSE_SIGN = 2;

function intOf(b: asn1js.AsnType | undefined): number | undefined {
  return b instanceof asn1js.Integer || b instanceof asn1js.Enumerated ? b.valueBlock.valueDec : undefined;
}

function authorizationList(b: asn1js.AsnType | undefined): AndroidAuthorizationList {
  if (!(b instanceof asn1js.Sequence)) invalid('android key description AuthorizationList is malformed');
  let purpose: number[] | undefined;
  let origin: number | undefined;
  let allApplications = false;
  for (const item of b.valueBlock.value) {
    if (item.idBlock.tagClass !== 3) continue;
    const inner = (item as asn1js.Constructed).valueBlock.value?.[0];
    switch (item.idBlock.tagNumber) {
      case 1:
        if (!(inner instanceof asn1js.Set)) invalid('android key purpose is malformed');
        purpose = inner.valueBlock.value.map((v) => intOf(v) ?? -1);
        break;
      case 702:
        origin = intOf(inner);
        break;
      case 600:
        allApplications = true;
        break;
    }
  }
  return { ...(purpose ? { purpose } : {}), ...(origin !== undefined ? { origin } : {}), allApplications };
}

/** Parses the Android key description extension of a certificate. */
export function parseAndroidKeyDescription(cert: X509Certificate): AndroidKeyDescription {
  const ext = cert.extensions.get(OID.androidKeyDescription);
  if (!ext) invalid('the android-key attestation certificate lacks the key description extension');
  const seq = der(ext.value, 'android key description');
  if (!(seq instanceof asn1js.Sequence) || seq.valueBlock.value.length < 8)
    invalid('android key description is malformed');
  const v = seq.valueBlock.value;
  const challenge = v[4];
  if (!(challenge instanceof asn1js.OctetString)) invalid('android key attestationChallenge is malformed');
  return {
    attestationVersion: intOf(v[0]) ?? -1,
    attestationSecurityLevel: intOf(v[1]) ?? -1,
    attestationChallenge: new Uint8Array(challenge.valueBlock.valueHexView),
    softwareEnforced: authorizationList(v[6]),
    teeEnforced: authorizationList(v[7]),
  };
}

/** `android-key`. */
export const androidKeyFormat: AttestationFormat = Object.freeze({
  fmt: 'android-key',
  async verify(ctx: FormatContext) {
    onlyKeys(ctx.attStmt, ['alg', 'sig', 'x5c']);
    const alg = stmtInt(ctx.attStmt, 'alg');
    const sig = stmtBytes(ctx.attStmt, 'sig');
    const x5c = stmtX5c(ctx.attStmt);
    const leaf = x5c[0] as X509Certificate;
    const data = concatBytes(ctx.authData, ctx.clientDataHash);
    if (!(await verifyWithCertificateKey(leaf.spki, alg, data, sig, { backend: ctx.backend })))
      attestationFail(
        'ERR_ATTESTATION_SIGNATURE_INVALID',
        'the android-key attestation signature is invalid',
      );
    if (!sameKey(leaf, ctx.authenticatorData.attestedCredentialData!.publicKey))
      invalid('the android-key attestation certificate key is not the credential public key');
    const kd = parseAndroidKeyDescription(leaf);
    if (!equalBytes(kd.attestationChallenge, ctx.clientDataHash))
      attestationFail(
        'ERR_ATTESTATION_NONCE_MISMATCH',
        'the android-key attestationChallenge is not the clientDataHash',
      );
    if (kd.softwareEnforced.allApplications || kd.teeEnforced.allApplications)
      invalid('the android-key key description must not contain allApplications');
    const lists = ctx.options.androidKeyAllowSoftwareEnforced
      ? [kd.teeEnforced, kd.softwareEnforced]
      : [kd.teeEnforced];
    const origin = lists.map((l) => l.origin).find((o) => o !== undefined);
    const purposes = lists.flatMap((l) => l.purpose ?? []);
    if (origin !== KM_ORIGIN_GENERATED) invalid('the android-key origin is not KM_ORIGIN_GENERATED');
    if (!purposes.includes(KM_PURPOSE_SIGN))
      invalid('the android-key purpose does not include KM_PURPOSE_SIGN');
    return { type: 'basic' as const, x5c, anchors: 'android-key' as const };
  },
});
