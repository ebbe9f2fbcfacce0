// Generates ../libfido2-wiredata.json from libfido2-wiredata.txt (macros of libfido2's
// fuzz/wiredata_fido2.h). The expected messages are computed here by plain slicing of the
// CTAPHID layout (CTAP 2.1 §11.2.4), independently of src/ctaphid.ts, and a few facts per
// vector were checked by hand (see ../SOURCES.md). Run: node gen.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const text = readFileSync(new URL('./libfido2-wiredata.txt', import.meta.url), 'utf8');
const macros = new Map();
let current;
for (const line of text.split('\n')) {
  if (line.startsWith('#') || line.trim() === '') continue;
  if (/^WIREDATA_/.test(line)) {
    current = line.trim();
    macros.set(current, []);
    continue;
  }
  for (const m of line.matchAll(/0x([0-9a-f]{2})/g)) macros.get(current).push(Number.parseInt(m[1], 16));
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const reports = (name) => {
  const bytes = macros.get(name);
  if (bytes.length % 64 !== 0) throw new Error(`${name}: ${bytes.length} bytes`);
  const out = [];
  for (let i = 0; i < bytes.length; i += 64) out.push(bytes.slice(i, i + 64));
  return out;
};
const CMD = { 134: 'INIT', 144: 'CBOR', 187: 'KEEPALIVE', 191: 'ERROR' };

// Plain reassembly for the expectation: init packet, then continuations in order.
function messages(frames, { rewriteChannel }) {
  const out = [];
  let i = 0;
  while (i < frames.length) {
    const f = frames[i];
    const cid = hex(f.slice(0, 4));
    const cmd = CMD[f[4]];
    const bcnt = (f[5] << 8) | f[6];
    const payload = [...f.slice(7, 7 + Math.min(bcnt, 57))];
    i++;
    for (let seq = 0; payload.length < bcnt; seq++, i++) {
      const c = frames[i];
      if (!rewriteChannel && hex(c.slice(0, 4)) !== cid) throw new Error('channel changes');
      if (!rewriteChannel && c[4] !== seq) throw new Error('sequence');
      payload.push(...c.slice(5, 5 + Math.min(59, bcnt - payload.length)));
    }
    out.push({ channel: cid, cmd, bcnt, payload: hex(payload) });
  }
  return out;
}

const vectors = [
  [
    'WIREDATA_CTAP_INIT',
    'INIT response on the broadcast channel: nonce 80435640b14ed92d, CID 00220002, protocol 2, version 5.2.1, capabilities WINK|CBOR',
  ],
  ['WIREDATA_CTAP_KEEPALIVE', 'KEEPALIVE with status 2 (user presence needed)'],
  ['WIREDATA_CTAP_CBOR_INFO', 'authenticatorGetInfo response, 185 bytes in 4 reports (init + seq 0, 1, 2)'],
  ['WIREDATA_CTAP_CBOR_PINTOKEN', 'clientPIN getPinToken response, 20 bytes'],
  ['WIREDATA_CTAP_CBOR_STATUS', 'a bare CTAP2_OK status'],
  ['WIREDATA_CTAP_CBOR_RETRIES', 'clientPIN getRetries response {3: 8}'],
  ['WIREDATA_CTAP_CBOR_CREDMAN_META', 'credentialManagement getCredsMetadata response on CID 00120004'],
  [
    'WIREDATA_CTAP_CBOR_BIO_ENROLL',
    'bioEnrollment: three KEEPALIVE(2) reports, then the response (first 4 reports of the recording)',
  ],
  ['WIREDATA_CTAP_CBOR_BIO_ENUM', 'bioEnrollment enumerateEnrollments response on CID 0010000f, 46 bytes'],
].map(([name, description]) => {
  const frames = reports(name);
  return {
    name: `libfido2 ${name}`,
    description,
    label: 'valid',
    channel: hex(frames[0].slice(0, 4)),
    reports: frames.map(hex),
    expect: { messages: messages(frames, { rewriteChannel: false }) },
  };
});

// CBOR_ASSERT was recorded with its continuation packets on another channel (0092000e) than its
// initialization packet (00220002); libfido2's FIDO_FUZZ build overwrites CID and SEQ of every
// frame it reads, so the fuzzer never noticed. As recorded, a host on 00220002 skips the other
// channel's frames and the message stays incomplete; with the channel rewritten as FIDO_FUZZ
// does, it is a 203-byte getAssertion response.
{
  const frames = reports('WIREDATA_CTAP_CBOR_ASSERT');
  vectors.push({
    name: 'libfido2 WIREDATA_CTAP_CBOR_ASSERT (as recorded)',
    description:
      'init on 00220002, continuations on 0092000e: skipped as another channel, message incomplete',
    label: 'invalid',
    channel: '00220002',
    reports: frames.map(hex),
    expect: { incomplete: true, skipped: 3 },
  });
  vectors.push({
    name: 'libfido2 WIREDATA_CTAP_CBOR_ASSERT (channel rewritten as FIDO_FUZZ does)',
    description: 'getAssertion response, 203 bytes in 4 reports',
    label: 'valid',
    channel: '00220002',
    rewriteChannel: true,
    reports: frames.map(hex),
    expect: {
      messages: messages(frames, { rewriteChannel: true }).map((m) => ({ ...m, channel: '00220002' })),
    },
  });
}

writeFileSync(
  new URL('../libfido2-wiredata.json', import.meta.url),
  `${JSON.stringify({ source: 'Yubico/libfido2 fuzz/wiredata_fido2.h', vectors }, null, 1)}\n`,
);
