/** Prints the current one-time code for a TOTP secret: `npm run code -w examples/web-portal -- <secret>`. */
import { totpCode } from '../src/totp.js';

const secret = process.argv[2];
if (!secret) {
  console.error('usage: npm run code -w examples/web-portal -- <TOTP secret>');
  process.exit(2);
}
console.log(await totpCode(secret, Date.now()));
