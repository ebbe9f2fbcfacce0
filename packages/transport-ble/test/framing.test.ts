/**
 * The CTAPBLE codec: vectors whose bytes public sources state (test/vectors/SOURCES.md), the
 * limits of CTAP 2.1 §11.4, and fast-check round trips and mutations.
 */
import { bytesToHex, equalBytes, hexToBytes } from '@fido2kit/cose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CTAPBLE_COMMANDS,
  CtapbleReassembler,
  type CtapbleReassemblyResult,
  ctapbleErrorName,
  decodeControlPointLength,
  decodeFragment,
  decodeServiceRevisions,
  encodeControlPointLength,
  encodeFrame,
  fragmentCount,
  MAX_MESSAGE_LENGTH,
  maxFragmentLength,
} from '../src/index.js';
import table from './vectors/ctapble.json' with { type: 'json' };

function reassemble(fragments: Uint8Array[], maxLen: number): CtapbleReassemblyResult[] {
  const r = new CtapbleReassembler({ maxFragmentLength: maxLen });
  return fragments.map((f) => r.push(f));
}

describe('vectors from public sources', () => {
  for (const v of table.vectors) {
    it(`${v.name} — ${v.source}`, () => {
      const fragments = encodeFrame(v.cmd, hexToBytes(v.data), v.maxLen);
      expect(fragments.map(bytesToHex)).toEqual(v.fragments);
      expect(fragmentCount(v.data.length / 2, v.maxLen)).toBe(v.fragments.length);
      const results = reassemble(v.fragments.map(hexToBytes), v.maxLen);
      const last = results.at(-1);
      expect(results.slice(0, -1).every((r) => r.status === 'partial')).toBe(true);
      expect(last).toMatchObject({ status: 'complete', cmd: v.cmd });
      expect(bytesToHex((last as { data: Uint8Array }).data)).toBe(v.data);
    });
  }

  for (const v of table.hostile) {
    it(`refused: ${v.name} — ${v.source}`, () => {
      const results = reassemble(v.fragments.map(hexToBytes), v.maxLen);
      expect(results.at(-1)).toEqual({ status: 'error', reason: v.reason, errorCode: v.errorCode });
    });
  }
});

describe('CTAP 2.1 §11.4 limits', () => {
  it('maxLen is min(fidoControlPointLength, ATT MTU − 3)', () => {
    expect(maxFragmentLength(512)).toBe(20); // ATT MTU 23, no exchange
    expect(maxFragmentLength(512, 23)).toBe(20);
    expect(maxFragmentLength(20, 517)).toBe(20); // Feitian-style 20-byte control point
    expect(maxFragmentLength(512, 185)).toBe(182);
    expect(maxFragmentLength(180, 185)).toBe(180);
    expect(maxFragmentLength(512, 512)).toBe(509);
    expect(maxFragmentLength(512, 517)).toBe(512);
    for (const [cpl, mtu] of [
      [19, 23],
      [513, 23],
      [512, 22],
      [512, 518],
      [20.5, 23],
      [Number.NaN, 23],
    ] as const) {
      expect(() => maxFragmentLength(cpl, mtu)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
  });

  it('SEQ wraps from 0x7F to 0x00 (Chromium fido_ble_frames.cc masks with 0x7F; webauthn-rs stops at 2449 bytes)', () => {
    const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
    const fragments = encodeFrame(CTAPBLE_COMMANDS.MSG, data, 20);
    expect(fragments.length).toBe(1 + Math.ceil((3000 - 17) / 19));
    expect(fragments[128]![0]).toBe(0x7f); // continuation #127
    expect(fragments[129]![0]).toBe(0x00); // continuation #128 wraps
    expect(fragments[130]![0]).toBe(0x01);
    const last = reassemble(fragments, 20).at(-1);
    expect(last).toMatchObject({ status: 'complete', cmd: 0x83 });
    expect((last as { data: Uint8Array }).data).toEqual(data);
    // 2449 bytes is the most that fits 0x81 fragments of 20 bytes without wrapping (webauthn-rs, fragment_max_mtu_20).
    expect(fragmentCount(2449, 20)).toBe(0x81);
    expect(fragmentCount(2450, 20)).toBe(0x82);
  });

  it('the largest message, 65535 bytes, at the smallest and largest maxLen; 65536 is refused', () => {
    const data = new Uint8Array(MAX_MESSAGE_LENGTH).fill(0xa5);
    for (const maxLen of [20, 512]) {
      const fragments = encodeFrame(CTAPBLE_COMMANDS.MSG, data, maxLen);
      expect(fragments.length).toBe(fragmentCount(MAX_MESSAGE_LENGTH, maxLen));
      expect(bytesToHex(fragments[0]!.subarray(0, 3))).toBe('83ffff');
      expect(equalBytes((reassemble(fragments, maxLen).at(-1) as { data: Uint8Array }).data, data)).toBe(
        true,
      );
    }
    expect(() => encodeFrame(0x83, new Uint8Array(MAX_MESSAGE_LENGTH + 1), 20)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('caller mistakes are ERR_INVALID_ARGUMENT', () => {
    for (const call of [
      () => encodeFrame(0x03, new Uint8Array(1), 20), // a CTAPHID command byte, not a CTAPBLE one
      () => encodeFrame(0x83, [1, 2] as unknown as Uint8Array, 20),
      () => encodeFrame(0x83, new Uint8Array(1), 19),
      () => fragmentCount(-1, 20),
      () => new CtapbleReassembler({ maxFragmentLength: 600 }),
      () => new CtapbleReassembler({ maxMessageLength: 70000 }),
      () => encodeControlPointLength(513),
    ]) {
      expect(call).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', name: 'InvalidArgumentError' }),
      );
    }
  });

  it('a declared length above the configured maximum is refused at the first fragment', () => {
    const r = new CtapbleReassembler({ maxMessageLength: 1024 });
    expect(r.push(hexToBytes('83ffff00'))).toEqual({
      status: 'error',
      reason: 'length-too-large',
      errorCode: 0x03,
    });
    expect(r.busy).toBe(false);
  });

  it('a stray continuation is skipped; a message cut short is reported by end()', () => {
    const r = new CtapbleReassembler({ maxFragmentLength: 20 });
    expect(r.push(hexToBytes('05aabb'))).toEqual({ status: 'skipped', reason: 'unexpected-continuation' });
    expect(r.end()).toBeUndefined();
    expect(r.push(hexToBytes(`830028${'00'.repeat(17)}`))).toMatchObject({
      status: 'partial',
      received: 17,
      length: 40,
    });
    expect(r.end()).toEqual({ status: 'error', reason: 'truncated-message', errorCode: 0x05 });
    expect(r.busy).toBe(false);
  });

  it('hostile values give typed results, never an exception', () => {
    const r = new CtapbleReassembler();
    for (const value of [
      null,
      undefined,
      42,
      'ff',
      new Uint16Array(4),
      new Uint8Array(0),
      new Uint8Array(513),
    ]) {
      const out = r.push(value as unknown as Uint8Array);
      expect(out.status).toBe('error');
    }
    expect(decodeFragment(new Uint8Array(0))).toBeUndefined();
    expect(decodeFragment(hexToBytes('83'))).toBeUndefined();
  });

  it('fidoControlPointLength and fidoServiceRevisionBitfield values', () => {
    expect(decodeControlPointLength(hexToBytes('0014'))).toBe(20);
    expect(decodeControlPointLength(hexToBytes('0200'))).toBe(512);
    expect(decodeControlPointLength(hexToBytes('0013'))).toBeUndefined();
    expect(decodeControlPointLength(hexToBytes('0201'))).toBeUndefined();
    expect(decodeControlPointLength(hexToBytes('14'))).toBeUndefined();
    expect(bytesToHex(encodeControlPointLength(182))).toBe('00b6');
    expect(decodeServiceRevisions(hexToBytes('60'))).toEqual({
      bits: 0x60,
      u2f11: false,
      u2f12: true,
      fido2: true,
    });
    expect(decodeServiceRevisions(hexToBytes('80'))).toEqual({
      bits: 0x80,
      u2f11: true,
      u2f12: false,
      fido2: false,
    });
    expect(decodeServiceRevisions(new Uint8Array(0))).toBeUndefined();
    expect(ctapbleErrorName(0x06)).toBe('ERR_BUSY');
    expect(ctapbleErrorName(0x42)).toBe('ERR_0x42');
  });
});

/** A message on a random link: ATT MTU 23…517 and control point length 20…512 give maxLen. */
const messages = fc
  .record({
    cmd: fc.constantFrom(0x81, 0x82, 0x83, 0xbe, 0xbf),
    // lengths spread evenly over 0…4000, so multi-fragment messages are common at every maxLen
    data: fc.integer({ min: 0, max: 4000 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    mtu: fc.integer({ min: 23, max: 517 }),
    controlPointLength: fc.integer({ min: 20, max: 512 }),
  })
  .map(({ cmd, data, mtu, controlPointLength }) => ({
    cmd,
    data,
    maxLen: maxFragmentLength(controlPointLength, mtu),
  }));

describe('properties', () => {
  it('random messages at random MTUs and control point lengths round-trip, in the fewest fragments, none over maxLen', () => {
    fc.assert(
      fc.property(messages, ({ cmd, data, maxLen }) => {
        const fragments = encodeFrame(cmd, data, maxLen);
        expect(fragments.length).toBe(fragmentCount(data.length, maxLen));
        // The fewest fragments any framing with these headers can use: ⌈(n + 3 + (k − 1)) / maxLen⌉.
        const k = fragments.length;
        expect(k === 1 || data.length + 3 + (k - 2) > (k - 1) * maxLen).toBe(true);
        for (const f of fragments) expect(f.length).toBeLessThanOrEqual(maxLen);
        const results = reassemble(fragments, maxLen);
        expect(results.slice(0, -1).every((r) => r.status === 'partial')).toBe(true);
        expect(results.at(-1)).toEqual({ status: 'complete', cmd, data });
      }),
      { numRuns: 300 },
    );
  });

  it('a lost, repeated, swapped or lengthened fragment is always refused with a typed reason', () => {
    const mutation = fc.constantFrom('drop', 'duplicate', 'swap', 'append');
    fc.assert(
      fc.property(messages, mutation, fc.nat(), ({ cmd, data, maxLen }, kind, at) => {
        const fragments = encodeFrame(cmd, data, maxLen).map((f) => f.slice());
        if ((kind === 'drop' || kind === 'duplicate' || kind === 'swap') && fragments.length < 2) return;
        if (kind === 'swap' && fragments.length < 3) return;
        const i = at % fragments.length;
        let mutated: Uint8Array[];
        if (kind === 'drop') mutated = fragments.filter((_, j) => j !== i);
        else if (kind === 'duplicate') mutated = fragments.flatMap((f, j) => (j === i ? [f, f] : [f]));
        else if (kind === 'swap') {
          const j = 1 + (at % (fragments.length - 2)); // two continuations, j and j + 1
          mutated = [...fragments];
          [mutated[j], mutated[j + 1]] = [mutated[j + 1]!, mutated[j]!];
        } else mutated = fragments.map((f, j) => (j === i ? Uint8Array.of(...f, 0x00) : f));
        const r = new CtapbleReassembler({ maxFragmentLength: maxLen });
        const results = mutated.map((f) => r.push(f));
        const end = r.end();
        const all = end === undefined ? results : [...results, end];
        const errors = all.filter((x) => x.status === 'error');
        expect(all.some((x) => x.status === 'complete' && bytesToHex(x.data) !== bytesToHex(data))).toBe(
          false,
        );
        if (kind === 'duplicate' && i === fragments.length - 1) {
          // The message completes; the repeated last fragment is a leftover continuation, skipped.
          expect(all.map((x) => x.status).slice(-2)).toEqual(['complete', 'skipped']);
          return;
        }
        if (kind === 'drop' && i === 0) {
          // Without its start, the rest is leftover continuations: skipped, nothing completes.
          expect(all.every((x) => x.status === 'skipped')).toBe(true);
          return;
        }
        expect(errors.length).toBeGreaterThan(0);
        // Each mutation is caught by the rule it breaks, at the first place it can be seen.
        const reason = (errors[0] as { reason: string }).reason;
        const last = i === fragments.length - 1;
        const expected =
          kind === 'append'
            ? ['fragment-too-long', 'overrun']
            : kind === 'drop'
              ? [last ? 'truncated-message' : 'wrong-sequence']
              : kind === 'duplicate'
                ? [i === 0 ? 'unexpected-init' : 'wrong-sequence']
                : ['wrong-sequence'];
        expect(expected).toContain(reason);
      }),
      { numRuns: 400 },
    );
  });

  it('random byte strings give typed results only', () => {
    const r = new CtapbleReassembler({ maxFragmentLength: 64, maxMessageLength: 2048 });
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 40 }), (values) => {
        for (const v of values) {
          const out = r.push(v);
          expect(['complete', 'partial', 'skipped', 'error']).toContain(out.status);
          if (out.status === 'error') expect([0x03, 0x04]).toContain(out.errorCode);
        }
      }),
      { numRuns: 300 },
    );
  });
});
