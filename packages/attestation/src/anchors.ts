/**
 * Bundled trust anchors: the FIDO MDS BLOB roots, Apple's WebAuthn root, Google's hardware
 * attestation roots (with the 2026 Key Attestation CA1) and the SafetyNet roots, kept as
 * versioned data with SHA-256 fingerprints and expiry. Callers append to or replace them.
 */
import { BUNDLED_ANCHORS, type BundledAnchor } from './anchors-data.js';
import { parseCertificate, type X509Certificate } from './x509.js';

export { BUNDLED_ANCHORS, BUNDLED_ANCHORS_VERSION, type BundledAnchor } from './anchors-data.js';

/** What a bundled anchor anchors. */
export type AnchorUse = BundledAnchor['use'];

// Parsed once per process: immutable data, not state.
const parsed = new Map<string, X509Certificate>();

/**
 * The bundled anchors for a use, parsed (`fido-mds`, `apple`, `android-key`, `android-safetynet`).
 * @example
 * ```ts
 * const roots = bundledAnchors('apple');
 * ```
 */
export function bundledAnchors(use: AnchorUse): X509Certificate[] {
  return BUNDLED_ANCHORS.filter((a) => a.use === use).map((a) => {
    let c = parsed.get(a.sha256);
    if (c === undefined) {
      const b64 = a.pem.replace(/-----[^-]+-----|\s+/g, '');
      const bin = atob(b64);
      const der = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
      c = parseCertificate(der);
      parsed.set(a.sha256, c);
    }
    return c;
  });
}
