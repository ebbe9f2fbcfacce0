/**
 * The simulated fingerprint sensor during enrollment: each sample's outcome comes from a script
 * (`sensor.script(['good', 'too-fast', …])`), then from an `onSample` hook, and is 'good' when
 * neither says otherwise. 'timeout' means no finger arrives (the key answers
 * CTAP2_ERR_USER_ACTION_TIMEOUT after its timeout).
 */
import type { FingerprintSampleStatus } from '@fido2kit/ctap2';
import type { AuthenticatorCore } from './core.js';

/** What a scripted sample does: a sample status, or no finger at all. */
export type SampleOutcome = FingerprintSampleStatus | 'timeout';

/** What the sensor tells the `onSample` hook. */
export interface SampleRequest {
  /** The template being enrolled. */
  templateId: Uint8Array;
  /** Samples taken so far in this enrollment (0 for the first). */
  sampleIndex: number;
  /** Good samples still needed before this one. */
  remainingSamples: number;
}

/** Decides a sample's outcome when the script is empty. */
export type SampleHook = (request: SampleRequest) => SampleOutcome | Promise<SampleOutcome>;

/**
 * The scriptable sensor of a {@link VirtualAuthenticator} (`authenticator.sensor`).
 * @example
 * ```ts
 * const authenticator = new VirtualAuthenticator({ pin: '1234', fingerprints: 0 });
 * authenticator.sensor.script(['good', 'too-fast', 'good', 'good', 'good']);
 * ```
 */
export class FingerprintSensor {
  #queue: SampleOutcome[] = [];
  /** Decides samples the script does not cover; default every sample is 'good'. */
  onSample: SampleHook | undefined;
  /** Every outcome given so far, oldest first. */
  readonly history: SampleOutcome[] = [];

  /** Appends outcomes for the next samples. */
  script(outcomes: readonly SampleOutcome[]): this {
    if (!Array.isArray(outcomes)) throw new TypeError('"outcomes" expected an array');
    this.#queue.push(...outcomes);
    return this;
  }

  /** Outcomes scripted and not yet used. */
  get pending(): readonly SampleOutcome[] {
    return [...this.#queue];
  }

  /** Forgets the scripted outcomes. */
  clear(): void {
    this.#queue = [];
  }

  /** The next sample's outcome (used by bioEnrollment). */
  async next(request: SampleRequest): Promise<SampleOutcome> {
    const scripted = this.#queue.shift();
    const outcome = scripted ?? (this.onSample ? await this.onSample(request) : 'good');
    this.history.push(outcome);
    return outcome;
  }
}

const sensors = new WeakMap<AuthenticatorCore, FingerprintSensor>();

/** The sensor of a core (one per authenticator). */
export function sensorOf(core: AuthenticatorCore): FingerprintSensor {
  let s = sensors.get(core);
  if (s === undefined) {
    s = new FingerprintSensor();
    sensors.set(core, s);
  }
  return s;
}
