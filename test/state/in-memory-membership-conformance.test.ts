/** The membership conformance cases (membership-conformance.ts) on the in-memory fake state. */
import { InMemoryStateStore } from '../fakes/in-memory-state-store.js';
import { describeMembershipConformance } from './membership-conformance.js';

describeMembershipConformance('memory', async () => {
  const store = new InMemoryStateStore();
  return { store, dispose: () => store.close(), leftovers: async () => store.data.leftovers() };
});
