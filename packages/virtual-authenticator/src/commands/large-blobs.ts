/**
 * authenticatorLargeBlobs (0x0C), CTAP 2.1 §6.10: the serialized large-blob array, read in
 * fragments and written in fragments that are buffered and committed only when the last one
 * arrives and the array's SHA-256 check matches. A corrupt or interrupted write leaves the stored
 * array as it was.
 */

import { type CborValue, concatBytes, constantTimeEqual, sha256 } from '@fido2kit/cose';
import {
  CTAP2_COMMANDS,
  LARGE_BLOBS_KEYS,
  LARGE_BLOBS_RESPONSE_KEYS,
  PIN_UV_AUTH_PERMISSIONS,
} from '@fido2kit/ctap2';
import { opt, req } from '../_params.js';
import { fail } from '../errors.js';
import {
  checkManagementToken,
  FF32,
  initialLargeBlobArray,
  managementCommandConfig,
  managementVolatile,
} from '../management.js';
import type { Command } from './types.js';

const K = LARGE_BLOBS_KEYS;

const LBW = PIN_UV_AUTH_PERMISSIONS.lbw;

export const largeBlobs: Command = {
  code: CTAP2_COMMANDS.largeBlobs,
  name: 'authenticatorLargeBlobs',
  async handle(core, p) {
    const m = managementCommandConfig(core, (m) => m.maxSerializedLargeBlobArray > 0);
    if (p === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    const get = opt.uint(p, K.get);
    const set = opt.bytes(p, K.set);
    const offset = req.uint(p, K.offset);
    const length = opt.uint(p, K.length);
    const param = opt.bytes(p, K.pinUvAuthParam);
    const protocol = opt.uint(p, K.pinUvAuthProtocol);
    if ((get === undefined) === (set === undefined)) fail('CTAP1_ERR_INVALID_PARAMETER');
    const maxFragment = core.config.maxMsgSize - 64;
    const s = core.state;
    const stored = s.largeBlobArray ?? initialLargeBlobArray();
    if (get !== undefined) {
      if (length !== undefined) fail('CTAP1_ERR_INVALID_PARAMETER');
      if (get > maxFragment) fail('CTAP1_ERR_INVALID_LENGTH');
      if (offset > stored.length) fail('CTAP1_ERR_INVALID_PARAMETER');
      return new Map<number, CborValue>([
        [LARGE_BLOBS_RESPONSE_KEYS.config, stored.slice(offset, offset + get)],
      ]);
    }
    const fragment = set!;
    if (fragment.length > maxFragment) fail('CTAP1_ERR_INVALID_LENGTH');
    const v = managementVolatile(core);
    if (offset === 0) {
      if (length === undefined) fail('CTAP1_ERR_INVALID_PARAMETER');
      if (length > m.maxSerializedLargeBlobArray) fail('CTAP2_ERR_LARGE_BLOB_STORAGE_FULL');
      if (length < 17) fail('CTAP1_ERR_INVALID_PARAMETER');
      v.largeBlobWrite = { expectedLength: length, expectedNextOffset: 0, parts: [] };
    } else if (length !== undefined) {
      fail('CTAP1_ERR_INVALID_PARAMETER');
    }
    const w = v.largeBlobWrite;
    if (w === undefined || offset !== w.expectedNextOffset) fail('CTAP1_ERR_INVALID_SEQ');
    if (core.protectedByUv || param !== undefined) {
      const off = new Uint8Array(4);
      new DataView(off.buffer).setUint32(0, offset, true);
      const message = concatBytes(FF32, Uint8Array.of(0x0c, 0x00), off, sha256(fragment));
      checkManagementToken(core, protocol, param, message, LBW);
    }
    if (offset + fragment.length > w.expectedLength) fail('CTAP1_ERR_INVALID_PARAMETER');
    w.parts.push(fragment.slice());
    w.expectedNextOffset += fragment.length;
    if (w.expectedNextOffset === w.expectedLength) {
      v.largeBlobWrite = undefined;
      const data = concatBytes(...w.parts);
      const body = data.subarray(0, data.length - 16);
      if (!constantTimeEqual(sha256(body).subarray(0, 16), data.subarray(data.length - 16))) {
        fail('CTAP2_ERR_INTEGRITY_FAILURE');
      }
      s.largeBlobArray = data;
    }
    return undefined;
  },
};
