/**
 * Turning "cannot open the HID device" into an error that says what to do. Pure (the platform is
 * a parameter), so every message is tested on every machine.
 */
import { Ctap2ClientError } from '@fido2kit/ctap2';

/** Facts about the device that failed to open. */
export interface OpenFailureContext {
  path: string;
  /** `process.platform`. */
  platform: string;
  vendorId?: number;
  productId?: number;
}

const PERMISSION = /permission denied|eacces|access is denied|access denied|0x00000005|not permitted/i;
const NOT_FOUND = /no such file|not found|enoent|cannot find|does not exist/i;

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * The `Ctap2ClientError` for a failed `hid_open_path`. `code` is `ERR_TRANSPORT` and
 * `details.reason` one of `permission-denied`, `not-found`, `open-failed`.
 */
export function describeOpenFailure(error: unknown, context: OpenFailureContext): Ctap2ClientError {
  const text = error instanceof Error ? error.message : String(error);
  const { path, platform } = context;
  const details = { reason: 'open-failed', path, platform } as Record<string, unknown>;
  if (PERMISSION.test(text)) {
    details.reason = 'permission-denied';
    let hint: string;
    if (platform === 'linux') {
      const ids =
        context.vendorId !== undefined && context.productId !== undefined
          ? `ATTRS{idVendor}=="${hex4(context.vendorId)}", ATTRS{idProduct}=="${hex4(context.productId)}", `
          : '';
      hint =
        'your user may not open hidraw devices. Add a udev rule, e.g. /etc/udev/rules.d/70-fido.rules:\n' +
        `  KERNEL=="hidraw*", SUBSYSTEM=="hidraw", ${ids}TAG+="uaccess", GROUP="plugdev", MODE="0660"\n` +
        'then run `sudo udevadm control --reload-rules && sudo udevadm trigger` and plug the key in again ' +
        "(systemd ≥ 244 ships 60-fido-id.rules, which does this for keys that announce FIDO's usage page)";
    } else if (platform === 'win32') {
      hint =
        'Windows (10 1903 and later) reserves FIDO HID devices for its own WebAuthn API: direct access ' +
        'needs administrator rights. Run the program as administrator, or go through the Windows WebAuthn API';
    } else if (platform === 'darwin') {
      hint =
        'macOS may ask to allow Input Monitoring for this program (System Settings › Privacy & Security)';
    } else {
      hint = 'check that your user may read and write the device node';
    }
    return new Ctap2ClientError(
      'ERR_TRANSPORT',
      `permission denied opening the FIDO HID device ${path}: ${hint}`,
      {
        cause: error,
        details,
      },
    );
  }
  if (NOT_FOUND.test(text)) {
    details.reason = 'not-found';
    return new Ctap2ClientError(
      'ERR_TRANSPORT',
      `no HID device at ${path} (unplugged? list the keys again with listHidAuthenticators())`,
      { cause: error, details },
    );
  }
  return new Ctap2ClientError('ERR_TRANSPORT', `cannot open the HID device ${path}: ${text}`, {
    cause: error,
    details,
  });
}
