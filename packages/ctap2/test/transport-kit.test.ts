import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  abortableSleep,
  CallQueue,
  Ctap2ClientError,
  checkBytesArgument,
  errorCodeName,
  invertCodes,
  keepaliveStatus,
  type QueuedFault,
  reportKeepalive,
  resolveRetryOptions,
  sendWithRetries,
  TransportError,
  takeFault,
} from '../src/index.js';

// CTAPHID error bytes (CTAP 2.1 §11.2.9.1.6): 0x06 ERR_CHANNEL_BUSY, 0x04 ERR_INVALID_SEQ,
// 0x05 ERR_MSG_TIMEOUT, 0x7f ERR_OTHER.
const BUSY = 0x06;
const OPTIONS = { busyRetries: 2, busyBackoffMs: 1, resendRetries: 1 };

function plan(answers: Array<number | 'ok'>, slept: number[] = []) {
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    run: () =>
      sendWithRetries({
        send: async () => {
          const a = answers[sent++] ?? 'ok';
          return a === 'ok' ? { kind: 'response', value: sent } : { kind: 'error', code: a };
        },
        busyCode: BUSY,
        resendCodes: [0x04, 0x05],
        options: OPTIONS,
        sleep: async (ms) => {
          slept.push(ms);
        },
        fail: (code) => new TransportError('ERR_TRANSPORT', 'device-error', `code ${code}`),
      }),
  };
}

describe('sendWithRetries (CTAP 2.1 §11.2.9.1.6 / §11.4 busy and resend rules)', () => {
  it('retries busy with doubling backoff, resends a broken request, then answers', async () => {
    const slept: number[] = [];
    const p = plan([BUSY, BUSY, 0x04, 'ok'], slept);
    await expect(p.run()).resolves.toBe(4);
    expect(slept).toEqual([1, 2]);
  });

  it('gives up after busyRetries and resendRetries with the transport error', async () => {
    await expect(plan([BUSY, BUSY, BUSY]).run()).rejects.toMatchObject({ code: 'ERR_TRANSPORT' });
    await expect(plan([0x05, 0x04]).run()).rejects.toMatchObject({ message: 'code 4' });
    await expect(plan([0x7f]).run()).rejects.toMatchObject({ reason: 'device-error' });
  });
});

describe('CallQueue', () => {
  it('runs calls one at a time in order, and a failure does not stop the next', async () => {
    const order: string[] = [];
    const q = new CallQueue(() => {});
    const a = q.run(undefined, async () => {
      order.push('a-start');
      await new Promise((r) => setTimeout(r, 5));
      order.push('a-end');
      throw new Error('a failed');
    });
    const b = q.run(undefined, async () => {
      order.push('b');
      return 'b';
    });
    await expect(a).rejects.toThrow('a failed');
    await expect(b).resolves.toBe('b');
    await q.idle();
    expect(order).toEqual(['a-start', 'a-end', 'b']);
  });

  it('rejects a call when `before` throws, without running it', async () => {
    const q = new CallQueue((signal) => {
      if (signal?.aborted) throw new TransportError('ERR_ABORTED', 'aborted', 'aborted');
    });
    let ran = false;
    const call = q.run(AbortSignal.abort(), async () => {
      ran = true;
    });
    await expect(call).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(ran).toBe(false);
  });
});

describe('abortableSleep', () => {
  const aborted = () => new TransportError('ERR_ABORTED', 'aborted', 'aborted');
  it('rejects with the transport error on an aborted or aborting signal', async () => {
    await expect(abortableSleep(10_000, AbortSignal.abort(), aborted)).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
    const c = new AbortController();
    const p = abortableSleep(10_000, c.signal, aborted);
    c.abort();
    await expect(p).rejects.toBeInstanceOf(Ctap2ClientError);
  });
  it('resolves after the wait', async () => {
    await expect(abortableSleep(1, undefined, aborted)).resolves.toBeUndefined();
  });
});

describe('option checks', () => {
  it('fills the defaults and refuses bad values with ERR_INVALID_ARGUMENT', () => {
    expect(resolveRetryOptions({})).toMatchObject({
      timeoutMs: 5000,
      maxDurationMs: 120_000,
      cancelTimeoutMs: 1000,
      busyRetries: 8,
      busyBackoffMs: 20,
      resendRetries: 2,
    });
    expect(() => resolveRetryOptions({ timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => resolveRetryOptions({ busyRetries: 1.5 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => checkBytesArgument('ab', 'request')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('keepalive and code names', () => {
  it('decodes the KEEPALIVE status bytes (CTAP 2.1 §11.2.9.2.1) and reports a throwing callback', () => {
    expect([0, 1, 2, 3].map(keepaliveStatus)).toEqual([
      undefined,
      'processing',
      'user-presence-needed',
      undefined,
    ]);
    const boom = new Error('boom');
    expect(
      reportKeepalive(2, () => {
        throw boom;
      }),
    ).toEqual({ error: boom });
    expect(reportKeepalive(9, () => {})).toBeUndefined();
  });

  it('names codes and falls back to ERR_0x..', () => {
    const names = invertCodes({ ERR_CHANNEL_BUSY: 0x06 });
    expect(errorCodeName(names, 6)).toBe('ERR_CHANNEL_BUSY');
    expect(errorCodeName(names, 0x42)).toBe('ERR_0x42');
  });
});

describe('takeFault', () => {
  it('lets `after` frames through, then hits one frame once, per direction', () => {
    fc.assert(
      fc.property(fc.nat(5), fc.constantFrom('to-host', 'to-device'), (after, direction) => {
        const faults: QueuedFault<string, string>[] = [{ direction, after, kind: 'drop' }];
        for (let i = 0; i < after; i++) expect(takeFault(faults, direction)).toBeUndefined();
        expect(takeFault(faults, direction === 'to-host' ? 'to-device' : 'to-host')).toBeUndefined();
        expect(takeFault(faults, direction)).toBe('drop');
        expect(faults).toEqual([]);
        expect(takeFault(faults, direction)).toBeUndefined();
      }),
    );
  });
});
