/**
 * The `compound` attestation statement format (WebAuthn Level 3 §8.9): a list of attestation
 * statements of other formats, all of which must verify by default.
 */
import type { CborValue } from '@fido2kit/cose';
import { AttestationError, FormatUnsupportedError, invalid } from '../errors.js';
import type { AttestationFormat, FormatContext, FormatResult } from './types.js';

/** `compound`. */
export const compoundFormat: AttestationFormat = Object.freeze({
  fmt: 'compound',
  async verify(ctx: FormatContext) {
    const list = ctx.attStmt.get('');
    if (!Array.isArray(list) || list.length < 2)
      invalid('compound attStmt expected an array of at least two statements');
    const results: (FormatResult & { fmt: string })[] = [];
    const errors: unknown[] = [];
    for (const [i, item] of list.entries()) {
      if (!(item instanceof Map)) invalid(`compound statement ${i} is not a map`);
      const fmt = item.get('fmt');
      const attStmt = item.get('attStmt');
      if (typeof fmt !== 'string' || !(attStmt instanceof Map))
        invalid(`compound statement ${i} needs fmt and attStmt`);
      if (fmt === 'compound') invalid('compound statements cannot nest');
      const format = ctx.registry.get(fmt);
      try {
        if (!format) throw new FormatUnsupportedError(`attestation format "${fmt}" is not supported`);
        const r = await format.verify({ ...ctx, fmt, attStmt: attStmt as Map<CborValue, CborValue> });
        results.push({ ...r, fmt });
      } catch (e) {
        if ((ctx.options.compoundRequire ?? 'all') === 'all') throw e;
        errors.push(e);
      }
    }
    if (results.length === 0)
      throw new AttestationError(
        'ERR_ATTESTATION_INVALID',
        'no statement of the compound attestation verified',
        {
          cause: errors[0],
        },
      );
    const first = results[0] as FormatResult & { fmt: string };
    return { ...first, statements: results };
  },
});
