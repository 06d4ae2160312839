/**
 * Default `statement_timeout` of planner statements when the warehouse sets no `statementTimeoutMs`: long enough
 * for a hundred-million-row staging statement, but never unbounded. Its own module so the warehouse connector can
 * name it without loading the planner.
 */
export const DEFAULT_PLANNER_STATEMENT_TIMEOUT_MS = 2 * 60 * 60 * 1000;
