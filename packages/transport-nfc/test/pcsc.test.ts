/**
 * Everything that needs a real PC/SC stack lives in this one file (one machine, one pcscd):
 * our client → @pokusew/pcsclite → libpcsclite → pcscd → vpcd → TCP → VpcdCard → authenticator.
 * The file starts its own `pcscd -f`, waits for "Virtual PCD 00 00", and stops it by PID.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defineCtap2Suite, defineManagementSuite, type MakeSuiteDevice } from '@fido2kit/conformance';
import { decodeCoseKey, hexToBytes, parseAuthenticatorData, sha256, verifySignature } from '@fido2kit/cose';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNfcAuthenticators, openNfcAuthenticator } from '../src/nfc.js';
import { PcscContext } from '../src/pcsc.js';
import { loadPcscLite } from '../src/pcsc-binding.js';
import { PcscCardLink } from '../src/pcsc-link.js';
import { type PcscdHandle, startPcscd, VpcdCard } from '../src/testing.js';
import { NfcTransport, type NfcTransportOptions } from '../src/transport.js';
import { FAKE, FAKE_AAGUID, FakeCtapDevice } from './fake-device.js';

const READER0 = 'Virtual PCD 00 00'; // vpcd port 35963: a card that takes extended APDUs
const READER1 = 'Virtual PCD 00 01'; // vpcd port 35964: a short-only card
const PYTHON = '/usr/bin/python3';
const REFERENCE = fileURLToPath(new URL('./python/fido2_reference.py', import.meta.url));

let pcscd: PcscdHandle;
const fake = new FakeCtapDevice();
const card0 = new VpcdCard({ authenticator: fake, port: 35963 });
const card1 = new VpcdCard({ authenticator: new FakeCtapDevice(), port: 35964, shortOnly: true });
const opened: NfcTransport[] = [];

async function open(reader: string, options: Parameters<typeof openNfcAuthenticator>[1] = {}) {
  const device = await openNfcAuthenticator(reader, { cardTimeoutMs: 5000, ...options });
  opened.push(device);
  return device;
}

function code(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

/** Runs the python-fido2 reference client against a reader; resolves with its JSON. */
function reference(reader: string, mode: 'info' | 'full'): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [REFERENCE, reader, mode], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python-fido2 failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

beforeAll(async () => {
  pcscd = await startPcscd({ readers: [READER0, READER1] });
  await Promise.all([card0.connect(), card1.connect()]);
}, 60_000);

afterAll(async () => {
  for (const device of opened) await device.close().catch(() => undefined);
  await shared?.close();
  await card0.close();
  await card1.close();
  await pcscd?.stop();
}, 30_000);

describe('PC/SC through pcscd and vpcd, with a fake authenticator', () => {
  it('lists the reader that holds a FIDO card, and not the empty one', async () => {
    await card1.close();
    try {
      await open(READER0); // waits until pcscd has seen the card
      let found: { reader: string }[] = [];
      for (let i = 0; i < 20 && found.length === 0; i++) found = await listNfcAuthenticators();
      expect(found).toEqual([{ reader: READER0 }]);
    } finally {
      await card1.connect();
    }
  });

  it('extended mode: getInfo, a 2000-byte request and answer in one APDU each, a U2F APDU', async () => {
    card0.replaceAuthenticator(fake);
    const device = await open(READER0);
    expect(device.transport).toBe('nfc');
    expect(device.version).toBe('U2F_V2');
    expect(await device.cbor(Uint8Array.of(4))).toEqual(fake.info());
    const before = card0.apduCount;
    const request = Uint8Array.from({ length: 2001 }, (_, i) => (i === 0 ? FAKE.ECHO : i & 0xff));
    expect(await device.cbor(request)).toEqual(Uint8Array.of(0, ...request.subarray(1)));
    expect(card0.apduCount - before).toBe(1);
    expect(device.extendedApdus).toBe(true);
    const u2f = await device.msg(Uint8Array.of(0, 3, 0, 0));
    expect(new TextDecoder().decode(u2f.subarray(0, -2))).toBe('U2F_V2');
    await device.close();
  });

  it('short-only card: falls back to chaining and GET RESPONSE, same answers', async () => {
    const device = await open(READER1);
    const request = Uint8Array.from({ length: 700 }, (_, i) => (i === 0 ? FAKE.ECHO : (i * 3) & 0xff));
    const before = card1.apduCount;
    expect(await device.cbor(request)).toEqual(Uint8Array.of(0, ...request.subarray(1)));
    expect(device.extendedApdus).toBe(false);
    // refused extended APDU, 3 chained parts, 2 GET RESPONSEs
    expect(card1.apduCount - before).toBe(6);
    await device.close();
  });

  it('keepalive (9100) reported as user-presence-needed; abort cancels on the card', async () => {
    card0.replaceAuthenticator(fake);
    const device = await open(READER0);
    const seen: string[] = [];
    fake.upDelayMs = 300;
    expect(await device.cbor(Uint8Array.of(FAKE.UP), { onKeepalive: (s) => seen.push(s) })).toEqual(
      Uint8Array.of(0, 0xa0),
    );
    expect(seen).toEqual(['user-presence-needed']);
    const aborts = fake.aborts;
    const controller = new AbortController();
    const call = device.cbor(Uint8Array.of(FAKE.HANG), {
      signal: controller.signal,
      onKeepalive: () => controller.abort(),
    });
    await expect(call).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(fake.aborts).toBe(aborts + 1);
    expect(await device.cbor(Uint8Array.of(4))).toEqual(fake.info());
    await device.close();
  });

  it('card pulled mid-transaction: ERR_DEVICE_GONE; after re-insertion the next exchange works', async () => {
    card0.replaceAuthenticator(fake);
    const device = await open(READER0);
    fake.onHang = () => void card0.close();
    let e: unknown;
    try {
      e = await device.cbor(Uint8Array.of(FAKE.HANG)).catch((x: unknown) => x);
    } finally {
      fake.onHang = undefined;
      await card0.connect();
    }
    expect(e).toMatchObject({ code: 'ERR_DEVICE_GONE', name: 'NfcError', reason: 'card-removed' });
    expect((e as Error).message).toMatch(/removed|taken away/);
    expect(await device.cbor(Uint8Array.of(4))).toEqual(fake.info());
    await device.close();
  });

  it('no card on the reader: ERR_DEVICE_GONE (no-card) after cardTimeoutMs', async () => {
    await card1.close();
    try {
      const t0 = Date.now();
      const e = await openNfcAuthenticator(READER1, { cardTimeoutMs: 300 }).catch((x: unknown) => x);
      // 'card-removed' while pcscd has not noticed yet that the card is gone, 'no-card' after
      expect(e).toMatchObject({
        code: 'ERR_DEVICE_GONE',
        reason: expect.stringMatching(/^(no-card|card-removed)$/),
      });
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await card1.connect();
    }
  });

  it('a reader that does not exist: ERR_TRANSPORT naming the readers there are', async () => {
    const e = await openNfcAuthenticator('Virtual PCD 00 07').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_TRANSPORT', reason: 'reader-not-found' });
    expect((e as Error).message).toContain(`"${READER0}"`);
  });

  it('the PC/SC binding missing: ERR_TRANSPORT telling how to build it', () => {
    expect(() => loadPcscLite('@fido2kit/no-such-binding')).toThrow(
      expect.objectContaining({ code: 'ERR_TRANSPORT', reason: 'pcsclite-missing' }),
    );
    expect(() => loadPcscLite('@fido2kit/no-such-binding')).toThrow(/libpcsclite-dev/);
  });

  it('python-fido2 (CtapPcscDevice, a client nobody here wrote) reads getInfo from our card', async () => {
    card0.replaceAuthenticator(fake);
    const out = await reference(READER0, 'info');
    expect(out.version).toBe(2);
    expect(out.info).toMatchObject({
      versions: ['U2F_V2', 'FIDO_2_0'],
      aaguid: Buffer.from(FAKE_AAGUID).toString('hex'),
      max_msg_size: 1200,
    });
  });
});

describe('python-fido2 against VpcdCard(new VirtualAuthenticator())', () => {
  it('getInfo, makeCredential and getAssertion, and the assertion verifies', async () => {
    const authenticator = new VirtualAuthenticator();
    card0.replaceAuthenticator(authenticator);
    const out = (await reference(READER0, 'full')) as {
      info: { versions: string[]; aaguid: string };
      make: { fmt: string; auth_data: string; credential_id: string; public_key: string };
      get: {
        auth_data: string;
        signature: string;
        credential_id: string;
        client_data_hash: string;
        python_verified: unknown;
      };
    };
    expect(out.info.versions).toContain('FIDO_2_0');
    expect(out.make.fmt).toBe('packed');
    const made = parseAuthenticatorData(hexToBytes(out.make.auth_data));
    expect(made.rpIdHash).toEqual(sha256(new TextEncoder().encode('example.com')));
    expect(made.flags.up).toBe(true);
    expect(out.get.credential_id).toBe(out.make.credential_id);
    expect(out.get.python_verified).toBe(true);
    const publicKey = decodeCoseKey(hexToBytes(out.make.public_key));
    const authData = hexToBytes(out.get.auth_data);
    const data = new Uint8Array([...authData, ...hexToBytes(out.get.client_data_hash)]);
    expect(await verifySignature({ publicKey, data, signature: hexToBytes(out.get.signature) })).toBe(true);
    // a tampered signature does not verify
    const bad = hexToBytes(out.get.signature);
    bad[bad.length - 1]! ^= 1;
    expect(await verifySignature({ publicKey, data, signature: bad })).toBe(false);
  });
});

// The suites share one PC/SC context (opening one per test is what the tests above cover).
let shared: PcscContext | undefined;
async function openShared(reader: string, options: NfcTransportOptions = {}): Promise<NfcTransport> {
  shared ??= await PcscContext.establish();
  return NfcTransport.open(
    new PcscCardLink(shared, reader, { ownsContext: false, cardTimeoutMs: 5000 }),
    options,
  );
}

defineCtap2Suite('NFC via pcscd, extended APDUs', async (options) => {
  const authenticator = new VirtualAuthenticator(options);
  card0.replaceAuthenticator(authenticator);
  const device = await openShared(READER0, { apdu: 'extended' });
  return { device, authenticator, close: () => device.close() };
});

defineManagementSuite('NFC via pcscd, extended APDUs', async (options) => {
  const authenticator = new VirtualAuthenticator(options);
  card0.replaceAuthenticator(authenticator);
  const device = await openShared(READER0, { apdu: 'extended' });
  return { device, authenticator, close: () => device.close() };
});

/** A key on reader 1 in short-APDU mode: every long message is chained (ISO 7816-4 §5.1.1). */
const shortChainedKey: MakeSuiteDevice = async (options) => {
  const authenticator = new VirtualAuthenticator(options);
  card1.replaceAuthenticator(authenticator);
  const device = await openShared(READER1, { apdu: 'short' });
  return {
    device,
    authenticator,
    close: async () => {
      expect(device.extendedApdus).toBe(false);
      await device.close();
    },
  };
};

defineCtap2Suite('NFC via pcscd, short APDUs with chaining', shortChainedKey);

defineManagementSuite('NFC via pcscd, short APDUs with chaining', shortChainedKey);

describe('pcscd not running', () => {
  it('an open device fails with a typed error; listing and opening say pcscd is not running', async (ctx) => {
    await shared?.close();
    if (!pcscd.owned) {
      ctx.skip(); // a system pcscd we did not start: not ours to stop
      return;
    }
    card0.replaceAuthenticator(fake);
    const device = await open(READER0);
    await pcscd.stop();
    const e = await device.cbor(Uint8Array.of(4)).catch((x: unknown) => x);
    expect(['ERR_TRANSPORT', 'ERR_DEVICE_GONE']).toContain(code(e));
    expect((e as { reason?: string }).reason).toMatch(/pcscd-not-running|reader-gone|card-removed/);
    await expect(listNfcAuthenticators()).rejects.toMatchObject({
      code: 'ERR_TRANSPORT',
      reason: 'pcscd-not-running',
      message: expect.stringContaining('pcscd is not running'),
    });
    await expect(openNfcAuthenticator(READER0)).rejects.toMatchObject({
      code: 'ERR_TRANSPORT',
      reason: 'pcscd-not-running',
    });
    await device.close();
  });
});
