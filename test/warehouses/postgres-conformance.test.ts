/**
 * The Postgres connector against the shared warehouse conformance suite, twice: with one FETCH per batch, and with
 * FETCHes smaller than a batch (how it reads Redshift, whose single-node clusters cap a FETCH at 1,000 rows).
 */
import { makePostgresTarget } from './postgres-target.js';
import { describeWarehouseConformance } from './warehouse-conformance.js';

describeWarehouseConformance('postgres', () => makePostgresTarget());
describeWarehouseConformance('postgres, FETCH smaller than a batch', () => makePostgresTarget({ maxFetchRows: 7 }));
