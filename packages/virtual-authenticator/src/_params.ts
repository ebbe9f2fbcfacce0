/**
 * Reading CTAP request parameters with the statuses CTAP 2.1 prescribes: a missing required
 * member is CTAP2_ERR_MISSING_PARAMETER, a member of the wrong CBOR type
 * CTAP2_ERR_CBOR_UNEXPECTED_TYPE.
 */
import type { CborValue } from '@fido2kit/cose';
import { fail } from './errors.js';

/** A decoded CBOR map. */
export type CborMap = Map<CborValue, CborValue>;

export function isMap(v: unknown): v is CborMap {
  return v instanceof Map;
}

function check<T>(v: CborValue | undefined, ok: (v: unknown) => v is T, required: boolean): T | undefined {
  if (v === undefined) {
    if (required) fail('CTAP2_ERR_MISSING_PARAMETER');
    return undefined;
  }
  if (!ok(v)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  return v;
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isString = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isUint = (v: unknown): v is number => isInt(v) && v >= 0;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isArray = (v: unknown): v is CborValue[] => Array.isArray(v);

export const req = {
  bytes: (m: CborMap, k: CborValue) => check(m.get(k), isBytes, true) as Uint8Array,
  string: (m: CborMap, k: CborValue) => check(m.get(k), isString, true) as string,
  int: (m: CborMap, k: CborValue) => check(m.get(k), isInt, true) as number,
  uint: (m: CborMap, k: CborValue) => check(m.get(k), isUint, true) as number,
  map: (m: CborMap, k: CborValue) => check(m.get(k), isMap, true) as CborMap,
  array: (m: CborMap, k: CborValue) => check(m.get(k), isArray, true) as CborValue[],
};

export const opt = {
  bytes: (m: CborMap, k: CborValue) => check(m.get(k), isBytes, false),
  string: (m: CborMap, k: CborValue) => check(m.get(k), isString, false),
  int: (m: CborMap, k: CborValue) => check(m.get(k), isInt, false),
  uint: (m: CborMap, k: CborValue) => check(m.get(k), isUint, false),
  bool: (m: CborMap, k: CborValue) => check(m.get(k), isBool, false),
  map: (m: CborMap, k: CborValue) => check(m.get(k), isMap, false),
  array: (m: CborMap, k: CborValue) => check(m.get(k), isArray, false),
};

/** The `options` map of makeCredential/getAssertion: every value must be a boolean. */
export function readOptions(m: CborMap | undefined): Map<string, boolean> {
  const out = new Map<string, boolean>();
  if (m === undefined) return out;
  for (const [k, v] of m) {
    if (typeof k !== 'string') continue;
    if (typeof v !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    out.set(k, v);
  }
  return out;
}

/** A PublicKeyCredentialDescriptor: `{ type, id, transports? }`. */
export interface CredentialDescriptor {
  type: string;
  id: Uint8Array;
}

/** Reads an allowList/excludeList (CTAP 2.1 §6.1, §6.2). */
export function readDescriptors(list: CborValue[] | undefined): CredentialDescriptor[] | undefined {
  if (list === undefined) return undefined;
  return list.map((d) => {
    if (!isMap(d)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    const type = req.string(d, 'type');
    const id = req.bytes(d, 'id');
    opt.array(d, 'transports');
    return { type, id };
  });
}

/**
 * The members makeCredential and getAssertion share (CTAP 2.1 §6.1, §6.2): extensions, options,
 * pinUvAuthParam, pinUvAuthProtocol, read with the command's key table.
 */
export function ceremonyParams(
  p: CborMap,
  k: { extensions: number; options: number; pinUvAuthParam: number; pinUvAuthProtocol: number },
) {
  return {
    extensions: opt.map(p, k.extensions),
    options: readOptions(opt.map(p, k.options)),
    pinUvAuthParam: opt.bytes(p, k.pinUvAuthParam),
    pinUvAuthProtocol: opt.uint(p, k.pinUvAuthProtocol),
  };
}
