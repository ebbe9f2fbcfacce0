import { bytesToHex, hexToBytes } from '@fido2kit/cose';
import { describe, expect, it } from 'vitest';
import { VirtualAuthenticator } from '../src/index.js';

// The virtual key reads U2F APDUs with @fido2kit/ctap2's one ISO 7816-4 codec.
describe('U2F APDU framing the virtual key accepts', () => {
  const key = new VirtualAuthenticator({ u2f: 'dual', attestation: 'none' });
  const answer = async (hex: string) => bytesToHex(await key.msg(hexToBytes(hex)));

  it.each([
    ['U2F Raw Message Formats v1.2 §3.1.2: U2F_VERSION, case 2E', '00030000000000'],
    ['python-fido2 Ctap1.send_apdu: U2F_VERSION as 00 ‖ Lc 0000 ‖ Le 0000', '000300000000000000'],
    ['ISO 7816-4 case 1 (no Lc, no Le)', '00030000'],
  ])('%s answers U2F_V2 9000', async (_name, apdu) => {
    expect(await answer(apdu)).toBe('5532465f56329000');
  });

  it.each([
    ['a 3-byte APDU', '000300'],
    ['an extended Lc of 0000 with data after it', '0003000000000001'],
    ['a short Lc longer than the data', '00010000030102'],
  ])('%s answers 6700 (wrong length)', async (_name, apdu) => {
    expect(await answer(apdu)).toBe('6700');
  });
});
