/**
 * Reading a HID report descriptor (USB HID 1.11 §6.2.2): is this a FIDO interface (usage page
 * 0xF1D0, usage 0x01, CTAP 2.1 §11.2.8.1), and how large are its input and output reports?
 * Pure; for hosts that can read the raw descriptor (Linux sysfs, WebHID).
 */
import { InvalidArgumentError } from '@fido2kit/cose';
import { HidError } from './errors.js';

/** The FIDO Alliance HID usage page. */
export const FIDO_USAGE_PAGE = 0xf1d0;
/** The CTAPHID usage within {@link FIDO_USAGE_PAGE}. */
export const FIDO_USAGE_CTAPHID = 0x01;

/** The facts a CTAPHID host needs from a report descriptor. */
export interface FidoReportDescriptor {
  usagePage: number;
  usage: number;
  /** Bytes per input report (device to host). */
  maxInputReportSize: number;
  /** Bytes per output report (host to device). */
  maxOutputReportSize: number;
}

/**
 * Parses a report descriptor of a FIDO HID interface.
 * @throws HidError `ERR_INVALID_RESPONSE` (reason `descriptor-malformed`) when the descriptor is truncated;
 *   `ERR_NOT_SUPPORTED` when its top-level collection is not usage page 0xF1D0 / usage 0x01.
 * @example
 * ```ts
 * const { maxInputReportSize } = parseFidoReportDescriptor(descriptor); // 64
 * ```
 */
export function parseFidoReportDescriptor(descriptor: Uint8Array): FidoReportDescriptor {
  if (!(descriptor instanceof Uint8Array)) {
    throw new InvalidArgumentError('"descriptor" expected Uint8Array');
  }
  let usagePage: number | undefined;
  let topUsagePage: number | undefined;
  let topUsage: number | undefined;
  let usage: number | undefined;
  let reportSize = 0;
  let reportCount = 0;
  let depth = 0;
  let inputBits = 0;
  let outputBits = 0;
  let at = 0;
  while (at < descriptor.length) {
    const prefix = descriptor[at]!;
    if (prefix === 0xfe) {
      // Long item: bDataSize, bLongItemTag, data.
      const size = descriptor[at + 1];
      if (size === undefined || at + 3 + size > descriptor.length) throw truncated();
      at += 3 + size;
      continue;
    }
    const size = [0, 1, 2, 4][prefix & 0x03]!;
    if (at + 1 + size > descriptor.length) throw truncated();
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + descriptor[at + 1 + i]!;
    at += 1 + size;
    switch (prefix & 0xfc) {
      case 0x04: // Usage Page (global)
        usagePage = value;
        break;
      case 0x08: // Usage (local)
        usage = value;
        break;
      case 0x74: // Report Size (global)
        reportSize = value;
        break;
      case 0x94: // Report Count (global)
        reportCount = value;
        break;
      case 0xa0: // Collection (main)
        if (depth === 0 && topUsage === undefined) {
          topUsagePage = usagePage;
          topUsage = usage;
        }
        depth++;
        usage = undefined;
        break;
      case 0xc0: // End Collection (main)
        depth = Math.max(0, depth - 1);
        break;
      case 0x80: // Input (main)
        inputBits += reportSize * reportCount;
        usage = undefined;
        break;
      case 0x90: // Output (main)
        outputBits += reportSize * reportCount;
        usage = undefined;
        break;
      default:
        break;
    }
  }
  if (topUsagePage !== FIDO_USAGE_PAGE || topUsage !== FIDO_USAGE_CTAPHID) {
    throw new HidError(
      'ERR_NOT_SUPPORTED',
      'not-supported',
      `not a FIDO HID interface: usage page 0x${(topUsagePage ?? 0).toString(16)}, usage 0x${(topUsage ?? 0).toString(16)} (expected 0xf1d0 / 0x1)`,
    );
  }
  return {
    usagePage: topUsagePage,
    usage: topUsage,
    maxInputReportSize: Math.floor(inputBits / 8),
    maxOutputReportSize: Math.floor(outputBits / 8),
  };
}

function truncated(): HidError {
  return new HidError(
    'ERR_INVALID_RESPONSE',
    'descriptor-malformed',
    'the HID report descriptor is truncated',
  );
}
