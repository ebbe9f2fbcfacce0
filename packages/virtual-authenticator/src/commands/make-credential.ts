/** authenticatorMakeCredential (0x01), CTAP 2.1 §6.1. */

import { type CborValue, encode, encodeCoseKey, equalBytes } from '@fido2kit/cose';
import { CTAP2_COMMANDS, MAKE_CREDENTIAL_KEYS, MAKE_CREDENTIAL_RESPONSE_KEYS } from '@fido2kit/ctap2';
import { ceremonyParams, opt, readDescriptors, req } from '../_params.js';
import { ATTESTATION_FORMATS } from '../attestation.js';
import { type Credential, PERMISSIONS } from '../core.js';
import type { CredentialPayload } from '../credential-id.js';
import { fail } from '../errors.js';
import { EXTENSIONS, type MakeCredentialExtensionStep } from '../extensions/index.js';
import { KEY_ALGORITHMS } from '../keys.js';
import { managementConfig } from '../management-config.js';
import { DEFAULTS } from '../options.js';
import type { ResidentCredential } from '../state.js';
import {
  attestedCredentialData,
  authenticatorData,
  builtInUv,
  checkPinUvAuthParam,
  checkToken,
  consumeToken,
  FLAGS,
  uvRequired,
} from './_common.js';
import type { Command } from './types.js';

const K = MAKE_CREDENTIAL_KEYS;
const R = MAKE_CREDENTIAL_RESPONSE_KEYS;

const NAME = 'makeCredential';

export const makeCredential: Command = {
  code: CTAP2_COMMANDS.makeCredential,
  name: 'authenticatorMakeCredential',
  async handle(core, p, call) {
    if (p === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    const config = core.config;
    // parameters (CTAP 2.1 §6.1)
    const clientDataHash = req.bytes(p, K.clientDataHash);
    const rp = req.map(p, K.rp);
    const user = req.map(p, K.user);
    const pubKeyCredParams = req.array(p, K.pubKeyCredParams);
    const excludeList = readDescriptors(opt.array(p, K.excludeList));
    const { extensions, options, pinUvAuthParam, pinUvAuthProtocol } = ceremonyParams(p, K);
    const enterpriseAttestation = opt.uint(p, K.enterpriseAttestation);
    const rpId = req.string(rp, 'id');
    const rpName = opt.string(rp, 'name');
    const userId = req.bytes(user, 'id');
    const userName = opt.string(user, 'name');
    const displayName = opt.string(user, 'displayName');
    if (clientDataHash.length !== 32) fail('CTAP1_ERR_INVALID_LENGTH');
    if (userId.length > DEFAULTS.maxUserIdLength) fail('CTAP1_ERR_INVALID_LENGTH');
    const params = pubKeyCredParams.map((e) => {
      if (!(e instanceof Map)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
      return { alg: req.int(e, 'alg'), type: req.string(e, 'type') };
    });
    if (config.quirks.rejectEmptyDisplayName && displayName === '') fail('CTAP1_ERR_INVALID_PARAMETER');

    // 1, 2
    await checkPinUvAuthParam(core, call, NAME, rpId, pinUvAuthParam, pinUvAuthProtocol);
    // 3: the first supported algorithm
    const format = ATTESTATION_FORMATS[config.attestation];
    const chosen = params.find(
      (e) =>
        e.type === 'public-key' &&
        config.algorithms.includes(e.alg) &&
        KEY_ALGORITHMS.has(e.alg) &&
        (format.algorithms === undefined || format.algorithms.includes(e.alg)),
    );
    if (chosen === undefined) fail('CTAP2_ERR_UNSUPPORTED_ALGORITHM');
    const algo = KEY_ALGORITHMS.get(chosen.alg)!;

    // 5: options
    const rk = options.get('rk') ?? false;
    let uvOption = pinUvAuthParam === undefined ? (options.get('uv') ?? false) : false;
    if (uvOption && !core.uvConfigured) fail('CTAP2_ERR_INVALID_OPTION');
    if (options.get('up') === false) fail('CTAP2_ERR_INVALID_OPTION');
    // 6: alwaysUv
    const alwaysUv = core.state.alwaysUv;
    const makeCredUvNotRqd = config.makeCredUvNotRqd && !alwaysUv;
    if (alwaysUv) {
      if (!core.protectedByUv) uvRequired(core);
      if (pinUvAuthParam === undefined && !uvOption) {
        if (core.uvConfigured) uvOption = true;
        else uvRequired(core);
      }
    }
    // 7, 8: makeCredUvNotRqd
    if (core.protectedByUv && !uvOption && pinUvAuthParam === undefined && (rk || !makeCredUvNotRqd)) {
      uvRequired(core);
    }
    // 9: enterprise attestation (CTAP 2.1 §6.1.2 step 9, §7.1): only on a capable key that
    // authenticatorConfig enabled; 1 (vendor-facilitated) for the RP IDs the key lists, else an
    // ordinary attestation; 2 (platform-managed) for any RP ID the platform vouches for
    let enterprise = false;
    if (enterpriseAttestation !== undefined) {
      const m = managementConfig(config);
      if (!m.enterpriseAttestation || core.state.enterpriseAttestation !== true) {
        fail('CTAP1_ERR_INVALID_PARAMETER');
      }
      if (enterpriseAttestation !== 1 && enterpriseAttestation !== 2) fail('CTAP2_ERR_INVALID_OPTION');
      enterprise = enterpriseAttestation === 2 || (m.enterpriseAttestationRpIds ?? []).includes(rpId);
    }
    // an enterprise attestation is a full packed one with the key's own certificate and AAGUID
    const attestation = enterprise ? ATTESTATION_FORMATS.packed : format;

    // 11: user verification
    let uv = false;
    let up = false;
    let token: ReturnType<typeof checkToken> | undefined;
    if (pinUvAuthParam !== undefined) {
      token = checkToken(core, pinUvAuthProtocol!, clientDataHash, pinUvAuthParam, PERMISSIONS.mc, rpId);
      uv = true;
    } else if (uvOption) {
      await builtInUv(core, call, NAME, rpId);
      uv = true;
      up = true; // 13: the finger on the sensor is evidence of user interaction
    }

    // 12: excludeList
    for (const d of excludeList ?? []) {
      if (d.type !== 'public-key') continue;
      const found = core.locate(rpId, d.id);
      if (found === undefined) continue;
      if (found.payload.credProtect === 3 && !uv) continue;
      if (!up) await core.requestPresence(call, { command: NAME, rpId, ...(userName ? { userName } : {}) });
      fail('CTAP2_ERR_CREDENTIAL_EXCLUDED');
    }

    // 15 (validated before the touch, so a bad input costs the user nothing)
    const made = await core.newCredentialKey(algo.alg);
    const credentialKey = made.key;
    const payload: CredentialPayload = {
      alg: algo.alg,
      seed: made.seed,
      credProtect: 1,
      hmacSecret: false,
      rk,
      ...(made.rawKey ? { rawKey: true } : {}),
    };
    const steps: [string, MakeCredentialExtensionStep][] = [];
    if (extensions !== undefined) {
      const inputs = new Map<string, CborValue>();
      for (const [k, v] of extensions) if (typeof k === 'string') inputs.set(k, v);
      for (const [name, input] of inputs) {
        const ext = EXTENSIONS.get(name as never);
        if (ext?.makeCredential === undefined || !config.extensions.has(ext.name)) continue;
        const step = ext.makeCredential(input, { core, call, rpId, rk, inputs });
        if (step === undefined) continue;
        Object.assign(payload, step.payload);
        steps.push([name, step]);
      }
    }

    // 14: user presence
    if (!up) {
      if (!(token !== undefined && core.tokenUserPresent(token))) {
        const r = await core.requestPresence(call, {
          command: NAME,
          rpId,
          ...(userName ? { userName } : {}),
        });
        if (r !== 'yes') fail('CTAP2_ERR_OPERATION_DENIED');
      }
      up = true;
    }

    // 16, 17: the credential; room in the resident store
    const replaces = rk
      ? core.state.credentials.find((c) => c.rpId === rpId && equalBytes(c.user.id, userId))
      : undefined;
    if (rk && replaces === undefined && core.remainingDiscoverableCredentials === 0) {
      fail('CTAP2_ERR_KEY_STORE_FULL');
    }
    const id = core.wrap(rpId, payload);
    if (id.length > config.maxCredentialIdLength) fail('CTAP2_ERR_REQUEST_TOO_LARGE');
    const resident: ResidentCredential | undefined = rk
      ? {
          id,
          rpId,
          ...(rpName === undefined ? {} : { rpName }),
          user: {
            id: userId.slice(),
            ...(userName === undefined ? {} : { name: userName }),
            ...(displayName === undefined ? {} : { displayName }),
          },
          created: core.state.sequence,
        }
      : undefined;
    const credential: Credential = { id, payload, ...(resident ? { resident } : {}) };

    // extension outputs
    const extOut = new Map<string, CborValue>();
    const responseExtras: [number, CborValue][] = [];
    for (const [name, step] of steps) {
      const out = step.output?.(credential, uv);
      if (out?.authData !== undefined) extOut.set(name, out.authData);
      if (out?.response) responseExtras.push(...out.response);
    }

    let flags = (up ? FLAGS.UP : 0) | (uv ? FLAGS.UV : 0) | FLAGS.AT;
    if (extOut.size > 0) flags |= FLAGS.ED;
    const rpIdHash = core.rpIdHash(rpId);
    const coseKey = credentialKey.publicKey;
    const publicKey = encodeCoseKey(coseKey);
    const aaguid = attestation.zeroAaguid ? new Uint8Array(16) : core.state.aaguid;
    const authData = authenticatorData(
      rpIdHash,
      flags,
      0,
      attestedCredentialData(aaguid, id, publicKey),
      extOut.size > 0 ? encode(extOut) : undefined,
    );
    const attStmt = await attestation.statement({
      core,
      authData,
      clientDataHash,
      rpIdHash,
      credentialId: id,
      credentialKey,
      alg: algo.alg,
      coseKey,
    });

    // commit
    if (resident !== undefined) {
      const s = core.state;
      s.credentials = s.credentials.filter((c) => c !== replaces);
      s.credentials.push(resident);
      s.sequence += 1;
      if (replaces !== undefined) s.counters.delete(core.counterKey(replaces.id));
    }
    if (token !== undefined) consumeToken(token, rpId, true);

    const response = new Map<number, CborValue>([
      [R.fmt, attestation.fmt],
      [R.authData, authData],
      [R.attStmt, attStmt],
    ]);
    if (enterprise) response.set(R.epAtt, true);
    for (const [k, v] of responseExtras) response.set(k, v);
    return response;
  },
};
