// De-frames the CTAPHID reports in libfido2-management-wiredata.txt (CTAP 2.1 §11.2.4: init =
// CID(4) CMD(1) BCNT(2) DATA(57); continuation = CID(4) SEQ(1) DATA(59)) into messages (status
// byte ‖ CBOR) and writes ../management-recorded.json. Plain slicing, independent of src/.
// Usage: node gen-management.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const text = readFileSync(new URL('libfido2-management-wiredata.txt', here), 'utf8');
const out = {};
let name;
let bytes = [];
const flush = () => {
  if (name === undefined) return;
  const messages = [];
  for (let i = 0; i < bytes.length; i += 64) {
    const p = bytes.slice(i, i + 64);
    if (p[4] & 0x80) {
      const bcnt = (p[5] << 8) | p[6];
      messages.push({ bcnt, data: p.slice(7, 64) });
    } else {
      messages.at(-1).data.push(...p.slice(5, 64));
    }
  }
  out[name] = messages.map((m) => Buffer.from(m.data.slice(0, m.bcnt)).toString('hex'));
};
for (const line of text.split('\n')) {
  if (line.startsWith('#') || line.trim() === '') continue;
  if (line.startsWith('WIREDATA_')) {
    flush();
    name = line.split(' ')[0];
    bytes = [];
    continue;
  }
  for (const h of line.match(/0x[0-9a-f]{2}/g) ?? []) bytes.push(Number.parseInt(h, 16));
}
flush();
writeFileSync(new URL('../management-recorded.json', here), `${JSON.stringify(out, null, 2)}\n`);
