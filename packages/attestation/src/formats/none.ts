/** The `none` attestation statement format (WebAuthn §8.7): an empty attStmt. */
import { invalid } from '../errors.js';
import type { AttestationFormat, FormatContext } from './types.js';

/** `none`: no attestation; attStmt must be an empty map. */
export const noneFormat: AttestationFormat = Object.freeze({
  fmt: 'none',
  async verify(ctx: FormatContext) {
    if (ctx.attStmt.size !== 0) invalid('the none format requires an empty attStmt');
    return { type: 'none' as const, x5c: [] };
  },
});
