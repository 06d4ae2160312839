/** The DuckDB connector against the shared warehouse conformance suite. */
import { makeDuckDbTarget } from './duckdb-target.js';
import { describeWarehouseConformance } from './warehouse-conformance.js';

describeWarehouseConformance('duckdb', makeDuckDbTarget);
