/** Checks of a caller's arguments (internal): `InvalidArgumentError`, code `ERR_INVALID_ARGUMENT`. */
import { InvalidArgumentError } from '@fido2kit/cose';
import { HID_REPORT_SIZE } from './ctaphid.js';

export {
  checkBytesArgument as checkBytes,
  nonNegativeInteger as nonNegative,
  positiveMs as positive,
} from '@fido2kit/ctap2';

/** Checks one 64-byte HID report. */
export function checkReport(report: unknown): Uint8Array {
  if (!(report instanceof Uint8Array) || report.length !== HID_REPORT_SIZE) {
    throw new InvalidArgumentError(
      `"report" expected Uint8Array of length 64, got length=${String((report as { length?: unknown })?.length)}`,
    );
  }
  return report;
}
