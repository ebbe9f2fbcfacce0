/**
 * authenticatorCredentialManagement (0x0A, and the FIDO_2_1_PRE preview 0x41), CTAP 2.1 §6.8:
 * metadata, enumerating RPs and their credentials, deleting and updating a credential.
 */
import {
  type CborValue,
  concatBytes,
  decode,
  encode,
  encodeCoseKey,
  equalBytes,
  sha256,
  utf8Encode,
} from '@fido2kit/cose';
import {
  CREDENTIAL_MANAGEMENT_KEYS,
  CREDENTIAL_MANAGEMENT_PARAM_KEYS,
  CREDENTIAL_MANAGEMENT_RESPONSE_KEYS,
  CREDENTIAL_MANAGEMENT_SUBCOMMANDS,
  CTAP2_COMMANDS,
  PIN_UV_AUTH_PERMISSIONS,
} from '@fido2kit/ctap2';
import { type CborMap, opt, req } from '../_params.js';
import type { AuthenticatorCore, Credential } from '../core.js';
import { fail } from '../errors.js';
import { credentialSecret, KEY_ALGORITHMS } from '../keys.js';
import { checkManagementToken, managementCommandConfig, managementVolatile } from '../management.js';
import type { ResidentCredential, TokenState } from '../state.js';
import { descriptor } from './_common.js';
import type { Command, CommandResponse } from './types.js';

const S = CREDENTIAL_MANAGEMENT_SUBCOMMANDS;

const K = CREDENTIAL_MANAGEMENT_KEYS;
const P = CREDENTIAL_MANAGEMENT_PARAM_KEYS;
const R = CREDENTIAL_MANAGEMENT_RESPONSE_KEYS;
const CM = PIN_UV_AUTH_PERMISSIONS.cm;

/** RP IDs with discoverable credentials, in order of their first credential. */
function rpIds(core: AuthenticatorCore): ResidentCredential[] {
  const seen = new Map<string, ResidentCredential>();
  for (const c of [...core.state.credentials].sort((a, b) => a.created - b.created)) {
    if (!seen.has(c.rpId)) seen.set(c.rpId, c);
  }
  return [...seen.values()];
}

function userMap(u: ResidentCredential['user']): Map<string, CborValue> {
  const m = new Map<string, CborValue>([['id', u.id.slice()]]);
  if (u.name !== undefined) m.set('name', u.name);
  if (u.displayName !== undefined) m.set('displayName', u.displayName);
  return m;
}

async function credentialResponse(core: AuthenticatorCore, c: Credential): Promise<Map<number, CborValue>> {
  const r = c.resident!;
  if (!KEY_ALGORITHMS.has(c.payload.alg)) fail('CTAP1_ERR_OTHER');
  const key = await core.credentialKey(c.payload);
  const out = new Map<number, CborValue>([
    [R.user, userMap(r.user)],
    [R.credentialID, descriptor(c.id)],
    [R.publicKey, decode(encodeCoseKey(key.publicKey))],
    [R.credProtect, c.payload.credProtect],
  ]);
  if (core.config.extensions.has('thirdPartyPayment')) {
    out.set(R.thirdPartyPayment, c.payload.thirdPartyPayment === true);
  }
  if (core.config.extensions.has('largeBlobKey')) {
    out.set(R.largeBlobKey, credentialSecret(c.payload.seed, 'largeBlobKey'));
  }
  return out;
}

/** The stored credential with this descriptor's ID, in any RP. */
function findResident(core: AuthenticatorCore, params: CborMap | undefined): ResidentCredential {
  if (params === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
  const d = req.map(params, P.credentialID);
  const id = req.bytes(d, 'id');
  const found = core.state.credentials.find((c) => equalBytes(c.id, id));
  if (found === undefined) fail('CTAP2_ERR_NO_CREDENTIALS');
  return found;
}

function checkRp(t: TokenState | undefined, rpId: string): void {
  if (t?.rpId !== undefined && t.rpId !== rpId) fail('CTAP2_ERR_PIN_AUTH_INVALID');
}

function noRpBinding(t: TokenState | undefined): void {
  if (t?.rpId !== undefined) fail('CTAP2_ERR_PIN_AUTH_INVALID');
}

function handler(preview: boolean): Command['handle'] {
  return async (core, p): Promise<CommandResponse> => {
    // a preview key answers only the preview command byte
    managementCommandConfig(core, (m) => m.credMgmt && !(m.preview && !preview));
    if (p === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    const sub = req.uint(p, K.subCommand);
    const params = opt.map(p, K.subCommandParams);
    const protocol = opt.uint(p, K.pinUvAuthProtocol);
    const param = opt.bytes(p, K.pinUvAuthParam);
    const v = managementVolatile(core);
    // an enumeration continues only through its GetNext subcommands (CTAP 2.1 §6.8.3, §6.8.4)
    if (sub !== S.enumerateRPsGetNextRP && sub !== S.enumerateCredentialsGetNextCredential) {
      v.enumeration = undefined;
    }
    const message = () =>
      params === undefined ? Uint8Array.of(sub) : concatBytes(Uint8Array.of(sub), encode(params));
    const auth = (): TokenState => {
      // preview keys know no permissions: a getPinToken token does everything
      return checkManagementToken(core, protocol, param, message(), preview ? 0 : CM);
    };
    // reads also take the persistentPinUvAuthToken (pcmr, CTAP 2.2 §6.8); it is bound to no RP.
    // Writes (deleteCredential, updateUserInformation) do not: a MAC made with it fails as
    // CTAP2_ERR_PIN_AUTH_INVALID, as any MAC by a token without cm does.
    const read = (): TokenState | undefined => {
      if (
        !preview &&
        param !== undefined &&
        protocol !== undefined &&
        core.verifyPersistentToken(protocol, message(), param)
      ) {
        return undefined;
      }
      return auth();
    };
    const s = core.state;
    switch (sub) {
      case S.getCredsMetadata: {
        noRpBinding(read());
        return new Map<number, CborValue>([
          [R.existingResidentCredentialsCount, s.credentials.length],
          [R.maxPossibleRemainingResidentCredentialsCount, core.remainingDiscoverableCredentials],
        ]);
      }
      case S.enumerateRPsBegin: {
        noRpBinding(read());
        const rps = rpIds(core);
        if (rps.length === 0) fail('CTAP2_ERR_NO_CREDENTIALS');
        const items = rps.map((c) => {
          const rp = new Map<string, CborValue>([['id', c.rpId]]);
          if (c.rpName !== undefined) rp.set('name', c.rpName);
          return new Map<number, CborValue>([
            [R.rp, rp],
            [R.rpIDHash, sha256(utf8Encode(c.rpId))],
          ]);
        });
        v.enumeration = { kind: 'rps', items, next: 1 };
        const first = new Map(items[0]);
        first.set(R.totalRPs, items.length);
        return first;
      }
      case S.enumerateCredentialsBegin: {
        if (params === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
        const rpIdHash = req.bytes(params, P.rpIDHash);
        const t = read();
        const rp = rpIds(core).find((c) => equalBytes(sha256(utf8Encode(c.rpId)), rpIdHash));
        if (rp === undefined) fail('CTAP2_ERR_NO_CREDENTIALS');
        checkRp(t, rp.rpId);
        const creds = core.residents(rp.rpId).reverse();
        if (creds.length === 0) fail('CTAP2_ERR_NO_CREDENTIALS');
        const items: Map<number, CborValue>[] = [];
        for (const c of creds) items.push(await credentialResponse(core, c));
        v.enumeration = { kind: 'credentials', items, next: 1 };
        const first = new Map(items[0]);
        first.set(R.totalCredentials, items.length);
        return first;
      }
      case S.enumerateRPsGetNextRP:
      case S.enumerateCredentialsGetNextCredential: {
        const e = v.enumeration;
        const kind = sub === S.enumerateRPsGetNextRP ? 'rps' : 'credentials';
        if (e === undefined || e.kind !== kind || e.next >= e.items.length) fail('CTAP2_ERR_NOT_ALLOWED');
        const item = e.items[e.next]!;
        e.next += 1;
        return item;
      }
      case S.deleteCredential: {
        const t = auth();
        const r = findResident(core, params);
        checkRp(t, r.rpId);
        s.credentials = s.credentials.filter((c) => c !== r);
        s.counters.delete(core.counterKey(r.id));
        v.enumeration = undefined;
        return undefined;
      }
      case S.updateUserInformation: {
        const t = auth();
        const r = findResident(core, params);
        checkRp(t, r.rpId);
        const user = req.map(params!, P.user);
        const id = req.bytes(user, 'id');
        const name = opt.string(user, 'name');
        const displayName = opt.string(user, 'displayName');
        if (!equalBytes(id, r.user.id)) fail('CTAP1_ERR_INVALID_PARAMETER');
        r.user = {
          id: r.user.id,
          ...(name ? { name } : {}),
          ...(displayName ? { displayName } : {}),
        };
        v.enumeration = undefined;
        return undefined;
      }
      default:
        fail('CTAP2_ERR_INVALID_SUBCOMMAND');
    }
  };
}

export const credentialManagement: Command = {
  code: CTAP2_COMMANDS.credentialManagement,
  name: 'authenticatorCredentialManagement',
  handle: handler(false),
};

export const credentialManagementPreview: Command = {
  code: CTAP2_COMMANDS.credentialManagementPreview,
  name: 'authenticatorCredentialManagement (preview)',
  handle: handler(true),
};
