/**
 * Turning "cannot open the HID device" into an error that says what to do. Pure (the platform is
 * a parameter), so every message is tested on every machine.
 */
import { HidError } from './errors.js';

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
 * The {@link HidError} for a failed `hid_open_path`. `code` is `ERR_TRANSPORT` and `reason`
 * (also in `details.reason`) one of `permission-denied`, `not-found`, `open-failed`.
 */
export function describeOpenFailure(error: unknown, context: OpenFailureContext): HidError {
  const text = error instanceof Error ? error.message : String(error);
  const { path, platform } = context;
  const details: Record<string, unknown> = { path, platform };
  if (PERMISSION.test(text)) {
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
    return new HidError(
      'ERR_TRANSPORT',
      'permission-denied',
      `permission denied opening the FIDO HID device ${path}: ${hint}`,
      {
        cause: error,
        details,
      },
    );
  }
  if (NOT_FOUND.test(text)) {
    return new HidError(
      'ERR_TRANSPORT',
      'not-found',
      `no HID device at ${path} (unplugged? list the keys again with listHidAuthenticators())`,
      { cause: error, details },
    );
  }
  return new HidError('ERR_TRANSPORT', 'open-failed', `cannot open the HID device ${path}: ${text}`, {
    cause: error,
    details,
  });
}
