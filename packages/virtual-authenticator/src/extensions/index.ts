/** The extension registry. */
import type { ExtensionName } from '../options.js';
import { credBlob } from './cred-blob.js';
import { credProtect } from './cred-protect.js';
import { hmacSecret, hmacSecretMc } from './hmac-secret.js';
import { largeBlobKey } from './large-blob-key.js';
import { minPinLength } from './min-pin-length.js';
import { thirdPartyPayment } from './third-party-payment.js';
import type { CtapExtension } from './types.js';

export { CRED_PROTECT } from './cred-protect.js';
export type * from './types.js';

/** Every extension the authenticator implements, by name. */
export const EXTENSIONS: ReadonlyMap<ExtensionName, CtapExtension> = new Map(
  [credProtect, hmacSecret, hmacSecretMc, credBlob, largeBlobKey, minPinLength, thirdPartyPayment].map(
    (e) => [e.name, e],
  ),
);
