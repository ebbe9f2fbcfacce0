/**
 * The errors a browser's navigator.credentials raises (WebAuthn L3 §5.1.3, §5.1.4, §6.3): every
 * failure of a ceremony becomes a {@link WebAuthnClientError} with the DOMException name.
 */
import {
  Ctap2ClientError,
  type Ctap2ClientErrorCode,
  WebAuthnClientError,
  type WebAuthnErrorName,
} from '../errors.js';

const NOT_ALLOWED: [Ctap2ClientErrorCode, WebAuthnErrorName] = ['ERR_NOT_ALLOWED', 'NotAllowedError'];

/** CTAP statuses and client codes → the client code and DOMException name a browser reports. */
const DOM_BY_CODE: Partial<Record<string, [Ctap2ClientErrorCode, WebAuthnErrorName]>> = {
  CTAP2_ERR_CREDENTIAL_EXCLUDED: ['ERR_INVALID_STATE', 'InvalidStateError'],
  CTAP2_ERR_NO_CREDENTIALS: NOT_ALLOWED,
  CTAP2_ERR_OPERATION_DENIED: NOT_ALLOWED,
  CTAP2_ERR_USER_ACTION_TIMEOUT: NOT_ALLOWED,
  CTAP2_ERR_ACTION_TIMEOUT: NOT_ALLOWED,
  CTAP2_ERR_NOT_ALLOWED: NOT_ALLOWED,
  CTAP2_ERR_PIN_BLOCKED: NOT_ALLOWED,
  CTAP2_ERR_PIN_AUTH_BLOCKED: NOT_ALLOWED,
  CTAP2_ERR_UV_BLOCKED: NOT_ALLOWED,
  CTAP2_ERR_PIN_INVALID: NOT_ALLOWED,
  CTAP2_ERR_PIN_AUTH_INVALID: NOT_ALLOWED,
  CTAP2_ERR_PUAT_REQUIRED: ['ERR_PIN_REQUIRED', 'NotAllowedError'],
  CTAP2_ERR_PIN_NOT_SET: ['ERR_UV_REQUIRED', 'NotAllowedError'],
  CTAP2_ERR_UNSUPPORTED_ALGORITHM: ['ERR_NOT_SUPPORTED', 'NotSupportedError'],
  CTAP2_ERR_UNSUPPORTED_OPTION: ['ERR_NOT_SUPPORTED', 'NotSupportedError'],
  CTAP2_ERR_KEY_STORE_FULL: ['ERR_CONSTRAINT', 'ConstraintError'],
  CTAP2_ERR_KEEPALIVE_CANCEL: ['ERR_ABORTED', 'AbortError'],
  ERR_ABORTED: ['ERR_ABORTED', 'AbortError'],
  ERR_TIMEOUT: ['ERR_TIMEOUT', 'NotAllowedError'],
  ERR_NOT_SUPPORTED: ['ERR_NOT_SUPPORTED', 'NotSupportedError'],
};

const MESSAGE_BY_CODE: Partial<Record<string, string>> = {
  CTAP2_ERR_CREDENTIAL_EXCLUDED: 'the key already holds a credential from excludeCredentials',
  CTAP2_ERR_NO_CREDENTIALS: 'the key holds no credential for this request',
};

/** Turns any failure into a {@link WebAuthnClientError} with the browser's error name. */
export function toWebAuthnError(e: unknown): WebAuthnClientError {
  if (e instanceof WebAuthnClientError) return e;
  if (e instanceof TypeError || e instanceof RangeError) {
    return new WebAuthnClientError('ERR_INVALID_ARGUMENT', 'TypeError', e.message, { cause: e });
  }
  const code = e instanceof Error ? (e as { code?: string }).code : undefined;
  const mapped = code === undefined ? undefined : DOM_BY_CODE[code];
  if (mapped !== undefined) {
    const [c, dom] = mapped;
    const message = MESSAGE_BY_CODE[code as string] ?? (e as Error).message;
    return new WebAuthnClientError(c, dom, message, { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  // other client failures keep their code (ERR_INVALID_RESPONSE, ERR_TRANSPORT, …); a browser
  // reports them all as NotAllowedError
  const keep = e instanceof Ctap2ClientError ? e.code : 'ERR_NOT_ALLOWED';
  return new WebAuthnClientError(keep, 'NotAllowedError', message, { cause: e });
}

/** Throws a {@link WebAuthnClientError}. */
export function fail(code: Ctap2ClientErrorCode, dom: WebAuthnErrorName, message: string): never {
  throw new WebAuthnClientError(code, dom, message);
}

/** The error of a ceremony whose signal fired: a timeout is NotAllowedError, an abort AbortError. */
function abortError(signal: AbortSignal, cause: unknown): WebAuthnClientError {
  const reason = signal.reason as { code?: string } | undefined;
  if (reason?.code === 'ERR_TIMEOUT') {
    return new WebAuthnClientError('ERR_TIMEOUT', 'NotAllowedError', 'the operation timed out', { cause });
  }
  return new WebAuthnClientError('ERR_ABORTED', 'AbortError', 'the operation was aborted', { cause });
}

/** Links a caller's signal and a timeout into one signal. */
function linkSignal(
  signal: AbortSignal | undefined,
  timeout: number | undefined,
): { signal: AbortSignal; done(): void } {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal?.reason);
  if (signal?.aborted) ctl.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeout !== undefined && Number.isFinite(timeout) && timeout > 0
      ? setTimeout(() => ctl.abort(new Ctap2ClientError('ERR_TIMEOUT', 'the operation timed out')), timeout)
      : undefined;
  return {
    signal: ctl.signal,
    done() {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Runs one ceremony under the caller's signal and the options' timeout, and maps whatever fails
 * to the error a browser would raise (an abort or timeout to AbortError / NotAllowedError).
 */
export async function underSignal<T>(
  timeout: number | undefined,
  callerSignal: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const link = linkSignal(callerSignal, timeout);
  try {
    return await run(link.signal);
  } catch (e) {
    if (link.signal.aborted && !(e instanceof WebAuthnClientError && e.domName !== 'AbortError')) {
      throw abortError(link.signal, e);
    }
    throw toWebAuthnError(e);
  } finally {
    link.done();
  }
}
