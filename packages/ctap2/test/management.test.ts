import { createCipheriv, createDecipheriv, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type CborValue, encode, hexToBytes, sha256, utf8Encode } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import {
  ApduError,
  BioEnrollment,
  CredentialManagement,
  Ctap1,
  Ctap2,
  type CtapDevice,
  decryptLargeBlob,
  EMPTY_LARGE_BLOB_ARRAY,
  type EnrollSample,
  encodeU2fApdu,
  encryptLargeBlob,
  LargeBlobs,
  PinUvAuthProtocolTwo,
  parseLargeBlobArray,
  serializeLargeBlobArray,
} from '../src/index.js';
import { ScriptedDevice } from './helpers/scripted-device.js';
import ctap1Vectors from './vectors/ctap1-python-fido2.json' with { type: 'json' };
import recorded from './vectors/management-recorded.json' with { type: 'json' };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function info(options: Record<string, boolean>, extra: [number, CborValue][] = []): string {
  const m = new Map<CborValue, CborValue>([
    [1, ['FIDO_2_0', 'FIDO_2_1']],
    [3, new Uint8Array(16)],
    [4, new Map(Object.entries(options))],
    [6, [2]],
    ...extra,
  ]);
  return `00${hex(encode(m))}`;
}

const OPTS = { credMgmt: true, bioEnroll: true, clientPin: true, pinUvAuthToken: true, largeBlobs: true };
const token = () => ({ protocol: new PinUvAuthProtocolTwo(), token: new Uint8Array(32).fill(7) });

async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );
}

describe('recorded real-key responses (libfido2 wiredata) parsed into typed results', () => {
  it('credentialManagement: metadata, three RPs, five credentials', async () => {
    const d = new ScriptedDevice(
      info(OPTS),
      ...recorded.WIREDATA_CTAP_CBOR_CREDMAN_META,
      ...recorded.WIREDATA_CTAP_CBOR_CREDMAN_RPLIST,
      ...recorded.WIREDATA_CTAP_CBOR_CREDMAN_RKLIST,
    );
    const ctap = await Ctap2.open(d);
    const t = token();
    const cm = new CredentialManagement(ctap, t.protocol, t.token);
    expect(await cm.getCredsMetadata()).toEqual({
      existingResidentCredentialsCount: 0,
      maxPossibleRemainingResidentCredentialsCount: 25,
    });
    const rps = await cm.enumerateRps();
    expect(rps.map((r) => r.rp.id)).toEqual(['yubico.com', 'yubikey.org', 'webauthn.dev']);
    for (const r of rps) expect(r.rpIdHash).toEqual(sha256(utf8Encode(r.rp.id)));
    const creds = await cm.enumerateCredentials('webauthn.dev');
    expect(creds.length).toBe(5);
    for (const c of creds) {
      expect(c.user.name).toBe('bob banana');
      expect(c.user.displayName).toBe('bbanana');
      expect(c.user.id.length).toBe(32);
      expect(c.credentialId.type).toBe('public-key');
      expect(c.credentialId.id.length).toBe(16);
      expect(c.credProtect).toBe(1);
    }
    expect(creds.map((c) => c.publicKey.get(3))).toEqual([-7, -8, -8, -7, -7]);
    expect(creds[1]?.publicKey.get(-1)).toBe(6); // Ed25519
    expect(hex(creds[0]!.credentialId.id)).toBe('19f7780ca0bcb9a6d51ed787fb6c8003');
    // the requests: subcommands 1, 2, 3, 3, 4 (with the RP ID hash), 5 × 4
    const subs = d.requests.slice(1).map((r) => r[0] === 0x0a && r[3]);
    expect(subs).toEqual([1, 2, 3, 3, 4, 5, 5, 5, 5]);
  });

  it('bioEnrollment: sensor info, an enrollment of three samples, three named templates', async () => {
    const d = new ScriptedDevice(
      info(OPTS),
      ...recorded.WIREDATA_CTAP_CBOR_BIO_INFO,
      ...recorded.WIREDATA_CTAP_CBOR_BIO_ENROLL,
      ...recorded.WIREDATA_CTAP_CBOR_BIO_ENUM,
    );
    const ctap = await Ctap2.open(d);
    const t = token();
    const bio = new BioEnrollment(ctap, t.protocol, t.token);
    expect(await bio.getFingerprintSensorInfo()).toEqual({
      modality: 1,
      fingerprintKind: 1,
      kind: 'touch',
      maxCaptureSamplesRequiredForEnroll: 4,
    });
    const samples: EnrollSample[] = [];
    const id = await bio.enroll({ onSample: (s) => samples.push(s) });
    expect(hex(id)).toBe('6896');
    expect(samples.map((s) => [s.status, s.remainingSamples])).toEqual([
      ['good', 2],
      ['good', 1],
      ['good', 0],
    ]);
    const list = await bio.enumerateEnrollments();
    expect(list.map((e) => [hex(e.templateId), e.friendlyName])).toEqual([
      ['cea3', 'finger1'],
      ['bf5e', 'finger2'],
      ['5ed2', 'finger3'],
    ]);
  });

  it('truncated and mistyped management responses give ERR_INVALID_RESPONSE', async () => {
    const d = new ScriptedDevice(info(OPTS), '00a1010a', `00${hex(encode(new Map([[7, 'x']])))}`);
    const ctap = await Ctap2.open(d);
    const t = token();
    expect(await code(new CredentialManagement(ctap, t.protocol, t.token).getCredsMetadata())).toBe(
      'ERR_INVALID_RESPONSE',
    );
    expect(await code(new BioEnrollment(ctap, t.protocol, t.token).enumerateEnrollments())).toBe(
      'ERR_INVALID_RESPONSE',
    );
  });

  it('a key without the options says ERR_NOT_SUPPORTED', async () => {
    const ctap = await Ctap2.open(new ScriptedDevice(info({ clientPin: true })));
    const t = token();
    expect(() => new CredentialManagement(ctap, t.protocol, t.token)).toThrowError(
      expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }),
    );
    expect(() => new BioEnrollment(ctap)).toThrowError(
      expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }),
    );
    expect(() => new LargeBlobs(ctap)).toThrowError(expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }));
  });
});

describe('large-blob array and per-credential blobs', () => {
  const key = sha256(utf8Encode('a largeBlobKey'));

  it('the initial array is an empty CBOR array and its truncated SHA-256', () => {
    expect(serializeLargeBlobArray([])).toEqual(EMPTY_LARGE_BLOB_ARRAY);
    expect(hex(EMPTY_LARGE_BLOB_ARRAY)).toBe('8076be8b528d0075f7aae98d6fa57a6d3c');
    expect(parseLargeBlobArray(EMPTY_LARGE_BLOB_ARRAY)).toEqual([]);
  });

  it('a flipped bit, a short array, or a non-array is ERR_LARGE_BLOB_INTEGRITY', () => {
    const good = serializeLargeBlobArray([1, 2]);
    for (let i = 0; i < good.length; i++) {
      const bad = good.slice();
      bad[i]! ^= 0x40;
      expect(() => parseLargeBlobArray(bad)).toThrowError(
        expect.objectContaining({ code: 'ERR_LARGE_BLOB_INTEGRITY' }),
      );
    }
    expect(() => parseLargeBlobArray(new Uint8Array(16))).toThrowError(
      expect.objectContaining({ code: 'ERR_LARGE_BLOB_INTEGRITY' }),
    );
    const map = encode(new Map([[1, 2]]));
    const notArray = new Uint8Array([...map, ...sha256(map).subarray(0, 16)]);
    expect(() => parseLargeBlobArray(notArray)).toThrowError(
      expect.objectContaining({ code: 'ERR_LARGE_BLOB_INTEGRITY' }),
    );
  });

  it('encryptLargeBlob agrees with node:zlib raw DEFLATE and node:crypto AES-256-GCM', () => {
    const data = utf8Encode('x'.repeat(300));
    const nonce = new Uint8Array(12).fill(9);
    const entry = encryptLargeBlob(key, data, nonce);
    const ct = entry.get(1) as Uint8Array;
    const ad = Buffer.concat([Buffer.from('blob'), Buffer.from([44, 1, 0, 0, 0, 0, 0, 0])]);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(ad);
    decipher.setAuthTag(ct.subarray(ct.length - 16));
    const compressed = Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]);
    expect(new Uint8Array(inflateRawSync(compressed))).toEqual(data);
    // and the other way: sealed by node, opened by us
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(ad);
    const sealed = Buffer.concat([
      cipher.update(deflateRawSync(Buffer.from(data))),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const theirs = new Map<CborValue, CborValue>([
      [1, new Uint8Array(sealed)],
      [2, nonce],
      [3, 300],
    ]);
    expect(decryptLargeBlob(key, theirs)).toEqual(data);
  });

  it('another key, a changed origSize, a cut ciphertext, or junk opens nothing', () => {
    const entry = encryptLargeBlob(key, utf8Encode('secret'));
    expect(decryptLargeBlob(sha256(utf8Encode('other')), entry)).toBeUndefined();
    expect(decryptLargeBlob(key, new Map([...entry, [3, 7]]))).toBeUndefined();
    expect(
      decryptLargeBlob(key, new Map([...entry, [1, (entry.get(1) as Uint8Array).subarray(1)]])),
    ).toBeUndefined();
    for (const junk of [null, 1, 'x', new Map(), new Map([[1, 'x']])])
      expect(decryptLargeBlob(key, junk)).toBeUndefined();
  });

  it('a corrupt stored array is reported and putBlob writes nothing', async () => {
    const corrupt = serializeLargeBlobArray([encryptLargeBlob(key, utf8Encode('a'))]);
    corrupt[3]! ^= 1;
    const answer = `00${hex(encode(new Map([[1, corrupt]])))}`;
    const d = new ScriptedDevice(info(OPTS, [[5, 2048]]), answer, answer, answer);
    const ctap = await Ctap2.open(d);
    const blobs = new LargeBlobs(ctap);
    expect(await code(blobs.readBlobArray())).toBe('ERR_LARGE_BLOB_INTEGRITY');
    expect(await code(blobs.getBlob(key))).toBe('ERR_LARGE_BLOB_INTEGRITY');
    expect(await code(blobs.putBlob(key, utf8Encode('new')))).toBe('ERR_LARGE_BLOB_INTEGRITY');
    // every request was a read (get, 0x01), never a write (set, 0x02)
    expect(d.requests.slice(1).every((r) => r[0] === 0x0c && r[2] === 0x01)).toBe(true);
  });

  it('reads and writes in fragments of maxMsgSize − 64', async () => {
    const stored: Uint8Array[] = [];
    const d = new ScriptedDevice(info(OPTS, [[5, 128]]));
    for (let i = 0; i < 3; i++) d.push('00');
    const ctap = await Ctap2.open(d);
    const t = token();
    const blobs = new LargeBlobs(ctap, t.protocol, t.token);
    expect(blobs.maxFragmentLength).toBe(64);
    const data = serializeLargeBlobArray([new Uint8Array(120)]);
    await blobs.writeSerialized(data);
    for (const r of d.requests.slice(1)) stored.push(r);
    expect(stored.length).toBe(Math.ceil(data.length / 64));
  });
});

describe('Ctap1 (python-fido2 vectors)', () => {
  const v = ctap1Vectors;
  function device(response: string, seen: Uint8Array[]): CtapDevice {
    return {
      transport: 'usb',
      cbor: async () => Uint8Array.of(1),
      msg: async (apdu) => {
        seen.push(apdu.slice());
        return hexToBytes(response);
      },
      close: async () => {},
    };
  }
  const fill = (s: string, o: Record<string, unknown>) =>
    s.replace(/\{(\w+)\}/g, (_, k: string) => String(o[k]));

  it('register: the APDU, the parsed members, the attestation signature', async () => {
    const seen: Uint8Array[] = [];
    const r = v.register;
    const reg = await new Ctap1(device(r.response, seen)).register(
      hexToBytes(r.clientParam),
      hexToBytes(r.appParam),
    );
    expect(hex(seen[0]!)).toBe(fill(r.request, r));
    expect(hex(reg.publicKey)).toBe(r.publicKey);
    expect(hex(reg.keyHandle)).toBe(r.keyHandle);
    expect(hex(reg.signature)).toBe(r.signature);
    const signed = Buffer.concat([
      Buffer.from([0]),
      hexToBytes(r.appParam),
      hexToBytes(r.clientParam),
      reg.keyHandle,
      reg.publicKey,
    ]);
    expect(verify('sha256', signed, new X509Certificate(reg.certificate).publicKey, reg.signature)).toBe(
      true,
    );
  });

  it('authenticate: the APDU, user presence, counter and signature', async () => {
    const seen: Uint8Array[] = [];
    const a = v.authenticate;
    const sig = await new Ctap1(device(a.response, seen)).authenticate(
      hexToBytes(a.clientParam),
      hexToBytes(a.appParam),
      hexToBytes(a.keyHandle),
    );
    expect(hex(seen[0]!)).toBe(fill(a.request, a));
    expect(sig.userPresence).toBe(a.userPresence);
    expect(sig.counter).toBe(a.counter);
    const pub = hexToBytes(a.publicKey);
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(pub.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(pub.subarray(33)).toString('base64url'),
      },
      format: 'jwk',
    });
    const signed = Buffer.concat([
      hexToBytes(a.appParam),
      Buffer.from([1, 0, 0, 0, 1]),
      hexToBytes(a.clientParam),
    ]);
    expect(verify('sha256', signed, key, sig.signature)).toBe(true);
  });

  it('version, error status words, malformed responses', async () => {
    const seen: Uint8Array[] = [];
    expect(await new Ctap1(device(v.version.response, seen)).getVersion()).toBe('U2F_V2');
    expect(hex(seen[0]!)).toBe(v.version.request);
    const e = await new Ctap1(device(v.error.response, [])).getVersion().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApduError);
    expect((e as ApduError).code).toBe(v.error.code);
    expect((e as ApduError).sw).toBe(v.error.sw);
    expect(await code(new Ctap1(device('90', [])).getVersion())).toBe('ERR_INVALID_RESPONSE');
    const shortReg = `05${'04'.repeat(65)}009000`;
    expect(await code(new Ctap1(device(shortReg, [])).register(new Uint8Array(32), new Uint8Array(32)))).toBe(
      'ERR_INVALID_RESPONSE',
    );
    expect(hex(encodeU2fApdu(3, 0, 0, new Uint8Array(0)))).toBe('00030000000000');
  });

  it('check-only: 6985 means "mine", 6A80 "not mine"', async () => {
    const p = new Uint8Array(32);
    expect(
      await new Ctap1(device('6985', [])).authenticate(p, p, Uint8Array.of(1), { checkOnly: true }),
    ).toBe(true);
    expect(
      await new Ctap1(device('6a80', [])).authenticate(p, p, Uint8Array.of(1), { checkOnly: true }),
    ).toBe(false);
  });
});
