/**
 * authenticatorBioEnrollment (0x09, and the FIDO_2_1_PRE preview 0x40), CTAP 2.1 §6.7: the
 * simulated fingerprint sensor's facts, enrollment sample by sample (outcomes scripted through
 * `authenticator.sensor`), and listing, renaming and removing templates. Enrolled templates are
 * what built-in UV matches against.
 */
import { type CborValue, concatBytes, encode, equalBytes, utf8Encode } from '@fido2kit/cose';
import {
  BIO_ENROLLMENT_KEYS,
  BIO_ENROLLMENT_PARAM_KEYS,
  BIO_ENROLLMENT_RESPONSE_KEYS,
  BIO_ENROLLMENT_SUBCOMMANDS,
  BIO_MODALITY_FINGERPRINT,
  type CallOptions,
  CTAP2_COMMANDS,
  FINGERPRINT_SAMPLE_STATUS,
  PIN_UV_AUTH_PERMISSIONS,
} from '@fido2kit/ctap2';
import { opt, req } from '../_params.js';
import type { AuthenticatorCore } from '../core.js';
import { CtapStatusError, fail } from '../errors.js';
import {
  checkManagementToken,
  type EnrollmentInProgress,
  managementCommandConfig,
  managementVolatile,
} from '../management.js';
import { waitForUser } from '../presence.js';
import { type SampleOutcome, sensorOf } from '../sensor.js';
import type { Command, CommandResponse } from './types.js';

const S = BIO_ENROLLMENT_SUBCOMMANDS;

const K = BIO_ENROLLMENT_KEYS;
const P = BIO_ENROLLMENT_PARAM_KEYS;
const R = BIO_ENROLLMENT_RESPONSE_KEYS;
const BE = PIN_UV_AUTH_PERMISSIONS.be;
const FINGERPRINT = BIO_MODALITY_FINGERPRINT;

/** Takes one sample: waits for the scripted finger (keepalives, timeout, cancel). */
async function capture(
  core: AuthenticatorCore,
  call: CallOptions | undefined,
  e: EnrollmentInProgress,
  timeoutMs: number | undefined,
): Promise<number> {
  const c = core.config;
  let outcome = 'good' as SampleOutcome;
  const request = {
    templateId: e.templateId.slice(),
    sampleIndex: e.samplesTaken,
    remainingSamples: e.remainingSamples,
  };
  const r = await waitForUser(
    call,
    async () => {
      outcome = await sensorOf(core).next(request);
      return outcome === 'timeout' ? 'timeout' : true;
    },
    {
      timeoutMs: Math.min(timeoutMs ?? c.presenceTimeoutMs, c.presenceTimeoutMs),
      intervalMs: c.keepaliveIntervalMs,
      delayMs: c.quirks.answerBeforeTouch ? 0 : c.presenceDelayMs,
    },
  );
  if (r === 'timeout') fail('CTAP2_ERR_USER_ACTION_TIMEOUT');
  e.samplesTaken += 1;
  const status =
    outcome === 'timeout'
      ? FINGERPRINT_SAMPLE_STATUS['no-user-activity']
      : FINGERPRINT_SAMPLE_STATUS[outcome];
  if (status === undefined) fail('CTAP1_ERR_OTHER');
  if (status === FINGERPRINT_SAMPLE_STATUS.good) e.remainingSamples = Math.max(0, e.remainingSamples - 1);
  return status;
}

/** Takes a sample; a finished enrollment becomes a template, a cancelled one is dropped. */
async function sample(
  core: AuthenticatorCore,
  call: CallOptions | undefined,
  e: EnrollmentInProgress,
  timeoutMs: number | undefined,
): Promise<Map<number, CborValue>> {
  const v = managementVolatile(core);
  let status: number;
  try {
    status = await capture(core, call, e, timeoutMs);
  } catch (err) {
    if (err instanceof CtapStatusError && err.code === 'CTAP2_ERR_KEEPALIVE_CANCEL') v.enrollment = undefined;
    throw err;
  }
  if (e.remainingSamples === 0) {
    v.enrollment = undefined;
    const s = core.state;
    s.fingerprints = [...s.fingerprints, { id: e.templateId, name: `Finger ${s.fingerprints.length + 1}` }];
    s.uvRetries = core.config.maxUvRetries;
  }
  return new Map<number, CborValue>([
    [R.lastEnrollSampleStatus, status],
    [R.remainingSamples, e.remainingSamples],
  ]);
}

function newTemplateId(core: AuthenticatorCore): Uint8Array {
  for (;;) {
    const id = core.random(8);
    if (!core.state.fingerprints.some((f) => equalBytes(f.id, id))) return id;
  }
}

function handler(preview: boolean): Command['handle'] {
  return async (core, p, call): Promise<CommandResponse> => {
    // a preview key answers only the preview command byte
    const m = managementCommandConfig(core, (m) => core.config.sensor && !(m.preview && !preview));
    if (p === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    if (opt.bool(p, K.getModality) === true) return new Map<number, CborValue>([[R.modality, FINGERPRINT]]);
    const modality = req.uint(p, K.modality);
    const sub = req.uint(p, K.subCommand);
    const params = opt.map(p, K.subCommandParams);
    const protocol = opt.uint(p, K.pinUvAuthProtocol);
    const param = opt.bytes(p, K.pinUvAuthParam);
    if (modality !== FINGERPRINT) fail('CTAP2_ERR_INVALID_OPTION');
    const v = managementVolatile(core);
    const s = core.state;
    const auth = () => {
      const head = Uint8Array.of(modality, sub);
      const message = params === undefined ? head : concatBytes(head, encode(params));
      checkManagementToken(core, protocol, param, message, preview ? 0 : BE);
    };
    const timeoutMs = params === undefined ? undefined : opt.uint(params, P.timeoutMilliseconds);
    switch (sub) {
      case S.getFingerprintSensorInfo:
        return new Map<number, CborValue>([
          [R.modality, FINGERPRINT],
          [R.fingerprintKind, m.fingerprintKind],
          [R.maxCaptureSamplesRequiredForEnroll, m.samplesRequired],
          [R.maxTemplateFriendlyName, m.maxTemplateFriendlyName],
        ]);
      case S.enrollBegin: {
        auth();
        if (s.fingerprints.length >= m.maxTemplates) fail('CTAP2_ERR_FP_DATABASE_FULL');
        const e: EnrollmentInProgress = {
          templateId: newTemplateId(core),
          remainingSamples: m.samplesRequired,
          samplesTaken: 0,
        };
        v.enrollment = e;
        const out = await sample(core, call, e, timeoutMs);
        out.set(R.templateId, e.templateId.slice());
        return out;
      }
      case S.enrollCaptureNextSample: {
        if (params === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
        const templateId = req.bytes(params, P.templateId);
        auth();
        const e = v.enrollment;
        if (e === undefined || !equalBytes(e.templateId, templateId)) fail('CTAP1_ERR_INVALID_PARAMETER');
        return sample(core, call, e, timeoutMs);
      }
      case S.cancelCurrentEnrollment:
        v.enrollment = undefined;
        return undefined;
      case S.enumerateEnrollments: {
        auth();
        if (s.fingerprints.length === 0) fail('CTAP2_ERR_INVALID_OPTION');
        return new Map<number, CborValue>([
          [
            R.templateInfos,
            s.fingerprints.map((f) => {
              const t = new Map<number, CborValue>([[P.templateId, f.id.slice()]]);
              if (f.name !== undefined) t.set(P.templateFriendlyName, f.name);
              return t;
            }),
          ],
        ]);
      }
      case S.setFriendlyName: {
        if (params === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
        const templateId = req.bytes(params, P.templateId);
        const name = req.string(params, P.templateFriendlyName);
        auth();
        if (utf8Encode(name).length > m.maxTemplateFriendlyName) fail('CTAP1_ERR_INVALID_LENGTH');
        const f = s.fingerprints.find((x) => equalBytes(x.id, templateId));
        if (f === undefined) fail('CTAP2_ERR_INVALID_OPTION');
        s.fingerprints = s.fingerprints.map((x) => (x === f ? { id: x.id, name } : x));
        return undefined;
      }
      case S.removeEnrollment: {
        if (params === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
        const templateId = req.bytes(params, P.templateId);
        auth();
        const f = s.fingerprints.find((x) => equalBytes(x.id, templateId));
        if (f === undefined) fail('CTAP2_ERR_INVALID_OPTION');
        s.fingerprints = s.fingerprints.filter((x) => x !== f);
        return undefined;
      }
      default:
        fail('CTAP2_ERR_INVALID_SUBCOMMAND');
    }
  };
}

export const bioEnrollment: Command = {
  code: CTAP2_COMMANDS.bioEnrollment,
  name: 'authenticatorBioEnrollment',
  handle: handler(false),
};

export const bioEnrollmentPreview: Command = {
  code: CTAP2_COMMANDS.bioEnrollmentPreview,
  name: 'authenticatorBioEnrollment (preview)',
  handle: handler(true),
};
