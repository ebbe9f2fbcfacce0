/** The key-management suite's property tests: counts stay consistent over random sequences. */
import { BioEnrollment, CredentialManagement } from '@fido2kit/ctap2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIN, rejectsWith } from './harness.js';
import type { ManagementSuiteContext } from './management-context.js';

/** The key-management suite's property tests: counts stay consistent over random sequences. */
export function defineManagementPropertyTests({ key, makeRk }: ManagementSuiteContext): void {
  describe('property: counts stay consistent', () => {
    it('random create/delete sequences keep metadata, RP list and credential lists in step', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.record({
                op: fc.constant('create' as const),
                rp: fc.integer({ min: 0, max: 2 }),
                user: fc.integer({ min: 0, max: 2 }),
              }),
              fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
            ),
            { maxLength: 8 },
          ),
          async (ops) => {
            const { ctap } = await key({ pin: PIN, residentKeyCapacity: 6 });
            const model = new Map<string, string>(); // `${rp}/${user}` → credential id hex
            const ids = new Map<string, Uint8Array>();
            for (const o of ops) {
              if (o.op === 'create') {
                const k = `${o.rp}/${o.user}`;
                if (!model.has(k) && model.size >= 6) continue;
                const { id } = await makeRk(ctap, `rp${o.rp}.example`, `user${o.user}`);
                model.set(k, Buffer.from(id).toString('hex'));
                ids.set(k, id);
              } else if (model.size > 0) {
                const k = [...model.keys()][o.pick % model.size]!;
                const cm = await CredentialManagement.open(ctap, { pin: PIN });
                await cm.deleteCredential(ids.get(k)!);
                model.delete(k);
              }
            }
            const cm = await CredentialManagement.open(ctap, { pin: PIN });
            const meta = await cm.getCredsMetadata();
            expect(meta.existingResidentCredentialsCount).toBe(model.size);
            expect(meta.maxPossibleRemainingResidentCredentialsCount).toBe(6 - model.size);
            const rps = (await cm.enumerateRps()).map((r) => r.rp.id).sort();
            const expectedRps = [
              ...new Set([...model.keys()].map((k) => `rp${k.split('/')[0]}.example`)),
            ].sort();
            expect(rps).toEqual(expectedRps);
            let total = 0;
            for (const rp of rps) total += (await cm.enumerateCredentials(rp)).length;
            expect(total).toBe(model.size);
            await ctap.getInfo();
            expect(ctap.info.remainingDiscoverableCredentials).toBe(6 - model.size);
          },
        ),
        { numRuns: 12 },
      );
    });

    it('random enroll/rename/remove sequences keep the template list in step', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.constant({ op: 'enroll' as const }),
              fc.record({
                op: fc.constant('rename' as const),
                pick: fc.nat(),
                name: fc.string({ minLength: 1, maxLength: 10 }),
              }),
              fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
              fc.record({ op: fc.constant('cancel' as const) }),
            ),
            { maxLength: 10 },
          ),
          async (ops) => {
            const { ctap } = await key({
              pin: PIN,
              fingerprints: 0,
              fingerprintSensor: { samplesRequired: 2, maxTemplates: 3, maxTemplateFriendlyName: 32 },
            });
            const bio = await BioEnrollment.open(ctap, { pin: PIN });
            const model: { id: Uint8Array; name?: string }[] = [];
            for (const o of ops) {
              if (o.op === 'enroll') {
                if (model.length >= 3) {
                  await rejectsWith(bio.enrollBegin(), 'CTAP2_ERR_FP_DATABASE_FULL');
                  continue;
                }
                const id = await bio.enroll();
                model.push({ id, name: `Finger ${model.length + 1}` });
              } else if (o.op === 'cancel') {
                if (model.length >= 3) continue;
                await bio.enrollBegin();
                await bio.cancelEnrollment();
              } else if (model.length > 0) {
                const i = o.pick % model.length;
                if (o.op === 'rename') {
                  await bio.setFriendlyName(model[i]!.id, o.name);
                  model[i]!.name = o.name;
                } else {
                  await bio.removeEnrollment(model[i]!.id);
                  model.splice(i, 1);
                }
              }
            }
            const list = await bio.enumerateEnrollments();
            expect(
              list.map((e) => [Buffer.from(e.templateId).toString('hex'), e.friendlyName]).sort(),
            ).toEqual(model.map((e) => [Buffer.from(e.id).toString('hex'), e.name]).sort());
            await ctap.getInfo();
            expect(ctap.info.options.uv).toBe(model.length > 0);
          },
        ),
        { numRuns: 12 },
      );
    });
  });
}
