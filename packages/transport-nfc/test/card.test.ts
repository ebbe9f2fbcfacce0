import { bytesToHex, hexToBytes } from '@fido2kit/cose';
import { decodeResponseApdu, encodeCommandApdu, type ResponseApdu } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import { chainCommand, nfcctapMsgCommand, SW, selectFidoCommand } from '../src/apdu.js';
import { FidoApplet, resolveAuthenticator } from '../src/card.js';
import { FAKE, FakeCtapDevice } from './fake-device.js';

const select = encodeCommandApdu(selectFidoCommand());

async function run(applet: FidoApplet, hex: string | Uint8Array) {
  return decodeResponseApdu(await applet.process(typeof hex === 'string' ? hexToBytes(hex) : hex));
}

describe('FidoApplet (card side)', () => {
  it('answers SELECT with its version, and refuses other AIDs and commands before SELECT', async () => {
    const applet = new FidoApplet({ authenticator: new FakeCtapDevice() });
    expect(await run(applet, '80108000010400')).toEqual({
      data: new Uint8Array(0),
      sw: SW.CONDITIONS_NOT_SATISFIED,
    });
    expect((await run(applet, '00a4040008a0000006472f000200')).sw).toBe(SW.FILE_NOT_FOUND);
    const answer = await run(applet, select);
    expect(new TextDecoder().decode(answer.data)).toBe('U2F_V2');
    const fido2 = new FidoApplet({ authenticator: new FakeCtapDevice(), version: 'FIDO_2_0' });
    expect(new TextDecoder().decode((await run(fido2, select)).data)).toBe('FIDO_2_0');
  });

  it('accepts an object with device() (a VirtualAuthenticator) or a CtapDevice, nothing else', () => {
    const device = new FakeCtapDevice();
    expect(resolveAuthenticator({ device: () => device })).toBe(device);
    expect(resolveAuthenticator(device)).toBe(device);
    expect(() => resolveAuthenticator({} as never)).toThrow('"authenticator" expected a CtapDevice');
  });

  it('turns NFCCTAP_MSG into cbor() and answers long results with 61xx + GET RESPONSE', async () => {
    const device = new FakeCtapDevice();
    const applet = new FidoApplet({ authenticator: device });
    await run(applet, select);
    const payload = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
    const first = await run(
      applet,
      encodeCommandApdu(nfcctapMsgCommand(Uint8Array.of(FAKE.ECHO, ...payload), { le: 65536 }), 'extended'),
    );
    expect(first.sw).toBe(SW.OK);
    expect(first.data).toEqual(Uint8Array.of(0, ...payload));
    // short Le: 256 bytes now, 61xx for the rest
    const short = await chainAndSend(applet, payload);
    expect(short).toEqual(Uint8Array.of(0, ...payload));
    expect(device.requests).toHaveLength(2);
  });

  it('refuses extended APDUs with 6700 in short-only mode and reassembles chains', async () => {
    const applet = new FidoApplet({ authenticator: new FakeCtapDevice(), shortOnly: true });
    await run(applet, select);
    const ext = encodeCommandApdu(nfcctapMsgCommand(Uint8Array.of(4), { le: 65536 }), 'extended');
    expect((await run(applet, ext)).sw).toBe(SW.WRONG_LENGTH);
    const payload = new Uint8Array(300).fill(9);
    expect(await chainAndSend(applet, payload)).toEqual(Uint8Array.of(0, ...payload));
  });

  it('answers 9100 with the keepalive status while the command runs, then the result on GETRESPONSE', async () => {
    const device = new FakeCtapDevice();
    device.upDelayMs = 120;
    const applet = new FidoApplet({ authenticator: device, keepaliveAfterMs: 20 });
    await run(applet, select);
    const first = await run(applet, encodeCommandApdu(nfcctapMsgCommand(Uint8Array.of(FAKE.UP))));
    expect(first).toEqual({ data: Uint8Array.of(0x02), sw: SW.STATUS_UPDATE });
    let answer = first;
    while (answer.sw === SW.STATUS_UPDATE) answer = await run(applet, '8011000000');
    expect(answer).toEqual({ data: Uint8Array.of(0x00, 0xa0), sw: SW.OK });
    expect((await run(applet, '8011000000')).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
  });

  it('holds the answer back when the client did not set P1 0x80 (libfido2 style)', async () => {
    const device = new FakeCtapDevice();
    device.upDelayMs = 60;
    const applet = new FidoApplet({ authenticator: device, keepaliveAfterMs: 10 });
    await run(applet, select);
    const answer = await run(
      applet,
      encodeCommandApdu(nfcctapMsgCommand(Uint8Array.of(FAKE.UP), { getResponse: false })),
    );
    expect(answer).toEqual({ data: Uint8Array.of(0x00, 0xa0), sw: SW.OK });
  });

  it('cancels on NFCCTAP_GETRESPONSE P1=0x11, answering CTAP2_ERR_KEEPALIVE_CANCEL', async () => {
    const device = new FakeCtapDevice();
    const applet = new FidoApplet({ authenticator: device, keepaliveAfterMs: 10 });
    await run(applet, select);
    expect((await run(applet, encodeCommandApdu(nfcctapMsgCommand(Uint8Array.of(FAKE.HANG))))).sw).toBe(
      SW.STATUS_UPDATE,
    );
    expect(await run(applet, '8011110000')).toEqual({ data: Uint8Array.of(0x2d), sw: SW.OK });
    expect(device.aborts).toBe(1);
  });

  it('a device that throws answers CTAP1_ERR_OTHER; U2F APDUs go to msg() in extended form', async () => {
    const device = new FakeCtapDevice();
    const applet = new FidoApplet({ authenticator: device });
    await run(applet, select);
    expect(await run(applet, encodeCommandApdu(nfcctapMsgCommand(Uint8Array.of(FAKE.THROW))))).toEqual({
      data: Uint8Array.of(0x7f),
      sw: SW.OK,
    });
    const version = await run(applet, '0003000000');
    expect(new TextDecoder().decode(version.data)).toBe('U2F_V2');
    expect(bytesToHex(device.u2f[0]!)).toBe('00030000000100');
    // 700 bytes from msg(), short Le: 256 + 61xx
    const long = await run(applet, '0040000000');
    expect(long.data).toHaveLength(256);
    expect(long.sw >> 8).toBe(0x61);
    expect((await run(applet, '00c0000000')).data).toHaveLength(256);
    const last = await run(applet, '00c00000bc');
    expect(last).toEqual({ data: new Uint8Array(188).fill(7), sw: SW.OK });
    expect((await run(applet, '00c0000000')).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    const fido2 = new FidoApplet({ authenticator: device, version: 'FIDO_2_0' });
    await run(fido2, select);
    expect((await run(fido2, '0003000000')).sw).toBe(SW.INS_NOT_SUPPORTED);
  });

  it('answers malformed APDUs, unknown classes and instructions with status words', async () => {
    const applet = new FidoApplet({ authenticator: new FakeCtapDevice() });
    await run(applet, select);
    expect((await run(applet, '801000')).sw).toBe(SW.WRONG_LENGTH);
    expect((await run(applet, '8010000003aabb')).sw).toBe(SW.WRONG_LENGTH);
    expect((await run(applet, 'a0010000')).sw).toBe(SW.CLA_NOT_SUPPORTED);
    expect((await run(applet, '80ee0000')).sw).toBe(SW.INS_NOT_SUPPORTED);
    expect((await run(applet, '8010800000')).sw).toBe(SW.WRONG_LENGTH);
    // a chain whose last part changes INS
    expect((await run(applet, '90100000020102')).sw).toBe(SW.OK);
    expect((await run(applet, '80110000')).sw).toBe(SW.LAST_COMMAND_EXPECTED);
  });
});

/** Sends NFCCTAP_MSG(ECHO ‖ payload) as a chain of short APDUs and collects the answer through GET RESPONSE. */
async function chainAndSend(applet: FidoApplet, payload: Uint8Array): Promise<Uint8Array> {
  const parts = chainCommand(nfcctapMsgCommand(Uint8Array.of(FAKE.ECHO, ...payload)));
  let answer: ResponseApdu = { data: new Uint8Array(0), sw: 0 };
  for (const part of parts) {
    answer = decodeResponseApdu(await applet.process(encodeCommandApdu(part, 'short')));
  }
  const chunks = [answer.data];
  while (answer.sw >> 8 === 0x61) {
    answer = decodeResponseApdu(await applet.process(Uint8Array.of(0, 0xc0, 0, 0, answer.sw & 0xff)));
    chunks.push(answer.data);
  }
  expect(answer.sw).toBe(SW.OK);
  return Uint8Array.from(chunks.flatMap((c) => [...c]));
}
