/**
 * The authenticator's internals that every command shares: configuration, state, the scripted
 * user, the pinUvAuthToken, credential IDs, counters, the resident store and attestation keys.
 * Commands (src/commands/*) are functions over this object.
 */
import { bytesToHex, equalBytes, sha256, utf8Encode } from '@fido2kit/cose';
import type { CallOptions } from '@fido2kit/ctap2';
import {
  PIN_UV_AUTH_PERMISSIONS,
  type PinUvAuthProtocol,
  PinUvAuthProtocolOne,
  PinUvAuthProtocolTwo,
} from '@fido2kit/ctap2';
import { p256 } from '@noble/curves/nist.js';
import { generateCa, generateLeaf } from './certificates.js';
import { type CredentialPayload, unwrapCredentialId, wrapCredentialId } from './credential-id.js';
import { SigningKeys } from './keys.js';
import { managementPermissions } from './management-config.js';
import { modelAttestation } from './model.js';
import { DEFAULTS, type ResolvedConfig } from './options.js';
import type { PresenceBehaviour, PresenceRequest, UvBehaviour, WaitResult } from './presence.js';
import { waitForUser } from './presence.js';
import type { PersistentState, ResidentCredential, TokenState, VolatileState } from './state.js';

/** pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7; ctap2's table, the one home of the bits). */
export const PERMISSIONS = PIN_UV_AUTH_PERMISSIONS;

/** A located credential: its ID and what the ID holds, and its resident record if discoverable. */
export interface Credential {
  id: Uint8Array;
  payload: CredentialPayload;
  resident?: ResidentCredential;
}

export class AuthenticatorCore {
  readonly config: ResolvedConfig;
  state: PersistentState;
  volatile: VolatileState;
  presence: PresenceBehaviour;
  uv: UvBehaviour;
  readonly random: (n: number) => Uint8Array;
  readonly injectedRandom: boolean;
  readonly now: () => number;
  readonly protocols: Map<number, PinUvAuthProtocol>;
  /** pinUvAuthToken permissions beyond mc and ga that registered commands support (cm, be, lbw, acfg). */
  extraPermissions = 0;
  /** Prepared signing keys (credential and attestation keys), through cose's backend seam. */
  readonly keys = new SigningKeys();

  constructor(
    config: ResolvedConfig,
    state: PersistentState,
    behaviour: {
      presence: PresenceBehaviour;
      uv: UvBehaviour;
      random: (n: number) => Uint8Array;
      now: () => number;
      /** Whether `random` was injected (then credential keys derive from it, deterministically). */
      injectedRandom?: boolean;
    },
  ) {
    this.config = config;
    this.state = state;
    this.presence = behaviour.presence;
    this.uv = behaviour.uv;
    this.random = behaviour.random;
    this.injectedRandom = behaviour.injectedRandom ?? false;
    this.now = behaviour.now;
    this.protocols = new Map<number, PinUvAuthProtocol>();
    for (const v of config.pinUvAuthProtocols) {
      this.protocols.set(v, v === 1 ? new PinUvAuthProtocolOne() : new PinUvAuthProtocolTwo(this.random));
    }
    this.volatile = this.freshVolatile();
    this.extraPermissions = managementPermissions(config);
  }

  private freshVolatile(): VolatileState {
    return { powerUpAt: this.now(), pinFailuresInARow: 0, keyAgreement: new Map() };
  }

  /** Power cycle: clears tokens, key agreement keys, the PIN-failure streak, getNextAssertion. */
  powerCycle(): void {
    this.volatile = this.freshVolatile();
  }

  /** authenticatorReset: a new credential secret; no PIN, credentials, fingerprints or counters. */
  factoryReset(): void {
    const s = this.state;
    s.secret = this.random(32);
    this.keys.clear();
    this.#opened.clear();
    delete s.pinHash;
    delete s.pinCodePoints;
    s.pinRetries = DEFAULTS.maxPinRetries;
    s.forcePinChange = false;
    s.minPinLength = this.config.factoryMinPinLength;
    s.minPinLengthRpIds = [...this.config.factoryMinPinLengthRpIds];
    s.uvRetries = this.config.maxUvRetries;
    s.fingerprints = [];
    s.credentials = [];
    s.counters = new Map();
    s.alwaysUv = this.config.factoryAlwaysUv;
    delete s.largeBlobArray;
    delete s.persistentToken;
    s.enterpriseAttestation = false;
    const powerUpAt = this.volatile.powerUpAt;
    this.volatile = this.freshVolatile();
    this.volatile.powerUpAt = powerUpAt;
  }

  get pinSet(): boolean {
    return this.state.pinHash !== undefined;
  }
  get uvConfigured(): boolean {
    return this.config.sensor && this.state.fingerprints.length > 0;
  }
  /** "Protected by some form of user verification" (CTAP 2.1 §6.1.2). */
  get protectedByUv(): boolean {
    return (this.config.clientPin && this.pinSet) || this.uvConfigured;
  }
  get remainingDiscoverableCredentials(): number {
    return Math.max(0, this.config.residentKeyCapacity - this.state.credentials.length);
  }

  // --- the scripted user ---------------------------------------------------------------------

  private timing() {
    return {
      timeoutMs: this.config.presenceTimeoutMs,
      intervalMs: this.config.keepaliveIntervalMs,
      delayMs: this.config.presenceDelayMs,
    };
  }

  /** Asks for a touch. `answerBeforeTouch` approves at once. */
  async requestPresence(call: CallOptions | undefined, request: Omit<PresenceRequest, 'kind'>) {
    if (this.config.quirks.answerBeforeTouch) return 'yes' as WaitResult;
    const p = this.presence;
    const req: PresenceRequest = { ...request, kind: 'presence' };
    return waitForUser(call, () => (typeof p === 'function' ? p(req) : p), this.timing());
  }

  /**
   * performBuiltInUv (CTAP 2.1 §6.5.2): one attempt at the fingerprint sensor. A mismatch
   * decrements uvRetries; a match restores them. Returns 'yes', 'no' or 'timeout'.
   */
  async builtInUv(
    call: CallOptions | undefined,
    request: Omit<PresenceRequest, 'kind'>,
  ): Promise<WaitResult> {
    const u = this.uv;
    const req: PresenceRequest = { ...request, kind: 'fingerprint' };
    const timing = this.config.quirks.answerBeforeTouch ? { ...this.timing(), delayMs: 0 } : this.timing();
    const r = await waitForUser(call, () => (typeof u === 'function' ? u(req) : u), timing);
    if (r === 'yes') this.state.uvRetries = this.config.maxUvRetries;
    else if (r === 'no') this.state.uvRetries = Math.max(0, this.state.uvRetries - 1);
    return r;
  }

  // --- PIN/UV auth protocols and the token -----------------------------------------------------

  /** The authenticator's key agreement key for a protocol, created on first use. */
  keyAgreementKey(version: number) {
    let k = this.volatile.keyAgreement.get(version);
    if (k === undefined) {
      const privateKey = p256.utils.randomSecretKey(this.random(48));
      const pub = p256.getPublicKey(privateKey, false);
      const publicKey = new Map<number, unknown>([
        [1, 2],
        [3, -25],
        [-1, 1],
        [-2, pub.slice(1, 33)],
        [-3, pub.slice(33, 65)],
      ]);
      k = { privateKey, publicKey };
      this.volatile.keyAgreement.set(version, k);
    }
    return k;
  }

  /** regenerate(): a new key agreement key for the protocol. */
  regenerateKeyAgreement(version: number): void {
    this.volatile.keyAgreement.delete(version);
  }

  /** resetPinUvAuthToken() for all protocols + beginUsingPinUvAuthToken(). */
  issueToken(userPresent: boolean, permissions: number, rpId: string | undefined): TokenState {
    const token: TokenState = {
      token: this.random(32),
      permissions,
      ...(rpId === undefined ? {} : { rpId }),
      issuedAt: this.now(),
      used: false,
      userPresent,
      userVerified: true,
    };
    this.volatile.token = token;
    return token;
  }

  /** The token if it is in use and its usage timer has not run out. */
  activeToken(): TokenState | undefined {
    const t = this.volatile.token;
    if (t === undefined) return undefined;
    const elapsed = this.now() - t.issuedAt;
    if (elapsed > DEFAULTS.tokenMaxUseMs || (!t.used && elapsed > DEFAULTS.tokenInitialUseMs)) {
      this.volatile.token = undefined;
      return undefined;
    }
    return t;
  }

  /** getUserPresentFlagValue(). */
  tokenUserPresent(t: TokenState): boolean {
    return t.userPresent && this.now() - t.issuedAt <= DEFAULTS.userPresentMs;
  }

  /** verify(pinUvAuthToken, message, pinUvAuthParam) with an active token. */
  verifyToken(version: number, message: Uint8Array, param: Uint8Array): TokenState | undefined {
    const proto = this.protocols.get(version);
    const t = this.activeToken();
    if (proto === undefined || t === undefined) return undefined;
    if (!verifyMac(proto, t.token, message, param)) return undefined;
    return t;
  }

  /** invalidates every token, the persistent one too (PIN set or change, reset). */
  dropToken(): void {
    this.volatile.token = undefined;
    delete this.state.persistentToken;
  }

  /** The persistentPinUvAuthToken (CTAP 2.2 §6.5.5.7), made on first use; it survives power cycles. */
  persistentToken(): Uint8Array {
    this.state.persistentToken ??= this.random(32);
    return this.state.persistentToken;
  }

  /**
   * verify(persistentPinUvAuthToken, message, pinUvAuthParam): true when the MAC was made with
   * the persistent token (which carries the pcmr permission only).
   */
  verifyPersistentToken(version: number, message: Uint8Array, param: Uint8Array): boolean {
    const proto = this.protocols.get(version);
    const t = this.state.persistentToken;
    return proto !== undefined && t !== undefined && verifyMac(proto, t, message, param);
  }

  // --- credentials -----------------------------------------------------------------------------

  /** A new credential key (see SigningKeys.create). */
  newCredentialKey(alg: number) {
    return this.keys.create(alg, this.random, this.injectedRandom);
  }

  /** The signing key of a credential. */
  credentialKey(payload: CredentialPayload) {
    return this.keys.credential(payload.alg, payload.seed, payload.rawKey === true);
  }

  readonly #rpIdHashes = new Map<string, Uint8Array>();

  /** SHA-256 of the RP ID (remembered for the last few RP IDs; callers get a copy). */
  rpIdHash(rpId: string): Uint8Array {
    let h = this.#rpIdHashes.get(rpId);
    if (h === undefined) {
      h = sha256(utf8Encode(rpId));
      if (this.#rpIdHashes.size >= 64) this.#rpIdHashes.clear();
      this.#rpIdHashes.set(rpId, h);
    }
    return h.slice();
  }

  /**
   * Payloads of the credential IDs this authenticator made or opened most recently, by RP ID and
   * ID bytes: an ID is usually presented right after it was made, and opening it again costs an
   * AES-GCM decryption and a CBOR decode. An entry counts only under the secret it was sealed
   * with (a reset makes every entry stale); a changed byte or another RP ID is simply a miss, and
   * the ID is opened (and its tag checked) as before. Held in memory only, like the prepared keys.
   */
  readonly #opened = new Map<string, { id: Uint8Array; secret: Uint8Array; payload: CredentialPayload }>();

  /** A cache key: the RP ID and the ID's last 16 bytes (its GCM tag); a hit compares every byte. */
  #openedKey(rpId: string, id: Uint8Array): string {
    let k = `${rpId}\n`;
    for (let i = Math.max(0, id.length - 16); i < id.length; i++) k += String.fromCharCode(id[i] as number);
    return k;
  }

  #remember(rpId: string, id: Uint8Array, payload: CredentialPayload): void {
    const k = this.#openedKey(rpId, id);
    this.#opened.delete(k);
    this.#opened.set(k, {
      id: id.slice(),
      secret: this.state.secret,
      payload: Object.freeze({ ...payload }),
    });
    if (this.#opened.size > 256) this.#opened.delete(this.#opened.keys().next().value as string);
  }

  wrap(rpId: string, payload: CredentialPayload): Uint8Array {
    const id = wrapCredentialId(this.state.secret, this.rpIdHash(rpId), payload, this.random(12));
    this.#remember(rpId, id, payload);
    return id;
  }

  /** The payload sealed in a credential ID for this RP; `undefined` when the ID is not ours. */
  #open(rpId: string, id: Uint8Array): CredentialPayload | undefined {
    const hit = this.#opened.get(this.#openedKey(rpId, id));
    if (hit !== undefined && hit.secret === this.state.secret && equalBytes(hit.id, id)) return hit.payload;
    const payload = unwrapCredentialId(this.state.secret, this.rpIdHash(rpId), id);
    if (payload !== undefined) this.#remember(rpId, id, payload);
    return payload;
  }

  /** The credential with this ID for this RP, if it is ours and (when discoverable) still stored. */
  locate(rpId: string, id: Uint8Array): Credential | undefined {
    if (id.length > 1023) return undefined;
    const payload = this.#open(rpId, id);
    if (payload === undefined) return undefined;
    if (!payload.rk) return { id, payload };
    const resident = this.state.credentials.find((c) => c.rpId === rpId && equalBytes(c.id, id));
    return resident === undefined ? undefined : { id, payload, resident };
  }

  /** Discoverable credentials of an RP, newest first. */
  residents(rpId: string): Credential[] {
    const out: Credential[] = [];
    for (const r of [...this.state.credentials].sort((a, b) => b.created - a.created)) {
      if (r.rpId !== rpId) continue;
      const payload = this.#open(rpId, r.id);
      if (payload !== undefined) out.push({ id: r.id, payload, resident: r });
    }
    return out;
  }

  counterKey(id: Uint8Array): string {
    return bytesToHex(sha256(id).subarray(0, 16));
  }

  /** Increments and returns a credential's signature counter. */
  nextCounter(id: Uint8Array): number {
    if (this.config.quirks.zeroSignCounter) return 0;
    const key = this.counterKey(id);
    const n = ((this.state.counters.get(key) ?? 0) + 1) >>> 0;
    this.state.counters.set(key, n);
    return n;
  }

  // --- attestation material --------------------------------------------------------------------

  /** The per-key attestation CA (generated on first use unless given). */
  attestationCa(): { caKey: Uint8Array; caCert: Uint8Array } {
    const a = this.state.attestation;
    if (a.caKey === undefined || a.caCert === undefined) {
      const given = this.config.attestationCa;
      const ca = given ? { caKey: given.privateKey, caCert: given.certificate } : generateCa(this.random);
      a.caKey = ca.caKey;
      a.caCert = ca.caCert;
    }
    return { caKey: a.caKey, caCert: a.caCert };
  }

  /** The root the attestation chains to: the model's, or the key's own CA. */
  attestationRoot(): Uint8Array {
    return this.config.attestationIdentity === 'model'
      ? modelAttestation().root
      : this.attestationCa().caCert;
  }

  /** The packed attestation leaf (with the AAGUID extension): the model's batch, or the key's own. */
  attestationLeaf(): { key: Uint8Array; cert: Uint8Array } {
    if (this.config.attestationIdentity === 'model') return modelAttestation().leaf;
    const a = this.state.attestation;
    if (a.leafKey === undefined || a.leafCert === undefined) {
      const leaf = generateLeaf(this.random, this.attestationCa(), this.state.aaguid);
      a.leafKey = leaf.leafKey;
      a.leafCert = leaf.leafCert;
    }
    return { key: a.leafKey, cert: a.leafCert };
  }

  /** The fido-u2f attestation certificate (no AAGUID extension): the model's, or the key's own. */
  u2fLeaf(): { key: Uint8Array; cert: Uint8Array } {
    if (this.config.attestationIdentity === 'model') return modelAttestation().u2f;
    const a = this.state.attestation;
    if (a.u2fKey === undefined || a.u2fCert === undefined) {
      const leaf = generateLeaf(this.random, this.attestationCa(), undefined);
      a.u2fKey = leaf.leafKey;
      a.u2fCert = leaf.leafCert;
    }
    return { key: a.u2fKey, cert: a.u2fCert };
  }
}

/** Checks a pinUvAuthParam: protocol one takes 16 bytes, protocol two 32. */
export function verifyMac(
  proto: PinUvAuthProtocol,
  key: Uint8Array,
  message: Uint8Array,
  param: Uint8Array,
): boolean {
  if (param.length !== (proto.version === 1 ? 16 : 32)) return false;
  return proto.verify(key, message, param);
}
