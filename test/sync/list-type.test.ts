/**
 * The list type a customer list is created with (core/list-type.ts) follows the identifier families that have valid
 * values in the run that creates it, whatever columns the config maps; the report says which and why, and the
 * emulator records the `list_type` the create sent.
 */
import { describe, expect, it } from 'vitest';
import { listTypeChoice } from '../../core/list-type.js';
import { listTypeFor } from '../../connectors/pinterest/pinterest-audience-rules.js';
import { makePeople, type Person, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture();

/** The `list_type` of every customer list create the emulator answered, in order. */
function createdListTypes(): unknown[] {
  return fx()
    .emulator.exchanges.filter((e) => e.method === 'POST' && e.path.endsWith('/customer_lists') && e.status === 200)
    .map((e) => (e.requestBody as { list_type?: unknown }).list_type);
}

const base = makePeople(0, 60);
const cases: { name: string; people: Person[]; listType: string; reason: RegExp }[] = [
  { name: 'emails with device ids', people: base, listType: 'EMAIL', reason: /^emails are present \(email, idfa, maid identifiers\)$/ },
  { name: 'only GAIDs, the email and IDFA columns empty', people: base.map((p) => ({ gaid: p.gaid })), listType: 'MAID', reason: /only Android advertising ids/ },
  { name: 'only IDFAs', people: base.map((p) => ({ idfa: p.idfa, email: '  ' })), listType: 'IDFA', reason: /only IDFAs/ },
  { name: 'GAIDs and IDFAs without emails', people: base.map((p) => ({ gaid: p.gaid, idfa: p.idfa })), listType: 'EMAIL', reason: /idfa, maid identifiers are mixed without emails/ },
];

describe('list type', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.listType}, planned, created, reported once`, async () => {
      await fx().setPeople(c.people);
      await fx().writeConfig();
      const plan = await fx().syncJson(['plan']);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.report.pinterest).toMatchObject({ listType: c.listType, listTypeReason: expect.stringMatching(c.reason) });
      expect(fx().emulator.lists()).toHaveLength(0);

      const first = await fx().syncJson();
      expect(first.code, first.stderr).toBe(0);
      expect(first.report.pinterest).toMatchObject({ listType: c.listType, listTypeReason: expect.stringMatching(c.reason) });
      expect(createdListTypes()).toEqual([c.listType]);

      // Fixed at creation: later runs create nothing and report no choice.
      await fx().setPeople([...c.people, { email: 'late@example.com' }]);
      const next = await fx().syncJson();
      expect(next.code, next.stderr).toBe(0);
      expect(next.report.pinterest.listType).toBeUndefined();
      expect(createdListTypes()).toEqual([c.listType]);
    });
  }

  it('the rule the report states is the one the Pinterest client sends', () => {
    for (const families of [['email'], ['maid'], ['idfa'], ['maid', 'idfa'], ['email', 'maid'], []] as const) {
      expect(listTypeChoice(families).listType).toBe(listTypeFor(families));
    }
  });
});
