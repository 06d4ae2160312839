/** The Snowflake connector (real snowflake-sdk, local HTTP fake) against the shared conformance suite. */
import { makeSnowflakeTarget } from './snowflake-target.js';
import { describeWarehouseConformance } from './warehouse-conformance.js';

describeWarehouseConformance('snowflake', () => makeSnowflakeTarget());
