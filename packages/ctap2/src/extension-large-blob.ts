/**
 * largeBlob (WebAuthn Level 3 §10.1.5) on the largeBlobKey extension (CTAP 2.1 §12.3) and
 * authenticatorLargeBlobs (§6.10): support at creation, read and write at authentication.
 */
import { base64url } from '@fido2kit/cose';
import {
  bytesInput,
  type ClientExtension,
  type ExtensionContext,
  has,
  notSupported,
  typeError,
} from './extension-types.js';
import { LargeBlobs } from './large-blobs.js';

interface LargeBlobGetState {
  read: boolean;
  write?: Uint8Array;
}

function largeBlobInput(inputs: Record<string, unknown>): {
  support?: unknown;
  read?: unknown;
  write?: unknown;
} {
  const input = inputs.largeBlob;
  if (typeof input !== 'object' || input === null) typeError('largeBlob expected an object');
  return input as { support?: unknown; read?: unknown; write?: unknown };
}

function largeBlobSupported(ctx: ExtensionContext): boolean {
  return has(ctx, 'largeBlobKey') && ctx.ctap.info.options.largeBlobs === true;
}

/** WebAuthn L3 §10.1.5 authentication steps 1–2 and 4.1: inputs a client must refuse. */
function largeBlobGetInput(inputs: Record<string, unknown>, allowListLength: number): LargeBlobGetState {
  const input = largeBlobInput(inputs);
  if (input.support !== undefined) notSupported('largeBlob support is an input of create, not get');
  if (input.read !== undefined && input.write !== undefined) {
    notSupported('largeBlob read and write cannot be asked together');
  }
  if (input.read !== undefined && typeof input.read !== 'boolean')
    typeError('largeBlob.read expected a boolean');
  const state: LargeBlobGetState = { read: input.read === true };
  if (input.write !== undefined) {
    state.write = bytesInput(input.write, 'largeBlob.write');
    if (allowListLength !== 1)
      notSupported('largeBlob write needs exactly one credential in allowCredentials');
  }
  return state;
}

/**
 * largeBlob (WebAuthn L3 §10.1.5) on largeBlobKey (CTAP 2.1 §12.3) and authenticatorLargeBlobs
 * (§6.10): `supported` at creation; at get, `read` gives `blob` (absent when the credential has
 * none) and `write` gives `written`. The blob is read and written after the assertion, with the
 * credential's largeBlobKey; writing on a protected key uses the ceremony's token, which the
 * entry asks to carry `lbw`.
 */
/** The largeBlob registry entry. @internal */
export const largeBlob: ClientExtension = {
  id: 'largeBlob',
  inputs: ['largeBlob'],
  prepareCreate(inputs, ctx) {
    const input = largeBlobInput(inputs);
    if (input.read !== undefined || input.write !== undefined) {
      notSupported('largeBlob read and write are inputs of get, not create');
    }
    // largeBlobKey exists only for discoverable credentials (CTAP 2.1 §12.3)
    const supported = largeBlobSupported(ctx) && ctx.rk;
    if (!supported) {
      if (input.support === 'required') {
        notSupported(
          ctx.rk
            ? 'the authenticator has no large blob storage'
            : 'large blobs need a discoverable credential (residentKey "required")',
        );
      }
      return undefined;
    }
    return { largeBlobKey: true };
  },
  processCreate: (r) => ({ largeBlob: { supported: r.largeBlobKey !== undefined } }),
  permissions(kind, inputs) {
    const input = inputs.largeBlob as { write?: unknown } | undefined;
    return kind === 'get' && input?.write !== undefined ? ['lbw'] : undefined;
  },
  prepareGet(inputs, ctx) {
    const state = largeBlobGetInput(inputs, ctx.allowList?.length ?? 0);
    ctx.state.set('largeBlob', state);
    if (!largeBlobSupported(ctx) || (!state.read && state.write === undefined)) return undefined;
    return { largeBlobKey: true };
  },
  async processGet(r, ctx) {
    const state = ctx.state.get('largeBlob') as LargeBlobGetState | undefined;
    if (state === undefined) return undefined;
    const key = r.largeBlobKey;
    const call = ctx.call ?? {};
    if (state.write !== undefined) {
      if (key === undefined || !largeBlobSupported(ctx)) return { largeBlob: { written: false } };
      const o = ctx.ctap.info.options;
      const isProtected = o.clientPin === true || o.uv === true;
      if (isProtected && ctx.token === undefined) return { largeBlob: { written: false } };
      try {
        const blobs = isProtected
          ? new LargeBlobs(ctx.ctap, ctx.token?.protocol, ctx.token?.token)
          : new LargeBlobs(ctx.ctap);
        await blobs.putBlob(key, state.write, call);
        return { largeBlob: { written: true } };
      } catch {
        // WebAuthn L3 §10.1.5 step 4.3: written is false when the write fails
        return { largeBlob: { written: false } };
      }
    }
    if (!state.read) return { largeBlob: {} };
    if (key === undefined || !largeBlobSupported(ctx)) return { largeBlob: {} };
    try {
      const blob = await new LargeBlobs(ctx.ctap).getBlob(key, call);
      return { largeBlob: blob === undefined ? {} : { blob: base64url.encode(blob) } };
    } catch {
      // a corrupt array or a failed read: no blob (step 3: "if successful")
      return { largeBlob: {} };
    }
  },
  prepareU2f(kind, inputs, allowList) {
    if (kind === 'create') {
      const input = largeBlobInput(inputs);
      if (input.read !== undefined || input.write !== undefined) {
        notSupported('largeBlob read and write are inputs of get, not create');
      }
      if (input.support === 'required') notSupported('a U2F authenticator has no large blob storage');
    } else {
      largeBlobGetInput(inputs, allowList?.length ?? 0);
    }
  },
  processU2f(kind, inputs) {
    if (kind === 'create') return { largeBlob: { supported: false } };
    const input = inputs.largeBlob as { write?: unknown };
    return { largeBlob: input.write !== undefined ? { written: false } : {} };
  },
};
