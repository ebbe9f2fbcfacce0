import { describe, expect, it } from 'vitest';
import { VirtualAuthenticator } from '../src/index.js';
import { makeAuthenticator, mcParams, send } from './helpers.js';

describe('the in-memory device', () => {
  it('is transport "virtual" and gone after close()', async () => {
    const a = new VirtualAuthenticator();
    const device = a.device();
    expect(device.transport).toBe('virtual');
    expect((await send(device, 0x04)).name).toBe('CTAP2_OK');
    await device.close();
    await expect(device.cbor(Uint8Array.of(0x04))).rejects.toMatchObject({ code: 'ERR_DEVICE_GONE' });
    // another handle still works
    expect((await send(a.device(), 0x04)).name).toBe('CTAP2_OK');
  });

  it('runs requests one at a time, in order', async () => {
    let release: (v: boolean) => void = () => {};
    const { device } = makeAuthenticator({
      presence: () =>
        new Promise<boolean>((r) => {
          release = r;
        }),
      presenceTimeoutMs: 5_000,
    });
    const order: string[] = [];
    const mc = send(device, 0x01, mcParams()).then((r) => order.push(`mc:${r.name}`));
    const info = send(device, 0x04).then((r) => order.push(`info:${r.name}`));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    release(true);
    await Promise.all([mc, info]);
    expect(order).toEqual(['mc:CTAP2_OK', 'info:CTAP2_OK']);
  });
});
