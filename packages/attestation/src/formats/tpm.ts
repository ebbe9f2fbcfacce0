/**
 * The `tpm` attestation statement format (WebAuthn §8.3): TPMT_PUBLIC (pubArea) and TPMS_ATTEST
 * (certInfo) parsing, the magic/type/extraData/name checks, and the AIK certificate rules (§8.3.1):
 * empty subject, the tcg-kp-AIKCertificate EKU, the TPM manufacturer / model / version in the
 * subject alternative name, a manufacturer from the TCG vendor registry.
 */
import {
  COSE_ALGORITHMS,
  concatBytes,
  digest,
  equalBytes,
  type HashName,
  SIGNATURE_ALGORITHMS,
} from '@fido2kit/cose';
import * as asn1js from 'asn1js';
import { attestationFail, invalid } from '../errors.js';
import { verifyWithCertificateKey } from '../signature.js';
import { OID, type X509Certificate } from '../x509.js';
import { checkAaguidExtension, der, onlyKeys, stmtBytes, stmtInt, stmtX5c } from './_util.js';
import type { AttestationFormat, FormatContext } from './types.js';

/** TPM manufacturer IDs (TCG "TPM Vendor ID Registry"), as they appear in AIK certificates. */
export const TPM_MANUFACTURERS: Readonly<Record<string, string>> = Object.freeze({
  'id:414D4400': 'AMD',
  'id:41544D4C': 'Atmel',
  'id:4252434D': 'Broadcom',
  'id:4353434F': 'Cisco',
  'id:464C5953': 'Flyslice Technologies',
  'id:474F4F47': 'Google',
  'id:48504500': 'HPE',
  'id:48495349': 'Huawei',
  'id:49424D00': 'IBM',
  'id:49424D58': 'IBM',
  'id:494E5443': 'Intel',
  'id:494E5458': 'Infineon',
  'id:4C454E00': 'Lenovo',
  'id:4D534654': 'Microsoft',
  'id:4E534D20': 'National Semiconductor',
  'id:4E545A00': 'Nationz',
  'id:4E544300': 'Nuvoton Technology',
  'id:51434F4D': 'Qualcomm',
  'id:524F4343': 'Fuzhou Rockchip',
  'id:534D534E': 'Samsung',
  'id:534D5343': 'SMSC',
  'id:534E5300': 'Sinosun',
  'id:53544D20': 'STMicroelectronics',
  'id:54584E00': 'Texas Instruments',
  'id:57454300': 'Winbond',
  'id:FFFFF1D0': 'FIDO Alliance (conformance testing)',
});

const TPM_ALG = {
  RSA: 0x0001,
  SHA1: 0x0004,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  NULL: 0x0010,
  ECC: 0x0023,
} as const;
const NAME_HASH: Record<number, HashName> = { 4: 'SHA-1', 11: 'SHA-256', 12: 'SHA-384', 13: 'SHA-512' };
const TPM_CURVES: Record<number, string> = { 3: 'P-256', 4: 'P-384', 5: 'P-521' };

class Reader {
  pos = 0;
  readonly b: Uint8Array;
  readonly what: string;
  constructor(b: Uint8Array, what: string) {
    this.b = b;
    this.what = what;
  }
  need(n: number): void {
    if (this.pos + n > this.b.length) invalid(`${this.what} is truncated`);
  }
  u16(): number {
    this.need(2);
    const v = ((this.b[this.pos] as number) << 8) | (this.b[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 4).getUint32(0);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  sized(): Uint8Array {
    return this.bytes(this.u16());
  }
  end(): void {
    if (this.pos !== this.b.length) invalid(`${this.what} has ${this.b.length - this.pos} trailing bytes`);
  }
}

/** A parsed TPMT_PUBLIC. */
export interface TpmPubArea {
  readonly type: number;
  readonly nameAlg: number;
  readonly rsa?: { readonly exponent: number; readonly n: Uint8Array };
  readonly ecc?: { readonly curveId: number; readonly x: Uint8Array; readonly y: Uint8Array };
}

/** Parses TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4). */
export function parsePubArea(bytes: Uint8Array): TpmPubArea {
  const r = new Reader(bytes, 'tpm pubArea');
  const type = r.u16();
  const nameAlg = r.u16();
  r.u32(); // objectAttributes
  r.sized(); // authPolicy
  if (type === TPM_ALG.RSA) {
    const symmetric = r.u16();
    if (symmetric !== TPM_ALG.NULL) r.bytes(4);
    r.u16(); // scheme
    r.u16(); // keyBits
    const exponent = r.u32();
    const n = r.sized();
    r.end();
    return { type, nameAlg, rsa: { exponent, n } };
  }
  if (type === TPM_ALG.ECC) {
    const symmetric = r.u16();
    if (symmetric !== TPM_ALG.NULL) r.bytes(4);
    r.u16(); // scheme
    const curveId = r.u16();
    r.u16(); // kdf
    const x = r.sized();
    const y = r.sized();
    r.end();
    return { type, nameAlg, ecc: { curveId, x, y } };
  }
  invalid(`tpm pubArea type 0x${type.toString(16)} is not supported`);
}

/** A parsed TPMS_ATTEST (certify). */
export interface TpmCertInfo {
  readonly magic: number;
  readonly type: number;
  readonly extraData: Uint8Array;
  readonly attestedName: Uint8Array;
  readonly qualifiedName: Uint8Array;
}

/** Parses TPMS_ATTEST (TPM 2.0 Part 2 §10.12.8). */
export function parseCertInfo(bytes: Uint8Array): TpmCertInfo {
  const r = new Reader(bytes, 'tpm certInfo');
  const magic = r.u32();
  const type = r.u16();
  r.sized(); // qualifiedSigner
  const extraData = r.sized();
  r.bytes(17); // clockInfo
  r.bytes(8); // firmwareVersion
  const attestedName = r.sized();
  const qualifiedName = r.sized();
  r.end();
  return { magic, type, extraData, attestedName, qualifiedName };
}

function strip(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** The TPM attributes (2.23.133.2.x) in the AIK certificate's subject alternative name. */
function tpmSanAttributes(cert: X509Certificate): Map<string, string> {
  const ext = cert.extensions.get(OID.subjectAltName);
  if (!ext) invalid('the tpm AIK certificate lacks the subject alternative name');
  const out = new Map<string, string>();
  const walk = (node: asn1js.AsnType) => {
    const kids = (node as asn1js.Constructed).valueBlock?.value;
    if (!Array.isArray(kids)) return;
    if (node instanceof asn1js.Sequence && kids.length === 2 && kids[0] instanceof asn1js.ObjectIdentifier) {
      const oid = kids[0].valueBlock.toString();
      const val = (kids[1] as { valueBlock?: { value?: unknown } }).valueBlock?.value;
      if (oid.startsWith('2.23.133.2.') && typeof val === 'string') out.set(oid, val);
      return;
    }
    for (const k of kids) walk(k);
  };
  walk(der(ext.value, 'subjectAltName'));
  return out;
}

/** `tpm`. */
export const tpmFormat: AttestationFormat = Object.freeze({
  fmt: 'tpm',
  async verify(ctx: FormatContext) {
    const { attStmt } = ctx;
    onlyKeys(attStmt, ['ver', 'alg', 'x5c', 'ecdaaKeyId', 'sig', 'certInfo', 'pubArea']);
    if (attStmt.get('ver') !== '2.0') invalid('tpm attStmt ver must be "2.0"');
    if (attStmt.has('ecdaaKeyId')) invalid('ECDAA attestation is not supported');
    const alg = stmtInt(attStmt, 'alg');
    const sig = stmtBytes(attStmt, 'sig');
    const pubAreaBytes = stmtBytes(attStmt, 'pubArea');
    const certInfoBytes = stmtBytes(attStmt, 'certInfo');
    const x5c = stmtX5c(attStmt);
    const acd = ctx.authenticatorData.attestedCredentialData!;
    const key = acd.publicKey;

    const pubArea = parsePubArea(pubAreaBytes);
    if (pubArea.rsa) {
      const e = pubArea.rsa.exponent === 0 ? 65537 : pubArea.rsa.exponent;
      const eBytes = strip(Uint8Array.of(e >>> 24, (e >>> 16) & 255, (e >>> 8) & 255, e & 255));
      if (
        key.kty !== 'RSA' ||
        !equalBytes(strip(key.n), strip(pubArea.rsa.n)) ||
        !equalBytes(strip(key.e), eBytes)
      )
        invalid('the tpm pubArea key is not the credential public key');
    } else if (pubArea.ecc) {
      if (
        key.kty !== 'EC2' ||
        TPM_CURVES[pubArea.ecc.curveId] !== key.crv ||
        !equalBytes(pubArea.ecc.x, key.x) ||
        !equalBytes(pubArea.ecc.y, key.y)
      )
        invalid('the tpm pubArea key is not the credential public key');
    }

    const certInfo = parseCertInfo(certInfoBytes);
    if (certInfo.magic !== 0xff544347) invalid('tpm certInfo magic is not TPM_GENERATED_VALUE');
    if (certInfo.type !== 0x8017) invalid('tpm certInfo type is not TPM_ST_ATTEST_CERTIFY');
    const sigAlg = SIGNATURE_ALGORITHMS.get(alg);
    if (!sigAlg) invalid(`tpm alg ${alg} is not supported`);
    const hash: HashName = sigAlg.hash ?? 'SHA-256';
    const attToBeSigned = concatBytes(ctx.authData, ctx.clientDataHash);
    if (!equalBytes(certInfo.extraData, await digest(hash, attToBeSigned, ctx.backend)))
      attestationFail(
        'ERR_ATTESTATION_NONCE_MISMATCH',
        'tpm certInfo extraData is not the hash of attToBeSigned',
      );
    const nameHash = NAME_HASH[pubArea.nameAlg];
    if (!nameHash) invalid(`tpm pubArea nameAlg 0x${pubArea.nameAlg.toString(16)} is not supported`);
    const name = concatBytes(
      Uint8Array.of(pubArea.nameAlg >> 8, pubArea.nameAlg & 255),
      await digest(nameHash, pubAreaBytes, ctx.backend),
    );
    if (!equalBytes(certInfo.attestedName, name))
      invalid('tpm certInfo attested name does not match pubArea');

    const aik = x5c[0] as X509Certificate;
    const allowSha1 = ctx.options.tpmAllowSha1 ?? true;
    if (alg === COSE_ALGORITHMS.RS1 && !allowSha1) invalid('tpm RS1 signatures are not accepted');
    if (
      !(await verifyWithCertificateKey(aik.spki, alg, certInfoBytes, sig, {
        backend: ctx.backend,
        allowLegacy: allowSha1,
      }))
    )
      attestationFail('ERR_ATTESTATION_SIGNATURE_INVALID', 'the tpm attestation signature is invalid');

    // §8.3.1 TPM attestation statement certificate requirements.
    if (aik.version !== 3) invalid('the tpm AIK certificate must be X.509 version 3');
    if (aik.subject.attributes.length !== 0) invalid('the tpm AIK certificate subject must be empty');
    const san = tpmSanAttributes(aik);
    const manufacturer = san.get(OID.tpmManufacturer);
    if (!manufacturer || !san.get(OID.tpmModel) || !san.get(OID.tpmVersion))
      invalid('the tpm AIK certificate SAN must name the TPM manufacturer, model and version');
    if (
      (!TPM_MANUFACTURERS[manufacturer] && ctx.options.tpmAllowUnregisteredManufacturer !== true) ||
      (manufacturer === 'id:FFFFF1D0' && ctx.options.tpmAllowTestVendor === false)
    )
      invalid(`the TPM manufacturer ${manufacturer} is not in the TCG vendor registry`);
    if (!aik.extKeyUsage?.includes(OID.tcgKpAikCertificate))
      invalid('the tpm AIK certificate lacks the tcg-kp-AIKCertificate (2.23.133.8.3) extended key usage');
    if (aik.basicConstraints?.ca) invalid('the tpm AIK certificate must have basicConstraints CA=false');
    checkAaguidExtension(aik, acd.aaguid);
    return { type: 'attca' as const, x5c, handledExtensions: [OID.subjectAltName] };
  },
});
