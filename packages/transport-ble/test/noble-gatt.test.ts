/**
 * The noble binding's GATT side — scanning, connecting, characteristic discovery, the
 * BleConnection on noble's characteristics — with noble replaced at the one edge these machines
 * cannot reach: the radio. The stand-in module answers as noble 2.x does (stateChange, discover,
 * Peripheral and Characteristic objects with the *Async methods), and its characteristics are
 * backed by a SimulatedBlePeripheral around the virtual key, so the whole CTAP stack runs through
 * the binding's own code.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ctap2 } from '@fido2kit/ctap2';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BleConnection, listBleAuthenticators, openBleAuthenticator } from '../src/index.js';
import { SimulatedBlePeripheral } from '../src/testing.js';

const UUID = {
  controlPoint: 'f1d0fff1deaaeceeb42fc9ba7ed623bb',
  status: 'f1d0fff2deaaeceeb42fc9ba7ed623bb',
  controlPointLength: 'f1d0fff3deaaeceeb42fc9ba7ed623bb',
  revision: 'f1d0fff4deaaeceeb42fc9ba7ed623bb',
};

class FakeCharacteristic extends EventEmitter {
  readonly uuid: string;
  readonly link: BleConnection;
  readonly failReads: string | undefined;
  readonly onGone: () => void;
  constructor(uuid: string, link: BleConnection, failReads: string | undefined, onGone: () => void) {
    super();
    this.uuid = uuid;
    this.link = link;
    this.failReads = failReads;
    this.onGone = onGone;
  }
  async readAsync(): Promise<Buffer> {
    if (this.failReads) throw new Error(this.failReads);
    const value =
      this.uuid === UUID.controlPointLength
        ? await this.link.readControlPointLength()
        : await this.link.readServiceRevisionBitfield();
    return Buffer.from(value ?? []);
  }
  async writeAsync(data: Buffer, withoutResponse: boolean): Promise<void> {
    if (withoutResponse) throw new Error('the FIDO characteristics take writes with response');
    try {
      if (this.uuid === UUID.controlPoint) await this.link.writeControlPoint(new Uint8Array(data));
      else await this.link.writeServiceRevisionBitfield(new Uint8Array(data));
    } catch (e) {
      // as noble does: a plain Error, the peripheral's state already 'disconnected', the event later
      if ((e as { code?: string }).code === 'ERR_DEVICE_GONE') {
        this.onGone();
        throw new Error('Peripheral is not connected');
      }
      throw e;
    }
  }
  async subscribeAsync(): Promise<void> {
    await this.link.subscribeStatus((f) => this.emit('data', Buffer.from(f), true));
  }
}

class FakePeripheral extends EventEmitter {
  connected = false;
  /** noble's peripheral.mtu: what the link negotiated, null before connecting. */
  get mtu(): number | null {
    return this.link?.mtu ?? null;
  }
  get state(): string {
    return this.connected ? 'connected' : 'disconnected';
  }
  link: BleConnection | undefined;
  readonly id: string;
  readonly address: string;
  readonly rssi: number;
  readonly advertisement: { localName?: string };
  readonly key: SimulatedBlePeripheral | undefined;
  readonly options: { omit?: string; failReads?: string };
  constructor(
    id: string,
    address: string,
    rssi: number,
    advertisement: { localName?: string },
    key: SimulatedBlePeripheral | undefined,
    options: { omit?: string; failReads?: string } = {},
  ) {
    super();
    this.id = id;
    this.address = address;
    this.rssi = rssi;
    this.advertisement = advertisement;
    this.key = key;
    this.options = options;
  }
  async connectAsync(): Promise<void> {
    if (this.key === undefined) throw new Error('Connection Failed to be Established');
    this.link = this.key.connection();
    this.link.onDisconnect((reason) => {
      this.connected = false;
      // The controller reports the lost link a little later than a write finds it gone.
      setImmediate(() => this.emit('disconnect', reason));
    });
    this.connected = true;
  }
  async disconnectAsync(): Promise<void> {
    this.connected = false;
    await this.link?.close();
  }
  async discoverSomeServicesAndCharacteristicsAsync(services: string[], wanted: string[]) {
    expect(services).toEqual(['fffd']);
    const link = this.link as BleConnection;
    const characteristics = wanted
      .filter((u) => u !== this.options.omit)
      .map(
        (u) =>
          new FakeCharacteristic(
            u,
            link,
            u === UUID.controlPointLength ? this.options.failReads : undefined,
            () => {
              this.connected = false;
            },
          ),
      );
    return { services: [], characteristics };
  }
}

class FakeNoble extends EventEmitter {
  state = 'unknown';
  stopped = 0;
  scans: string[][] = [];
  readonly finalState: string;
  readonly peripherals: FakePeripheral[];
  constructor(finalState: string, peripherals: FakePeripheral[]) {
    super();
    this.finalState = finalState;
    this.peripherals = peripherals;
    this.on('warning', (m) => console.warn(`noble: ${m}`)); // noble's own default, which the binding removes
    this.on('newListener', (event) => {
      if (event === 'stateChange')
        setImmediate(() => {
          this.state = this.finalState;
          this.emit('stateChange', this.finalState);
          this.emit('warning', 'a warning the binding must not print');
        });
    });
  }
  async startScanningAsync(services: string[]): Promise<void> {
    this.scans.push(services);
    for (const p of this.peripherals) setImmediate(() => this.emit('discover', p));
  }
  async stopScanningAsync(): Promise<void> {}
  stop(): void {
    this.stopped++;
  }
}

let sysfs: string;
beforeAll(() => {
  sysfs = mkdtempSync(join(tmpdir(), 'fido2kit-sysfs-bt-'));
  mkdirSync(join(sysfs, 'hci0'));
});
afterAll(() => rmSync(sysfs, { recursive: true, force: true }));

function binding(noble: FakeNoble) {
  const chosen: string[] = [];
  return {
    chosen,
    options: {
      loadNoble: async () => ({
        withBindings: (name: string) => {
          chosen.push(name);
          return noble;
        },
      }),
      binding: 'hci' as const, // the stand-in replaces noble; 'hci' skips the BlueZ probe
      sysfsBluetoothDir: sysfs,
    },
  };
}

describe('the noble binding, GATT side, with noble replaced at the radio', () => {
  it('lists FIDO authenticators strongest first, scanning for the FIDO service only, printing nothing', async () => {
    const noble = new FakeNoble('poweredOn', [
      new FakePeripheral('aa01', 'AA:BB:CC:00:00:01', -80, { localName: 'Far key' }, undefined),
      new FakePeripheral('aa02', 'AA:BB:CC:00:00:02', -40, { localName: 'Near key' }, undefined),
    ]);
    const { options, chosen } = binding(noble);
    const warn = console.warn;
    const printed: unknown[] = [];
    console.warn = (...a: unknown[]) => printed.push(a);
    try {
      const keys = await listBleAuthenticators({ ...options, timeoutMs: 100 });
      expect(keys).toEqual([
        { id: 'aa02', address: 'aa:bb:cc:00:00:02', name: 'Near key', rssi: -40 },
        { id: 'aa01', address: 'aa:bb:cc:00:00:01', name: 'Far key', rssi: -80 },
      ]);
    } finally {
      console.warn = warn;
    }
    expect(printed).toEqual([]);
    expect(chosen).toEqual(['hci']);
    expect(noble.scans).toEqual([['fffd']]);
    expect(noble.stopped).toBe(1);
  });

  it('opens a key by address and runs CTAP2 through the binding: revision written, MTU 185 → 182-byte fragments', async () => {
    const key = new SimulatedBlePeripheral(new VirtualAuthenticator(), { mtu: 185 });
    const noble = new FakeNoble('poweredOn', [new FakePeripheral('aa03', 'AA:BB:CC:00:00:03', -50, {}, key)]);
    const device = await openBleAuthenticator('aa:bb:cc:00:00:03', {
      ...binding(noble).options,
      scanTimeoutMs: 500,
    });
    expect(device.info).toMatchObject({ mtu: 185, maxFragmentLength: 182, revision: 'fido2' });
    expect(key.selectedRevision).toBe(0x20);
    const ctap = await Ctap2.open(device);
    expect(ctap.info.versions).toContain('FIDO_2_1');
    const ping = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    expect(await device.ping(ping)).toEqual(ping);
    await device.close();
    expect(noble.stopped).toBe(1);
  });

  for (const direction of ['to-host', 'to-peripheral'] as const) {
    it(`the link dropping mid-call (${direction}) is ERR_DEVICE_GONE, also when noble fails the write before its disconnect event`, async () => {
      const key = new SimulatedBlePeripheral(new VirtualAuthenticator(), { mtu: 23 });
      const noble = new FakeNoble('poweredOn', [
        new FakePeripheral('aa04', 'AA:BB:CC:00:00:04', -50, {}, key),
      ]);
      const device = await openBleAuthenticator('aa04', binding(noble).options);
      key.inject({ kind: 'disconnect', direction, after: 2 });
      await expect(device.ping(new Uint8Array(200))).rejects.toMatchObject({
        code: 'ERR_DEVICE_GONE',
        reason: 'disconnected',
      });
      await expect(device.ping()).rejects.toMatchObject({ code: 'ERR_DEVICE_GONE' });
      await device.close();
    });
  }

  it('a key that is not seen, lacks the FIDO characteristics, refuses to connect, or is not paired: typed errors', async () => {
    const key = new SimulatedBlePeripheral(new VirtualAuthenticator());
    const absent = new FakeNoble('poweredOn', []);
    await expect(
      openBleAuthenticator('aa:bb:cc:dd:ee:ff', { ...binding(absent).options, scanTimeoutMs: 100 }),
    ).rejects.toMatchObject({ code: 'ERR_DEVICE_GONE', reason: 'not-found' });

    const notFido = new FakeNoble('poweredOn', [
      new FakePeripheral('aa05', 'AA:BB:CC:00:00:05', -50, {}, key, { omit: UUID.status }),
    ]);
    await expect(openBleAuthenticator('aa05', binding(notFido).options)).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      reason: 'not-fido',
    });

    const refuses = new FakeNoble('poweredOn', [
      new FakePeripheral('aa06', 'AA:BB:CC:00:00:06', -50, {}, undefined),
    ]);
    await expect(openBleAuthenticator('aa06', binding(refuses).options)).rejects.toMatchObject({
      code: 'ERR_TRANSPORT',
      reason: 'gatt-failed',
    });

    const unpaired = new FakeNoble('poweredOn', [
      new FakePeripheral('aa07', 'AA:BB:CC:00:00:07', -50, {}, key, {
        failReads: 'Insufficient Authentication',
      }),
    ]);
    const e = await openBleAuthenticator('aa07', binding(unpaired).options).catch((x) => x);
    expect(e).toMatchObject({ code: 'ERR_TRANSPORT', reason: 'gatt-failed' });
    expect(e.message).toContain('reading fidoControlPointLength failed: Insufficient Authentication');
    expect(e.message).toContain('must be paired (bonded) first');
  });

  for (const [state, reason, code] of [
    ['poweredOff', 'adapter-off', 'ERR_NOT_SUPPORTED'],
    ['unauthorized', 'unauthorized', 'ERR_NOT_SUPPORTED'],
    ['unsupported', 'no-adapter', 'ERR_NOT_SUPPORTED'],
  ] as const) {
    it(`an adapter reporting ${state} is ${reason}`, async () => {
      const noble = new FakeNoble(state, []);
      const e = await listBleAuthenticators(binding(noble).options).catch((x) => x);
      expect(e).toMatchObject({ name: 'BleError', code, reason });
      expect(e.details).toMatchObject({ state, warnings: ['a warning the binding must not print'] });
      expect(noble.stopped).toBe(1);
    });
  }

  it('an adapter that never reports its state is ERR_TIMEOUT after adapterTimeoutMs', async () => {
    const noble = new FakeNoble('unknown', []);
    const e = await listBleAuthenticators({ ...binding(noble).options, adapterTimeoutMs: 100 }).catch(
      (x) => x,
    );
    expect(e).toMatchObject({ code: 'ERR_TIMEOUT', reason: 'timeout' });
  });
});
