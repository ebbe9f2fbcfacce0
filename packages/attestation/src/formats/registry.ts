/** The registry of attestation statement formats: one entry per format, no if/else chain. */
import { androidKeyFormat } from './android-key.js';
import { androidSafetyNetFormat } from './android-safetynet.js';
import { appleFormat } from './apple.js';
import { compoundFormat } from './compound.js';
import { fidoU2fFormat } from './fido-u2f.js';
import { noneFormat } from './none.js';
import { packedFormat } from './packed.js';
import { tpmFormat } from './tpm.js';
import type { AttestationFormat, FormatRegistry } from './types.js';

/** Every built-in format. */
export const BUILTIN_FORMATS: readonly AttestationFormat[] = Object.freeze([
  noneFormat,
  packedFormat,
  fidoU2fFormat,
  tpmFormat,
  androidKeyFormat,
  androidSafetyNetFormat,
  appleFormat,
  compoundFormat,
]);

/**
 * A format registry: the built-in formats, with `extra` added (or replacing a built-in of the same `fmt`).
 * @example
 * ```ts
 * const registry = createFormatRegistry([myVendorFormat]);
 * await verifyAttestation({ attestationObject, clientDataHash, formats: registry });
 * ```
 */
export function createFormatRegistry(
  extra: readonly AttestationFormat[] = [],
  builtins = true,
): FormatRegistry {
  const m = new Map<string, AttestationFormat>();
  if (builtins) for (const f of BUILTIN_FORMATS) m.set(f.fmt, f);
  for (const f of extra) m.set(f.fmt, f);
  return m;
}

/** The default registry (immutable). */
export const DEFAULT_FORMAT_REGISTRY: FormatRegistry = createFormatRegistry();
