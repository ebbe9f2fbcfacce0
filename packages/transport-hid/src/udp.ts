/**
 * A {@link HidConnection} over UDP, for firmware simulators that exchange raw 64-byte CTAPHID
 * reports in datagrams (solo1's PC build listens on 127.0.0.1:8111 and answers to
 * 127.0.0.1:7112; python-fido2 users know it as solo's `force_udp_backend`).
 */
import { createSocket, type Socket } from 'node:dgram';
import { InvalidArgumentError } from '@fido2kit/cose';
import { checkReport } from './_assert.js';
import type { HidConnection } from './connection.js';
import { HID_REPORT_SIZE } from './ctaphid.js';
import { deviceGoneError, HidError } from './errors.js';
import { ReportQueue } from './report-queue.js';

/** Options of {@link UdpHidConnection.open}. */
export interface UdpHidConnectionOptions {
  /** The simulator's address; default `127.0.0.1`. */
  host?: string;
  /** The port the simulator listens on; default 8111. */
  devicePort?: number;
  /** The local port the simulator sends its reports to; default 7112. */
  hostPort?: number;
  /** Reports queued before the oldest are dropped; default 4096. */
  maxQueuedReports?: number;
}

/**
 * Raw CTAPHID reports over UDP. Datagrams from other addresses, or not 64 bytes long, are
 * ignored.
 *
 * @example
 * ```ts
 * const device = await HidTransport.open(await UdpHidConnection.open()); // solo1 simulator
 * ```
 */
export class UdpHidConnection implements HidConnection {
  readonly #socket: Socket;
  readonly #host: string;
  readonly #devicePort: number;

  readonly #queue: ReportQueue;
  #failure: HidError | undefined;
  #closed = false;

  private constructor(socket: Socket, host: string, devicePort: number, maxQueued: number) {
    this.#socket = socket;
    this.#host = host;
    this.#devicePort = devicePort;
    this.#queue = new ReportQueue(maxQueued);
  }

  /**
   * Binds `host:hostPort` and sends to `host:devicePort`.
   * @throws Ctap2ClientError `ERR_TRANSPORT` when the port cannot be bound (in use, no permission).
   */
  static open(options: UdpHidConnectionOptions = {}): Promise<HidConnection> {
    const host = options.host ?? '127.0.0.1';
    const devicePort = port(options.devicePort, 8111, 'devicePort');
    const hostPort = port(options.hostPort, 7112, 'hostPort');
    const maxQueued = options.maxQueuedReports ?? 4096;
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const connection = new UdpHidConnection(socket, host, devicePort, maxQueued);
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        socket.close();
        reject(
          new HidError(
            'ERR_TRANSPORT',
            'udp-bind-failed',
            `cannot bind UDP ${host}:${hostPort}: ${e.message}`,
            {
              cause: e,
            },
          ),
        );
      };
      socket.once('error', onError);
      socket.bind(hostPort, host, () => {
        socket.off('error', onError);
        socket.on('error', (e) => connection.#fail(e));
        socket.on('message', (msg, rinfo) => connection.#onMessage(msg, rinfo.address));
        resolve(connection);
      });
    });
  }

  /**
   * Sends one 64-byte report to the simulator as a UDP datagram.
   * @throws {RangeError} when `report` is not 64 bytes
   * @throws {Ctap2ClientError} `ERR_DEVICE_GONE` when the socket is closed or the send fails
   */
  write(report: Uint8Array): Promise<void> {
    if (this.#closed || this.#failure !== undefined) return Promise.reject(this.#gone());
    try {
      checkReport(report);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.#socket.send(report, this.#devicePort, this.#host, (e) => {
        if (e) reject(deviceGoneError('device-gone', `UDP send failed: ${e.message}`, e));
        else resolve();
      });
    });
  }

  /** The next 64-byte report from the simulator, or undefined after `timeoutMs`. */
  read(timeoutMs: number): Promise<Uint8Array | undefined> {
    if (this.#closed || this.#failure !== undefined) return Promise.reject(this.#gone());
    return this.#queue.read(timeoutMs);
  }

  /** Closes the UDP socket. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#queue.fail(this.#gone());
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  #onMessage(msg: Buffer, address: string): void {
    if (address !== this.#host || msg.length !== HID_REPORT_SIZE) return;
    this.#queue.push(new Uint8Array(msg));
  }

  #fail(e: Error): void {
    this.#failure = deviceGoneError('device-gone', `UDP link failed: ${e.message}`, e);
    this.#queue.fail(this.#failure);
  }

  #gone(): HidError {
    return this.#failure ?? deviceGoneError('closed', 'the UDP connection is closed');
  }
}

function port(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new InvalidArgumentError(`"${name}" expected a port number 0..65535, got ${String(value)}`);
  }
  return value;
}
