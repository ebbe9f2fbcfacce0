/** The key-management suite's LargeBlobs (0x0C) tests. */
import { type CborValue, sha256, utf8Decode, utf8Encode } from '@fido2kit/cose';
import { CTAP2_COMMANDS, EMPTY_LARGE_BLOB_ARRAY, LargeBlobs, serializeLargeBlobArray } from '@fido2kit/ctap2';
import { describe, expect, it } from 'vitest';
import { hash, PIN, rejectsWith } from './harness.js';
import type { ManagementSuiteContext } from './management-context.js';

/** `n` deterministic, incompressible bytes (a SHA-256 chain). */
function sha256Stream(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let block = sha256(utf8Encode('seed'));
  for (let i = 0; i < n; i += 32) {
    out.set(block.subarray(0, Math.min(32, n - i)), i);
    block = sha256(block);
  }
  return out;
}

/** The key-management suite's LargeBlobs (0x0C) tests. */
export function defineLargeBlobTests({ key, token, makeRk }: ManagementSuiteContext): void {
  describe('LargeBlobs (0x0C)', () => {
    it('a fresh key holds the initial empty array', async () => {
      const { ctap } = await key();
      expect(ctap.info.options.largeBlobs).toBe(true);
      expect(ctap.info.maxSerializedLargeBlobArray).toBe(4096);
      const blobs = await LargeBlobs.open(ctap);
      expect(await blobs.readSerialized()).toEqual(EMPTY_LARGE_BLOB_ARRAY);
      expect(await blobs.readBlobArray()).toEqual([]);
    });

    it('per-credential blobs over several fragments, kept apart by largeBlobKey', async () => {
      const { ctap } = await key({ pin: PIN, maxSerializedLargeBlobArray: 16_384 });
      const a = await makeRk(ctap, 'a.example', 'alice', { extensions: { largeBlobKey: true } });
      const b = await makeRk(ctap, 'a.example', 'bob', { extensions: { largeBlobKey: true } });
      const blobs = await LargeBlobs.open(ctap, { pin: PIN });
      // incompressible data, so the array spans several fragments of maxMsgSize − 64
      const big = sha256Stream(5000);
      await blobs.putBlob(a.made.largeBlobKey!, big);
      await blobs.putBlob(b.made.largeBlobKey!, utf8Encode('hello bob'));
      expect((await blobs.readSerialized()).length).toBeGreaterThan(2 * blobs.maxFragmentLength);
      expect(await blobs.getBlob(a.made.largeBlobKey!)).toEqual(big);
      expect(utf8Decode((await blobs.getBlob(b.made.largeBlobKey!))!)).toBe('hello bob');
      // the key the assertion gives opens it too
      const t = await token(ctap, ['ga'], 'a.example');
      const cdh = hash('get');
      const got = await ctap.getAssertion({
        rpId: 'a.example',
        clientDataHash: cdh,
        allowList: [{ type: 'public-key', id: b.id }],
        extensions: { largeBlobKey: true },
        pinUvAuthParam: t.protocol.authenticate(t.token, cdh),
        pinUvAuthProtocol: t.protocol.version,
      });
      expect(got.largeBlobKey).toEqual(b.made.largeBlobKey);
      // the ga token replaced the lbw one (a key holds one token): the old one is refused
      await rejectsWith(blobs.deleteBlob(b.made.largeBlobKey!), 'CTAP2_ERR_PIN_AUTH_INVALID');
      expect(utf8Decode((await blobs.getBlob(b.made.largeBlobKey!))!)).toBe('hello bob');
      const again = await LargeBlobs.open(ctap, { pin: PIN });
      expect(await again.deleteBlob(b.made.largeBlobKey!)).toBe(true);
      expect(await again.getBlob(b.made.largeBlobKey!)).toBeUndefined();
      expect(await again.getBlob(a.made.largeBlobKey!)).toEqual(big);
    });

    it('a corrupt array write is detected and never half-written', async () => {
      const { ctap } = await key({ maxSerializedLargeBlobArray: 8192 });
      const blobs = await LargeBlobs.open(ctap);
      const key32 = hash('some largeBlobKey');
      await blobs.putBlob(key32, utf8Encode('precious'));
      const before = await blobs.readSerialized();
      const good = serializeLargeBlobArray([1, 2, 3, sha256Stream(2000)]);
      const corrupt = good.slice();
      corrupt[corrupt.length - 1]! ^= 0x01;
      await rejectsWith(blobs.writeSerialized(corrupt), 'CTAP2_ERR_INTEGRITY_FAILURE');
      expect(await blobs.readSerialized()).toEqual(before);
      // an interrupted write (first fragment only) changes nothing either
      const controller = new AbortController();
      const send = ctap.send.bind(ctap);
      let fragments = 0;
      (ctap as unknown as { send: typeof ctap.send }).send = async (...args) => {
        const r = await send(...args);
        if (args[0] === CTAP2_COMMANDS.largeBlobs && ++fragments === 1) controller.abort();
        return r;
      };
      await rejectsWith(blobs.writeSerialized(good, { signal: controller.signal }), 'ERR_ABORTED');
      (ctap as unknown as { send: typeof ctap.send }).send = send;
      expect(await blobs.readSerialized()).toEqual(before);
      expect(utf8Decode((await blobs.getBlob(key32))!)).toBe('precious');
      // a complete, correct write replaces it
      await blobs.writeSerialized(good);
      expect(await blobs.readBlobArray()).toEqual([1, 2, 3, sha256Stream(2000)]);
    });

    it('protocol errors: storage full, sequence, get and set together, fragment too large', async () => {
      const { ctap } = await key({ maxSerializedLargeBlobArray: 1024 });
      const lb = (m: [number, CborValue][]) => ctap.send(CTAP2_COMMANDS.largeBlobs, new Map(m));
      await rejectsWith(
        lb([
          [2, new Uint8Array(10)],
          [3, 0],
          [4, 2000],
        ]),
        'CTAP2_ERR_LARGE_BLOB_STORAGE_FULL',
      );
      await rejectsWith(
        lb([
          [2, new Uint8Array(10)],
          [3, 10],
        ]),
        'CTAP1_ERR_INVALID_SEQ',
      );
      await rejectsWith(
        lb([
          [1, 10],
          [2, new Uint8Array(1)],
          [3, 0],
        ]),
        'CTAP1_ERR_INVALID_PARAMETER',
      );
      await rejectsWith(
        lb([
          [1, ctap.info.maxMsgSize],
          [3, 0],
        ]),
        'CTAP1_ERR_INVALID_LENGTH',
      );
      await rejectsWith(
        lb([
          [2, new Uint8Array(10)],
          [3, 0],
          [4, 16],
        ]),
        'CTAP1_ERR_INVALID_PARAMETER',
      );
    });

    it('a PIN-protected key needs a token with lbw to write; reading needs none', async () => {
      const { ctap } = await key({ pin: PIN });
      await rejectsWith(new LargeBlobs(ctap).writeBlobArray([utf8Encode('x')]), 'CTAP2_ERR_PUAT_REQUIRED');
      const t = await token(ctap, ['mc']);
      await rejectsWith(
        new LargeBlobs(ctap, t.protocol, t.token).writeBlobArray([utf8Encode('x')]),
        'CTAP2_ERR_PIN_AUTH_INVALID',
      );
      const blobs = await LargeBlobs.open(ctap, { pin: PIN });
      await blobs.writeBlobArray([utf8Encode('x')]);
      expect(await new LargeBlobs(ctap).readBlobArray()).toEqual([utf8Encode('x')]);
    });

    it('authenticatorReset restores the initial array', async () => {
      const { ctap } = await key();
      const blobs = await LargeBlobs.open(ctap);
      await blobs.writeBlobArray([7]);
      await ctap.reset();
      expect(await blobs.readSerialized()).toEqual(EMPTY_LARGE_BLOB_ARRAY);
    });
  });
}
