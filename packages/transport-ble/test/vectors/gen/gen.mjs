// Writes ../ctapble.json: CTAPBLE framing vectors whose bytes are stated in public sources (see
// ../SOURCES.md). Run: node test/vectors/gen/gen.mjs (from packages/transport-ble).
import { writeFileSync } from 'node:fs';

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i);

const vectors = [
  {
    name: 'MSG authenticatorGetInfo as Chrome 75 writes it',
    source:
      'fido-dev mailing list, thread "CTAP BLE Problem" (2019): "AuthenticatorGetInfo sent to authenticator. It is 0x83000104"',
    cmd: 0x83,
    maxLen: 20,
    data: '04',
    fragments: ['83000104'],
  },
  {
    name: 'MSG carrying the U2F VERSION APDU (CTAP1 probe of a U2F-only client)',
    source:
      'fido-dev mailing list, thread "CTAP BLE Problem" (2019): "0x83000700030000000000 … 0x83 is MSG command, 0x0007 is length of data"',
    cmd: 0x83,
    maxLen: 20,
    data: '00030000000000',
    fragments: ['83000700030000000000'],
  },
  {
    name: 'U2F register (73 bytes) to a Feitian BLE MultiPass, 20-byte fragments',
    source:
      'the-plot.com, "Parsing FIDO Raw Messages" (Feitian BLE MultiPass): first fragment prefix 830049, APDU 00010000000040, 64 bytes of challenge ‖ application, Le 0000; the device enforces 20-byte fragments',
    cmd: 0x83,
    maxLen: 20,
    data: `00010000000040${'11'.repeat(32)}${'22'.repeat(32)}0000`,
    fragments: [
      `83004900010000000040${'11'.repeat(10)}`,
      `00${'11'.repeat(19)}`,
      `01${'11'.repeat(3)}${'22'.repeat(16)}`,
      `02${'22'.repeat(16)}0000`,
    ],
  },
  {
    name: 'PING of 40 bytes 00…27 at maxLen 20: 17 + 19 + 4',
    source: 'kanidm/webauthn-rs webauthn-authenticator-rs/src/bluetooth/framing.rs, test fragment_small_mtu',
    cmd: 0x81,
    maxLen: 20,
    data: hex(range(0, 40)),
    fragments: [`810028${hex(range(0, 17))}`, `00${hex(range(17, 36))}`, `01${hex(range(36, 40))}`],
  },
  {
    name: 'PING of 400 bytes at maxLen 512: one fragment',
    source: 'kanidm/webauthn-rs webauthn-authenticator-rs/src/bluetooth/framing.rs, test fragment_large_mtu',
    cmd: 0x81,
    maxLen: 512,
    data: 'ff'.repeat(400),
    fragments: [`810190${'ff'.repeat(400)}`],
  },
  {
    name: 'PING of 2 bytes: one fragment',
    source: 'kanidm/webauthn-rs webauthn-authenticator-rs/src/bluetooth/framing.rs, test fragment_short',
    cmd: 0x81,
    maxLen: 20,
    data: '0102',
    fragments: ['8100020102'],
  },
  {
    name: 'KEEPALIVE UP_NEEDED',
    source: 'CTAP 2.1 §11.4, Framing: KEEPALIVE 0x82 with one status byte, UP_NEEDED 0x02',
    cmd: 0x82,
    maxLen: 20,
    data: '02',
    fragments: ['82000102'],
  },
  {
    name: 'ERROR ERR_INVALID_SEQ',
    source:
      'CTAP 2.1 §11.4, Framing: ERROR 0xBF with one error byte; ERR_INVALID_SEQ 0x04 (also webauthn4j ctap BLEFrameError)',
    cmd: 0xbf,
    maxLen: 20,
    data: '04',
    fragments: ['bf000104'],
  },
  {
    name: 'CANCEL: an empty message',
    source: 'CTAP 2.1 §11.4, Framing: CANCEL 0xBE carries no data',
    cmd: 0xbe,
    maxLen: 20,
    data: '',
    fragments: ['be0000'],
  },
];

const hostile = [
  {
    name: 'initialization fragment with more data than it declares',
    source:
      'Chromium device/fido/cable/fido_ble_frames.cc, FidoBleFrameInitializationFragment::Parse refuses data_length + 3 < size',
    maxLen: 20,
    fragments: ['810001aabb'],
    reason: 'overrun',
    errorCode: 0x03,
  },
  {
    name: 'continuation fragment out of order (SEQ 1 first)',
    source:
      'Chromium device/fido/cable/fido_ble_frames.cc, FidoBleFrameAssembler::AddFragment refuses an unexpected sequence',
    maxLen: 20,
    fragments: [`810028${'00'.repeat(17)}`, `01${'00'.repeat(19)}`],
    reason: 'wrong-sequence',
    errorCode: 0x04,
  },
  {
    name: 'continuation fragment carrying more than the declared length',
    source:
      'Chromium device/fido/cable/fido_ble_frames.cc, FidoBleFrameAssembler::AddFragment refuses data beyond data_length',
    maxLen: 20,
    fragments: [`810012${'00'.repeat(17)}`, '00aabb'],
    reason: 'overrun',
    errorCode: 0x03,
  },
  {
    name: 'initialization fragment shorter than CMD ‖ HLEN ‖ LLEN',
    source:
      'CTAP 2.1 §11.4, Fragmentation: an initialization fragment starts with CMD, HLEN, LLEN (Chromium Parse: size < 3)',
    maxLen: 20,
    fragments: ['8300'],
    reason: 'truncated-fragment',
    errorCode: 0x03,
  },
  {
    name: 'a new message before the last one is complete',
    source: 'CTAP 2.1 §11.4, Fragmentation: continuation fragments follow their initialization fragment',
    maxLen: 20,
    fragments: [`830028${'00'.repeat(17)}`, '83000104'],
    reason: 'unexpected-init',
    errorCode: 0x04,
  },
  {
    name: 'fragment longer than maxLen',
    source: 'CTAP 2.1 §11.4, Fragmentation: neither side sends fragments longer than maxLen',
    maxLen: 20,
    fragments: [`830012${'00'.repeat(18)}`],
    reason: 'fragment-too-long',
    errorCode: 0x03,
  },
];

writeFileSync(
  new URL('../ctapble.json', import.meta.url),
  `${JSON.stringify({ vectors, hostile }, null, 2)}\n`,
);
