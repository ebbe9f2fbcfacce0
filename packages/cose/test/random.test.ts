import { describe, expect, it, vi } from 'vitest';
import { randomBytes } from '../src/index.js';
import { thrown } from './helpers.js';

describe('randomBytes', () => {
  it('returns the length asked for, fresh arrays that do not share memory', () => {
    for (const n of [0, 1, 12, 32, 48, 64, 65, 1000, 70_000]) {
      const a = randomBytes(n);
      expect(a).toBeInstanceOf(Uint8Array);
      expect(a.length).toBe(n);
    }
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(a.buffer).not.toBe(b.buffer);
    a.fill(0);
    expect(b.some((x) => x !== 0)).toBe(true);
  });
  it('draws small requests from one pool refill, large ones directly (chunks of 65,536)', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    try {
      randomBytes(600); // past the pooled size: one call of its own
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockClear();
      for (let i = 0; i < 40; i++) randomBytes(12); // 480 bytes: at most two pool refills
      expect(spy.mock.calls.length).toBeLessThanOrEqual(2);
      spy.mockClear();
      randomBytes(150_000);
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });
  it('never hands out the same bytes twice (no pool slot reused before a refill)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const hex = Buffer.from(randomBytes(16)).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });
  it('is roughly uniform (every byte value turns up; mean near 127.5)', () => {
    const counts = new Array(256).fill(0);
    let sum = 0;
    for (let i = 0; i < 2000; i++) {
      for (const b of randomBytes(32)) {
        counts[b]++;
        sum += b;
      }
    }
    expect(counts.every((c) => c > 0)).toBe(true);
    expect(Math.abs(sum / 64_000 - 127.5)).toBeLessThan(3);
  });
  it('refuses a bad length with ERR_INVALID_ARGUMENT', () => {
    for (const bad of [-1, 1.5, Number.NaN, '12', 2 ** 60]) {
      expect(thrown(() => randomBytes(bad as number))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
  });
  it('reports a runtime without getRandomValues as ERR_BACKEND_UNAVAILABLE', () => {
    const original = globalThis.crypto;
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
    try {
      expect(thrown(() => randomBytes(8))).toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' });
    } finally {
      Object.defineProperty(globalThis, 'crypto', { value: original, configurable: true });
    }
  });
});
