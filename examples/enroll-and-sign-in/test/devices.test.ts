// The device choices a newcomer tries without a key attached, as child processes: each says plainly
// what is missing and what to do. These machines have no Bluetooth adapter and no firmware simulator.
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from './run.js';

const DEMO = new URL('../src/main.ts', import.meta.url);
const KEYS = new URL('../../key-manager/src/main.ts', import.meta.url);

function scratch(): { data: string; state: string } {
  const data = mkdtempSync(join(tmpdir(), 'fido2kit-devices-'));
  return { data, state: join(data, 'virtual-key.json') };
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.runIf(process.platform === 'linux' && !existsSync('/sys/class/bluetooth'))(
  '--device ble without a Bluetooth adapter',
  () => {
    it('the demo says the machine has no Bluetooth adapter, with the transport code', async () => {
      const { data, state } = scratch();
      const r = await runProgram(DEMO, ['--device', 'ble', '--virtual', state, '--data', data]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'fido2kit-demo: This machine has no Bluetooth adapter, so --device ble cannot reach a key.',
      );
      expect(r.stderr).toContain('(ERR_NOT_SUPPORTED)');
      const json = await runProgram(DEMO, ['--device', 'ble', '--virtual', state, '--data', data, '--json']);
      expect(json.steps.at(-1)).toMatchObject({ step: 'error', code: 'ERR_NOT_SUPPORTED' });
      expect(existsSync(state)).toBe(false); // no virtual key was made for a Bluetooth run
    });

    it('the key manager says so too, without advice about key features', async () => {
      const { state } = scratch();
      const r = await runProgram(KEYS, ['info', '--device', 'ble', '--virtual', state]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('This machine has no Bluetooth adapter');
      expect(r.stderr).not.toContain('does not have that feature');
      const address = await runProgram(KEYS, [
        'info',
        '--device',
        'ble:aa:bb:cc:dd:ee:ff',
        '--virtual',
        state,
      ]);
      expect(address.stderr).toContain('This machine has no Bluetooth adapter');
    });

    it('--device auto looks on USB and NFC and says Bluetooth is not usable here', async () => {
      const { data, state } = scratch();
      const r = await runProgram(DEMO, ['--device', 'auto', '--virtual', state, '--data', data]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'No security key found on USB or NFC (this machine has no usable Bluetooth)',
      );
    });

    it('the help lists ble', async () => {
      const demo = await runProgram(DEMO, ['--help']);
      expect(demo.stdout).toMatch(/--device KIND +virtual \(default\), hid, nfc, ble, auto/);
      const keys = await runProgram(KEYS, ['--help']);
      expect(keys.stdout).toContain('ble, ble:ADDRESS');
    });
  },
);

describe('--device udp with no firmware simulator listening', () => {
  it('names the port it tried and how to start a simulator', async () => {
    const { data, state } = scratch();
    const [devicePort, hostPort] = [await freeUdpPort(), await freeUdpPort()];
    const r = await runProgram(DEMO, [
      '--device',
      `udp:${devicePort}:${hostPort}`,
      '--virtual',
      state,
      '--data',
      data,
      '--json',
    ]);
    expect(r.code).toBe(1);
    const error = r.steps.at(-1) as { step: string; code: string; message: string };
    expect(error).toMatchObject({ step: 'error', code: 'ERR_TIMEOUT' });
    expect(error.message).toContain(`No firmware simulator answered on UDP 127.0.0.1:${devicePort}`);
    expect(error.message).toContain(`this program listened on UDP ${hostPort}`);
    expect(error.message).toContain('solo1 PC build');
    expect(error.message).toContain('--device udp:DEVICE_PORT:HOST_PORT');
  });
});
