/**
 * authenticatorLargeBlobs (0x0C), CTAP 2.1 §6.10: the serialized large-blob array, read in
 * fragments and written in fragments that are buffered and committed only when the last one
 * arrives and the array's SHA-256 check matches. A corrupt or interrupted write leaves the stored
 * array as it was.
 */
import { type CborValue, concatBytes, constantTimeEqual, sha256 } from '@fido2kit/cose';
import { opt, req } from '../_params.js';
import { fail } from '../errors.js';
import {
  checkManagementToken,
  initialLargeBlobArray,
  managementConfig,
  managementVolatile,
} from '../management.js';
import type { Command } from './types.js';

const LBW = 0x10;
const FF32 = new Uint8Array(32).fill(0xff);

export const largeBlobs: Command = {
  code: 0x0c,
  name: 'authenticatorLargeBlobs',
  async handle(core, p) {
    const m = managementConfig(core.config);
    if (m.maxSerializedLargeBlobArray === 0 || m.u2f === 'u2f-only') fail('CTAP1_ERR_INVALID_COMMAND');
    if (p === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    const get = opt.uint(p, 0x01);
    const set = opt.bytes(p, 0x02);
    const offset = req.uint(p, 0x03);
    const length = opt.uint(p, 0x04);
    const param = opt.bytes(p, 0x05);
    const protocol = opt.uint(p, 0x06);
    if ((get === undefined) === (set === undefined)) fail('CTAP1_ERR_INVALID_PARAMETER');
    const maxFragment = core.config.maxMsgSize - 64;
    const s = core.state;
    const stored = s.largeBlobArray ?? initialLargeBlobArray();
    if (get !== undefined) {
      if (length !== undefined) fail('CTAP1_ERR_INVALID_PARAMETER');
      if (get > maxFragment) fail('CTAP1_ERR_INVALID_LENGTH');
      if (offset > stored.length) fail('CTAP1_ERR_INVALID_PARAMETER');
      return new Map<number, CborValue>([[0x01, stored.slice(offset, offset + get)]]);
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
