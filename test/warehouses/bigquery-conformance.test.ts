/** The BigQuery connector (real @google-cloud/bigquery client, local HTTP fake) against the shared conformance suite. */
import { makeBigQueryTarget } from './bigquery-target.js';
import { describeWarehouseConformance } from './warehouse-conformance.js';

describeWarehouseConformance('bigquery', () => makeBigQueryTarget());
