import { type CborValue, decode, encode, sha256, utf8Encode } from '@fido2kit/cose';
import { type CallOptions, CTAP_STATUS, type CtapDevice, ctapStatusName } from '@fido2kit/ctap2';
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
