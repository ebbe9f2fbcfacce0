/** fingerprints, credentials and config: on the ctap2 management API (being added). */
import type { Context } from './context.js';

export const MANAGEMENT: Record<string, (ctx: Context) => Promise<unknown>> = {};
