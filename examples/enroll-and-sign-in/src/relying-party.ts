/**
 * The demo's relying party, in process: the seed organisation's policy (security keys enabled,
 * attestation enforced against a metadata catalog, user verification required), its users and
 * their keys in a JSON file, and single-use challenges.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MetadataCatalog } from '@fido2kit/attestation';
import { base64url } from '@fido2kit/cose';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@fido2kit/rp';

export interface Policy {
  /** Only keys whose attestation chains to a model in the metadata catalog. */
  enforceAttestation: boolean;
  /** Only these key models (AAGUIDs), when set. */
  allowedAaguids?: string[];
}

export interface StoredKey {
  id: string;
  publicKey: string;
  counter: number;
  name: string;
  model?: string;
  aaguid: string;
  transports?: string[];
  addedAt: string;
  lastUsedAt?: string;
}

export interface User {
  id: string;
  name: string;
  displayName: string;
  keys: StoredKey[];
}

interface Store {
  users: User[];
}

interface Pending {
  purpose: 'register' | 'sign-in';
  user?: { name: string; displayName: string; id: string };
  expires: number;
}

export class DemoRelyingParty {
  readonly rpID: string;
  readonly origin: string;
  readonly #file: string;
  readonly #metadata: MetadataCatalog | undefined;
  readonly #policy: Policy;
  #store: Store;
  readonly #challenges = new Map<string, Pending>();

  constructor(options: {
    file: string;
    rpID: string;
    origin: string;
    metadata?: MetadataCatalog;
    policy: Policy;
  }) {
    this.#file = options.file;
    this.rpID = options.rpID;
    this.origin = options.origin;
    this.#metadata = options.metadata;
    this.#policy = options.policy;
    this.#store = existsSync(this.#file)
      ? (JSON.parse(readFileSync(this.#file, 'utf8')) as Store)
      : { users: [] };
  }

  get users(): readonly User[] {
    return this.#store.users;
  }

  #save(): void {
    mkdirSync(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.#store, null, 2)}\n`);
    renameSync(tmp, this.#file);
  }

  #remember(challenge: string, purpose: Pending['purpose'], user?: Pending['user']): void {
    this.#challenges.set(challenge, { purpose, user, expires: Date.now() + 5 * 60_000 });
  }

  /** Consumes a challenge: single use, five minutes. */
  #take(challenge: string, purpose: Pending['purpose']): Pending | undefined {
    const c = this.#challenges.get(challenge);
    this.#challenges.delete(challenge);
    return c && c.purpose === purpose && c.expires > Date.now() ? c : undefined;
  }

  /** Registration options for `userName`: a discoverable credential, UV required, attestation asked. */
  async startEnrollment(
    userName: string,
    displayName: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user = this.#store.users.find((u) => u.name === userName);
    const options = await generateRegistrationOptions({
      rpName: 'fido2kit demo',
      rpID: this.rpID,
      userName,
      userDisplayName: displayName,
      ...(user ? { userID: base64url.decode(user.id) } : {}),
      attestationType: 'direct',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      excludeCredentials: (user?.keys ?? []).map((k) => ({ id: k.id, transports: k.transports as never })),
      extensions: { credProps: true },
    });
    this.#remember(options.challenge, 'register', { name: userName, displayName, id: options.user.id });
    return options;
  }

  /** Verifies the new key under the policy and stores it; returns the stored key and its user. */
  async finishEnrollment(
    response: RegistrationResponseJSON,
    keyName: (model: string | undefined, attestationTrusted: boolean) => Promise<string>,
  ): Promise<{ user: User; key: StoredKey }> {
    const clientData = JSON.parse(
      new TextDecoder().decode(base64url.decode(response.response.clientDataJSON)),
    ) as { challenge: string };
    const pending = this.#take(clientData.challenge, 'register');
    if (!pending?.user)
      throw Object.assign(new Error('This enrolment was not started here, or it expired. Start again.'), {
        code: 'ERR_CHALLENGE_UNKNOWN',
      });
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: clientData.challenge,
      expectedOrigin: this.origin,
      expectedRPID: this.rpID,
      requireUserVerification: true,
      attestation: {
        metadata: this.#metadata,
        requireTrustedAttestation: this.#policy.enforceAttestation,
        allowUntrustedAttestation: !this.#policy.enforceAttestation,
        ...(this.#policy.allowedAaguids ? { allowedAaguids: this.#policy.allowedAaguids } : {}),
      },
    });
    let user = this.#store.users.find((u) => u.name === pending.user?.name);
    if (!user) {
      user = { ...pending.user, keys: [] };
      this.#store.users.push(user);
    }
    const model = verified.authenticator.name;
    const key: StoredKey = {
      id: verified.credential.id,
      publicKey: base64url.encode(verified.credential.publicKey),
      counter: verified.credential.counter,
      name: await keyName(model, verified.attestation.trusted),
      ...(model ? { model } : {}),
      aaguid: verified.credential.aaguid,
      ...(verified.credential.transports ? { transports: [...verified.credential.transports] } : {}),
      addedAt: new Date().toISOString(),
    };
    user.keys.push(key);
    this.#save();
    return { user, key };
  }

  /** Sign-in options with no allowCredentials: the key offers its accounts for this site. */
  async startSignIn(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({ rpID: this.rpID, userVerification: 'required' });
    this.#remember(options.challenge, 'sign-in');
    return options;
  }

  /** Finds the user by userHandle, verifies, updates the counter. */
  async finishSignIn(
    response: AuthenticationResponseJSON,
  ): Promise<{ user: User; key: StoredKey; userVerified: boolean; counter: number }> {
    const clientData = JSON.parse(
      new TextDecoder().decode(base64url.decode(response.response.clientDataJSON)),
    ) as { challenge: string };
    if (!this.#take(clientData.challenge, 'sign-in')) {
      throw Object.assign(new Error('This sign-in was not started here, or it expired. Start again.'), {
        code: 'ERR_CHALLENGE_UNKNOWN',
      });
    }
    const handle = response.response.userHandle;
    const user = this.#store.users.find((u) => u.id === handle);
    const key = user?.keys.find((k) => k.id === response.id);
    if (!user || !key)
      throw Object.assign(new Error('This key is not registered here (no account matches it).'), {
        code: 'ERR_UNKNOWN_CREDENTIAL',
      });
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: clientData.challenge,
      expectedOrigin: this.origin,
      expectedRPID: this.rpID,
      requireUserVerification: true,
      credential: { id: key.id, publicKey: base64url.decode(key.publicKey), counter: key.counter },
    });
    key.counter = verified.newCounter;
    key.lastUsedAt = new Date().toISOString();
    this.#save();
    return { user, key, userVerified: verified.userVerified, counter: verified.newCounter };
  }
}
