/**
 * Smart lockout, after Microsoft Entra's: failed password and code attempts are counted per source
 * (client address) and per account. A source is locked after a few failures, long before an
 * account; an account is locked only by failures from sources it has never signed in from, so an
 * attacker cannot lock a user out of the places the user signs in from. Each further lock of the
 * same source or account doubles its length. Locks apply to password sign-in only: the security
 * key, which cannot be phished or guessed, stays usable. Counted in the store, so every instance
 * agrees.
 */
import type { Store } from './store/types.js';

export interface LockoutPolicy {
  /** Failures from one source (any accounts) before that source is locked. */
  sourceThreshold: number;
  /** Failures on one account from unfamiliar sources before the account's password sign-in is locked. */
  accountThreshold: number;
  /** The first lock's length; each later lock of the same key doubles it. */
  baseLockMs: number;
  maxLockMs: number;
  /** Failures and lock counts are forgotten after this long without a failure. */
  resetMs: number;
  /** A source stays familiar to an account this long after a successful sign-in from it. */
  familiarMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = {
  sourceThreshold: 5,
  accountThreshold: 20,
  baseLockMs: 60_000,
  maxLockMs: 60 * 60_000,
  resetMs: 24 * 3600_000,
  familiarMs: 30 * 24 * 3600_000,
};

export type LockState = { locked: false } | { locked: true; scope: 'source' | 'account'; until: number };

const UNLOCKED: LockState = { locked: false };

/** The lock length after `lockouts` earlier locks: base × 2^lockouts, at most max. */
export function lockLength(policy: LockoutPolicy, lockouts: number): number {
  return Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** Math.min(lockouts, 30));
}

export class SmartLockout {
  readonly #store: Store;
  readonly #policy: LockoutPolicy;

  constructor(store: Store, policy: Partial<LockoutPolicy> = {}) {
    this.#store = store;
    this.#policy = { ...DEFAULT_LOCKOUT, ...policy };
  }

  #keys(source: string, username: string) {
    const name = username.toLowerCase();
    return { source: `src:${source}`, account: `acct:${name}`, familiar: `fam:${name}:${source}` };
  }

  /** Is password sign-in of `username` from `source` locked now? */
  async check(source: string, username: string, now: number): Promise<LockState> {
    const k = this.#keys(source, username);
    const sourceUntil = await this.#store.lockedUntil([k.source], now);
    if (sourceUntil > 0) return { locked: true, scope: 'source', until: sourceUntil };
    if (await this.#store.isRemembered(k.familiar, now)) return UNLOCKED;
    const accountUntil = await this.#store.lockedUntil([k.account], now);
    return accountUntil > 0 ? { locked: true, scope: 'account', until: accountUntil } : UNLOCKED;
  }

  /** Counts a failed password or code (unknown usernames too); returns the state after it. */
  async fail(source: string, username: string, now: number): Promise<LockState> {
    const k = this.#keys(source, username);
    const p = this.#policy;
    const src = await this.#store.addFailure(k.source, now, p.resetMs);
    if (src.failures >= p.sourceThreshold)
      await this.#store.lock(k.source, now + lockLength(p, src.lockouts), now, p.resetMs);
    if (!(await this.#store.isRemembered(k.familiar, now))) {
      const acct = await this.#store.addFailure(k.account, now, p.resetMs);
      if (acct.failures >= p.accountThreshold)
        await this.#store.lock(k.account, now + lockLength(p, acct.lockouts), now, p.resetMs);
    }
    return this.check(source, username, now);
  }

  /**
   * A completed two-factor sign-in: the account's failures are forgiven and the source becomes
   * familiar to it. The source's own count stays (an attacker's own account must not reset it).
   */
  async succeed(source: string, username: string, now: number): Promise<void> {
    const k = this.#keys(source, username);
    await this.#store.clearFailures([k.account]);
    await this.#store.remember(k.familiar, now + this.#policy.familiarMs);
  }
}
