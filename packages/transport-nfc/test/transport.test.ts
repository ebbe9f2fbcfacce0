import { bytesToHex } from '@fido2kit/cose';
import { decodeCommandApdu } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';

import { NfcTransport } from '../src/transport.js';
import { FAKE, FakeCtapDevice } from './fake-device.js';
import { MemoryLink, ScriptedLink } from './memory-link.js';

const echo = (n: number) =>
  Uint8Array.of(FAKE.ECHO, ...Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff));

describe('NfcTransport over an in-memory applet', () => {
  it('selects, sends CTAP2 in one extended APDU, and reports transport nfc', async () => {
    const link = new MemoryLink({ authenticator: new FakeCtapDevice() });
    const device = await NfcTransport.open(link);
    expect(device.transport).toBe('nfc');
    expect(device.version).toBe('U2F_V2');
    const request = echo(2000);
    const answer = await device.cbor(request);
    expect(answer).toEqual(Uint8Array.of(0, ...request.subarray(1)));
    expect(device.extendedApdus).toBe(true);
    expect(link.sent.map((a) => bytesToHex(a.subarray(0, 5)))).toEqual(['00a4040008', '8010800000']);
    await device.close();
    expect(link.closed).toBe(true);
    await expect(device.cbor(Uint8Array.of(4))).rejects.toMatchObject({ code: 'ERR_DEVICE_GONE' });
  });

  it('falls back to short APDUs with chaining when the card answers 6700, and stays there', async () => {
    const link = new MemoryLink({ authenticator: new FakeCtapDevice(), shortOnly: true });
    const device = await NfcTransport.open(link);
    const request = echo(700);
    expect(await device.cbor(request)).toEqual(Uint8Array.of(0, ...request.subarray(1)));
    expect(device.extendedApdus).toBe(false);
    const kinds = link.sent.map((a) => {
      const c = decodeCommandApdu(a);
      return `${c.cla.toString(16)}${c.ins.toString(16)}${c.extended ? 'E' : ''}`;
    });
    // SELECT, refused extended MSG, 3 chained parts, then GET RESPONSEs for the 700-byte answer
    expect(kinds).toEqual(['0a4', '8010E', '9010', '9010', '8010', '0c0', '0c0']);
    link.sent.length = 0;
    await device.cbor(Uint8Array.of(4));
    expect(link.sent).toHaveLength(1);
    await device.close();
  });

  it('short mode only: never sends an extended APDU', async () => {
    const link = new MemoryLink({ authenticator: new FakeCtapDevice() });
    const device = await NfcTransport.open(link, { apdu: 'short' });
    await device.cbor(echo(600));
    expect(link.sent.every((a) => !decodeCommandApdu(a).extended)).toBe(true);
  });

  it('reports keepalives (9100) through onKeepalive, once per change', async () => {
    const fake = new FakeCtapDevice();
    fake.upDelayMs = 150;
    const link = new MemoryLink({ authenticator: fake, keepaliveAfterMs: 10 });
    const device = await NfcTransport.open(link, { pollIntervalMs: 5 });
    const seen: string[] = [];
    const answer = await device.cbor(Uint8Array.of(FAKE.UP), { onKeepalive: (s) => seen.push(s) });
    expect(answer).toEqual(Uint8Array.of(0, 0xa0));
    expect(seen).toEqual(['user-presence-needed']);
    expect(link.sent.filter((a) => a[1] === 0x11).length).toBeGreaterThan(2);
  });

  it('abort: sends the cancel, rejects with ERR_ABORTED, and the next command works', async () => {
    const fake = new FakeCtapDevice();
    const link = new MemoryLink({ authenticator: fake, keepaliveAfterMs: 10 });
    const device = await NfcTransport.open(link, { pollIntervalMs: 5 });
    const controller = new AbortController();
    const call = device.cbor(Uint8Array.of(FAKE.HANG), {
      signal: controller.signal,
      onKeepalive: () => controller.abort(new Error('user cancelled')),
    });
    await expect(call).rejects.toMatchObject({ code: 'ERR_ABORTED', name: 'NfcError' });
    expect(link.sent.some((a) => bytesToHex(a).startsWith('80111100'))).toBe(true);
    expect(fake.aborts).toBe(1);
    expect(await device.cbor(Uint8Array.of(4))).toEqual(fake.info());
    await expect(device.cbor(Uint8Array.of(4), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
  });

  it('times out a command that keeps answering 9100', async () => {
    const link = new MemoryLink({ authenticator: new FakeCtapDevice(), keepaliveAfterMs: 5 });
    const device = await NfcTransport.open(link, { timeoutMs: 100, pollIntervalMs: 5 });
    await expect(device.cbor(Uint8Array.of(FAKE.HANG))).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
  });

  it('passes U2F APDUs through msg() and returns data ‖ SW', async () => {
    const fake = new FakeCtapDevice();
    const device = await NfcTransport.open(new MemoryLink({ authenticator: fake }));
    const answer = await device.msg(Uint8Array.of(0, 3, 0, 0));
    expect(new TextDecoder().decode(answer.subarray(0, -2))).toBe('U2F_V2');
    expect(bytesToHex(answer.subarray(-2))).toBe('9000');
    expect((await device.msg(Uint8Array.of(0, 0x40, 0, 0))).length).toBe(702);
    expect(bytesToHex(await device.msg(Uint8Array.of(0, 0x99, 0, 0)))).toBe('6d00');
    await expect(device.msg(Uint8Array.of(0, 1))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('refuses a card without the FIDO applet with ERR_NOT_SUPPORTED', async () => {
    const link = new ScriptedLink([['00a4040008a0000006472f000100', '6a82']]);
    await expect(NfcTransport.open(link)).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      reason: 'not-fido',
      sw: 0x6a82,
    });
  });

  it('answers 6Cxx by sending again with Le = xx (a scripted card)', async () => {
    const link = new ScriptedLink([
      ['00a4040008a0000006472f000100', '4649444f5f325f309000'],
      ['0003000000', '6c06'],
      ['0003000006', '5532465f56329000'],
    ]);
    const device = await NfcTransport.open(link, { apdu: 'short' });
    expect(device.version).toBe('FIDO_2_0');
    expect(bytesToHex(await device.msg(Uint8Array.of(0, 3, 0, 0)))).toBe('5532465f56329000');
  });

  it('maps a non-9000 answer to NFCCTAP_MSG to ERR_INVALID_RESPONSE with the SW', async () => {
    const link = new ScriptedLink([
      ['00a4040008a0000006472f000100', '5532465f56329000'],
      ['80108000000001040000', '6985'],
    ]);
    const device = await NfcTransport.open(link);
    await expect(device.cbor(Uint8Array.of(4))).rejects.toMatchObject({
      code: 'ERR_INVALID_RESPONSE',
      sw: 0x6985,
    });
  });

  it('re-selects the applet when the link reports a new session (card re-inserted)', async () => {
    const link = new MemoryLink({ authenticator: new FakeCtapDevice() });
    const device = await NfcTransport.open(link);
    link.applet.reset();
    link.session += 1;
    link.sent.length = 0;
    await device.cbor(Uint8Array.of(4));
    expect(bytesToHex(link.sent[0]!)).toBe('00a4040008a0000006472f000100');
  });

  it('rejects bad arguments with ERR_INVALID_ARGUMENT errors naming them', async () => {
    const device = await NfcTransport.open(new MemoryLink({ authenticator: new FakeCtapDevice() }));
    await expect(device.cbor(new Uint8Array(0))).rejects.toThrow('"request" expected a non-empty Uint8Array');
    await expect(device.cbor(new Uint8Array(0))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(device.msg('00' as unknown as Uint8Array)).rejects.toThrow('"apdu" expected Uint8Array');
    await expect(device.msg(Uint8Array.of(0, 1))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      details: { reason: 'apdu-malformed' },
    });
  });
});
