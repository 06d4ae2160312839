/** The configuration: schema and types, loading, and safe printing. */
export * from './config-schema.js';
export * from './dbt-schema.js';
export * from './deferred-credentials.js';
export * from './destination-schema.js';
export * from './format-config-issues.js';
export * from './format-config-path.js';
export * from './interpolate-env.js';
export * from './load-config.js';
export * from './redact-config.js';
export * from './resolve-config-paths.js';
export * from './state-schema.js';
export * from './sync-schema.js';
export * from './warehouse-schema.js';
