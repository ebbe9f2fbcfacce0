/**
 * What the conformance suites share: the device a transport hands them, the bookkeeping that
 * closes every device after each test, and the small assertions every suite uses.
 */
import { sha256, utf8Encode } from '@fido2kit/cose';
import type { CtapDevice, MakeCredentialParams } from '@fido2kit/ctap2';
import type { VirtualAuthenticator, VirtualAuthenticatorOptions } from '@fido2kit/virtual-authenticator';
import { afterEach, expect } from 'vitest';

/** What a transport's test gives the suite for one authenticator. */
export interface SuiteDevice {
  /** The device the client talks to (in memory, over CTAPHID, over PC/SC, …). */
  device: CtapDevice;
  /** The virtual authenticator behind `device`. */
  authenticator: VirtualAuthenticator;
  /** Closes the device and whatever the transport opened for it. */
  close(): Promise<void>;
}

/** Builds a device around a new VirtualAuthenticator with these options. */
export type MakeSuiteDevice = (authenticatorOptions: VirtualAuthenticatorOptions) => Promise<SuiteDevice>;

/** The PIN the suites set on their keys. */
export const PIN = '1234';
/** The relying party the suites register with. */
export const RP = { id: 'example.com', name: 'Example' };

/** SHA-256 of a string's UTF-8 bytes (client data hashes, RP ID hashes). */
export const hash = (s: string): Uint8Array => sha256(utf8Encode(s));

/** makeCredential parameters for alice at {@link RP}, ES256, with `overrides` on top. */
export function mcParams(overrides: Partial<MakeCredentialParams> = {}): MakeCredentialParams {
  return {
    clientDataHash: hash('make'),
    rp: RP,
    user: { id: utf8Encode('alice-id'), name: 'alice', displayName: 'Alice' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    ...overrides,
  };
}

/** The `code` of an error, if it has one. */
export function code(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

/** What `p` rejected with; fails the test when it resolved. */
export async function failure(
  p: Promise<unknown>,
): Promise<{ code?: string; domName?: string; message?: string }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (e === undefined) expect.fail('expected a rejection');
  return e as { code?: string; domName?: string; message?: string };
}

/** Expects `p` to reject with `expected` as its `code`; returns the error. */
export async function rejectsWith(p: Promise<unknown>, expected: string): Promise<unknown> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(code(e), `expected ${expected}`).toBe(expected);
  return e;
}

/**
 * Opens suite devices with `defaults` under each test's options, and closes all of them after
 * each test (call inside the suite's `describe`).
 */
export function suiteDevices(
  makeDevice: MakeSuiteDevice,
  defaults: VirtualAuthenticatorOptions = {},
): (options?: VirtualAuthenticatorOptions) => Promise<SuiteDevice> {
  const open: SuiteDevice[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });
  return async (options = {}) => {
    const d = await makeDevice({ ...defaults, ...options });
    open.push(d);
    return d;
  };
}
