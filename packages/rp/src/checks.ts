/** Checks shared by registration and authentication (WebAuthn L3 §7.1 and §7.2). */
import {
  base64url,
  type ClientData,
  constantTimeEqual,
  equalBytes,
  isFido2kitError,
  parseClientDataJSON,
  sha256,
  utf8Encode,
} from '@fido2kit/cose';
import { argFail } from './_assert.js';
import { fail } from './errors.js';

/** A challenge the relying party expects: base64url, bytes, or a predicate over the base64url string. */
export type ExpectedChallenge = string | Uint8Array | ((challenge: string) => boolean | Promise<boolean>);
/** Origins the relying party expects: one, a list, or a predicate. */
export type ExpectedOrigin = string | readonly string[] | ((origin: string) => boolean | Promise<boolean>);
/** RP IDs the relying party accepts: one or a list. */
export type ExpectedRPID = string | readonly string[];

/** Options both verifications share. */
export interface CommonVerifyOptions {
  /** The challenge sent in the options: base64url, bytes, or a predicate over the base64url string. */
  expectedChallenge: ExpectedChallenge;
  /** `https://example.com`, a list (may include `android:apk-key-hash:…` origins) or a predicate. */
  expectedOrigin: ExpectedOrigin;
  /** The RP ID, or the list of RP IDs the credential may be scoped to. */
  expectedRPID: ExpectedRPID;
  /** Require the UV flag. Default `true`. */
  requireUserVerification?: boolean;
  /** Require the UP flag. Default `true` (set `false` only for conditional create). */
  requireUserPresence?: boolean;
  /**
   * Accept `https://sub.example.com` when `https://example.com` is expected (same scheme and
   * port, host ending in `.` + the expected host). Default `false`.
   */
  allowSubdomains?: boolean;
  /** Accept responses from a cross-origin iframe (`crossOrigin: true`). Default `false`. */
  allowCrossOrigin?: boolean;
  /** The top-level origins a cross-origin iframe may be embedded in (checked when `topOrigin` is present). */
  expectedTopOrigin?: ExpectedOrigin;
  /**
   * Authenticator extension identifiers (or the `extensions` object given to the options
   * generator) that were requested. When given, any other authenticator extension output is
   * rejected (`ERR_EXTENSION_UNEXPECTED`), except an unsolicited `credProtect`.
   */
  expectedExtensions?: readonly string[] | Readonly<Record<string, unknown>>;
}

/** Parses clientDataJSON bytes. @internal */
export function parseClientData(bytes: Uint8Array): ClientData {
  try {
    return parseClientDataJSON(bytes);
  } catch (e) {
    if (isFido2kitError(e) && e.code === 'ERR_CLIENT_DATA_DUPLICATE_MEMBER') {
      fail(e.code, e.message, { cause: e, details: e.details });
    }
    fail('ERR_CLIENT_DATA_MALFORMED', isFido2kitError(e) ? e.message : 'clientDataJSON is malformed', {
      cause: e,
    });
  }
}

/**
 * Parses clientDataJSON and checks it for a ceremony (§7.1 steps 7–11, §7.2 steps 7–14):
 * synchronous, unless a caller-supplied predicate is involved.
 * @internal
 */
export function verifyClientData(
  bytes: Uint8Array,
  type: 'webauthn.create' | 'webauthn.get',
  o: CommonVerifyOptions,
): ClientData | Promise<ClientData> {
  const cd = parseClientData(bytes);
  const pending = checkClientData(cd, type, o);
  return pending === undefined ? cd : pending.then(() => cd);
}

/**
 * Checks the clientData type, challenge, origin, crossOrigin and topOrigin in the spec's order.
 * Runs synchronously unless a caller-supplied predicate is involved.
 * @internal
 */
export function checkClientData(
  cd: ClientData,
  type: 'webauthn.create' | 'webauthn.get',
  o: CommonVerifyOptions,
): void | Promise<void> {
  if (
    typeof o.expectedChallenge === 'function' ||
    typeof o.expectedOrigin === 'function' ||
    typeof o.expectedTopOrigin === 'function'
  )
    return checkClientDataAsync(cd, type, o);
  if (cd.type !== type) typeMismatch(cd.type, type);
  checkChallengeSync(cd.challenge, o.expectedChallenge as string | Uint8Array);
  if (
    !originMatchesSync(cd.origin, o.expectedOrigin as string | readonly string[], o.allowSubdomains === true)
  )
    originMismatch(cd.origin, o.expectedOrigin);
  checkCrossOrigin(cd, o);
  if (
    cd.topOrigin !== undefined &&
    o.expectedTopOrigin !== undefined &&
    !originMatchesSync(cd.topOrigin, o.expectedTopOrigin as string | readonly string[], false)
  )
    topOriginMismatch(cd.topOrigin, o.expectedTopOrigin);
}

function typeMismatch(received: string, expected: string): never {
  fail(
    'ERR_CLIENT_DATA_TYPE_MISMATCH',
    `clientData.type expected "${expected}", got ${JSON.stringify(received)}`,
    {
      details: { expected, received },
    },
  );
}
function originMismatch(received: string, expected: ExpectedOrigin): never {
  fail('ERR_ORIGIN_MISMATCH', `origin ${JSON.stringify(received)} is not an expected origin`, {
    details: { received, expected: describeExpected(expected) },
  });
}
function topOriginMismatch(received: string, expected: ExpectedOrigin): never {
  fail('ERR_TOP_ORIGIN_MISMATCH', `topOrigin ${JSON.stringify(received)} is not an expected top origin`, {
    details: { received, expected: describeExpected(expected) },
  });
}
function checkCrossOrigin(cd: ClientData, o: CommonVerifyOptions): void {
  if (cd.crossOrigin === true && o.allowCrossOrigin !== true)
    fail(
      'ERR_CROSS_ORIGIN_NOT_ALLOWED',
      'the response came from a cross-origin iframe and allowCrossOrigin is not set',
      {
        details: { origin: cd.origin, topOrigin: cd.topOrigin },
      },
    );
  if (cd.topOrigin !== undefined && o.allowCrossOrigin !== true)
    fail('ERR_CROSS_ORIGIN_NOT_ALLOWED', 'clientData has a topOrigin and allowCrossOrigin is not set', {
      details: { topOrigin: cd.topOrigin },
    });
}

async function checkClientDataAsync(
  cd: ClientData,
  type: 'webauthn.create' | 'webauthn.get',
  o: CommonVerifyOptions,
): Promise<void> {
  if (cd.type !== type)
    fail(
      'ERR_CLIENT_DATA_TYPE_MISMATCH',
      `clientData.type expected "${type}", got ${JSON.stringify(cd.type)}`,
      {
        details: { expected: type, received: cd.type },
      },
    );
  await checkChallenge(cd.challenge, o.expectedChallenge);
  if (!(await originMatches(cd.origin, o.expectedOrigin, o.allowSubdomains === true)))
    fail('ERR_ORIGIN_MISMATCH', `origin ${JSON.stringify(cd.origin)} is not an expected origin`, {
      details: { received: cd.origin, expected: describeExpected(o.expectedOrigin) },
    });
  if (cd.crossOrigin === true && o.allowCrossOrigin !== true)
    fail(
      'ERR_CROSS_ORIGIN_NOT_ALLOWED',
      'the response came from a cross-origin iframe and allowCrossOrigin is not set',
      {
        details: { origin: cd.origin, topOrigin: cd.topOrigin },
      },
    );
  if (cd.topOrigin !== undefined) {
    if (o.allowCrossOrigin !== true)
      fail('ERR_CROSS_ORIGIN_NOT_ALLOWED', 'clientData has a topOrigin and allowCrossOrigin is not set', {
        details: { topOrigin: cd.topOrigin },
      });
    if (o.expectedTopOrigin !== undefined && !(await originMatches(cd.topOrigin, o.expectedTopOrigin, false)))
      fail(
        'ERR_TOP_ORIGIN_MISMATCH',
        `topOrigin ${JSON.stringify(cd.topOrigin)} is not an expected top origin`,
        {
          details: { received: cd.topOrigin, expected: describeExpected(o.expectedTopOrigin) },
        },
      );
  }
}

function describeExpected(e: ExpectedOrigin): unknown {
  return typeof e === 'function' ? '(predicate)' : e;
}

async function checkChallenge(received: string, expected: ExpectedChallenge): Promise<void> {
  if (typeof expected === 'function') {
    if ((await expected(received)) !== true)
      fail('ERR_CHALLENGE_MISMATCH', 'the challenge was rejected by the expectedChallenge predicate');
    return;
  }
  checkChallengeSync(received, expected);
}

function checkChallengeSync(received: string, expected: string | Uint8Array): void {
  let want: Uint8Array;
  if (typeof expected === 'string') {
    try {
      want = base64url.decode(expected);
    } catch {
      // A challenge that is not base64url is compared as its UTF-8 bytes (SimpleWebAuthn accepts any string).
      want = utf8Encode(expected);
    }
  } else want = expected;
  let got: Uint8Array | undefined;
  try {
    got = base64url.decode(received);
  } catch {
    got = undefined;
  }
  if (got === undefined || !constantTimeEqual(got, want))
    fail('ERR_CHALLENGE_MISMATCH', 'the challenge does not match the expected challenge');
}

const ORIGIN_RE = /^([a-z][a-z0-9+.-]*):\/\/([^/:?#@[\]]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

function subdomainOf(origin: string, expected: string): boolean {
  const a = ORIGIN_RE.exec(origin);
  const b = ORIGIN_RE.exec(expected);
  if (!a || !b) return false;
  if (a[1]?.toLowerCase() !== b[1]?.toLowerCase() || (a[3] ?? '') !== (b[3] ?? '')) return false;
  const host = (a[2] as string).toLowerCase();
  const base = (b[2] as string).toLowerCase();
  return host.length > base.length + 1 && host.endsWith(`.${base}`) && !base.startsWith('[');
}

/** True when `origin` matches (exactly, or as a dot-boundary subdomain when allowed). @internal */
export async function originMatches(
  origin: string,
  expected: ExpectedOrigin,
  allowSubdomains: boolean,
): Promise<boolean> {
  if (typeof expected === 'function') return (await expected(origin)) === true;
  return originMatchesSync(origin, expected, allowSubdomains);
}

function originMatchesSync(
  origin: string,
  expected: string | readonly string[],
  allowSubdomains: boolean,
): boolean {
  if (typeof expected === 'string' && expected === origin) return true;
  const list = typeof expected === 'string' ? [expected] : expected;
  if (!Array.isArray(list)) argFail('expectedOrigin', 'a string, a list of strings or a function', expected);
  for (const e of list) if (e === origin) return true;
  if (allowSubdomains) for (const e of list) if (subdomainOf(origin, e)) return true;
  return false;
}

// SHA-256 of recently used RP IDs (a bounded memo of a pure function; RP IDs are few).
const rpIdHashes = new Map<string, Uint8Array>();

function rpIdHashOf(rpId: string): Uint8Array {
  let h = rpIdHashes.get(rpId);
  if (h === undefined) {
    if (typeof rpId !== 'string') argFail('expectedRPID', 'a string or a list of strings', rpId);
    h = sha256(utf8Encode(rpId));
    if (rpIdHashes.size >= 64) rpIdHashes.clear();
    rpIdHashes.set(rpId, h);
  }
  return h;
}

/** Returns the RP ID whose SHA-256 is `rpIdHash`, or throws `ERR_RPID_MISMATCH`. @internal */
export function matchRpIdHash(rpIdHash: Uint8Array, expected: ExpectedRPID): string {
  if (typeof expected === 'string') {
    if (equalBytes(rpIdHashOf(expected), rpIdHash)) return expected;
  } else if (Array.isArray(expected)) {
    for (const rpId of expected) if (equalBytes(rpIdHashOf(rpId), rpIdHash)) return rpId;
  } else argFail('expectedRPID', 'a string or a list of strings', expected);
  const list = typeof expected === 'string' ? [expected] : expected;
  fail('ERR_RPID_MISMATCH', 'the authenticator data rpIdHash matches no expected RP ID', {
    details: { expected: list },
  });
}

/** UP, UV and BE/BS flag checks. @internal */
export function checkFlags(
  ad: { up: boolean; uv: boolean; be: boolean; bs: boolean },
  o: { requireUserPresence?: boolean; requireUserVerification?: boolean },
): void {
  if (o.requireUserPresence !== false && !ad.up)
    fail('ERR_USER_PRESENCE_REQUIRED', 'the authenticator did not report user presence (UP clear)');
  if (o.requireUserVerification !== false && !ad.uv)
    fail('ERR_USER_VERIFICATION_REQUIRED', 'user verification was required but the UV flag is clear');
  if (ad.bs && !ad.be)
    fail('ERR_BACKUP_STATE_INVALID', 'the BS (backed up) flag is set without the BE (backup eligible) flag');
}
