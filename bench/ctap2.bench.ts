/**
 * @fido2kit/ctap2: makeCredential + getAssertion round trips per second against the in-memory
 * VirtualAuthenticator, with the time split between the client (request building, checks,
 * canonical decode, authenticator-data parsing) and the authenticator (inside device.cbor).
 */
import { sha256, utf8Encode } from '@fido2kit/cose';
import { type CallOptions, Ctap2, type CtapDevice, WebAuthnClient } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import type { BenchRow } from './measure.js';

export const title = '@fido2kit/ctap2 (in memory, against VirtualAuthenticator)';

/** A device wrapper that adds up the time spent inside the authenticator. */
class TimedDevice implements CtapDevice {
  readonly transport = 'virtual' as const;
  inside = 0;
  constructor(readonly inner: CtapDevice) {}
  async cbor(request: Uint8Array, options?: CallOptions): Promise<Uint8Array> {
    const t = performance.now();
    try {
      return await this.inner.cbor(request, options);
    } finally {
      this.inside += performance.now() - t;
    }
  }
  msg(apdu: Uint8Array, options?: CallOptions): Promise<Uint8Array> {
    return this.inner.msg(apdu, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function roundTrips(alg: number, ms = 2000) {
  const device = new TimedDevice(new VirtualAuthenticator({ algorithms: [alg] }).device());
  const ctap = await Ctap2.open(device);
  const rp = { id: 'example.com', name: 'Example' };
  const user = { id: utf8Encode('alice'), name: 'alice' };
  let i = 0;
  const once = async () => {
    const made = await ctap.makeCredential({
      clientDataHash: sha256(utf8Encode(`c${i++}`)),
      rp,
      user,
      pubKeyCredParams: [{ type: 'public-key', alg }],
    });
    const id = made.authenticatorData.attestedCredentialData?.credentialId as Uint8Array;
    await ctap.getAssertion({
      rpId: rp.id,
      clientDataHash: sha256(utf8Encode(`g${i}`)),
      allowList: [{ type: 'public-key', id }],
    });
  };
  for (let w = 0; w < 30; w++) await once();
  device.inside = 0;
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await once();
    n++;
  }
  const total = performance.now() - start;
  return {
    perSecond: (n * 1000) / total,
    clientUs: ((total - device.inside) * 1000) / n,
    authUs: (device.inside * 1000) / n,
  };
}

async function webauthnRoundTrips(ms = 2000) {
  const client = new WebAuthnClient({
    device: new VirtualAuthenticator().device(),
    origin: 'https://example.com',
  });
  const once = async () => {
    const reg = await client.create({
      rp: { id: 'example.com', name: 'Example' },
      user: { id: 'YWxpY2U', name: 'alice', displayName: 'Alice' },
      challenge: 'AAECAwQFBgcICQoLDA0ODw',
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { userVerification: 'discouraged' },
      attestation: 'direct',
    });
    await client.get({
      challenge: 'AAECAwQFBgcICQoLDA0ODw',
      rpId: 'example.com',
      allowCredentials: [{ id: reg.id, type: 'public-key' }],
      userVerification: 'discouraged',
    });
  };
  for (let w = 0; w < 20; w++) await once();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await once();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [alg, name] of [
    [-7, 'ES256'],
    [-8, 'EdDSA'],
  ] as const) {
    const r = await roundTrips(alg);
    rows.push({
      name: `Ctap2 makeCredential + getAssertion, ${name}, packed`,
      ours: r.perSecond,
      unit: 'round trips/s',
    });
    rows.push({ name: `  of which client (${name})`, ours: r.clientUs, unit: 'µs/round trip' });
    rows.push({ name: `  of which authenticator (${name})`, ours: r.authUs, unit: 'µs/round trip' });
  }
  rows.push({
    name: 'WebAuthnClient create + get (JSON in/out, ES256, packed)',
    ours: await webauthnRoundTrips(),
    unit: 'round trips/s',
  });
  return rows;
}
