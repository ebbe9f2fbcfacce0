/**
 * The SimpleWebAuthn 14.1 row of the rp bench, run by rp.bench.ts on Node 24 (14.1 needs
 * Node ≥ 22), with 13.x measured again on the same Node so the two releases compare directly.
 * Prints the rows as one JSON line on stdout.
 */
import * as swa13 from '@simplewebauthn/server';
import * as swa14 from 'simplewebauthn-server-14';
import { authenticationRows } from './rp.bench.js';

const node = `Node ${process.versions.node}`;
const [vs14] = await authenticationRows(swa14, '@simplewebauthn/server 14.1');
const [vs13] = await authenticationRows(swa13, '@simplewebauthn/server 13');
console.log(
  JSON.stringify([
    { ...vs14, name: `${vs14?.name} (${node})` },
    { ...vs13, name: `${vs13?.name} (${node})` },
  ]),
);
