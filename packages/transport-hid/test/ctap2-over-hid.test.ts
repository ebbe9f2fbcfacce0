/**
 * The real ctap2 client over HidTransport over SimulatedHidDevice, answering with the responses
 * libfido2 recorded from a real key (fuzz/wiredata_fido2.h: getInfo, getRetries).
 */
import { type CallOptions, Ctap2, Ctap2ClientError, type CtapDevice } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import { SimulatedHidDevice } from '../src/simulated-device.js';
import { HidTransport } from '../src/transport.js';
import { fromHex } from './helpers/fake-device.js';
import libfido2 from './vectors/libfido2-wiredata.json' with { type: 'json' };

function recorded(name: string): Uint8Array {
  const v = libfido2.vectors.find((x) => x.name === `libfido2 ${name}`);
  const message = v?.expect.messages?.at(-1);
  if (message === undefined) throw new Error(`no vector ${name}`);
  return fromHex(message.payload);
}

/** Answers getInfo and clientPIN with recorded responses; waits for a touch on makeCredential. */
class RecordedKey implements CtapDevice {
  readonly transport = 'virtual' as const;
  async cbor(request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    switch (request[0]) {
      case 0x04:
        return recorded('WIREDATA_CTAP_CBOR_INFO');
      case 0x06:
        return recorded('WIREDATA_CTAP_CBOR_RETRIES');
      case 0x01:
        options.onKeepalive?.('user-presence-needed');
        return new Promise((_, reject) => {
          options.signal?.addEventListener('abort', () =>
            reject(new Ctap2ClientError('ERR_ABORTED', 'aborted', { cause: options.signal?.reason })),
          );
        });
      default:
        return Uint8Array.of(0x01);
    }
  }
  async msg(): Promise<Uint8Array> {
    return Uint8Array.of(0x6d, 0x00);
  }
  async close(): Promise<void> {}
}

describe('Ctap2 over CTAPHID (SimulatedHidDevice → HidTransport)', () => {
  it('reads the recorded getInfo and getRetries through real CTAPHID framing', async () => {
    const key = new SimulatedHidDevice(new RecordedKey());
    const device = await HidTransport.open(key.connection(), { timeoutMs: 1000 });
    const ctap = await Ctap2.open(device);
    expect(ctap.info.versions).toEqual(['U2F_V2', 'FIDO_2_0', 'FIDO_2_1_PRE']);
    expect(ctap.info.aaguid).toBe('1956e5bd-a374-45f1-a814-356403fdbc18');
    expect(ctap.info.maxMsgSize).toBe(1200);
    const retries = await ctap.send(
      0x06,
      new Map([
        [1, 1],
        [2, 1],
      ]),
    );
    expect(retries?.get(3)).toBe(8);
    expect(key.stats.reportsToHost).toBeGreaterThanOrEqual(1 + 4 + 1);
    await device.close();
  });

  it('an aborted makeCredential sends CANCEL and rejects with ERR_ABORTED', async () => {
    const key = new SimulatedHidDevice(new RecordedKey(), { keepaliveIntervalMs: 20 });
    const device = await HidTransport.open(key.connection(), { timeoutMs: 1000 });
    const ctap = await Ctap2.open(device);
    const controller = new AbortController();
    const e = await ctap
      .makeCredential(
        {
          clientDataHash: new Uint8Array(32),
          rp: { id: 'example.com' },
          user: { id: Uint8Array.of(1), name: 'a' },
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        },
        { signal: controller.signal, onKeepalive: () => controller.abort() },
      )
      .catch((x: { code?: string }) => x);
    expect(e).toMatchObject({ code: 'ERR_ABORTED' });
    expect(key.stats.cancels).toBe(1);
    await device.close();
  });
});
