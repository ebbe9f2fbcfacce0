import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BROADCAST_CID,
  CONT_DATA_SIZE,
  CTAPHID_CAPABILITIES,
  CTAPHID_COMMAND_NAMES,
  CTAPHID_COMMANDS,
  CTAPHID_ERROR_NAMES,
  CTAPHID_ERRORS,
  CtaphidReassembler,
  ctaphidErrorName,
  decodeInitResponse,
  decodePacket,
  encodeInitResponse,
  encodeMessage,
  HID_REPORT_SIZE,
  INIT_DATA_SIZE,
  MAX_PAYLOAD,
  reportCount,
} from '../src/ctaphid.js';
import { parseFidoReportDescriptor } from '../src/report-descriptor.js';
import { fromHex, hex } from './helpers/fake-device.js';
import libfido2 from './vectors/libfido2-wiredata.json' with { type: 'json' };
import pythonFido2 from './vectors/python-fido2.json' with { type: 'json' };

const CID = 0x00220002;

function reassemble(reports: Uint8Array[], cid?: number) {
  const r = new CtaphidReassembler(cid === undefined ? {} : { cid });
  return reports.map((report) => r.push(report));
}

describe('constants (CTAP 2.1 §11.2)', () => {
  it('has the framing sizes and the commands, errors and capabilities with their names', () => {
    expect([HID_REPORT_SIZE, INIT_DATA_SIZE, CONT_DATA_SIZE, MAX_PAYLOAD]).toEqual([64, 57, 59, 7609]);
    expect(CTAPHID_COMMANDS).toEqual({
      PING: 0x01,
      MSG: 0x03,
      LOCK: 0x04,
      INIT: 0x06,
      WINK: 0x08,
      CBOR: 0x10,
      CANCEL: 0x11,
      KEEPALIVE: 0x3b,
      ERROR: 0x3f,
    });
    expect(CTAPHID_COMMAND_NAMES[0x3b]).toBe('KEEPALIVE');
    expect(CTAPHID_ERROR_NAMES[0x06]).toBe('ERR_CHANNEL_BUSY');
    expect(CTAPHID_ERRORS.ERR_INVALID_CHANNEL).toBe(0x0b);
    expect(ctaphidErrorName(0x7f)).toBe('ERR_OTHER');
    expect(ctaphidErrorName(0x42)).toBe('ERR_0x42');
    expect(CTAPHID_CAPABILITIES).toEqual({ WINK: 1, CBOR: 4, NMSG: 8 });
  });
});

describe('encodeMessage', () => {
  it('frames an init packet and continuation packets with sequence 0, 1, …', () => {
    const payload = Uint8Array.from({ length: 200 }, (_, i) => i);
    const reports = encodeMessage(CID, CTAPHID_COMMANDS.CBOR, payload);
    expect(reports).toHaveLength(4);
    expect(hex(reports[0]!.subarray(0, 9))).toBe('002200029000c80001');
    expect(hex(reports[1]!.subarray(0, 6))).toBe('002200020039');
    expect(reports[3]![4]).toBe(2);
    // 200 = 57 + 59 + 59 + 25: the last report is zero-padded.
    expect(reports[3]![5 + 24]).toBe(199);
    expect(reports[3]!.subarray(5 + 25).every((b) => b === 0)).toBe(true);
  });

  it('uses the minimum number of reports for every size up to 7609', () => {
    for (let n = 0; n <= MAX_PAYLOAD; n++) {
      const minimum = n <= 57 ? 1 : 1 + Math.ceil((n - 57) / 59);
      expect(reportCount(n)).toBe(minimum);
    }
    expect(encodeMessage(CID, 1, new Uint8Array(MAX_PAYLOAD))).toHaveLength(129);
    expect(encodeMessage(CID, 1, new Uint8Array(0))).toHaveLength(1);
  });

  it('refuses wrong arguments with errors that name them', () => {
    expect(() => encodeMessage(CID, 1, new Uint8Array(MAX_PAYLOAD + 1))).toThrow(
      '"payload" expected at most 7609 bytes, got length=7610',
    );
    expect(() => encodeMessage(-1, 1, new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => encodeMessage(CID, 0x80, new Uint8Array(0))).toThrow('"cmd" expected an integer in 0..127');
    expect(() => encodeMessage(CID, 1, [1, 2] as unknown as Uint8Array)).toThrow(
      '"payload" expected Uint8Array, got Array',
    );
  });
});

describe('CtaphidReassembler', () => {
  it('skips frames of other channels, as libfido2 does', () => {
    const mine = encodeMessage(CID, CTAPHID_COMMANDS.CBOR, new Uint8Array(100).fill(7));
    const other = encodeMessage(0x1234, CTAPHID_COMMANDS.CBOR, new Uint8Array(100).fill(9));
    const results = reassemble([mine[0]!, other[0]!, other[1]!, mine[1]!], CID);
    expect(results.map((r) => r.status)).toEqual(['partial', 'skipped', 'skipped', 'complete']);
    const last = results[3]!;
    expect(last.status === 'complete' && last.payload.every((b) => b === 7)).toBe(true);
  });

  it('rejects a wrong sequence number', () => {
    const reports = encodeMessage(CID, CTAPHID_COMMANDS.CBOR, new Uint8Array(200));
    const r = reassemble([reports[0]!, reports[2]!], CID)[1]!;
    expect(r).toMatchObject({
      status: 'error',
      reason: 'wrong-sequence',
      errorCode: CTAPHID_ERRORS.ERR_INVALID_SEQ,
    });
  });

  it('rejects an initialization packet in the middle of a message', () => {
    const a = encodeMessage(CID, CTAPHID_COMMANDS.CBOR, new Uint8Array(200));
    const b = encodeMessage(CID, CTAPHID_COMMANDS.PING, new Uint8Array(1));
    const r = reassemble([a[0]!, b[0]!], CID)[1]!;
    expect(r).toMatchObject({ status: 'error', reason: 'unexpected-init', cid: CID });
  });

  it('rejects an over-long length, and a custom maximum', () => {
    const report = new Uint8Array(64);
    report.set([0, 0x22, 0, 2, 0x90, 0x1d, 0xba]); // BCNT 7610
    expect(reassemble([report], CID)[0]).toMatchObject({
      status: 'error',
      reason: 'length-too-large',
      errorCode: CTAPHID_ERRORS.ERR_INVALID_LEN,
    });
    const small = new CtaphidReassembler({ cid: CID, maxPayload: 100 });
    expect(small.push(encodeMessage(CID, 0x10, new Uint8Array(101))[0]!)).toMatchObject({ status: 'error' });
    expect(() => new CtaphidReassembler({ maxPayload: 7610 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('refuses reports that are not 64 bytes and skips stray continuation packets', () => {
    expect(reassemble([new Uint8Array(63)], CID)[0]).toMatchObject({
      status: 'error',
      reason: 'bad-report-length',
    });
    const cont = encodeMessage(CID, 0x10, new Uint8Array(100))[1]!;
    expect(reassemble([cont], CID)[0]).toMatchObject({
      status: 'skipped',
      reason: 'unexpected-continuation',
    });
  });

  it('on the device side follows the channel of the first init packet', () => {
    const r = new CtaphidReassembler();
    const a = encodeMessage(5, 0x10, new Uint8Array(100));
    const b = encodeMessage(6, 0x10, new Uint8Array(10));
    expect(r.push(a[0]!)).toMatchObject({ status: 'partial', cid: 5 });
    expect(r.push(b[0]!)).toMatchObject({ status: 'skipped', reason: 'other-channel' });
    expect(r.push(a[1]!)).toMatchObject({ status: 'complete', cid: 5 });
    expect(r.cid).toBeUndefined();
    expect(r.push(b[0]!)).toMatchObject({ status: 'complete', cid: 6 });
  });
});

describe('INIT response', () => {
  it('round-trips', () => {
    const response = {
      nonce: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      cid: CID,
      protocolVersion: 2,
      deviceVersion: { major: 5, minor: 2, build: 1 },
      capabilities: 5,
    };
    expect(decodeInitResponse(encodeInitResponse(response))).toEqual(response);
    expect(decodeInitResponse(new Uint8Array(16))).toBeUndefined();
  });
});

describe('vectors: libfido2 fuzz/wiredata_fido2.h (recorded device reports)', () => {
  for (const v of libfido2.vectors) {
    it(`${v.name} — ${v.description}`, () => {
      const cid = Number.parseInt(v.channel, 16);
      let reports = v.reports.map(fromHex);
      if ('rewriteChannel' in v && v.rewriteChannel) {
        // What libfido2's FIDO_FUZZ build does to every frame it reads.
        reports = reports.map((r) => {
          const copy = r.slice();
          copy.set(fromHex(v.channel), 0);
          return copy;
        });
      }
      const results = reassemble(reports, cid);
      if ('incomplete' in v.expect) {
        expect(results.filter((r) => r.status === 'complete')).toHaveLength(0);
        expect(results.filter((r) => r.status === 'skipped')).toHaveLength(v.expect.skipped ?? -1);
        return;
      }
      const complete = results.filter((r) => r.status === 'complete');
      expect(results.filter((r) => r.status === 'error')).toHaveLength(0);
      expect(
        complete.map((m) => ({
          channel: m.cid.toString(16).padStart(8, '0'),
          cmd: CTAPHID_COMMAND_NAMES[m.cmd],
          bcnt: m.payload.length,
          payload: hex(m.payload),
        })),
      ).toEqual(v.expect.messages);
      // And our encoder produces the very same reports from the messages.
      if (v.label === 'valid' && !('rewriteChannel' in v)) {
        const encoded = complete.flatMap((m) => encodeMessage(m.cid, m.cmd, m.payload)).map(hex);
        expect(encoded).toEqual(v.reports);
      }
    });
  }

  it('libfido2 WIREDATA_CTAP_INIT decodes to the allocated channel and capabilities', () => {
    const init = libfido2.vectors[0]!;
    const [r] = reassemble([fromHex(init.reports[0]!)], BROADCAST_CID);
    expect(r?.status).toBe('complete');
    const response = decodeInitResponse(r?.status === 'complete' ? r.payload : new Uint8Array(0));
    expect(response).toEqual({
      nonce: fromHex('80435640b14ed92d'),
      cid: 0x00220002,
      protocolVersion: 2,
      deviceVersion: { major: 5, minor: 2, build: 1 },
      capabilities: CTAPHID_CAPABILITIES.WINK | CTAPHID_CAPABILITIES.CBOR,
    });
  });
});

describe('vectors: python-fido2', () => {
  for (const v of pythonFido2.pings) {
    it(`${v.name} frames as CTAP 2.1 §11.2.4 says`, () => {
      const reports = encodeMessage(
        Number.parseInt(v.channel, 16),
        CTAPHID_COMMANDS.PING,
        fromHex(v.payload),
      );
      expect(reports.map(hex)).toEqual(v.reports);
      const [r] = reassemble(reports, Number.parseInt(v.channel, 16));
      expect(r).toMatchObject({ status: 'complete', cmd: CTAPHID_COMMANDS.PING });
    });
  }

  for (const v of pythonFido2.reportDescriptors) {
    it(v.name, () => {
      const descriptor = fromHex(v.descriptor);
      if ('error' in v.expect) {
        expect(() => parseFidoReportDescriptor(descriptor)).toThrow(
          expect.objectContaining({ code: v.expect.error }),
        );
      } else {
        expect(parseFidoReportDescriptor(descriptor)).toEqual(v.expect);
      }
    });
  }

  it('a truncated descriptor is a typed error', () => {
    expect(() => parseFidoReportDescriptor(fromHex('06d0'))).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_RESPONSE',
        message: 'the HID report descriptor is truncated',
      }),
    );
  });
});

describe('decodePacket', () => {
  it('reads init and continuation headers', () => {
    const [init, cont] = encodeMessage(0xdeadbeef, CTAPHID_COMMANDS.MSG, new Uint8Array(60));
    expect(decodePacket(init!)).toMatchObject({ type: 'init', cid: 0xdeadbeef, cmd: 3, bcnt: 60 });
    expect(decodePacket(cont!)).toMatchObject({ type: 'cont', cid: 0xdeadbeef, seq: 0 });
    expect(decodePacket(new Uint8Array(65))).toBeUndefined();
  });
});

describe('properties (fast-check)', () => {
  const cidArb = fc.integer({ min: 1, max: 0xfffffffe });
  const payloadArb = fc.uint8Array({ minLength: 0, maxLength: MAX_PAYLOAD });

  it('encode then reassemble returns the message, in the minimum number of reports', () => {
    fc.assert(
      fc.property(cidArb, fc.integer({ min: 0, max: 0x7f }), payloadArb, (cid, cmd, payload) => {
        const reports = encodeMessage(cid, cmd, payload);
        expect(reports.length).toBe(reportCount(payload.length));
        const results = reassemble(reports, cid);
        const last = results.at(-1)!;
        expect(results.slice(0, -1).every((r) => r.status === 'partial')).toBe(true);
        expect(last).toMatchObject({ status: 'complete', cid, cmd });
        expect(last.status === 'complete' && hex(last.payload) === hex(payload)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('interleaved frames of other channels change nothing', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.tuple(fc.nat(), cidArb, fc.uint8Array({ minLength: 64, maxLength: 64 })), {
          maxLength: 20,
        }),
        (payload, noise) => {
          const stream = encodeMessage(CID, 0x10, payload);
          for (const [at, cid, report] of noise) {
            if (cid === CID) continue;
            const r = report.slice();
            r.set([cid >>> 24, (cid >>> 16) & 0xff, (cid >>> 8) & 0xff, cid & 0xff]);
            stream.splice(at % (stream.length + 1), 0, r);
          }
          const complete = reassemble(stream, CID).filter((r) => r.status === 'complete');
          expect(complete).toHaveLength(1);
          expect(complete[0]!.status === 'complete' && hex(complete[0]!.payload) === hex(payload)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('random report streams give results, never exceptions, and never more than 7609 bytes', () => {
    const reportArb = fc.oneof(
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      fc.uint8Array({ maxLength: 70 }),
      // Mostly our channel, so sequences and lengths get exercised.
      fc
        .tuple(
          fc.boolean(),
          fc.integer({ min: 0, max: 255 }),
          fc.uint8Array({ minLength: 59, maxLength: 59 }),
        )
        .map(([init, b, rest]) => Uint8Array.of(0, 0x22, 0, 2, init ? b | 0x80 : b & 0x7f, ...rest)),
    );
    fc.assert(
      fc.property(fc.array(reportArb, { maxLength: 200 }), fc.boolean(), (reports, fixed) => {
        const r = new CtaphidReassembler(fixed ? { cid: CID } : {});
        for (const report of reports) {
          const out = r.push(report);
          expect(['complete', 'partial', 'skipped', 'error']).toContain(out.status);
          if (out.status === 'complete') expect(out.payload.length).toBeLessThanOrEqual(MAX_PAYLOAD);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a dropped, duplicated or swapped report never yields a wrong message', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 58, maxLength: 1500 }),
        fc.constantFrom('drop', 'duplicate', 'swap'),
        fc.nat(),
        (payload, mutation, at) => {
          const stream = encodeMessage(CID, 0x10, payload);
          const i = at % stream.length;
          if (mutation === 'drop') stream.splice(i, 1);
          else if (mutation === 'duplicate') stream.splice(i, 0, stream[i]!);
          else if (i + 1 < stream.length) [stream[i], stream[i + 1]] = [stream[i + 1]!, stream[i]!];
          for (const r of reassemble(stream, CID)) {
            if (r.status === 'complete') expect(hex(r.payload)).toBe(hex(payload));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
