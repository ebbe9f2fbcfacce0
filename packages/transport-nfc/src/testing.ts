/**
 * @fido2kit/transport-nfc/testing — a virtual FIDO card for vsmartcard's vpcd reader, and a pcscd
 * harness for test suites.
 * @packageDocumentation
 */
export { type AuthenticatorSource, FidoApplet, type FidoAppletOptions } from './card.js';
export { type PcscdHandle, type StartPcscdOptions, startPcscd } from './pcscd.js';
export { DEFAULT_ATR, VpcdCard, type VpcdCardOptions } from './vpcd.js';
