// De-frames CTAPHID packets (CTAP 2.1 §11.2.4: init = CID(4) CMD(1) BCNT(2) DATA(57); continuation
// = CID(4) SEQ(1) DATA(59)) into the message bytes: status byte ‖ CBOR. Used to turn the HID
// transcripts in libfido2's fuzz/wiredata_fido2.h into the `response` hex of recorded.json.
// Usage: node deframe-ctaphid.mjs <hex of the packets, whitespace and 0x/commas ignored>
const hex = process.argv
  .slice(2)
  .join('')
  .replace(/0x|,|\s/g, '');
const bytes = Uint8Array.from(hex.match(/../g).map((h) => Number.parseInt(h, 16)));
const packets = [];
for (let i = 0; i < bytes.length; i += 64) packets.push(bytes.subarray(i, i + 64));
const [init, ...rest] = packets;
const bcnt = (init[5] << 8) | init[6];
const out = [...init.subarray(7, 64)];
for (const p of rest) out.push(...p.subarray(5, 64));
process.stdout.write(`${Buffer.from(out.slice(0, bcnt)).toString('hex')}\n`);
