/** authenticatorGetAssertion (0x02) and authenticatorGetNextAssertion (0x08), CTAP 2.1 §6.2, §6.3. */

import { type CborValue, concatBytes, encode, equalBytes } from '@fido2kit/cose';
import { CTAP2_COMMANDS, GET_ASSERTION_KEYS, GET_ASSERTION_RESPONSE_KEYS } from '@fido2kit/ctap2';
import { ceremonyParams, opt, readDescriptors, req } from '../_params.js';
import { type AuthenticatorCore, type Credential, PERMISSIONS } from '../core.js';
import { fail } from '../errors.js';
import { EXTENSIONS, type ExtensionOutput } from '../extensions/index.js';
import { KEY_ALGORITHMS } from '../keys.js';
import { DEFAULTS } from '../options.js';
import {
  authenticatorData,
  builtInUv,
  checkPinUvAuthParam,
  checkToken,
  consumeToken,
  descriptor,
  FLAGS,
  uvRequired,
} from './_common.js';
import type { Command } from './types.js';

const K = GET_ASSERTION_KEYS;
const R = GET_ASSERTION_RESPONSE_KEYS;

const NAME = 'getAssertion';

type PerCredential = [string, (credential: Credential, uv: boolean) => ExtensionOutput | undefined];

interface AssertionContext {
  core: AuthenticatorCore;
  rpId: string;
  clientDataHash: Uint8Array;
  up: boolean;
  uv: boolean;
  extensions: PerCredential[];
}

/** Signs one assertion (steps 12, 13) and advances the credential's counter. */
async function assert(
  ctx: AssertionContext,
  credential: Credential,
  numberOfCredentials: number | undefined,
): Promise<Map<number, CborValue>> {
  const { core, uv } = ctx;
  if (!KEY_ALGORITHMS.has(credential.payload.alg)) fail('CTAP1_ERR_OTHER');
  const key = await core.credentialKey(credential.payload);
  const extOut = new Map<string, CborValue>();
  const extras: [number, CborValue][] = [];
  for (const [name, fn] of ctx.extensions) {
    const out = fn(credential, uv);
    if (out?.authData !== undefined) extOut.set(name, out.authData);
    if (out?.response) extras.push(...out.response);
  }
  let flags = (ctx.up ? FLAGS.UP : 0) | (uv ? FLAGS.UV : 0);
  if (extOut.size > 0) flags |= FLAGS.ED;
  const counter = core.nextCounter(credential.id);
  const authData = authenticatorData(
    core.rpIdHash(ctx.rpId),
    flags,
    counter,
    undefined,
    extOut.size > 0 ? encode(extOut) : undefined,
  );
  const signature = await key.sign(concatBytes(authData, ctx.clientDataHash));
  const response = new Map<number, CborValue>([
    [R.credential, descriptor(credential.id)],
    [R.authData, authData],
    [R.signature, signature],
  ]);
  const r = credential.resident;
  if (r !== undefined) {
    const user = new Map<string, CborValue>([['id', r.user.id]]);
    // user-identifying information only after user verification by the authenticator
    if (uv && r.user.name !== undefined) user.set('name', r.user.name);
    if (uv && r.user.displayName !== undefined) user.set('displayName', r.user.displayName);
    response.set(R.user, user);
  }
  if (numberOfCredentials !== undefined) response.set(R.numberOfCredentials, numberOfCredentials);
  for (const [k, v] of extras) response.set(k, v);
  return response;
}

export const getAssertion: Command = {
  code: CTAP2_COMMANDS.getAssertion,
  name: 'authenticatorGetAssertion',
  async handle(core, p, call) {
    if (p === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    const config = core.config;
    const rpId = req.string(p, K.rpId);
    const clientDataHash = req.bytes(p, K.clientDataHash);
    const allowList = readDescriptors(opt.array(p, K.allowList));
    const { extensions, options, pinUvAuthParam, pinUvAuthProtocol } = ceremonyParams(p, K);
    if (clientDataHash.length !== 32) fail('CTAP1_ERR_INVALID_LENGTH');

    // 1, 2
    await checkPinUvAuthParam(core, call, NAME, rpId, pinUvAuthParam, pinUvAuthProtocol);
    // 4: options
    let uvOption = pinUvAuthParam === undefined ? (options.get('uv') ?? false) : false;
    if (uvOption && !core.uvConfigured) fail('CTAP2_ERR_INVALID_OPTION');
    if (options.has('rk')) fail('CTAP2_ERR_UNSUPPORTED_OPTION');
    const upOption = options.get('up') ?? true;
    // 5: alwaysUv
    if (core.state.alwaysUv && upOption) {
      if (!core.protectedByUv) uvRequired(core);
      if (pinUvAuthParam === undefined && !uvOption) {
        if (core.uvConfigured) uvOption = true;
        else uvRequired(core);
      }
    }
    // 6: user verification
    let uv = false;
    let up = false;
    let token: ReturnType<typeof checkToken> | undefined;
    if (pinUvAuthParam !== undefined) {
      token = checkToken(core, pinUvAuthProtocol!, clientDataHash, pinUvAuthParam, PERMISSIONS.ga, rpId);
      uv = true;
    } else if (uvOption) {
      await builtInUv(core, call, NAME, rpId);
      uv = true;
      up = true; // 8
    }

    // 7: the applicable credentials
    const withList = allowList !== undefined && allowList.length > 0;
    let applicable: Credential[] = [];
    if (withList) {
      for (const d of allowList) {
        if (d.type !== 'public-key') continue;
        const c = core.locate(rpId, d.id);
        if (c !== undefined && !applicable.some((a) => equalBytes(a.id, c.id))) applicable.push(c);
      }
    } else {
      applicable = core.residents(rpId);
    }
    applicable = applicable.filter((c) => {
      if (c.payload.credProtect === 3 && !uv) return false;
      if (c.payload.credProtect === 2 && !withList && !uv) return false;
      return true;
    });
    if (applicable.length === 0) fail('CTAP2_ERR_NO_CREDENTIALS');

    // 10 (inputs validated before the touch)
    const perCredential: PerCredential[] = [];
    if (extensions !== undefined) {
      for (const [name, input] of extensions) {
        if (typeof name !== 'string') continue;
        const ext = EXTENSIONS.get(name as never);
        if (ext?.getAssertion === undefined || !config.extensions.has(ext.name)) continue;
        const fn = ext.getAssertion(input, { core, call, rpId, up: upOption });
        if (fn !== undefined) perCredential.push([name, fn]);
      }
    }

    // 9: user presence
    if (upOption) {
      const satisfied = token !== undefined ? core.tokenUserPresent(token) : up;
      if (!satisfied) {
        const r = await core.requestPresence(call, { command: NAME, rpId });
        if (r !== 'yes') fail('CTAP2_ERR_OPERATION_DENIED');
      }
      up = true;
    } else {
      up = false;
    }
    if (token !== undefined) consumeToken(token, rpId, upOption);

    // 11, 12: one credential now, the others through getNextAssertion
    const ctx: AssertionContext = { core, rpId, clientDataHash, up, uv, extensions: perCredential };
    const [first, ...rest] = applicable as [Credential, ...Credential[]];
    if (withList) return assert(ctx, first, undefined);
    const count = applicable.length;
    const response = await assert(
      ctx,
      first,
      count > 1 && !config.quirks.omitNumberOfCredentials ? count : undefined,
    );
    if (rest.length > 0) {
      core.volatile.pending = {
        next: rest.map((c) => async () => assert(ctx, c, undefined)),
        at: core.now(),
      };
    }
    return response;
  },
};

export const getNextAssertion: Command = {
  code: CTAP2_COMMANDS.getNextAssertion,
  name: 'authenticatorGetNextAssertion',
  async handle(core) {
    const pending = core.volatile.pending;
    if (pending === undefined || pending.next.length === 0) fail('CTAP2_ERR_NOT_ALLOWED');
    if (core.now() - pending.at > DEFAULTS.getNextAssertionWindowMs) {
      core.volatile.pending = undefined;
      fail('CTAP2_ERR_NOT_ALLOWED');
    }
    const next = pending.next.shift()!;
    pending.at = core.now();
    if (pending.next.length === 0) core.volatile.pending = undefined;
    return (await next()) as Map<number, CborValue>;
  },
};
