/**
 * authenticatorBioEnrollment (CTAP 2.1 §6.7; 0x09, and 0x40 for FIDO_2_1_PRE keys): the
 * fingerprint sensor's facts, enrolling a finger sample by sample, and listing, renaming and
 * removing enrolled fingerprints.
 */
import { type CborValue, InvalidArgumentError, utf8Encode } from '@fido2kit/cose';
import { argBytes, argString, ResponseReader, throwIfAborted } from './_assert.js';
import {
  checkToken,
  type ManagementOpenOptions,
  type ManagementToken,
  managementCommand,
  obtainToken,
  sendSubcommand,
} from './_management.js';
import { CTAP_STATUS, CTAP2_COMMANDS } from './constants.js';
import type { Ctap2 } from './ctap2.js';
import type { CallOptions } from './device.js';
import { Ctap2ClientError, CtapError } from './errors.js';
import type { PinUvAuthProtocol } from './pin-protocol.js';

/** bioEnrollment subcommands (CTAP 2.1 §6.7). */
export const BIO_ENROLLMENT_SUBCOMMANDS = {
  enrollBegin: 0x01,
  enrollCaptureNextSample: 0x02,
  cancelCurrentEnrollment: 0x03,
  enumerateEnrollments: 0x04,
  setFriendlyName: 0x05,
  removeEnrollment: 0x06,
  getFingerprintSensorInfo: 0x07,
} as const;

/** bioEnrollment parameter keys (CTAP 2.1 §6.7). */
export const BIO_ENROLLMENT_KEYS = {
  modality: 0x01,
  subCommand: 0x02,
  subCommandParams: 0x03,
  pinUvAuthProtocol: 0x04,
  pinUvAuthParam: 0x05,
  getModality: 0x06,
} as const;

/** subCommandParams keys (CTAP 2.1 §6.7). */
export const BIO_ENROLLMENT_PARAM_KEYS = {
  templateId: 0x01,
  templateFriendlyName: 0x02,
  timeoutMilliseconds: 0x03,
} as const;

/** bioEnrollment response keys (CTAP 2.1 §6.7). */
export const BIO_ENROLLMENT_RESPONSE_KEYS = {
  modality: 0x01,
  fingerprintKind: 0x02,
  maxCaptureSamplesRequiredForEnroll: 0x03,
  templateId: 0x04,
  lastEnrollSampleStatus: 0x05,
  remainingSamples: 0x06,
  templateInfos: 0x07,
  maxTemplateFriendlyName: 0x08,
} as const;

/** The fingerprint modality (CTAP 2.1 §6.7.1). */
export const BIO_MODALITY_FINGERPRINT = 0x01;

/** lastEnrollSampleStatus values by name (CTAP 2.1 §6.7.4 CTAP2_ENROLL_FEEDBACK_FP_*). */
export const FINGERPRINT_SAMPLE_STATUS = {
  good: 0x00,
  'too-high': 0x01,
  'too-low': 0x02,
  'too-left': 0x03,
  'too-right': 0x04,
  'too-fast': 0x05,
  'too-slow': 0x06,
  'poor-quality': 0x07,
  'too-skewed': 0x08,
  'too-short': 0x09,
  'merge-failure': 0x0a,
  exists: 0x0b,
  'no-user-activity': 0x0d,
  'no-up-transition': 0x0e,
} as const;

/** A sample status name ('good', 'too-high', …). */
export type FingerprintSampleStatus = keyof typeof FINGERPRINT_SAMPLE_STATUS;

/** Sample status names by number (the inverse of {@link FINGERPRINT_SAMPLE_STATUS}). */
export const FINGERPRINT_SAMPLE_STATUS_NAMES: Readonly<Record<number, FingerprintSampleStatus>> =
  Object.freeze(
    Object.fromEntries(Object.entries(FINGERPRINT_SAMPLE_STATUS).map(([k, v]) => [v, k])) as Record<
      number,
      FingerprintSampleStatus
    >,
  );

/** getFingerprintSensorInfo's answer. */
export interface FingerprintSensorInfo {
  /** The modality (1: fingerprint). */
  modality: number;
  /** 1 touch sensor, 2 swipe sensor. */
  fingerprintKind: number;
  /** `fingerprintKind` by name. */
  kind: 'touch' | 'swipe' | 'unknown';
  /** Good samples an enrollment needs at most. */
  maxCaptureSamplesRequiredForEnroll: number;
  /** Longest friendly name in bytes, when the key says. */
  maxTemplateFriendlyName?: number;
}

/** The outcome of one enrollment sample. */
export interface EnrollSample {
  templateId: Uint8Array;
  /** The status by name ('good', 'too-fast', …; 'unknown' for a number the spec does not name). */
  status: FingerprintSampleStatus | 'unknown';
  /** lastEnrollSampleStatus as sent. */
  statusCode: number;
  /** Good samples still needed; 0 when the fingerprint is enrolled. */
  remainingSamples: number;
}

/** An enrolled fingerprint. */
export interface FingerprintEnrollment {
  templateId: Uint8Array;
  friendlyName?: string;
}

/** Options of {@link BioEnrollment.enroll}. */
export interface EnrollOptions extends CallOptions {
  /** Called after every sample: its status and how many good samples remain. */
  onSample?: (sample: EnrollSample) => void;
  /** Per-sample timeout the key is asked to use, in ms. */
  timeoutMs?: number;
  /** A friendly name to give the fingerprint once enrolled. */
  friendlyName?: string;
}

const K = BIO_ENROLLMENT_KEYS;
const P = BIO_ENROLLMENT_PARAM_KEYS;
const R = BIO_ENROLLMENT_RESPONSE_KEYS;
const S = BIO_ENROLLMENT_SUBCOMMANDS;

/**
 * Parses getFingerprintSensorInfo's response.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * parseFingerprintSensorInfo(new Map([[1, 1], [2, 1], [3, 5]])).kind; // 'touch'
 * ```
 */
export function parseFingerprintSensorInfo(value: unknown): FingerprintSensorInfo {
  const r = new ResponseReader(value, 'getFingerprintSensorInfo');
  const fingerprintKind = r.uint(R.fingerprintKind, true);
  const out: FingerprintSensorInfo = {
    modality: r.uint(R.modality) ?? BIO_MODALITY_FINGERPRINT,
    fingerprintKind,
    kind: fingerprintKind === 1 ? 'touch' : fingerprintKind === 2 ? 'swipe' : 'unknown',
    maxCaptureSamplesRequiredForEnroll: r.uint(R.maxCaptureSamplesRequiredForEnroll, true),
  };
  const max = r.uint(R.maxTemplateFriendlyName);
  if (max !== undefined) out.maxTemplateFriendlyName = max;
  return out;
}

/**
 * Parses an enrollBegin / enrollCaptureNextSample response (`templateId` is only in the first;
 * pass it for the others).
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * const { status, remainingSamples } = parseEnrollSample(decode(body), templateId);
 * ```
 */
export function parseEnrollSample(value: unknown, templateId?: Uint8Array): EnrollSample {
  const r = new ResponseReader(value, 'enroll');
  const id = r.bytes(R.templateId, templateId === undefined)?.slice() ?? templateId!.slice();
  const statusCode = r.uint(R.lastEnrollSampleStatus, true);
  return {
    templateId: id,
    status: FINGERPRINT_SAMPLE_STATUS_NAMES[statusCode] ?? 'unknown',
    statusCode,
    remainingSamples: r.uint(R.remainingSamples, true),
  };
}

/**
 * Parses enumerateEnrollments' response.
 * @throws {Ctap2ClientError} `ERR_INVALID_RESPONSE`
 * @example
 * ```ts
 * const fingers = parseEnrollments(decode(body)); // [{ templateId, friendlyName: 'Right thumb' }]
 * ```
 */
export function parseEnrollments(value: unknown): FingerprintEnrollment[] {
  const r = new ResponseReader(value, 'enumerateEnrollments');
  const list = r.array(R.templateInfos, true) ?? [];
  return list.map((v) => {
    const t = new ResponseReader(v, 'templateInfo');
    const e: FingerprintEnrollment = { templateId: t.bytes(P.templateId, true).slice() };
    const name = t.string(P.templateFriendlyName);
    if (name !== undefined) e.friendlyName = name;
    return e;
  });
}

/**
 * Fingerprint management on a key with a built-in sensor. Needs a pinUvAuthToken with the `be`
 * permission (python-fido2's `FPBioEnrollment(ctap, protocol, token)`), or use
 * {@link BioEnrollment.open}.
 *
 * Spec: CTAP 2.1 §6.7 (0x09), preview 0x40 on FIDO_2_1_PRE keys.
 * @example
 * ```ts
 * const bio = await BioEnrollment.open(ctap, { pin: '1234' });
 * const templateId = await bio.enroll({
 *   onSample: ({ status, remainingSamples }) => show(status, remainingSamples, 'to go'),
 *   signal,
 * });
 * await bio.setFriendlyName(templateId, 'Right thumb');
 * ```
 */
export class BioEnrollment {
  readonly ctap: Ctap2;
  readonly protocol: PinUvAuthProtocol | undefined;
  readonly #token: Uint8Array | undefined;
  /** The command byte used: 0x09, or 0x40 on a preview key. */
  readonly command: number;

  /**
   * @param ctap the opened authenticator
   * @param protocol the PIN/UV auth protocol `pinUvAuthToken` was obtained with
   * @param pinUvAuthToken a token with the `be` permission; both may be left out for the
   *   commands that need none (getFingerprintSensorInfo, cancelEnrollment)
   * @throws {Ctap2ClientError} `ERR_NOT_SUPPORTED` when the key has no bio enrollment
   */
  constructor(ctap: Ctap2, protocol?: PinUvAuthProtocol, pinUvAuthToken?: Uint8Array) {
    if (protocol !== undefined || pinUvAuthToken !== undefined) checkToken(protocol!, pinUvAuthToken!);
    this.ctap = ctap;
    this.protocol = protocol;
    this.#token = pinUvAuthToken?.slice();
    this.command = managementCommand(
      ctap,
      'bioEnroll',
      'userVerificationMgmtPreview',
      CTAP2_COMMANDS.bioEnrollment,
      CTAP2_COMMANDS.bioEnrollmentPreview,
      'bio enrollment',
    );
  }

  /** True when the key has bio enrollment (option bioEnroll or userVerificationMgmtPreview). */
  static isSupported(ctap: Ctap2): boolean {
    const o = ctap.info.options;
    return o.bioEnroll !== undefined || o.userVerificationMgmtPreview !== undefined;
  }

  /**
   * Obtains a token with the `be` permission and returns a ready instance. With no fingerprint
   * enrolled yet a PIN is needed.
   * @example
   * ```ts
   * const bio = await BioEnrollment.open(ctap, { pin: '1234' });
   * ```
   */
  static async open(ctap: Ctap2, options: ManagementOpenOptions = {}): Promise<BioEnrollment> {
    if (!BioEnrollment.isSupported(ctap)) return new BioEnrollment(ctap);
    const { protocol, token } = await obtainToken(ctap, 'be', options);
    return new BioEnrollment(ctap, protocol, token);
  }

  async #call(
    sub: number,
    params: Map<CborValue, CborValue> | undefined,
    auth: boolean,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    let token: ManagementToken | undefined;
    if (auth) {
      if (this.protocol === undefined || this.#token === undefined) {
        throw new Ctap2ClientError('ERR_PIN_REQUIRED', 'this bio enrollment command needs a pinUvAuthToken');
      }
      token = { protocol: this.protocol, token: this.#token };
    }
    const modality = BIO_MODALITY_FINGERPRINT;
    return sendSubcommand(this.ctap, this.command, K, { sub, params, modality, token }, options);
  }

  /**
   * getModality: 1 for fingerprint.
   * @example
   * ```ts
   * await bio.getModality(); // 1
   * ```
   */
  async getModality(options?: CallOptions): Promise<number> {
    const res = await this.ctap.send(this.command, new Map([[K.getModality, true]]), options ?? {});
    return new ResponseReader(res ?? new Map(), 'getModality').uint(R.modality, true);
  }

  /**
   * getFingerprintSensorInfo: the sensor kind, samples per enrollment and the longest name.
   * @example
   * ```ts
   * const { kind, maxCaptureSamplesRequiredForEnroll } = await bio.getFingerprintSensorInfo();
   * ```
   */
  async getFingerprintSensorInfo(options?: CallOptions): Promise<FingerprintSensorInfo> {
    return parseFingerprintSensorInfo(
      await this.#call(S.getFingerprintSensorInfo, undefined, false, options),
    );
  }

  /**
   * enrollBegin: starts an enrollment and captures the first sample.
   * @throws {CtapError} `CTAP2_ERR_FP_DATABASE_FULL`, `CTAP2_ERR_USER_ACTION_TIMEOUT`, `CTAP2_ERR_PIN_AUTH_INVALID`
   * @example
   * ```ts
   * const first = await bio.enrollBegin(10_000);
   * ```
   */
  async enrollBegin(timeoutMs?: number, options?: CallOptions): Promise<EnrollSample> {
    const params =
      timeoutMs === undefined
        ? undefined
        : new Map<CborValue, CborValue>([[P.timeoutMilliseconds, timeoutMs]]);
    return parseEnrollSample(await this.#call(S.enrollBegin, params, true, options));
  }

  /**
   * enrollCaptureNextSample for the enrollment `templateId`.
   * @example
   * ```ts
   * const next = await bio.enrollCaptureNextSample(first.templateId);
   * ```
   */
  async enrollCaptureNextSample(
    templateId: Uint8Array,
    timeoutMs?: number,
    options?: CallOptions,
  ): Promise<EnrollSample> {
    argBytes(templateId, 'templateId');
    const params = new Map<CborValue, CborValue>([[P.templateId, templateId]]);
    if (timeoutMs !== undefined) params.set(P.timeoutMilliseconds, timeoutMs);
    return parseEnrollSample(await this.#call(S.enrollCaptureNextSample, params, true, options), templateId);
  }

  /**
   * cancelCurrentEnrollment: abandons the enrollment in progress; nothing is kept.
   * @example
   * ```ts
   * await bio.cancelEnrollment();
   * ```
   */
  async cancelEnrollment(options?: CallOptions): Promise<void> {
    await this.#call(S.cancelCurrentEnrollment, undefined, false, options);
  }

  /**
   * Enrolls a fingerprint: enrollBegin, then enrollCaptureNextSample until no samples remain,
   * reporting every sample through `onSample`. Aborting the signal cancels the enrollment on the
   * key (no template is kept) and rejects with `ERR_ABORTED`.
   * @returns the new template ID
   * @throws {Ctap2ClientError} `ERR_ABORTED`
   * @throws {CtapError} `CTAP2_ERR_FP_DATABASE_FULL`, `CTAP2_ERR_USER_ACTION_TIMEOUT`, …
   * @example
   * ```ts
   * const id = await bio.enroll({ onSample: (s) => ui.show(`${s.status}: ${s.remainingSamples} left`), signal });
   * ```
   */
  async enroll(options: EnrollOptions = {}): Promise<Uint8Array> {
    const { onSample, timeoutMs, friendlyName, ...call } = options;
    throwIfAborted(call.signal);
    let sample: EnrollSample | undefined;
    try {
      sample = await this.enrollBegin(timeoutMs, call);
      onSample?.(sample);
      while (sample.remainingSamples > 0) {
        throwIfAborted(call.signal);
        sample = await this.enrollCaptureNextSample(sample.templateId, timeoutMs, call);
        onSample?.(sample);
      }
    } catch (e) {
      if (sample !== undefined && sample.remainingSamples > 0) {
        // leave nothing half-enrolled on the key (best effort; without the fired signal)
        await this.cancelEnrollment({}).catch(() => undefined);
      }
      if (call.signal?.aborted && !(e instanceof Ctap2ClientError && e.code === 'ERR_ABORTED')) {
        throw new Ctap2ClientError('ERR_ABORTED', 'the operation was aborted', { cause: e });
      }
      throw e;
    }
    if (friendlyName !== undefined) await this.setFriendlyName(sample.templateId, friendlyName, call);
    return sample.templateId;
  }

  /**
   * enumerateEnrollments; a key with none gives [].
   * @example
   * ```ts
   * for (const { templateId, friendlyName } of await bio.enumerateEnrollments()) show(friendlyName);
   * ```
   */
  async enumerateEnrollments(options?: CallOptions): Promise<FingerprintEnrollment[]> {
    try {
      return parseEnrollments(await this.#call(S.enumerateEnrollments, undefined, true, options));
    } catch (e) {
      if (e instanceof CtapError && e.status === CTAP_STATUS.CTAP2_ERR_INVALID_OPTION) return [];
      throw e;
    }
  }

  /**
   * setFriendlyName: names (or renames) an enrolled fingerprint.
   * @throws {CtapError} `CTAP2_ERR_INVALID_OPTION` when no such template exists
   * @example
   * ```ts
   * await bio.setFriendlyName(templateId, 'Left index');
   * ```
   */
  async setFriendlyName(templateId: Uint8Array, name: string, options?: CallOptions): Promise<void> {
    argBytes(templateId, 'templateId');
    argString(name, 'name');
    if (utf8Encode(name).length === 0) throw new InvalidArgumentError('"name" expected a non-empty string');
    const params = new Map<CborValue, CborValue>([
      [P.templateId, templateId],
      [P.templateFriendlyName, name],
    ]);
    await this.#call(S.setFriendlyName, params, true, options);
  }

  /**
   * removeEnrollment: deletes an enrolled fingerprint.
   * @throws {CtapError} `CTAP2_ERR_INVALID_OPTION` when no such template exists
   * @example
   * ```ts
   * await bio.removeEnrollment(templateId);
   * ```
   */
  async removeEnrollment(templateId: Uint8Array, options?: CallOptions): Promise<void> {
    argBytes(templateId, 'templateId');
    await this.#call(
      S.removeEnrollment,
      new Map<CborValue, CborValue>([[P.templateId, templateId]]),
      true,
      options,
    );
  }
}
