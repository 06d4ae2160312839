/**
 * The state conformance suite on the in-memory fake (test/fakes/in-memory-state-store.ts), so the engine tests that
 * use it rest on a store that behaves like the real ones.
 */
import { InMemoryStateData, InMemoryStateStore } from '../fakes/in-memory-state-store.js';
import { describeStateConformance, type StateLocationHandle } from './state-conformance.js';

describeStateConformance({
  kind: 'memory',
  plainTokensAllowed: true,
  skipMigrations: 'the in-memory store has no SQL schema to migrate',
  async fresh(): Promise<StateLocationHandle> {
    const data = new InMemoryStateData();
    return {
      open: async (opts = {}) => new InMemoryStateStore(data, { cipher: opts.cipher }),
      async createAtVersion() {
        throw new Error('the in-memory store has no schema versions');
      },
      async exec() {
        throw new Error('the in-memory store runs no SQL');
      },
      dump: async () => data.dump(),
      // The holder is gone the way a killed process is: its store closes without releasing.
      crashLockHolder: (store) => store.close(),
      cleanup: async () => undefined,
    };
  },
});
