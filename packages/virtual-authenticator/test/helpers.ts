import { type CborValue, decode, encode, sha256, utf8Encode } from '@fido2kit/cose';
import {
  type CallOptions,
  CTAP_STATUS,
  type CtapDevice,
  ctapStatusName,
  pinUvAuthProtocol,
} from '@fido2kit/ctap2';
import { VirtualAuthenticator, type VirtualAuthenticatorOptions } from '../src/index.js';

export type M = Map<CborValue, CborValue>;

/** Builds a CBOR map from entries. */
export function m(entries: [CborValue, CborValue][]): M {
  return new Map(entries);
}

export interface Reply {
  status: number;
  name: string;
  body: M | undefined;
}

/** Sends cmd ‖ CBOR(params) and decodes the reply. */
export async function send(
  device: CtapDevice,
  cmd: number,
  params?: M,
  options?: CallOptions,
): Promise<Reply> {
  const req = params === undefined ? Uint8Array.of(cmd) : Uint8Array.of(cmd, ...encode(params));
  const res = await device.cbor(req, options);
  const status = res[0] as number;
  const body = res.length > 1 ? (decode(res.subarray(1)) as M) : undefined;
  return { status, name: ctapStatusName(status), body };
}

export const OK = CTAP_STATUS.CTAP2_OK;

export const CDH = sha256(utf8Encode('client data'));

/** Deterministic randomness for tests. */
export function seededRandom(seed = 1): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

export function makeAuthenticator(options: VirtualAuthenticatorOptions = {}) {
  const authenticator = new VirtualAuthenticator({ attestation: 'none', presenceTimeoutMs: 300, ...options });
  return { authenticator, device: authenticator.device() };
}

export interface McArgs {
  rpId?: string;
  userId?: Uint8Array;
  userName?: string;
  displayName?: string;
  algs?: number[];
  rk?: boolean;
  uv?: boolean;
  up?: boolean;
  excludeList?: Uint8Array[];
  extensions?: M;
  pinUvAuthParam?: Uint8Array;
  pinUvAuthProtocol?: number;
  clientDataHash?: Uint8Array;
}

export function mcParams(a: McArgs = {}): M {
  const p = m([
    [1, a.clientDataHash ?? CDH],
    [
      2,
      m([
        ['id', a.rpId ?? 'example.com'],
        ['name', 'Example'],
      ]),
    ],
    [
      3,
      m([
        ['id', a.userId ?? Uint8Array.of(1, 2, 3)],
        ['name', a.userName ?? 'alice'],
        ['displayName', a.displayName ?? 'Alice'],
      ]),
    ],
    [
      4,
      (a.algs ?? [-7]).map((alg) =>
        m([
          ['alg', alg],
          ['type', 'public-key'],
        ]),
      ),
    ],
  ]);
  if (a.excludeList)
    p.set(
      5,
      a.excludeList.map((id) =>
        m([
          ['id', id],
          ['type', 'public-key'],
        ]),
      ),
    );
  if (a.extensions) p.set(6, a.extensions);
  const opts: [CborValue, CborValue][] = [];
  if (a.rk !== undefined) opts.push(['rk', a.rk]);
  if (a.uv !== undefined) opts.push(['uv', a.uv]);
  if (a.up !== undefined) opts.push(['up', a.up]);
  if (opts.length) p.set(7, m(opts));
  if (a.pinUvAuthParam) p.set(8, a.pinUvAuthParam);
  if (a.pinUvAuthProtocol !== undefined) p.set(9, a.pinUvAuthProtocol);
  return p;
}

export interface GaArgs {
  rpId?: string;
  allowList?: Uint8Array[];
  uv?: boolean;
  up?: boolean;
  extensions?: M;
  pinUvAuthParam?: Uint8Array;
  pinUvAuthProtocol?: number;
  clientDataHash?: Uint8Array;
}

export function gaParams(a: GaArgs = {}): M {
  const p = m([
    [1, a.rpId ?? 'example.com'],
    [2, a.clientDataHash ?? CDH],
  ]);
  if (a.allowList)
    p.set(
      3,
      a.allowList.map((id) =>
        m([
          ['id', id],
          ['type', 'public-key'],
        ]),
      ),
    );
  if (a.extensions) p.set(4, a.extensions);
  const opts: [CborValue, CborValue][] = [];
  if (a.uv !== undefined) opts.push(['uv', a.uv]);
  if (a.up !== undefined) opts.push(['up', a.up]);
  if (opts.length) p.set(5, m(opts));
  if (a.pinUvAuthParam) p.set(6, a.pinUvAuthParam);
  if (a.pinUvAuthProtocol !== undefined) p.set(7, a.pinUvAuthProtocol);
  return p;
}

// --- the platform side of clientPIN -------------------------------------------------------------

export async function keyAgreement(device: CtapDevice, version: 1 | 2 = 2) {
  const r = await send(
    device,
    0x06,
    m([
      [1, version],
      [2, 2],
    ]),
  );
  if (r.status !== OK) throw new Error(`getKeyAgreement: ${r.name}`);
  const proto = pinUvAuthProtocol(version);
  const { keyAgreement: ka, sharedSecret } = proto.encapsulate(r.body!.get(1) as Map<CborValue, CborValue>);
  return { proto, ka, shared: sharedSecret, version };
}

export function padPin(pin: string): Uint8Array {
  const out = new Uint8Array(64);
  out.set(utf8Encode(pin));
  return out;
}

export async function setPin(device: CtapDevice, pin: string, version: 1 | 2 = 2): Promise<Reply> {
  const { proto, ka, shared } = await keyAgreement(device, version);
  const newPinEnc = proto.encrypt(shared, padPin(pin));
  return send(
    device,
    0x06,
    m([
      [1, version],
      [2, 3],
      [3, ka],
      [4, proto.authenticate(shared, newPinEnc)],
      [5, newPinEnc],
    ]),
  );
}

export async function changePin(device: CtapDevice, oldPin: string, pin: string, version: 1 | 2 = 2) {
  const { proto, ka, shared } = await keyAgreement(device, version);
  const newPinEnc = proto.encrypt(shared, padPin(pin));
  const pinHashEnc = proto.encrypt(shared, sha256(utf8Encode(oldPin)).slice(0, 16));
  const msg = new Uint8Array([...newPinEnc, ...pinHashEnc]);
  return send(
    device,
    0x06,
    m([
      [1, version],
      [2, 4],
      [3, ka],
      [4, proto.authenticate(shared, msg)],
      [5, newPinEnc],
      [6, pinHashEnc],
    ]),
  );
}

export interface TokenArgs {
  version?: 1 | 2;
  permissions?: number;
  rpId?: string;
  /** Use getPinToken (0x05) instead of 0x09. */
  legacy?: boolean;
}

/** Gets a pinUvAuthToken with the PIN; returns the reply and, on success, the token. */
export async function pinToken(device: CtapDevice, pin: string, a: TokenArgs = {}) {
  const version = a.version ?? 2;
  const { proto, ka, shared } = await keyAgreement(device, version);
  const pinHashEnc = proto.encrypt(shared, sha256(utf8Encode(pin)).slice(0, 16));
  const p = m([
    [1, version],
    [2, a.legacy ? 5 : 9],
    [3, ka],
    [6, pinHashEnc],
  ]);
  if (!a.legacy) p.set(9, a.permissions ?? 0x03);
  if (a.rpId !== undefined) p.set(10, a.rpId);
  const reply = await send(device, 0x06, p);
  const token = reply.status === OK ? proto.decrypt(shared, reply.body!.get(2) as Uint8Array) : undefined;
  return { reply, token, proto, auth: (msg: Uint8Array) => proto.authenticate(token!, msg) };
}

/** Gets a pinUvAuthToken with built-in UV (0x06). */
export async function uvToken(device: CtapDevice, a: TokenArgs = {}, options?: CallOptions) {
  const version = a.version ?? 2;
  const { proto, ka, shared } = await keyAgreement(device, version);
  const p = m([
    [1, version],
    [2, 6],
    [3, ka],
    [9, a.permissions ?? 0x03],
  ]);
  if (a.rpId !== undefined) p.set(10, a.rpId);
  const reply = await send(device, 0x06, p, options);
  const token = reply.status === OK ? proto.decrypt(shared, reply.body!.get(2) as Uint8Array) : undefined;
  return { reply, token, proto, auth: (msg: Uint8Array) => proto.authenticate(token!, msg) };
}
