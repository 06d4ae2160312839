/** The state conformance suite on shared Postgres state, against the run's real PostgreSQL server. */
import { describeStateConformance } from './state-conformance.js';
import { postgresStateLocation } from './postgres-state-target.js';

describeStateConformance({ kind: 'postgres', plainTokensAllowed: false, fresh: postgresStateLocation });
