/**
 * The crypto backend seam. Signature verification and hashing go through one small interface
 * with three implementations: node:crypto (the server's hot path; reached without a `node:`
 * import, through `process.getBuiltinModule`), WebCrypto (browsers, Deno, Bun, workers; falls
 * back to noble where WebCrypto lacks an algorithm) and @noble (pure JS, everywhere).
 * The same vectors run through every backend in the tests.
 */
export type { BackendName, BackendSigningKey, BackendVerifyInput, CryptoBackend } from './backend-types.js';

import { nobleBackend } from './backend-noble.js';
import { createNodeBackend } from './backend-node.js';
import type { BackendName, CryptoBackend } from './backend-types.js';
import { createWebCryptoBackend } from './backend-webcrypto.js';
import { BackendUnavailableError, InvalidArgumentError } from './errors.js';

let nodeBackend: CryptoBackend | null | undefined;
let webBackend: CryptoBackend | null | undefined;
let current: CryptoBackend | undefined;

/** A built-in backend by name, or `undefined` when this runtime lacks it. */
export function getBuiltinBackend(name: BackendName): CryptoBackend | undefined {
  if (name === 'noble') return nobleBackend;
  if (name === 'node') {
    if (nodeBackend === undefined) nodeBackend = createNodeBackend();
    return nodeBackend ?? undefined;
  }
  if (webBackend === undefined) webBackend = createWebCryptoBackend();
  return webBackend ?? undefined;
}

/** Resolves a backend argument (a name, an object, or nothing for the current default). */
export function resolveBackend(backend?: CryptoBackend | BackendName): CryptoBackend {
  if (backend === undefined) return getCryptoBackend();
  if (typeof backend === 'object' && backend !== null) return backend;
  if (backend !== 'node' && backend !== 'webcrypto' && backend !== 'noble') {
    throw new InvalidArgumentError(`"backend" expected 'node', 'webcrypto', 'noble' or a backend object`);
  }
  const b = getBuiltinBackend(backend);
  if (b === undefined)
    throw new BackendUnavailableError(`the ${backend} crypto backend is not available here`);
  return b;
}

/**
 * The backend used when a call names none: node:crypto where present, else WebCrypto, else noble.
 * @example
 * ```ts
 * getCryptoBackend().name; // 'node' on Node.js
 * ```
 */
export function getCryptoBackend(): CryptoBackend {
  current ??= getBuiltinBackend('node') ?? getBuiltinBackend('webcrypto') ?? (nobleBackend as CryptoBackend);
  return current;
}

/**
 * Chooses the default backend ('auto' restores the automatic choice).
 * @example
 * ```ts
 * setCryptoBackend('noble'); // pure JS everywhere
 * ```
 */
export function setCryptoBackend(backend: CryptoBackend | BackendName | 'auto'): void {
  current = backend === 'auto' ? undefined : resolveBackend(backend);
}
